"""Demo data: Ezhou city (4207), Hubei, with the demo users that docs and tests rely on."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import clock
from app.areas import import_areas, loaded_provinces
from app.domain.case_deadlines import STAGE_ORDER
from app.domain.staff import REFRESHER_NOTICE_DAYS, TRAINED_ROLES
from app.enums import (
    AreaLevel,
    CaseCategory,
    NgoServiceType,
    OrganizationKind,
    Role,
    TrainingResult,
)
from app.idcrypto import sealed_pair
from app.models import (
    AbsenceRecord,
    NgoContract,
    NgoContractChild,
    Organization,
    StaffTraining,
    User,
)
from app.passwords import hash_password
from app.progress import Reporter, SilentReporter
from app.seed.copy import TABLE_ORDER, copy_batch
from app.seed.demo_alerts import raise_demo_alerts
from app.seed.generator import Batch, ChildFileGenerator, GeneratedChild, VillagePlace
from app.seed.places import areas_under, create_village_places
from app.seed.summary import SeedSummary
from app.services.statistics.history import fill_statistics

DEMO_CITY = "4207"  # 鄂州市, one of the seed cities (seed 001)
DEMO_COUNTY = "420702"  # 梁子湖区
DEMO_TOWNSHIP = "420702100"  # 太和镇
DEMO_VILLAGE = "420702100201"  # 伯浩村
DEMO_VILLAGE2 = "420702100202"  # 朝英村
DEMO_PASSWORD = "shouhu-demo"
DEMO_SEED = 20161
# Children per village: the demo township is full, the rest of the city sparse.
CHILDREN_IN_DEMO_VILLAGES = 60
CHILDREN_IN_DEMO_TOWNSHIP = 25
CHILDREN_ELSEWHERE = 4


@dataclass(frozen=True)
class DemoUser:
    """One demo account: what it is for is documented in the README."""

    username: str
    display_name: str
    role: Role
    area_code: str
    organization: str | None


_STAFF = (
    DemoUser("demo-village", "伯浩村儿童主任", Role.VILLAGE_DIRECTOR, DEMO_VILLAGE, "village"),
    DemoUser("demo-village2", "朝英村儿童主任", Role.VILLAGE_DIRECTOR, DEMO_VILLAGE2, "village2"),
    DemoUser(
        "demo-township", "太和镇儿童督导员", Role.TOWNSHIP_SUPERVISOR, DEMO_TOWNSHIP, "township"
    ),
    DemoUser("demo-county", "梁子湖区民政局", Role.COUNTY_CIVIL_AFFAIRS, DEMO_COUNTY, "bureau"),
    DemoUser("demo-centre", "梁子湖区未保中心", Role.PROTECTION_CENTRE, DEMO_COUNTY, "centre"),
    DemoUser("demo-city", "鄂州市民政局", Role.CITY, DEMO_CITY, "city"),
    DemoUser("demo-police", "太和派出所民警", Role.POLICE, DEMO_TOWNSHIP, "police"),
    DemoUser("demo-school", "太和镇中心小学", Role.SCHOOL, DEMO_TOWNSHIP, "school"),
    DemoUser("demo-ngo", "阳光社工服务中心", Role.NGO, DEMO_COUNTY, "ngo"),
    DemoUser("demo-admin", "系统管理员", Role.ADMIN, "42", "system"),
)
# Staff of bodies that receive referrals, made after the files (so the files stay as seeded
# before there were any).
_RECEIVERS = (
    DemoUser(
        "demo-legalaid", "梁子湖区法律援助中心", Role.PARTNER_AGENCY, DEMO_COUNTY, "legal_aid"
    ),
)
DEMO_USERS = _STAFF + _RECEIVERS

# Organizations the demo users belong to (the school and police station are made with the
# other townships' and looked up afterwards).
_DEMO_ORGANIZATIONS = {
    "village": (OrganizationKind.VILLAGE_COMMITTEE, "伯浩村村民委员会", DEMO_VILLAGE),
    "village2": (OrganizationKind.VILLAGE_COMMITTEE, "朝英村村民委员会", DEMO_VILLAGE2),
    "township": (OrganizationKind.TOWNSHIP_OFFICE, "太和镇人民政府", DEMO_TOWNSHIP),
    "bureau": (OrganizationKind.CIVIL_AFFAIRS_BUREAU, "梁子湖区民政局", DEMO_COUNTY),
    "centre": (OrganizationKind.PROTECTION_CENTRE, "梁子湖区未成年人救助保护中心", DEMO_COUNTY),
    "education": (OrganizationKind.EDUCATION_BUREAU, "梁子湖区教育局", DEMO_COUNTY),
    "city": (OrganizationKind.CITY_CIVIL_AFFAIRS, "鄂州市民政局", DEMO_CITY),
    "ngo": (OrganizationKind.NGO, "鄂州市阳光社会工作服务中心", DEMO_COUNTY),
    "system": (OrganizationKind.SYSTEM, "守护系统运维", "42"),
}

# The bodies cases are referred to (seeds 001, 002, 004), for the city and the demo county:
# the city's court, procuratorate and institutions, and the county's own.
_DIRECTORY = {
    "city_court": (OrganizationKind.COURT, "鄂州市中级人民法院", DEMO_CITY),
    "city_procuratorate": (OrganizationKind.PROCURATORATE, "鄂州市人民检察院", DEMO_CITY),
    "city_legal_aid": (OrganizationKind.LEGAL_AID, "鄂州市法律援助中心", DEMO_CITY),
    "city_hospital": (OrganizationKind.HOSPITAL, "鄂州市中心医院", DEMO_CITY),
    "city_disabled": (
        OrganizationKind.DISABLED_PERSONS_FEDERATION,
        "鄂州市残疾人联合会",
        DEMO_CITY,
    ),
    "city_women": (OrganizationKind.WOMENS_FEDERATION, "鄂州市妇女联合会", DEMO_CITY),
    "city_youth": (OrganizationKind.YOUTH_LEAGUE, "共青团鄂州市委员会", DEMO_CITY),
    "rescue_station": (OrganizationKind.RESCUE_STATION, "鄂州市救助管理站", DEMO_CITY),
    "welfare": (OrganizationKind.CHILD_WELFARE_INSTITUTION, "鄂州市儿童福利院", DEMO_CITY),
    "court": (OrganizationKind.COURT, "鄂州市梁子湖区人民法院", DEMO_COUNTY),
    "procuratorate": (OrganizationKind.PROCURATORATE, "鄂州市梁子湖区人民检察院", DEMO_COUNTY),
    "legal_aid": (OrganizationKind.LEGAL_AID, "梁子湖区法律援助中心", DEMO_COUNTY),
    "hospital": (OrganizationKind.HOSPITAL, "梁子湖区人民医院", DEMO_COUNTY),
    "disabled": (OrganizationKind.DISABLED_PERSONS_FEDERATION, "梁子湖区残疾人联合会", DEMO_COUNTY),
    "women": (OrganizationKind.WOMENS_FEDERATION, "梁子湖区妇女联合会", DEMO_COUNTY),
    "youth": (OrganizationKind.YOUTH_LEAGUE, "共青团梁子湖区委员会", DEMO_COUNTY),
}


async def demo_seeded(engine: AsyncEngine) -> bool:
    """Whether the demo data is already in the database."""
    async with engine.connect() as conn:
        found = await conn.scalar(select(User.id).where(User.username == "demo-admin"))
        return found is not None


async def seed_demo(
    engine: AsyncEngine, *, today: date, reporter: Reporter | None = None
) -> SeedSummary | None:
    """Load Hubei's areas if missing and seed the demo once; None when it was already there."""
    progress: Reporter = reporter or SilentReporter()
    if "42" not in await loaded_provinces(engine):
        await import_areas(engine, ["42"], progress)
    if await demo_seeded(engine):
        return None
    # Demo ID numbers use sequences 000-099; synthetic data uses 100-999, so both fit.
    generator = ChildFileGenerator(DEMO_SEED, today, id_sequences=range(0, 100))
    batch = Batch()
    totals = dict.fromkeys(TABLE_ORDER, 0)
    async with engine.begin() as conn:
        org_ids = await _organizations(conn, generator, _DEMO_ORGANIZATIONS)
        user_ids = await _users(conn, generator, org_ids, _STAFF)
        villages = await areas_under(conn, DEMO_CITY, AreaLevel.VILLAGE)
        places = await create_village_places(
            conn,
            generator,
            villages,
            username_prefix="director-",
            directors={
                DEMO_VILLAGE: user_ids["demo-village"],
                DEMO_VILLAGE2: user_ids["demo-village2"],
            },
        )
        await _attach_to_township_bodies(conn, user_ids, places)
        generated: list[GeneratedChild] = []
        with progress.step("demo children", None) as advance:
            for place in places:
                wanted = _children_for(place.code)
                made = 0
                while made < wanted:
                    family = generator.household(
                        batch, place, min(generator.children_in_household(), wanted - made)
                    )
                    generated.extend(family)
                    made += len(family)
                advance(made)
        by_code = {p.code: p for p in places}
        _cases_in_every_stage(generator, batch, by_code[DEMO_VILLAGE], generated)
        for table, n in (await copy_batch(conn, batch)).items():
            totals[table] += n
        await _ngo_contracts(conn, generator, org_ids["ngo"], generated, today)
        totals["absence_records"] = await _absences(conn, generator, by_code, generated, today)
        totals["area_quarter_statistics"] = await fill_statistics(conn, generator.now)
        directory = await _organizations(conn, generator, _DIRECTORY)
        await _users(conn, generator, directory, _RECEIVERS)
        totals["staff_trainings"] = await _trainings(conn, today)
    totals["tasks"] = await raise_demo_alerts(
        engine,
        {
            DEMO_VILLAGE: (user_ids["demo-village"], "demo-village"),
            DEMO_VILLAGE2: (user_ids["demo-village2"], "demo-village2"),
        },
        clock.now(),
    )
    return SeedSummary(area=DEMO_CITY, villages=len(villages), counts=totals)


