"""The national area table: package data, COPY import, re-import."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import migrate
from app.areas import UnknownProvince, import_areas, level_of, province_codes
from app.enums import AreaLevel
from tests.conftest import EngineFactory


def test_package_data_has_every_province() -> None:
    provinces = province_codes()
    assert len(provinces) == 31
    assert provinces["42"] == "湖北省"


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("42", AreaLevel.PROVINCE),
        ("4207", AreaLevel.CITY),
        ("420702", AreaLevel.COUNTY),
        ("420702100", AreaLevel.TOWNSHIP),
        ("420702100201", AreaLevel.VILLAGE),
    ],
)
def test_level_of_code(code: str, level: AreaLevel) -> None:
    assert level_of(code) is level


@pytest.mark.parametrize("code", ["", "4", "42070", "4207021002011", "42a7"])
def test_level_of_rejects_non_codes(code: str) -> None:
    with pytest.raises(ValueError):
        level_of(code)


async def test_import_one_province_then_again(empty_db: str, engine_for: EngineFactory) -> None:
    engine = engine_for(empty_db)
    await migrate.upgrade(engine)
    first = await import_areas(engine, ["11"])
    again = await import_areas(engine, ["11"])
    assert first.rows == again.rows
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT level, count(*) AS n FROM areas GROUP BY level"))
        ).all()
        orphans = await conn.scalar(
            text(
                "SELECT count(*) FROM areas a WHERE a.level <> 'province' AND NOT EXISTS "
                "(SELECT 1 FROM areas p WHERE p.code = a.parent_code)"
            )
        )
        misplaced = await conn.scalar(
            text("SELECT count(*) FROM areas WHERE parent_code IS NOT NULL "
                 "AND left(code, length(parent_code)) <> parent_code")
        )  # fmt: skip
    counts = {row.level: row.n for row in rows}
    assert counts["province"] == 1
    assert counts["county"] == 16  # Beijing's districts
    assert sum(counts.values()) == first.rows
    assert orphans == 0
    assert misplaced == 0


async def test_unknown_province_is_refused(empty_db: str, engine_for: EngineFactory) -> None:
    engine = engine_for(empty_db)
    await migrate.upgrade(engine)
    with pytest.raises(UnknownProvince, match="99"):
        await import_areas(engine, ["99"])
