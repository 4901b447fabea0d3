"""Recording a visit to a child: the next visit due moves on, a visit is never in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from httpx import AsyncClient

from app.seed.demo import DEMO_VILLAGE
from tests import factories
from tests.conftest import TODAY, EngineFactory, access_token
from tests.documents import (
    RECORD_VISIT,
)
from tests.graphql import query_data


async def test_a_visit_moves_the_next_visit_due_and_cannot_be_in_the_future(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    token = await access_token(fresh_db, "demo-village")
    made = await factories.child(fresh_client, token, DEMO_VILLAGE)
    assert not made["isKeyChild"]  # visited quarterly
    visit = {
        "childId": made["id"], "visitedAt": datetime.now(UTC).isoformat(),
        "kind": "QUARTERLY_CHECK", "livingConditions": "GOOD", "guardianship": "FAIR",
        "schooling": "GOOD", "health": "GOOD", "mentalState": "GOOD", "notes": "正常",
    }  # fmt: skip
    data = await query_data(fresh_client, token, RECORD_VISIT, input=visit)
    assert data["recordVisit"]["errors"] == []
    child = await query_data(
        fresh_client, token, "query($id: ID!) { child(id: $id) { nextVisitDue lastVisitAt } }",
        id=made["id"],
    )  # fmt: skip
    due = date.fromisoformat(child["child"]["nextVisitDue"])
    assert TODAY + timedelta(days=28) <= due <= TODAY + timedelta(days=92)
    future = {**visit, "visitedAt": (datetime.now(UTC) + timedelta(days=2)).isoformat()}
    refused = await query_data(fresh_client, token, RECORD_VISIT, input=future)
    assert refused["recordVisit"]["errors"][0]["code"] == "FUTURE_DATE"
