"""Root fields about protection cases."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import strawberry
from sqlalchemy import String, cast, tuple_

from app import clock
from app.domain.intake import is_case_number
from app.enums import CaseCategory, CaseStage, ReferralStatus
from app.models import CaseReferral as CaseReferralModel
from app.store import json_sql
from app.store.cases import (
    CaseCriteria,
    case_status,
    count_cases,
    count_inbox,
    inbox_conditions,
    list_cases,
    list_inbox,
)
from authz.predicates import reported_by
from authz.scope import Scope
from schema.cases.types import Case, CaseReferral, CaseStatus
from schema.compiler.mapping import Compilation, Listed, RootList
from schema.context import Info
from schema.core.pagination import (
    CountedConnection,
    connection,
    decode_timed_cursor,
)


@strawberry.type(name="CaseConnection")
class CaseConnection(CountedConnection[Case]):
    """A page of cases."""


@strawberry.input(description="What to narrow a list of cases to; every field is optional.")
class CaseFilter:
    stage: CaseStage | None = None
    category: CaseCategory | None = None
    overdue: bool | None = strawberry.field(
        default=None, description="Past the deadline of its current stage."
    )


@strawberry.type
class CaseQuery:
    @strawberry.field(description="Protection cases the caller handles, newest report first.")
    async def cases(
        self,
        info: Info,
        filter: CaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CaseConnection:
        given = filter or CaseFilter()
        criteria = CaseCriteria(stage=given.stage, category=given.category, overdue=given.overdue)
        now = clock.now()
        return await connection(
            info, CaseConnection, first=first, after=after, cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_cases(s, criteria, now=now, after=key, limit=limit),
            count=lambda s: count_cases(s, criteria, now=now),
            key=lambda c: f"{c.reported_at.isoformat()}|{c.id}", node=Case.from_model,
        )  # fmt: skip


@strawberry.type(name="CaseReferralConnection")
class CaseReferralConnection(CountedConnection[CaseReferral]):
    """A page of referrals."""


@strawberry.type
class ReferralQuery:
    @strawberry.field(
        description="The referrals inbox of a receiving organization: referrals to the caller's "
        "organization, newest first (those it declined are gone with their case). Empty for "
        "a caller without an organization."
    )
    async def referrals(
        self,
        info: Info,
        status: ReferralStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CaseReferralConnection:
        organization_id = _inbox_of(info.context.scope)
        return await connection(
            info, CaseReferralConnection, first=first, after=after, cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_inbox(
                s, organization_id, status, after=key, limit=limit
            ),
            count=lambda s: count_inbox(s, organization_id, status),
            key=lambda r: f"{r.referred_at.isoformat()}|{r.id}", node=CaseReferral.from_model,
        )  # fmt: skip


def _inbox_of(scope: Scope) -> uuid.UUID:
    """The organization whose inbox the caller reads: its own; no organization, no inbox
    (the nil UUID is nobody's)."""
    return scope.principal.organization_id or uuid.UUID(int=0)


def _referral_rows(row: Any, arguments: Mapping[str, Any], compilation: Compilation) -> Listed:
    """`referrals` in SQL: `list_inbox`'s rows, newest first, and its cursors."""
    after = decode_timed_cursor(arguments.get("after"))
    model = CaseReferralModel
    return Listed(
        where=inbox_conditions(_inbox_of(compilation.scope), arguments.get("status")),
        order_by=[model.referred_at.desc(), model.id.desc()],
        cursor_key=json_sql.iso_datetime(row.referred_at) + "|" + cast(row.id, String),
        after=() if after is None else [tuple_(model.referred_at, model.id) < tuple_(*after)],
        listing=False,
    )


CASE_ROOTS: Mapping[str, RootList] = {"referrals": RootList("CaseReferral", rows=_referral_rows)}
"""How SQL serves the root fields about cases (schema/compiler)."""


@strawberry.type
class CaseStatusQuery:
    @strawberry.field(
        description="The status of a case by its number (stage, open or closed, the day of "
        "its last update), to the unit or account that reported it; null to anyone else and "
        "for a number that is not a case's."
    )
    async def case_status(self, info: Info, case_number: str) -> CaseStatus | None:
        number = case_number.strip()
        if not is_case_number(number):
            return None
        reported = reported_by(info.context.scope)
        row = await info.context.db.read(lambda s: case_status(s, number, reported))
        return None if row is None else CaseStatus.from_row(row)
