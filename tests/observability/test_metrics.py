"""/metrics: who may read it, what it counts, and that no one's data becomes a label."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from app.mobile_contract import CONTRACT_DIR, document_id
from app.observability import metrics
from app.settings import PROJECT_ROOT, Settings
from app.web.service import create_app
from tests.conftest import access_token, service_client
from tests.graphql import counting_statements, graphql_body, query_data

OPERATIONS = CONTRACT_DIR / "operations"
CASELOAD = (OPERATIONS / "Caseload.graphql").read_text()
LOGIN = (OPERATIONS / "Login.graphql").read_text()
SYNC_PULL = (OPERATIONS / "SyncPull.graphql").read_text()
TOKEN = "metrics-token-for-tests"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when it is not there yet)."""
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def test_an_empty_token_is_none_and_a_short_one_is_refused() -> None:
    # An empty one would let `Authorization: Bearer ` in.
    assert Settings.model_validate({"metrics_token": ""}).metrics_token is None
    with pytest.raises(ValueError, match="at least 16"):
        Settings.model_validate({"metrics_token": "short"})


@pytest.fixture
async def client(demo_db: str) -> AsyncIterator[AsyncClient]:
    async for client in service_client(demo_db, metrics_token=TOKEN):
        yield client


async def scrape(client: AsyncClient) -> str:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}"])
async def test_metrics_are_refused_without_the_token(
    client: AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/metrics", headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "metrics token" in error["message"]
    assert "shouhu_requests" not in response.text


async def _client_at(url: str, address: str) -> AsyncIterator[AsyncClient]:
    app = create_app(
        Settings.model_validate({"DATABASE_URL": url, "webhook_worker": False, "daily_job": False})
    )
    transport = ASGITransport(app=app, client=(address, 50000))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


@pytest.mark.parametrize(("address", "status"), [("127.0.0.1", 200), ("203.0.113.7", 403)])
async def test_without_a_token_metrics_answer_this_host_only(
    demo_db: str, address: str, status: int
) -> None:
    async for client in _client_at(demo_db, address):
        response = await client.get("/metrics")
        assert response.status_code == status
        if status == 403:
            assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            assert "SHOUHU_METRICS_TOKEN" in response.json()["errors"][0]["message"]


async def test_a_known_operation_and_an_error_move_their_counters(
    client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    await query_data(client, token, CASELOAD, first=5)  # the token's lookup, done once
    before = await scrape(client)
    with counting_statements(client) as statements:
        await query_data(client, token, CASELOAD, first=5)
    refused = await graphql_body(client, token, CASELOAD, first=100_000)
    code = refused["errors"][0]["extensions"]["code"]
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"operation": "Caseload", "outcome": "ok", "role": "village_director"}
    assert moved("shouhu_requests_total", **ok) == 1
    assert moved("shouhu_requests_total", **{**ok, "outcome": code}) == 1
    assert moved("shouhu_request_duration_seconds_count", operation="Caseload") == 2
    assert value(after, "shouhu_request_duration_seconds_bucket", operation="Caseload", le="+Inf")
    # The compiled path's statements run on asyncpg's connection: counted all the same (the
    # refused request runs none).
    assert statements
    assert moved("shouhu_request_sql_statements_sum", operation="Caseload") == len(statements)
    assert moved("shouhu_request_sql_seconds_count", operation="Caseload") == 2
    assert value(after, "shouhu_db_pool_capacity", database="primary") >= 20
    assert value(after, "shouhu_outbox_unsent_events") >= 0
    assert ("shouhu_tasks_open", frozenset()) in samples(after)


async def test_a_document_sent_by_its_persisted_id_is_labelled_by_its_operation(
    client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    persisted = {"documentId": f"sha256:{document_id(CASELOAD)}", "variables": {"first": 3}}
    before = await scrape(client)
    response = await client.post(
        "/graphql", json=persisted, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and "errors" not in response.json()
    after = await scrape(client)
    labels = {"operation": "Caseload", "outcome": "ok", "role": "village_director"}
    moved = value(after, "shouhu_requests_total", **labels)
    assert moved == value(before, "shouhu_requests_total", **labels) + 1


async def test_sync_volumes_and_login_refusals_are_counted(
    client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    before = await scrape(client)
    page = (await query_data(client, token, SYNC_PULL, first=20))["syncPull"]
    sent = sum(len(v) for k, v in page.items() if isinstance(v, list) and k != "removals")
    refused = await query_data(client, None, LOGIN, username="no-such-user", password="x" * 8)
    assert refused["login"]["errors"]
    after = await scrape(client)
    pulled = "shouhu_sync_pulled_records_total"
    assert sent > 0
    assert value(after, pulled, kind="upsert") - value(before, pulled, kind="upsert") == sent
    reason = refused["login"]["errors"][0]["code"]
    assert value(after, "shouhu_login_refusals_total", reason=reason) == (
        value(before, "shouhu_login_refusals_total", reason=reason) + 1
    )


async def test_no_personal_data_reaches_the_metrics(client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    page = await query_data(client, token, CASELOAD, first=20)
    names = [edge["node"]["name"] for edge in page["children"]["edges"]]
    await query_data(client, None, LOGIN, username="demo-village", password="shouhu-demo")
    # An operation name is the caller's text: one the contract does not have is "other".
    await graphql_body(client, token, "query WangXiaoming { me { username } }")
    text = await scrape(client)
    assert names and not [name for name in names if name in text]
    for personal in ("demo-village", "WangXiaoming", "420702100201", "shouhu-demo"):
        assert personal not in text
    assert value(text, "shouhu_requests_total", operation="other", outcome="ok",
                 role="village_director") >= 1  # fmt: skip
    labels = {
        label for (name, pairs) in samples(text) if name.startswith("shouhu_") for label, _ in pairs
    }
    assert labels <= {"operation", "outcome", "role", "kind", "reason", "database", "le"}


async def test_the_replica_s_lag_and_pool_are_read_at_scrape_time(demo_db: str) -> None:
    # The primary itself as the "replica": not in recovery, so 0 s behind and in use.
    async for client in service_client(demo_db, replica_url=demo_db, metrics_token=TOKEN):
        text = await scrape(client)
    assert value(text, "shouhu_replica_in_use") == 1
    assert value(text, "shouhu_replica_lag_seconds") == 0
    assert value(text, "shouhu_db_pool_capacity", database="replica") >= 20


def test_several_processes_add_up_in_the_multiprocess_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = (
        "from app.observability import metrics\n"
        "metrics.REQUESTS.labels('Caseload', 'ok', 'village_director').inc(2)\n"
        "metrics.RATE_LIMITED.inc()\n"
        "metrics.POOL_CHECKED_OUT.labels('primary').inc(3)\n"
    )
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    workers = [
        subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env)
        for _ in range(2)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = metrics.exposition().decode()
    labels = {"operation": "Caseload", "outcome": "ok", "role": "village_director"}
    assert value(text, "shouhu_requests_total", **labels) == 4
    assert value(text, "shouhu_rate_limited_requests_total") == 2
    # A live gauge counts a process until it is marked ended (its worker's shutdown does).
    assert value(text, "shouhu_db_pool_checked_out", database="primary") == 6
    for worker in workers:
        metrics.process_ended(worker.pid)
    after = metrics.exposition().decode()
    assert value(after, "shouhu_db_pool_checked_out", database="primary") == 0
