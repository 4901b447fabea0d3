"""The `shouhu` command line."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import areas, clock, migrate
from app.auth.apikeys import create_api_key, list_api_keys, revoke_api_key
from app.auth.tokens import issue_access_token
from app.cli.bootstrap import prepare_database
from app.cli.common import CommandRefused, active_user, console, in_transaction, with_engine
from app.cli.imports import import_cli
from app.cli.keys import keys_cli
from app.cli.mobile_contract import contract_cli
from app.cli.policy import policy_cli
from app.cli.staff import staff_cli
from app.cli.webhooks import webhooks_cli, worker_command
from app.database import create_engine, database_url, direct_url, libpq_url
from app.embedded_db import DataDirectoryVersionError
from app.logging import uvicorn_log_config
from app.models import ApiKey, Organization
from app.observability.metrics import shared_directory
from app.progress import RichReporter
from app.seed.demo import seed_demo
from app.seed.synthetic import SeedError, seed_synthetic
from app.services.daily import rederive, run_daily_job
from app.services.search_keys import reindex_all
from app.settings import get_settings

cli = typer.Typer(help="守护 Shouhu: service and data commands.", no_args_is_help=True)
seed_cli = typer.Typer(help="Load demo or synthetic data.", no_args_is_help=True)
cli.add_typer(seed_cli, name="seed")
apikey_cli = typer.Typer(help="API keys of partner systems.", no_args_is_help=True)
cli.add_typer(apikey_cli, name="apikey")
cli.add_typer(policy_cli, name="policy")
cli.add_typer(contract_cli, name="contract")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(import_cli, name="import")
cli.add_typer(staff_cli, name="staff")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default SHOUHU_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Prepare the database (migrate, areas, demo data) and serve the API."""
    settings = get_settings()
    with database_url(settings) as url:

        async def prepare() -> str:
            # Past any pooler: preparing takes a session lock (several processes may start).
            engine = create_engine(direct_url(url, settings), pool_size=2)
            try:
                with RichReporter() as reporter:
                    return await prepare_database(engine, settings, reporter)
            finally:
                await engine.dispose()

        console.print(asyncio.run(prepare()))
        # Workers inherit the URL, so they all use this (possibly embedded) server.
        os.environ["DATABASE_URL"] = libpq_url(url)
        bind_host = host or settings.host
        # --port 0: any free port (uvicorn logs which).
        bind_port = settings.port if port is None else port
        console.print(f"GraphQL at http://{bind_host}:{bind_port}/graphql")
        processes = workers or settings.workers
        # Several workers add their metrics up in one directory (app/observability/metrics.py).
        with shared_directory(processes):
            uvicorn.run(
                "app.web.service:serving_app",
                factory=True,
                host=bind_host,
                port=bind_port,
                workers=processes,
                log_config=uvicorn_log_config(settings.log_level),
                log_level=settings.log_level.lower(),
                # The client address (login throttling) comes from X-Forwarded-For only when a
                # trusted proxy sends it; anyone else could write any address there.
                proxy_headers=True,
                forwarded_allow_ips=settings.trusted_proxies,
            )


@cli.command("migrate")
def migrate_command(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
    check: Annotated[bool, typer.Option(help="Only compare models with the database.")] = False,
) -> None:
    """Migrate the database (or, with --check, report model/database differences)."""

    async def run(engine: AsyncEngine) -> None:
        if check:
            differences = await migrate.schema_differences(engine)
            for difference in differences:
                console.print(f"  {difference}")
            if differences:
                raise typer.Exit(1)
            console.print("models and database agree")
            return
        await migrate.upgrade(engine, revision)
        console.print(f"database at {await migrate.current_revision(engine)}")

    with_engine(run)


