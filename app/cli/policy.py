"""`shouhu policy`: the Casbin rules in the database (workers pick changes up by themselves)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.common import console, in_transaction
from app.models import CasbinRule
from authz.enforcer import InvalidPolicy, validate
from authz.patterns import InvalidPattern
from authz.policy_store import add_rule, install_default_policy, remove_rule

policy_cli = typer.Typer(
    help="Authorization rules: `p, role, domain, object, action` and `g, subject, role, domain`.",
    no_args_is_help=True,
)
RuleArgument = Annotated[
    list[str],
    typer.Argument(
        help="p ROLE DOMAIN OBJECT ACTION, or g SUBJECT ROLE DOMAIN "
        "(e.g. g user:demo-admin county_civil_affairs 420702*)"
    ),
]


def _checked(values: list[str]) -> tuple[str, ...]:
    rule = tuple(values)
    try:
        return validate(rule)
    except (InvalidPolicy, InvalidPattern) as exc:
        raise typer.BadParameter(str(exc)) from exc


@policy_cli.command("list")
def list_rules() -> None:
    """Show every rule in force."""

    async def run(session: AsyncSession) -> list[tuple[str, ...]]:
        await install_default_policy(session)
        rows = await session.scalars(select(CasbinRule).order_by(CasbinRule.id))
        return [row.as_rule() for row in rows]

    table = Table("type", "subject", "domain / role", "object / domain", "action")
    for rule in in_transaction(run):
        table.add_row(*rule)
    console.print(table)


@policy_cli.command("add")
def add(rule: RuleArgument) -> None:
    """Add a rule."""
    checked = _checked(rule)

    async def run(session: AsyncSession) -> bool:
        return await add_rule(session, checked)

    added = in_transaction(run)
    console.print(f"{'added' if added else 'already present'}: {', '.join(checked)}")


@policy_cli.command("remove")
def remove(rule: RuleArgument) -> None:
    """Remove a rule."""
    checked = _checked(rule)

    async def run(session: AsyncSession) -> bool:
        return await remove_rule(session, checked)

    if not in_transaction(run):
        console.print(f"no such rule: {', '.join(checked)}")
        raise typer.Exit(2)
    console.print(f"removed: {', '.join(checked)}")
