"""The mobile contract: persisted documents on the server, and the breaking-change gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema
from httpx import AsyncClient

from app import mobile_contract
from app.mobile_contract import document_id
from schema import schema
from tests.conftest import access_token, service_client

CASELOAD = (mobile_contract.CONTRACT_DIR / "operations" / "Caseload.graphql").read_text()
AD_HOC = "{ children(first: 2) { totalCount } }"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_trusted_document_by_id_over_post_and_get(demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    async for client in service_client(demo_db):
        posted = await client.post(
            "/graphql",
            json={"documentId": f"sha256:{document_id(CASELOAD)}", "variables": {"first": 3}},
            headers=auth(token),
        )
        assert posted.json()["data"]["children"]["totalCount"] == 60
        fetched = await client.get(
            "/graphql",
            params={
                "extensions": json.dumps(
                    {"persistedQuery": {"version": 1, "sha256Hash": document_id(CASELOAD)}}
                ),
                "variables": json.dumps({"first": 3}),
            },
            headers=auth(token),
        )
        assert fetched.status_code == 200, fetched.text
        assert fetched.json()["data"]["children"]["totalCount"] == 60


async def test_automatic_persisted_queries_register_then_run_by_hash(demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    digest = document_id(AD_HOC)
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async for client in service_client(demo_db):
        unknown = await client.post("/graphql", json={"extensions": ext}, headers=auth(token))
        assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        wrong = await client.post(
            "/graphql", json={"query": CASELOAD, "extensions": ext}, headers=auth(token)
        )
        assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
        registered = await client.post(
            "/graphql", json={"query": AD_HOC, "extensions": ext}, headers=auth(token)
        )
        assert registered.json()["data"]["children"]["totalCount"] == 60
        again = await client.post("/graphql", json={"extensions": ext}, headers=auth(token))
        assert again.json()["data"]["children"]["totalCount"] == 60


async def test_trusted_documents_only_mode(demo_db: str) -> None:
    village = await access_token(demo_db, "demo-village")
    county = await access_token(demo_db, "demo-county")
    async for client in service_client(demo_db, trusted_documents_only=True):
        refused = await client.post("/graphql", json={"query": AD_HOC}, headers=auth(village))
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_REQUIRED"
        as_text = await client.post(
            "/graphql", json={"query": CASELOAD, "variables": {"first": 1}}, headers=auth(village)
        )
        assert as_text.json()["data"]["children"]["totalCount"] == 60  # the contract's own text
        staff = await client.post("/graphql", json={"query": AD_HOC}, headers=auth(county))
        assert "errors" not in staff.json()  # staff with the GraphiQL permission
        ext = {"persistedQuery": {"version": 1, "sha256Hash": document_id(AD_HOC)}}
        await client.post(
            "/graphql", json={"query": AD_HOC, "extensions": ext}, headers=auth(village)
        )
        not_registered = await client.post(
            "/graphql", json={"extensions": ext}, headers=auth(village)
        )
        assert not_registered.json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_large_responses_are_gzipped(demo_client: AsyncClient, demo_db: str) -> None:
    token = await access_token(demo_db, "demo-village")
    response = await demo_client.post(
        "/graphql",
        json={"documentId": document_id(CASELOAD), "variables": {"first": 50}},
        headers={**auth(token), "Accept-Encoding": "gzip"},
    )
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["data"]["children"]["edges"]) == 50


@pytest.fixture
def contract_copy(tmp_path: Path) -> Path:
    target = tmp_path / "mobile_contract"
    shutil.copytree(mobile_contract.CONTRACT_DIR, target)
    return target


def _changed(sdl: str, old: str, new: str) -> Any:
    assert old in sdl
    return build_schema(sdl.replace(old, new, 1))


def test_the_committed_contract_holds() -> None:
    report = mobile_contract.check(build_schema(schema.as_str()))
    assert report.errors == []


def test_breaking_changes_fail_the_check(contract_copy: Path) -> None:
    sdl = schema.as_str()
    removed_field = _changed(sdl, "  openCaseCount: Int!\n", "")
    report = mobile_contract.check(removed_field, contract_copy)
    assert not report.ok
    assert any("openCaseCount" in e for e in report.errors)
    changed_argument = _changed(
        sdl, "dueVisits(withinDays: Int! = 7", 'dueVisits(withinDays: String! = "7"'
    )
    report = mobile_contract.check(changed_argument, contract_copy)
    assert any(e.startswith("breaking:") and "withinDays" in e for e in report.errors)


def test_additive_changes_pass_and_dangerous_ones_are_listed(contract_copy: Path) -> None:
    sdl = schema.as_str()
    added = _changed(sdl, "type Query {\n", "type Query {\n  newField: Int\n")
    assert mobile_contract.check(added, contract_copy).ok
    new_value = _changed(sdl, "  VILLAGE\n", "  VILLAGE\n  GROUP\n")
    report = mobile_contract.check(new_value, contract_copy)
    assert report.ok
    assert report.dangerous


def test_a_stale_manifest_fails_the_check(contract_copy: Path) -> None:
    operation = contract_copy / "operations" / "Refresh.graphql"
    operation.write_text(operation.read_text() + "\n# edited\n")
    report = mobile_contract.check(build_schema(schema.as_str()), contract_copy)
    assert "manifest.json is stale: run `shouhu contract build`" in report.errors
