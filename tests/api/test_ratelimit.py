"""Integrations are rate limited per key: a token bucket, 429 with Retry-After beyond it."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest
from httpx import AsyncClient, Response
from prometheus_client import REGISTRY
from sqlalchemy import select

from app.auth.apikeys import create_api_key
from app.auth.errors import AuthError
from app.auth.identity import Credentials, credential_headers
from app.database import session_factory
from app.enums import OrganizationKind
from app.models import Organization, RateLimitBucket
from app.services.statistics.refresh import StatisticsSession
from app.web import ratelimit
from app.web.ratelimit import TokenBuckets
from tests.conftest import EngineFactory, service_client


async def test_a_bucket_allows_its_burst_then_its_rate(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    engine, now = engine_for(fresh_db), [0.0]
    buckets = TokenBuckets(per_minute=60, burst=3, clock=lambda: now[0])
    take = partial(buckets.take, engine)
    assert [await take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await take("k") == 1.0  # one token a second
    assert await take("other") == 0.0  # keys do not share a bucket
    now[0] = 1.0
    assert await take("k") == 0.0
    assert await take("k") == 1.0
    now[0] = 100.0  # refills up to the burst, no further
    assert [await take("k") for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]
    now[0] = 50.0  # a process whose clock lags refills nothing, and takes nothing back
    assert await take("k") == 1.0


async def test_every_process_spends_from_the_same_bucket(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    # Two processes of the service: their own engines and buckets, one database.
    first, second = TokenBuckets(per_minute=1, burst=5), TokenBuckets(per_minute=1, burst=5)
    engines = engine_for(fresh_db), engine_for(fresh_db)
    waits = await asyncio.gather(
        *(
            buckets.take(engine, "shared")
            for _ in range(10)
            for buckets, engine in ((first, engines[0]), (second, engines[1]))
        )
    )
    assert sum(wait == 0 for wait in waits) == 5  # the burst, once, across both


async def test_full_buckets_are_pruned(
    fresh_db: str, engine_for: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, now = engine_for(fresh_db), [0.0]
    buckets = TokenBuckets(per_minute=60, burst=3, clock=lambda: now[0])
    monkeypatch.setattr(ratelimit, "_PRUNE_EVERY", 2)
    await buckets.take(engine, "idle")
    now[0] = 3.5  # "idle" has refilled: its row is the same as none
    await buckets.take(engine, "busy")
    async with engine.connect() as conn:
        keys = set((await conn.execute(select(RateLimitBucket.key))).scalars())
    assert keys == {"busy"}


async def test_a_key_over_its_rate_gets_429_with_retry_after(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    sessions = session_factory(engine_for(fresh_db), StatisticsSession)
    async with sessions() as session, session.begin():
        orgs = list(
            await session.scalars(
                select(Organization).where(Organization.kind == OrganizationKind.SCHOOL).limit(2)
            )
        )
        keys = [(await create_api_key(session, org, "feed"))[1] for org in orgs]
    query = {"query": "{ me { role } }"}
    refusals = REGISTRY.get_sample_value("shouhu_rate_limited_requests_total") or 0
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
    # The two refusals are counted (/metrics).
    assert REGISTRY.get_sample_value("shouhu_rate_limited_requests_total") == refusals + 2


def test_credential_headers_are_taken_once_each() -> None:
    found = credential_headers([("X-Api-Key", "k"), ("accept", "x"), ("Authorization", "t")])
    assert (found.api_key, found.authorization) == ("k", "t")
    assert credential_headers([]) == Credentials(authorization=None, api_key=None)
    for twice in (
        [("x-api-key", "junk"), ("X-API-Key", "real")],
        [("x-api-key", "same"), ("x-api-key", "same")],
        [("authorization", "Bearer a"), ("Authorization", "Bearer b")],
    ):
        with pytest.raises(AuthError) as refused:
            credential_headers(twice)
        assert refused.value.code == "DUPLICATE_CREDENTIALS"


async def _post_with_keys(client: AsyncClient, *keys: str, **headers: str) -> Response:
    """`{ me }` with an X-API-Key header for each of `keys`, in order."""
    pairs = [("X-API-Key", k) for k in keys] + list(headers.items())
    return await client.post("/graphql", json={"query": "{ me { role } }"}, headers=pairs)


async def test_a_second_api_key_header_is_a_400_and_cannot_escape_the_limit(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    sessions = session_factory(engine_for(fresh_db), StatisticsSession)
    async with sessions() as session, session.begin():
        school = await session.scalar(
            select(Organization).where(Organization.kind == OrganizationKind.SCHOOL).limit(1)
        )
        assert school is not None
        key = (await create_api_key(session, school, "feed"))[1]
    junk = "shk_" + "J" * 12 + "_" + "j" * 43
    async for client in service_client(fresh_db, rate_limit_per_minute=6, rate_limit_burst=2):
        post = partial(_post_with_keys, client)
        # A junk key first and the real one second was served as the real key, uncounted.
        mixed = await post(junk, key)
        assert mixed.status_code == 400
        error = mixed.json()["errors"][0]
        assert error["code"] == error["extensions"]["code"] == "DUPLICATE_CREDENTIALS"
        assert error["message"] == "X-API-Key 请求头只能发送一个，本次收到 2 个"
        english = await post(key, junk, **{"Accept-Language": "en"})
        assert english.json()["errors"][0]["message"] == "send one X-API-Key header, not 2"
        assert (await post(key, key)).status_code == 400  # even the same key twice
        assert (await post(key, key, key)).status_code == 400
        # None of those was served or counted: the key still has its whole burst.
        assert [(await post(key)).status_code for _ in range(3)] == [200, 200, 429]
        # Over its limit, no arrangement of headers gets the key through.
        assert (await post(junk, key)).status_code == 400
        assert (await post(key, junk)).status_code == 400
        assert (await post(key)).status_code == 429
        # The bucket is the key authentication finds: its prefix, with the secret checked
        # later; a key sent with stray spaces is the same key, and the same bucket.
        assert (await post(f" {key} ")).status_code == 429
        # Two Authorization headers are refused the same way, on every route.
        token = "Bearer x"
        twice = await client.get(
            "/exports/statistics.csv?area=420702",
            headers=[("Authorization", token), ("Authorization", token)],
        )
        assert twice.status_code == 400
        assert twice.json()["errors"][0]["code"] == "DUPLICATE_CREDENTIALS"
        csv = await client.post(
            "/integrations/absences.csv?batchId=x",
            headers=[("X-API-Key", junk), ("X-API-Key", key)],
        )
        assert csv.status_code == 400
