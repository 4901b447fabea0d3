"""Factories: the records a test is about, made by the test itself rather than picked out of
the demo seed, so that a test states what its subject is and does not break when the seed
changes.

Each factory makes its record through the GraphQL API as the caller whose token it is given,
and asserts that the service accepted it: a record is made the way the mobile app makes it
(scope, validation, derived facts, audit and all), and a caller who may not make it fails the
test at once. The test chooses the caller (usually the village director of the village the
record belongs to). Overrides are GraphQL input fields.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from openpyxl import Workbook

from app.domain.idnumber import make_id_number
from tests.documents import (
    ENTRUST,
    GUARDIANSHIP,
    REGISTER_CHILD,
    REGISTER_HOUSEHOLD,
    child_input,
    household_input,
    mutation,
)
from tests.graphql import mutation_payload

# Each child a factory makes is the next of a run: its birth day (within one year, so every
# child is the same age, nine or ten) and its ID number's sequence number (from 951, above
# those the seed and tests use; its parity is the gender, odd for a boy) make the ID number
# unique in the country.
_CHILDREN = itertools.count()

RECORD_VISIT = mutation(
    "recordVisit", "RecordVisitInput", "visit { id kind areaCode visitedAt nextVisitDue }"
)
REPORT_CONCERN = mutation(
    "reportConcern", "ReportConcernInput", "case { id stage areaCode version child { id } }"
)
ENTRUST_CONFIRMED = mutation(
    "confirmGuardianship", "ConfirmGuardianshipInput", f"guardianship {{ {GUARDIANSHIP} }}"
)
ASSESS_CAPABLE = mutation(
    "assessGuardian", "AssessGuardianInput", f"guardianship {{ {GUARDIANSHIP} }}"
)


def _accepted(payload: dict[str, Any], record: str) -> dict[str, Any]:
    assert payload["errors"] == [], payload["errors"]
    made: dict[str, Any] = payload[record]
    return made


async def household(
    client: AsyncClient, token: str, area_code: str, **overrides: Any
) -> dict[str, Any]:
    """A household of two parents (the mother working away) in the village `area_code`."""
    payload = await mutation_payload(
        client, token, REGISTER_HOUSEHOLD, **household_input(areaCode=area_code, **overrides)
    )
    return _accepted(payload, "household")


async def child(
    client: AsyncClient,
    token: str,
    area_code: str,
    *,
    household_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A boy of nine or ten with an ID number of its own, in a new household of the village
    `area_code` unless `household_id` names one; the registered child."""
    if household_id is None:
        household_id = (await household(client, token, area_code))["id"]
    year, day = divmod(next(_CHILDREN), 365)
    birth = date(2016, 5, 20) + timedelta(days=day)
    sequence = 951 + 2 * year + (overrides.get("gender") == "FEMALE")
    fields = child_input(
        household_id,
        birthDate=birth.isoformat(),
        idNumber=make_id_number("420702", birth, sequence),
        **overrides,
    )
    payload = await mutation_payload(client, token, REGISTER_CHILD, child=fields)
    return _accepted(payload, "child")


async def guardianship(
    client: AsyncClient, token: str, child_id: str, *, confirmed: bool = False, **overrides: Any
) -> dict[str, Any]:
    """An entrusted guardian of the child (its grandmother), active from today; assessed
    capable and confirmed with `confirmed`."""
    fields = {"childId": child_id, "guardianName": "王秀英", "relation": "GRANDPARENT", **overrides}
    made = _accepted(await mutation_payload(client, token, ENTRUST, **fields), "guardianship")
    if not confirmed:
        return made
    assessed = _accepted(
        await mutation_payload(
            client, token, ASSESS_CAPABLE,
            id=made["id"], expectedVersion=made["version"], capacity="CAPABLE",
        ),
        "guardianship",
    )  # fmt: skip
    return _accepted(
        await mutation_payload(
            client, token, ENTRUST_CONFIRMED,
            id=made["id"], expectedVersion=assessed["version"], agreementSigned=True,
        ),
        "guardianship",
    )  # fmt: skip


async def visit(client: AsyncClient, token: str, child_id: str, **overrides: Any) -> dict[str, Any]:
    """A routine home visit to the child, just now, that found everything good."""
    fields = {
        "childId": child_id, "visitedAt": datetime.now().astimezone().isoformat(),
        "kind": "ROUTINE", "livingConditions": "GOOD", "guardianship": "GOOD",
        "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD", **overrides,
    }  # fmt: skip
    return _accepted(await mutation_payload(client, token, RECORD_VISIT, **fields), "visit")


async def case(client: AsyncClient, token: str, child_id: str, **overrides: Any) -> dict[str, Any]:
    """A concern about the child reported by the token's holder: an open case."""
    fields = {
        "childId": child_id, "category": "OTHER",
        "description": "邻居反映孩子近来情绪低落。", **overrides,
    }  # fmt: skip
    return _accepted(await mutation_payload(client, token, REPORT_CONCERN, **fields), "case")


LEDGER_HEADER = (
    "序号", "姓名", "性别", "身份证号", "出生日期", "地区代码", "户籍地址", "父亲姓名",
    "父亲身份证号", "父亲务工地", "父亲联系电话", "母亲姓名", "母亲身份证号", "母亲务工地",
    "母亲联系电话", "监护人", "监护人与儿童关系", "监护人电话", "就读学校", "学籍号", "儿童类别",
)  # fmt: skip


def ledger(rows: list[dict[str, object]], kind: str = "xlsx", encoding: str = "gbk") -> bytes:
    """A county ledger (台账) of `rows` (cells by header, LEDGER_HEADER's columns): an xlsx
    workbook, or csv text in `encoding` (GBK, as Excel writes it on a Chinese Windows)."""
    header = list(LEDGER_HEADER)
    lines = [[row.get(title, index + 1 if title == "序号" else None) for title in header]
             for index, row in enumerate(rows)]  # fmt: skip
    if kind == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for line in lines:
            sheet.append(line)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in line] for line in lines])
    return text.getvalue().encode(encoding)
