"""`shouhu staff add`: a person registered by the operator of the database, such as a new
deployment's first administrator (everyone else is registered in the API: docs/staff.md)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.common import CommandRefused, console, in_transaction
from app.enums import Role
from app.errors import DomainError
from app.services.staff import Credentialed, add_staff

staff_cli = typer.Typer(help="The staff register, from the operator's side.", no_args_is_help=True)


@staff_cli.command("add")
def add_command(
    username: Annotated[str, typer.Argument(help="What the person logs in with.")],
    name: Annotated[str, typer.Option(help="The person's real name.")],
    role: Annotated[Role, typer.Option(help="The role, e.g. admin or county_civil_affairs.")],
    area: Annotated[str, typer.Option(help="The area code the role is held in, e.g. 42.")],
    phone: Annotated[str | None, typer.Option(help="A mobile or landline number.")] = None,
) -> None:
    """Register a person and print their one-time password (once): they change it at their
    first login."""

    async def run(session: AsyncSession) -> Credentialed:
        changes = {
            "username": username, "display_name": name, "role": role, "area_code": area,
            "phone": phone,
        }  # fmt: skip
        try:
            return await add_staff(session, changes)
        except DomainError as exc:
            raise CommandRefused(
                "; ".join(f"{p.field}: {p.render()}" for p in exc.problems)
            ) from exc

    made = in_transaction(run)
    typer.echo(made.one_time_password)
    console.print(
        f"{made.staff.username} ({made.staff.role.value} in {made.staff.area_code}). This is the "
        "only time the one-time password is shown: give it to the person now.",
        markup=False,
        highlight=False,
    )
