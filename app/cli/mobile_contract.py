"""`shouhu contract`: the mobile app's operations against the live schema."""

from __future__ import annotations

import typer
from graphql import build_schema

from app import mobile_contract
from app.cli.common import console

contract_cli = typer.Typer(help="The mobile contract (mobile_contract/).", no_args_is_help=True)


def _live_sdl() -> str:
    from schema import schema  # the schema imports the whole service: only when needed

    return schema.as_str()


@contract_cli.command("build")
def build() -> None:
    """Regenerate manifest.json (persisted ids) and schema.graphql (the snapshot)."""
    mobile_contract.write(_live_sdl())
    console.print(f"{len(mobile_contract.operations())} operations; manifest and snapshot written")


@contract_cli.command("check")
def check() -> None:
    """Fail when an operation no longer validates, the manifest is stale, or the live schema
    breaks the snapshot; list dangerous changes."""
    report = mobile_contract.check(build_schema(_live_sdl()))
    for line in report.dangerous:
        console.print(f"[yellow]{line}[/yellow]")
    for line in report.errors:
        console.print(f"[red]{line}[/red]")
    if not report.ok:
        raise typer.Exit(1)
    console.print(f"contract holds: {len(mobile_contract.operations())} operations")
