"""The organizations and staff that generated children need: schools, police, directors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.enums import AreaLevel, OrganizationKind, Role, SchoolLevel
from app.models import Area, Organization, User
from app.seed.generator import ChildFileGenerator, VillagePlace


@dataclass(frozen=True)
class AreaRef:
    """A village or township: code and name."""

    code: str
    name: str


async def areas_under(conn: AsyncConnection, prefix: str, level: AreaLevel) -> list[AreaRef]:
    """The areas of one level whose codes start with `prefix`, by code."""
    rows = await conn.execute(
        select(Area.code, Area.name)
        .where(Area.level == level, Area.code.startswith(prefix))
        .order_by(Area.code)
    )
    return [AreaRef(code, name) for code, name in rows]


async def create_village_places(
    conn: AsyncConnection,
    generator: ChildFileGenerator,
    villages: list[AreaRef],
    *,
    username_prefix: str,
    directors: dict[str, uuid.UUID] | None = None,
) -> list[VillagePlace]:
    """A school and a police station per township and a director per village.

    `directors` maps village codes to existing accounts (the demo users); every other village
    gets a new account named `<username_prefix><village code>` that cannot log in.
    """
    directors = dict(directors or {})
    township_codes = sorted({v.code[:9] for v in villages})
    names = {
        code: name
        for code, name in (
            await conn.execute(select(Area.code, Area.name).where(Area.code.in_(township_codes)))
        )
    }
    orgs: list[dict[str, object]] = []
    schools: dict[str, uuid.UUID] = {}
    stations: dict[str, uuid.UUID] = {}
    for code in township_codes:
        schools[code] = generator.new_id()
        stations[code] = generator.new_id()
        short = names[code].removesuffix("镇").removesuffix("乡").removesuffix("街道")
        orgs.append(
            {"id": schools[code], "kind": OrganizationKind.SCHOOL, "area_code": code,
             "name": f"{names[code]}中心小学", "school_level": SchoolLevel.PRIMARY}
        )  # fmt: skip
        orgs.append(
            {"id": stations[code], "kind": OrganizationKind.POLICE_STATION, "area_code": code,
             "name": f"{short}派出所", "school_level": None}
        )  # fmt: skip
    await conn.execute(insert(Organization), orgs)
    users = []
    for village in villages:
        if village.code not in directors:
            directors[village.code] = generator.new_id()
            users.append(
                {"id": directors[village.code], "username": f"{username_prefix}{village.code}",
                 "display_name": f"{village.name}儿童主任", "role": Role.VILLAGE_DIRECTOR,
                 "area_code": village.code}
            )  # fmt: skip
    if users:
        await conn.execute(insert(User), users)
    return [
        VillagePlace(
            code=v.code,
            name=v.name.removesuffix("村委会").removesuffix("居委会") + "村",
            director_id=directors[v.code],
            school_id=schools[v.code[:9]],
            police_station_id=stations[v.code[:9]],
        )
        for v in villages
    ]
