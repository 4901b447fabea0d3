"""`shouhu import children FILE`: a county's ledger imported as one of its staff.

The command acts as the user named by --user, as a request of that user would: the user's
role and area and the policy's grants compile its scope, and the import runs on sessions of
the application role with that scope (ORM predicates and row-level security), so it reads
and writes what the user may and nothing more. The report (app/services/imports.py) is
printed on stdout as JSON; a summary, the refused rows and a progress bar go to stderr.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.auth.identity import Identity, user_identity
from app.cli.common import CommandRefused, active_user, console
from app.database import app_role_url, create_engine, database_url, session_factory
from app.domain.imports import parse_mapping
from app.progress import RichReporter
from app.services.common import Actor
from app.services.imports import ImportReport, ImportRequest, import_sessions, run_import
from app.services.statistics.refresh import StatisticsSession
from app.settings import get_settings
from authz.enforcer import build_enforcer
from authz.policy_store import load_rules
from authz.principal import principal_for
from authz.scope import compile_scope

import_cli = typer.Typer(help="Import county ledgers (台账).", no_args_is_help=True)


async def _identity(engine: AsyncEngine, username: str) -> Identity:
    async with session_factory(engine, StatisticsSession)() as session:
        return user_identity(await active_user(session, username))


async def _import(url: str, username: str, request: ImportRequest) -> ImportReport:
    settings = get_settings()
    owner = create_engine(url, pool_size=1)
    engine = create_engine(app_role_url(url, settings), pool_size=2)
    try:
        identity = await _identity(owner, username)
        async with session_factory(owner, StatisticsSession)() as session:
            enforcer = build_enforcer(await load_rules(session))
        scope = compile_scope(principal_for(identity, enforcer), enforcer)
        if not scope.can("child_file", "write"):
            raise CommandRefused(f"user {username!r} may not write children's files")
        sessions = import_sessions(engine, scope, clock.today())
        actor = Actor(scope=scope, now=clock.now())
        with RichReporter(console) as reporter:
            return await run_import(sessions, actor, request, reporter)
    finally:
        await engine.dispose()
        await owner.dispose()


def _summary(report: ImportReport) -> None:
    counts = report.counts()
    what = "dry run (nothing written)" if report.dry_run else "import"
    console.print(
        f"{what} of {report.file_name}: {counts['rows']} row(s), {counts['created']} created, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
        f"{counts['refused']} refused, {counts['possibleDuplicates']} possible duplicate(s)",
        markup=False,
        highlight=False,
    )
    for problem in report.problems:
        console.print(f"{problem.code}: {problem.render()}", style="red", markup=False)
    refused = [row for row in report.rows if row.problems]
    if refused:
        table = Table("row", "column", "code", "message")
        for row in refused[:50]:
            for found in row.problems:
                table.add_row(
                    str(found.row), found.column, found.problem.code, found.problem.render()
                )
        console.print(table)
        if len(refused) > 50:
            console.print(f"… and {len(refused) - 50} more refused row(s): see the JSON report")


@import_cli.command("children")
def children_command(
    file: Annotated[Path, typer.Argument(help="The ledger: .xlsx, or .csv in UTF-8 or GBK.")],
    user: Annotated[str, typer.Option(help="The staff member the import acts as.")],
    area: Annotated[
        str | None,
        typer.Option(
            help="Village of rows without an area code, or the area whose villages "
            "the 村 column names."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Report what would happen; write nothing.")] = False,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="A column of another layout: 源列=标准列; repeat."),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option(help="A file of 源列=标准列 lines (UTF-8).")
    ] = None,
) -> None:
    """Import children, households, parents and guardians from a county ledger; prints the
    report (JSON) on stdout. Exit code 1 when rows were refused, 2 when nothing could be
    read."""
    pairs = list(map_ or [])
    if map_file is not None:
        pairs += map_file.read_text(encoding="utf-8-sig").splitlines()
    mapping, problems = parse_mapping(pairs)
    if problems:
        for problem in problems:
            console.print(f"{problem.code}: {problem.render()}", style="red", markup=False)
        raise typer.Exit(2)
    if not file.is_file():
        raise typer.BadParameter(f"no file {file}")
    request = ImportRequest(
        body=file.read_bytes(), file_name=file.name, area_code=area, mapping=mapping,
        dry_run=dry_run,
    )  # fmt: skip
    try:
        with database_url(get_settings()) as url:
            report = asyncio.run(_import(url, user, request))
    except CommandRefused as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(report.document(), ensure_ascii=False, indent=1))
    _summary(report)
    if report.problems:
        raise typer.Exit(2)
    if report.count("refused"):
        raise typer.Exit(1)