@cli.command("import-areas")
def import_areas_command(
    province: Annotated[
        list[str] | None, typer.Option(help="Province code, e.g. 42; repeat for several.")
    ] = None,
    all_provinces: Annotated[bool, typer.Option("--all", help="The whole country.")] = False,
) -> None:
    """Load the national area table (or some provinces of it)."""
    if bool(province) == all_provinces:
        raise typer.BadParameter("give --province CODE (one or more) or --all")

    async def run(engine: AsyncEngine) -> areas.ImportSummary:
        with RichReporter() as reporter:
            return await areas.import_areas(engine, None if all_provinces else province, reporter)

    try:
        summary = with_engine(run)
    except areas.UnknownProvince as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"{summary.rows:,} areas loaded for {len(summary.provinces)} province(s)")


@cli.command("derive")
def derive_command() -> None:
    """Re-derive every child's categories, key reasons and next visit due (run daily: ages
    change, and with them left-behind status and visit schedules), and recompute the current
    quarter's statistics of every village."""

    async def run(engine: AsyncEngine) -> int:
        with RichReporter() as reporter:
            return await rederive(engine, clock.now(), reporter)

    changed = with_engine(run)
    console.print(f"{changed:,} children had derived facts to update")


@seed_cli.command("demo")
def seed_demo_command() -> None:
    """Seed the demo data (Ezhou, Hubei, with the demo users) unless it is already there."""

    async def run(engine: AsyncEngine) -> str:
        with RichReporter() as reporter:
            summary = await seed_demo(engine, today=clock.today(), reporter=reporter)
        return "demo data already present" if summary is None else summary.line()

    console.print(with_engine(run))


@seed_cli.command("synthetic")
def seed_synthetic_command(
    children: Annotated[int, typer.Option(min=1, help="How many children.")],
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 1,
    county: Annotated[
        str | None, typer.Option(help="6-digit county code (default: the demo province).")
    ] = None,
) -> None:
    """Generate synthetic child files for benchmarks, deterministic from --seed."""
    if county is not None and not (len(county) == 6 and county.isdigit()):
        raise typer.BadParameter("--county takes a 6-digit county code, e.g. 420702")
    area = county or get_settings().demo_province

    async def run(engine: AsyncEngine) -> str:
        with RichReporter() as reporter:
            summary = await seed_synthetic(
                engine, children=children, seed=seed, area=area, today=clock.today(),
                reporter=reporter,
            )  # fmt: skip
        return summary.line()

    try:
        console.print(with_engine(run))
    except SeedError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@cli.command("token")
def token_command(
    username: Annotated[str, typer.Argument(help="The user to issue the token for.")],
    ttl: Annotated[
        int | None, typer.Option(min=1, help="Lifetime in seconds (default the setting).")
    ] = None,
) -> None:
    """Print an access token for a user (development and tests); nothing else on stdout."""
    settings = get_settings()

    async def run(session: AsyncSession) -> str:
        user = await active_user(session, username)
        return issue_access_token(user.id, settings, ttl=ttl)[0]

    typer.echo(in_transaction(run))


async def _organization(session: AsyncSession, ref: str) -> Organization:
    """The organization `ref` names: its UUID or its exact name (which must be unique)."""
    try:
        found = await session.get(Organization, uuid.UUID(ref))
        if found is None or found.deleted_at is not None:
            raise CommandRefused(f"no organization with id {ref}")
        return found
    except ValueError:
        pass  # not a UUID: a name
    candidates = list(
        await session.scalars(
            select(Organization)
            .where(Organization.name == ref, Organization.deleted_at.is_(None))
            .order_by(Organization.area_code, Organization.id)
        )
    )
    if not candidates:
        raise CommandRefused(f"no organization named {ref!r}")
    if len(candidates) > 1:
        lines = "\n".join(
            f"  {org.id}  {org.kind.value}  {org.area_code}  {org.name}" for org in candidates
        )
        raise CommandRefused(
            f"{len(candidates)} organizations are named {ref!r}; give one by id:\n{lines}"
        )
    return candidates[0]