def _children_for(village: str) -> int:
    if village in (DEMO_VILLAGE, DEMO_VILLAGE2):
        return CHILDREN_IN_DEMO_VILLAGES
    if village.startswith(DEMO_TOWNSHIP):
        return CHILDREN_IN_DEMO_TOWNSHIP
    return CHILDREN_ELSEWHERE


async def _organizations(
    conn: AsyncConnection,
    generator: ChildFileGenerator,
    organizations: dict[str, tuple[OrganizationKind, str, str]],
) -> dict[str, uuid.UUID]:
    ids = {key: generator.new_id() for key in organizations}
    await conn.execute(
        insert(Organization),
        [
            {"id": ids[key], "kind": kind, "name": name, "area_code": area}
            for key, (kind, name, area) in organizations.items()
        ],
    )
    return ids


async def _users(
    conn: AsyncConnection,
    generator: ChildFileGenerator,
    org_ids: dict[str, uuid.UUID],
    users: tuple[DemoUser, ...],
) -> dict[str, uuid.UUID]:
    password_hash = hash_password(DEMO_PASSWORD)
    ids = {user.username: generator.new_id() for user in users}
    await conn.execute(
        insert(User),
        [
            {
                "id": ids[user.username],
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                "area_code": user.area_code,
                "organization_id": org_ids.get(user.organization or ""),
                "password_hash": password_hash,
            }
            for user in users
        ],
    )
    return ids


