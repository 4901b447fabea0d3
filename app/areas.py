"""Loading the national area table (package data) into the database with COPY."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import raw_connection
from app.enums import AreaLevel
from app.progress import Advance, Reporter, SilentReporter

# File of each level and the column naming the parent; codes are 2/4/6/9/12 digits.
LEVEL_FILES: tuple[tuple[AreaLevel, str, str | None], ...] = (
    (AreaLevel.PROVINCE, "provinces.csv.gz", None),
    (AreaLevel.CITY, "cities.csv.gz", "provinceCode"),
    (AreaLevel.COUNTY, "counties.csv.gz", "cityCode"),
    (AreaLevel.TOWNSHIP, "townships.csv.gz", "areaCode"),
    (AreaLevel.VILLAGE, "villages.csv.gz", "streetCode"),
)
CODE_LENGTH = {
    AreaLevel.PROVINCE: 2,
    AreaLevel.CITY: 4,
    AreaLevel.COUNTY: 6,
    AreaLevel.TOWNSHIP: 9,
    AreaLevel.VILLAGE: 12,
}

AreaRow = tuple[str, str, str, str | None]


class UnknownProvince(ValueError):
    """A province code that is not in the national table."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    provinces: tuple[str, ...]
    rows: int


def level_of(code: str) -> AreaLevel:
    """The level of an area code, from its length."""
    for level, length in CODE_LENGTH.items():
        if len(code) == length and code.isdigit():
            return level
    raise ValueError(f"not an area code: {code!r}")


def province_codes() -> dict[str, str]:
    """Every province code with its name, from the package data."""
    return {code: name for code, name, _level, _parent in _read(AreaLevel.PROVINCE, None)}


def _data_file(name: str) -> resources.abc.Traversable:
    return resources.files("app") / "data" / "admin-divisions" / name


def _read(level: AreaLevel, provinces: Collection[str] | None) -> Iterator[AreaRow]:
    filename, parent_column = next((f, p) for lvl, f, p in LEVEL_FILES if lvl == level)
    with _data_file(filename).open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for record in csv.DictReader(fh):
            code = record["code"]
            if provinces is None or code[:2] in provinces:
                parent = record[parent_column] if parent_column else None
                yield code, record["name"], level.value, parent


def _counted(rows: Iterator[AreaRow], advance: Advance) -> Iterator[AreaRow]:
    count = 0
    for count, row in enumerate(rows, 1):
        if count % 10_000 == 0:
            advance(10_000)
        yield row
    advance(count % 10_000)


async def import_areas(
    engine: AsyncEngine,
    provinces: Collection[str] | None = None,
    reporter: Reporter | None = None,
) -> ImportSummary:
    """Load the areas of `provinces` (all when None), inserting new codes and updating names.

    Rows are COPYed into a temporary table and merged in one statement, so a re-import is
    idempotent and the parent foreign key is checked once the whole batch is in.
    """
    progress: Reporter = reporter or SilentReporter()
    known = province_codes()
    chosen = tuple(sorted(known)) if provinces is None else tuple(sorted(set(provinces)))
    unknown = [code for code in chosen if code not in known]
    if unknown:
        raise UnknownProvince(f"unknown province code(s): {', '.join(unknown)}")
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TEMP TABLE areas_import (LIKE areas INCLUDING DEFAULTS) ON COMMIT DROP")
        )
        driver = await raw_connection(conn)
        for level, _filename, _parent in LEVEL_FILES:
            with progress.step(f"areas: {level.value}", None) as advance:
                await driver.copy_records_to_table(
                    "areas_import",
                    records=_counted(_read(level, chosen), advance),
                    columns=["code", "name", "level", "parent_code"],
                )
        result = await conn.execute(
            text(
                "INSERT INTO areas (code, name, level, parent_code) "
                "SELECT code, name, level, parent_code FROM areas_import "
                "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, "
                "level = EXCLUDED.level, parent_code = EXCLUDED.parent_code"
            )
        )
    return ImportSummary(provinces=chosen, rows=result.rowcount)


async def loaded_provinces(engine: AsyncEngine) -> set[str]:
    """Province codes already in the database."""
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT code FROM areas WHERE level = 'province'"))
        return {row.code for row in rows}