@apikey_cli.command("create")
def apikey_create_command(
    org: Annotated[str, typer.Option(help="Organization: its id, or its exact name.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. the system using it.")] = (
        "integration"
    ),
    holder: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="The username of the person the key is issued to: their leaving revokes it.",
        ),
    ] = None,
) -> None:
    """Create an API key for a school, police station, NGO or protection centre."""

    async def run(session: AsyncSession) -> tuple[ApiKey, Organization, str]:
        organization = await _organization(session, org)
        person = None if holder is None else await active_user(session, holder)
        try:
            key, plaintext = await create_api_key(
                session, organization, name, None if person is None else person.id
            )
        except ValueError as exc:
            raise CommandRefused(str(exc)) from exc
        return key, organization, plaintext

    key, organization, plaintext = in_transaction(run)
    typer.echo(plaintext)
    console.print(
        f"API key {key.prefix} ({key.id}) for {organization.name}, role {key.role.value}. "
        "This is the only time the key is shown: store it now.",
        markup=False,
        highlight=False,
    )


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


@apikey_cli.command("list")
def apikey_list_command(
    org: Annotated[str | None, typer.Option(help="Only this organization (id or name).")] = None,
) -> None:
    """List API keys (never their secrets)."""

    async def run(session: AsyncSession) -> list[tuple[ApiKey, Organization]]:
        organization = None if org is None else await _organization(session, org)
        return await list_api_keys(session, None if organization is None else organization.id)

    rows = in_transaction(run)
    table = Table("id", "prefix", "name", "organization", "role", "created", "revoked", "last used")
    for key, organization in rows:
        table.add_row(
            str(key.id),
            key.prefix,
            key.name,
            organization.name,
            key.role.value,
            _when(key.created_at),
            _when(key.revoked_at),
            _when(key.last_used_at),
        )
    Console().print(table)
    console.print(f"{len(rows)} key(s)")


@apikey_cli.command("revoke")
def apikey_revoke_command(
    key_id: Annotated[str, typer.Argument(help="The key's id (or its prefix).")],
) -> None:
    """Revoke an API key for good: calls with it are refused from now on."""

    async def run(session: AsyncSession) -> ApiKey:
        try:
            key = await session.get(ApiKey, uuid.UUID(key_id))
        except ValueError:
            key = await session.scalar(select(ApiKey).where(ApiKey.prefix == key_id))
        if key is None:
            raise CommandRefused(f"no API key {key_id}")
        if not await revoke_api_key(session, key.id):
            raise CommandRefused(f"API key {key.prefix} was already revoked")
        return key

    key = in_transaction(run)
    console.print(f"API key {key.prefix} ({key.id}) revoked", markup=False, highlight=False)


cli.add_typer(webhooks_cli, name="webhooks")
cli.command("worker")(worker_command)


@cli.command("daily")
def daily_command() -> None:
    """Run today's daily job now unless it is done (re-derivation, deadline tasks, escalation,
    tasks whose situation ended), catching up the days missed; `shouhu serve` runs it itself
    unless SHOUHU_DAILY_JOB=false."""

    async def run(engine: AsyncEngine) -> str:
        with RichReporter() as reporter:
            return (await run_daily_job(engine, reporter)).line()

    console.print(with_engine(run))


@cli.command("reindex-search")
def reindex_search_command() -> None:
    """Compute every child's and household's search keys again (after an upgrade that added
    them, a bulk load that bypassed the service, or a new ID number hash key)."""

    async def run(engine: AsyncEngine) -> tuple[int, int]:
        async with engine.begin() as conn:
            return await reindex_all(conn)

    households, children = with_engine(run)
    console.print(f"search keys of {children:,} children and {households:,} households")


def main() -> None:
    """Entry point of the `shouhu` console script."""
    settings = get_settings()
    clock.configure(settings.timezone, settings.now)
    try:
        cli()
    except DataDirectoryVersionError as exc:
        # Whichever command met the directory, the person needs the message, not a traceback.
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise SystemExit(2) from exc