async def _trainings(conn: AsyncConnection, today: date) -> int:
    """Every director and supervisor appointed and passed their training within the last
    year, none so long ago that the refresher is due within a month (a random stream of its
    own: the files stay as seeded before there were trainings)."""
    rng = random.Random(DEMO_SEED)
    staff = (
        await conn.execute(
            select(User.id).where(User.role.in_(TRAINED_ROLES)).order_by(User.username)
        )
    ).scalars()
    rows, appointed = [], []
    for user_id in staff:
        trained_on = today - timedelta(days=rng.randint(REFRESHER_NOTICE_DAYS + 5, 330))
        rows.append(
            {"id": uuid.UUID(int=rng.getrandbits(128), version=4), "user_id": user_id,
             "trained_on": trained_on, "course": "儿童主任（督导员）岗前培训",
             "result": TrainingResult.PASSED}
        )  # fmt: skip
        appointed.append({"user": user_id, "day": trained_on - timedelta(days=rng.randint(7, 60))})
    if rows:
        await conn.execute(insert(StaffTraining), rows)
        await conn.execute(
            update(User)
            .where(User.id == bindparam("user"))
            .values(appointed_on=bindparam("day"))
            .execution_options(synchronize_session=False),
            appointed,
        )
    return len(rows)


async def _attach_to_township_bodies(
    conn: AsyncConnection, user_ids: dict[str, uuid.UUID], places: list[VillagePlace]
) -> None:
    """The demo school and police accounts belong to the demo township's school and station."""
    demo_place = next(p for p in places if p.code == DEMO_VILLAGE)
    for username, org_id in (
        ("demo-school", demo_place.school_id),
        ("demo-police", demo_place.police_station_id),
    ):
        await conn.execute(
            update(User).where(User.id == user_ids[username]).values(organization_id=org_id)
        )


