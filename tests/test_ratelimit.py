"""Integrations are rate limited per key: a token bucket, 429 with Retry-After beyond it."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.apikeys import create_api_key
from app.database import session_factory
from app.enums import OrganizationKind
from app.models import Organization
from app.ratelimit import TokenBuckets
from tests.conftest import EngineFactory, service_client


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=3, clock=lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == 1.0  # one token a second
    assert buckets.take("other") == 0.0  # keys do not share a bucket
    now[0] = 1.0
    assert buckets.take("k") == 0.0
    assert buckets.take("k") == 1.0
    now[0] = 100.0  # refills up to the burst, no further
    assert [buckets.take("k") for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]


async def test_a_key_over_its_rate_gets_429_with_retry_after(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    async with session_factory(engine_for(fresh_db))() as session, session.begin():
        orgs = list(
            await session.scalars(
                select(Organization).where(Organization.kind == OrganizationKind.SCHOOL).limit(2)
            )
        )
        keys = [(await create_api_key(session, org, "feed"))[1] for org in orgs]
    query = {"query": "{ me { role } }"}
    async for client in service_client(fresh_db, rate_limit_per_minute=6, rate_limit_burst=2):
        first, second, third = [
            await client.post("/graphql", json=query, headers={"X-API-Key": keys[0]})
            for _ in range(3)
        ]
        assert (first.status_code, second.status_code) == (200, 200)
        assert third.status_code == 429
        assert third.headers["retry-after"] == "10"
        assert third.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # The CSV endpoint is limited by the same bucket; another key is not.
        csv = await client.post(
            "/integrations/absences.csv?batchId=x", headers={"X-API-Key": keys[0]}
        )
        assert csv.status_code == 429
        other = await client.post("/graphql", json=query, headers={"X-API-Key": keys[1]})
        assert other.status_code == 200
        # Staff with bearer tokens are not limited by keys' buckets.
        anonymous = [await client.post("/graphql", json=query) for _ in range(4)]
        assert {r.status_code for r in anonymous} == {200}
