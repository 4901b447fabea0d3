"""Demo and synthetic data: what the docs promise is there, deterministic, and valid."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import migrate
from app.areas import import_areas
from app.domain.case_deadlines import STAGE_ORDER
from app.domain.idnumber import is_valid_id_number
from app.idcrypto import unseal
from app.seed.demo import DEMO_USERS, DEMO_VILLAGE, seed_demo
from app.seed.synthetic import SeedError, seed_synthetic
from tests.conftest import TODAY, EngineFactory, create_database, drop_database

DOCUMENTED_USERS = {
    "demo-village", "demo-village2", "demo-township", "demo-county", "demo-city",
    "demo-police", "demo-school", "demo-ngo", "demo-admin",
}  # fmt: skip


async def _scalar(engine_for: EngineFactory, url: str, sql: str) -> object:
    async with engine_for(url).connect() as conn:
        return await conn.scalar(text(sql))


async def test_demo_users_exist_with_documented_usernames(
    demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        rows = (
            await conn.execute(text("SELECT username, role, area_code FROM users "
                                    "WHERE username LIKE 'demo-%'"))
        ).all()  # fmt: skip
    found = {row.username: row for row in rows}
    assert set(found) >= DOCUMENTED_USERS
    assert set(found) == {u.username for u in DEMO_USERS}
    assert found["demo-village"].area_code == DEMO_VILLAGE
    # demo-village2 is another village of the same township.
    assert found["demo-village2"].area_code != DEMO_VILLAGE
    assert found["demo-village2"].area_code[:9] == DEMO_VILLAGE[:9]
    assert found["demo-township"].area_code == DEMO_VILLAGE[:9]


async def test_demo_village_has_a_case_in_every_stage(
    demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        stages = set(
            (
                await conn.scalars(
                    text("SELECT DISTINCT stage FROM cases WHERE area_code = :v"),
                    {"v": DEMO_VILLAGE},
                )
            ).all()
        )
    # Every stage of the emergency path; a dropout case's own stages are made through the API.
    assert stages == {s.value for s in STAGE_ORDER}


async def test_demo_has_a_year_of_visits_guardians_schools_absences_and_contracts(
    demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        facts = (
            await conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM children) AS children,"
                    " (SELECT count(*) FROM parents WHERE status = 'working_away'"
                    "   AND work_province_code <> '42') AS away_out_of_province,"
                    " (SELECT count(*) FROM guardianships WHERE status = 'active') AS guardians,"
                    " (SELECT min(visited_at) FROM visits) AS first_visit,"
                    " (SELECT count(*) FROM organizations WHERE kind = 'school') AS schools,"
                    " (SELECT count(*) FROM absence_records WHERE child_id IS NOT NULL)"
                    "   AS matched_absences,"
                    " (SELECT count(*) FROM ngo_contracts WHERE ends_on >= :today) AS active,"
                    " (SELECT count(*) FROM children WHERE area_code NOT LIKE '4207%') AS outside"
                ),
                {"today": TODAY},
            )
        ).one()
    assert facts.children > 1000
    assert facts.away_out_of_province > 100
    assert facts.guardians > 500
    assert (TODAY - facts.first_visit.date()).days > 300
    assert facts.schools >= 28  # one per township of Ezhou
    assert facts.matched_absences > 10
    assert facts.active == 1
    assert facts.outside == 0


async def test_seed_demo_twice_changes_nothing(fresh_db: str, engine_for: EngineFactory) -> None:
    engine = engine_for(fresh_db)
    before = await _scalar(engine_for, fresh_db, "SELECT count(*) FROM children")
    assert await seed_demo(engine, today=TODAY) is None
    assert await _scalar(engine_for, fresh_db, "SELECT count(*) FROM children") == before


async def test_generated_id_numbers_are_valid_and_consistent(
    demo_db: str, engine_for: EngineFactory
) -> None:
    async with engine_for(demo_db).connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT id_number_enc, birth_date, gender FROM children "
                     "WHERE id_number_enc IS NOT NULL")
            )
        ).all()  # fmt: skip
    assert rows
    for row in rows:
        number = unseal(row.id_number_enc, "children.id_number")
        assert is_valid_id_number(number), number
        assert number[6:14] == row.birth_date.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 1) == (row.gender == "male")


async def _synthetic_fingerprint(
    engine_for: EngineFactory, url: str, seed: int
) -> list[tuple[object, ...]]:
    engine = engine_for(url)
    await migrate.upgrade(engine)
    await import_areas(engine, ["42"])
    summary = await seed_synthetic(engine, children=300, seed=seed, area="420702", today=TODAY)
    assert summary.counts["children"] == 300
    async with engine.connect() as conn:
        rows = await conn.execute(
            # The fingerprint, not the sealed value: a fresh nonce seals each value.
            text("SELECT id, id_number_hash, name, area_code FROM children ORDER BY id")
        )
        return [tuple(row) for row in rows]


async def test_synthetic_is_deterministic_from_its_seed(
    server_url: str, engine_for: EngineFactory
) -> None:
    urls = [await create_database(server_url) for _ in range(3)]
    try:
        first = await _synthetic_fingerprint(engine_for, urls[0], seed=7)
        second = await _synthetic_fingerprint(engine_for, urls[1], seed=7)
        other = await _synthetic_fingerprint(engine_for, urls[2], seed=8)
    finally:
        for url in urls:
            await drop_database(server_url, url)
    assert first == second
    assert first != other
    assert all(str(code).startswith("420702") for *_, code in first)


async def test_synthetic_refuses_an_area_that_already_has_synthetic_data(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine = engine_for(fresh_db)
    await seed_synthetic(engine, children=50, seed=1, area="420703", today=TODAY)
    with pytest.raises(SeedError, match="already exists"):
        await seed_synthetic(engine, children=50, seed=2, area="4207", today=TODAY)


async def test_synthetic_needs_areas_loaded(fresh_db: str, engine_for: EngineFactory) -> None:
    with pytest.raises(SeedError, match="import-areas --province 11"):
        await seed_synthetic(engine_for(fresh_db), children=5, seed=1, area="110101", today=TODAY)


async def test_synthetic_shares_are_plausible(fresh_db: str, engine_for: EngineFactory) -> None:
    engine = engine_for(fresh_db)
    await seed_synthetic(engine, children=2000, seed=3, area="420704", today=TODAY)
    async with engine.connect() as conn:
        share_both_away = await conn.scalar(
            text(
                "SELECT avg(((SELECT count(*) FROM parents p WHERE p.household_id = c.household_id"
                " AND p.status = 'working_away') = 2)::int::float) FROM children c"
                " WHERE c.area_code LIKE '420704%'"
            )
        )
        living_alone = await conn.scalar(
            text("SELECT count(*) FROM children WHERE area_code LIKE '420704%' "
                 "AND living_arrangement = 'alone'")
        )  # fmt: skip
    assert 0.45 < share_both_away < 0.65
    assert living_alone < 20