def _cases_in_every_stage(
    generator: ChildFileGenerator,
    batch: Batch,
    village: VillagePlace,
    generated: list[GeneratedChild],
) -> None:
    """One case per stage in the demo village, so every workflow step can be tried."""
    children = [c for c in generated if c.village == village.code]
    categories = [c for c in CaseCategory if c is not CaseCategory.DROPOUT]
    # The emergency path's stages (a dropout case's own stages are made through the API).
    for index, stage in enumerate(STAGE_ORDER):
        generator.case(
            batch,
            children[index].id,
            village,
            stage=stage,
            category=categories[index % len(categories)],
        )


async def _ngo_contracts(
    conn: AsyncConnection,
    generator: ChildFileGenerator,
    ngo_id: uuid.UUID,
    generated: list[GeneratedChild],
    today: date,
) -> None:
    """An active contract over the demo township (20 children) and one that has ended."""
    active, ended = generator.new_id(), generator.new_id()
    await conn.execute(
        insert(NgoContract),
        [
            {
                "id": active, "ngo_id": ngo_id, "area_code": DEMO_COUNTY,
                "area_scope": [DEMO_TOWNSHIP], "title": "太和镇留守儿童关爱服务项目",
                "service_types": [NgoServiceType.VISIT_VERIFICATION, NgoServiceType.COUNSELLING],
                "starts_on": today - timedelta(days=180), "ends_on": today + timedelta(days=185),
            },
            {
                "id": ended, "ngo_id": ngo_id, "area_code": DEMO_COUNTY,
                "area_scope": [DEMO_TOWNSHIP], "title": "太和镇困境儿童监护评估项目(已结束)",
                "service_types": [NgoServiceType.GUARDIANSHIP_ASSESSMENT],
                "starts_on": today - timedelta(days=540), "ends_on": today - timedelta(days=175),
            },
        ],
    )  # fmt: skip
    assigned_at = clock.start_of_day(today - timedelta(days=170))
    in_township = [c for c in generated if c.village in (DEMO_VILLAGE, DEMO_VILLAGE2)]
    await conn.execute(
        insert(NgoContractChild),
        [
            {"contract_id": contract, "child_id": c.id, "area_code": c.village,
             "assigned_at": assigned_at}
            for contract, chosen in ((active, in_township[::6]), (ended, in_township[1::6]))
            for c in chosen
        ],
    )  # fmt: skip


async def _absences(
    conn: AsyncConnection,
    generator: ChildFileGenerator,
    places: dict[str, VillagePlace],
    generated: list[GeneratedChild],
    today: date,
) -> int:
    """A term's absences from the demo school: scattered days, one pupil off for a week."""
    school_id = places[DEMO_VILLAGE].school_id
    pupils = [c for c in generated if c.school_id == school_id and c.student_number]
    rng = generator.rng
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, date]] = set()

    def add(child: GeneratedChild | None, day: date, excused: bool, reason: str) -> None:
        number = child.student_number if child else f"X{rng.randrange(10**6):06d}"
        assert number is not None
        if (number, day) in seen or day.weekday() >= 5:
            return
        seen.add((number, day))
        enc, hash_ = sealed_pair(child.id_number if child else None, AbsenceRecord.id_number.column)
        rows.append(
            {"id": generator.new_id(), "school_id": school_id, "batch_id": f"demo-{day:%Y%m}",
             "student_key": child.id.hex if child else number, "student_number": number,
             "id_number_enc": enc, "id_number_hash": hash_, "absent_on": day,
             "periods": 6, "excused": excused, "reason": reason,
             "child_id": child.id if child else None,
             "area_code": child.village if child else None}
        )  # fmt: skip

    for _ in range(120):
        child = rng.choice(pupils)
        excused = rng.random() < 0.6
        add(child, today - timedelta(days=rng.randint(1, 90)), excused, "病假" if excused else "")
    truant = pupils[0]
    for offset in range(1, 8):
        add(truant, today - timedelta(days=offset), False, "无故缺课")
    add(None, today - timedelta(days=2), False, "学籍号未登记")
    await conn.execute(insert(AbsenceRecord), rows)
    return len(rows)
