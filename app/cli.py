"""The `shouhu` command line."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, TypeVar

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from app import areas, migrate
from app.bootstrap import prepare_database
from app.database import create_engine, database_url, libpq_url
from app.logging import UVICORN_LOG_CONFIG
from app.progress import RichReporter
from app.seed.demo import seed_demo
from app.seed.synthetic import SeedError, seed_synthetic
from app.settings import get_settings

cli = typer.Typer(help="守护 Shouhu: service and data commands.", no_args_is_help=True)
seed_cli = typer.Typer(help="Load demo or synthetic data.", no_args_is_help=True)
cli.add_typer(seed_cli, name="seed")
console = Console(stderr=True)
T = TypeVar("T")


def _with_engine(action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `action` on the configured database (the embedded one when DATABASE_URL is unset)."""

    async def run(url: str) -> T:
        engine = create_engine(url, pool_size=2)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    with database_url(get_settings()) as url:
        return asyncio.run(run(url))


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
            engine = create_engine(url, pool_size=2)
            try:
                with RichReporter() as reporter:
                    return await prepare_database(engine, settings, reporter)
            finally:
                await engine.dispose()

        console.print(asyncio.run(prepare()))
        # Workers inherit the URL, so they all use this (possibly embedded) server.
        os.environ["DATABASE_URL"] = libpq_url(url)
        bind_host, bind_port = host or settings.host, port or settings.port
        console.print(f"GraphQL at http://{bind_host}:{bind_port}/graphql")
        uvicorn.run(
            "app.service:create_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers or settings.workers,
            log_config=UVICORN_LOG_CONFIG,
            log_level=settings.log_level.lower(),
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

    _with_engine(run)


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
        summary = _with_engine(run)
    except areas.UnknownProvince as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"{summary.rows:,} areas loaded for {len(summary.provinces)} province(s)")


@seed_cli.command("demo")
def seed_demo_command() -> None:
    """Seed the demo data (Ezhou, Hubei, with the demo users) unless it is already there."""

    async def run(engine: AsyncEngine) -> str:
        with RichReporter() as reporter:
            summary = await seed_demo(engine, today=date.today(), reporter=reporter)
        return "demo data already present" if summary is None else summary.line()

    console.print(_with_engine(run))


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
                engine, children=children, seed=seed, area=area, today=date.today(),
                reporter=reporter,
            )  # fmt: skip
        return summary.line()

    try:
        console.print(_with_engine(run))
    except SeedError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def main() -> None:
    """Entry point of the `shouhu` console script."""
    cli()
