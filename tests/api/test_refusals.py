"""Cheap to refuse: what is not a request the service understands gets a clear 4xx with a
typed JSON error, and what may not run is refused before it is parsed or validated (issue
12, findings 3, 5 and 10)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select

from app.auth.apikeys import create_api_key
from app.database import session_factory
from app.mobile_contract import CONTRACT_DIR, document_id
from app.models import Organization, User
from app.seed.demo import DEMO_COUNTY, DEMO_PASSWORD
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from app.web.graphql_request import ANONYMOUS_MAX_BODY_BYTES
from schema.core.admission import ANONYMOUS_MAX_DOCUMENT_CHARS
from tests.conftest import PRODUCTION_KEYS, EngineFactory, access_token, service_client

ENGLISH = {"Accept-Language": "en"}
LOGIN = (CONTRACT_DIR / "operations" / "Login.graphql").read_text()
PRODUCTION = {"env": "production", **PRODUCTION_KEYS}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refusal(response: Response, status: int) -> tuple[str, str]:
    """The code and message of a typed JSON error answered with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    return error["extensions"]["code"], error["message"]


def graphql_error(response: Response) -> dict[str, Any]:
    """The one GraphQL error of an answer that has no data."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    return dict(error)


@pytest.fixture
async def village_token(demo_db: str) -> str:
    return await access_token(demo_db, "demo-village")


# Finding 10: each of these was an HTTP 500 with a plain-text body.


async def test_a_body_that_is_not_utf8_is_a_400(demo_client: AsyncClient) -> None:
    body = b'{"query": "{ __typename }", "operationName": "\xff\xfe"}'
    response = await demo_client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json", **ENGLISH}
    )
    assert refusal(response, 400) == ("INVALID_JSON", "the body is not UTF-8 text")


@pytest.mark.parametrize("body", ["null", "42", '"{ __typename }"', "true"])
async def test_a_body_that_is_not_an_object_is_a_400(demo_client: AsyncClient, body: str) -> None:
    response = await demo_client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    code, message = refusal(response, 400)
    assert code == "BAD_REQUEST"
    assert message == "请求内容应为包含查询（query）的 JSON 对象"


async def test_a_list_is_a_batch_and_batches_are_refused(demo_client: AsyncClient) -> None:
    response = await demo_client.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    )
    assert refusal(response, 400)[0] == "BATCH_NOT_SUPPORTED"


async def test_json_nested_20000_deep_is_a_400(
    demo_client: AsyncClient, village_token: str
) -> None:
    # 40 KB: over the anonymous body limit, so sent with credentials.
    deep = '{"query": "{ __typename }", "variables": {"x": ' + "[" * 20_000 + "]" * 20_000 + "}}"
    headers = {"Content-Type": "application/json", **auth(village_token), **ENGLISH}
    response = await demo_client.post("/graphql", content=deep, headers=headers)
    assert refusal(response, 400) == ("INVALID_JSON", "the body is nested too deeply")


@pytest.mark.parametrize(
    "persisted", ["0" * 64, 1, ["sha256Hash"], {"version": 1}, {"sha256Hash": 5}]
)
async def test_a_persisted_query_of_the_wrong_shape_is_a_400(
    demo_client: AsyncClient, persisted: object
) -> None:
    body = {"extensions": {"persistedQuery": persisted}}
    response = await demo_client.post("/graphql", json=body, headers=ENGLISH)
    assert refusal(response, 400) == (
        "BAD_REQUEST",
        "extensions.persistedQuery must be an object with a sha256Hash string",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("query", 1, "query must be a string"),
        ("variables", "x", "variables must be a JSON object"),
        ("variables", [], "variables must be a JSON object"),
        ("operationName", {}, "operationName must be a string"),
        ("extensions", "x", "extensions must be a JSON object"),
        ("documentId", 7, "documentId must be a string"),
    ],
)
async def test_fields_of_the_wrong_type_are_a_400(
    demo_client: AsyncClient, field: str, value: object, message: str
) -> None:
    body = {"query": "{ __typename }", field: value}
    response = await demo_client.post("/graphql", json=body, headers=ENGLISH)
    assert refusal(response, 400) == ("BAD_REQUEST", message)


async def test_get_parameters_that_are_not_json_are_a_400(demo_client: AsyncClient) -> None:
    params = {"query": "{ __typename }", "variables": "{not json"}
    response = await demo_client.get("/graphql", params=params, headers=ENGLISH)
    assert refusal(response, 400) == ("INVALID_JSON", "variables is not valid JSON")


async def test_what_strawberry_refuses_is_typed_too(
    demo_client: AsyncClient, village_token: str
) -> None:
    as_text = await demo_client.post(
        "/graphql", content="{ __typename }", headers={"Content-Type": "text/plain"}
    )
    assert refusal(as_text, 415)[0] == "UNSUPPORTED_MEDIA_TYPE"
    mutation = 'mutation { logout(input: {refreshToken: "x"}) { ok } }'
    by_get = await demo_client.get("/graphql", params={"query": mutation}, headers=ENGLISH)
    assert refusal(by_get, 405) == (
        "METHOD_NOT_ALLOWED",
        "a mutation cannot be sent with GET: use POST",
    )
    unnamed = await demo_client.post(
        "/graphql",
        json={"query": "query A { __typename }", "operationName": "B"},
        headers=auth(village_token),
    )
    assert refusal(unnamed, 400)[0] == "BAD_REQUEST"
    nothing = await demo_client.post("/graphql", json={}, headers=auth(village_token))
    assert refusal(nothing, 400)[0] == "BAD_REQUEST"


async def test_graphiql_in_production_is_a_typed_404(demo_db: str) -> None:
    async for client in service_client(demo_db, **PRODUCTION):
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert refusal(page, 404)[0] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("as_of", "code"),
    [
        ("0001-01-01", "BAD_REQUEST"),
        ("1999-12-31", "BAD_REQUEST"),
        ("9999-12-31", "FUTURE_DATE"),
        ("2026-11-24", "FUTURE_DATE"),
    ],
)
async def test_statistics_csv_of_an_absurd_day_is_a_400(
    demo_client: AsyncClient, demo_db: str, as_of: str, code: str
) -> None:
    token = await access_token(demo_db, "demo-county")
    response = await demo_client.get(
        f"/exports/statistics.csv?area={DEMO_COUNTY}&asOf={as_of}",
        headers={**auth(token), **ENGLISH},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == code


async def _school_key(url: str, engine_for: EngineFactory) -> str:
    async with session_factory(engine_for(url), StatisticsSession)() as session, session.begin():
        school = await session.scalar(
            select(Organization)
            .join(User, User.organization_id == Organization.id)
            .where(User.username == "demo-school")
        )
        assert school is not None
        return (await create_api_key(session, school, "refusals"))[1]


async def test_a_nul_byte_in_a_csv_cell_is_a_400(fresh_db: str, engine_for: EngineFactory) -> None:
    key = await _school_key(fresh_db, engine_for)
    csv = "学籍号,日期,缺课节数,是否请假,原因\nG001,2026-11-20,6,否,病\x00假\n".encode()
    async for client in service_client(fresh_db):
        response = await client.post(
            "/integrations/absences.csv?batchId=nul",
            content=csv,
            headers={"X-API-Key": key, **ENGLISH},
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"] == [
            {"code": "INVALID_CSV", "field": "body", "message": "line 2 contains a NUL character"}
        ]


# Finding 5 (size): the body and the document have limits.


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    demo_db: str, village_token: str
) -> None:
    limit = 64 * 1024
    variables = {"x": "a" * limit}
    async for client in service_client(demo_db, max_body_bytes=limit):
        declared = await client.post(
            "/graphql",
            json={"query": "{ __typename }", "variables": variables},
            headers={**auth(village_token), **ENGLISH},
        )
        assert refusal(declared, 413) == (
            "REQUEST_TOO_LARGE",
            f"the request body is larger than {limit} bytes",
        )

        async def chunks() -> AsyncIterator[bytes]:
            # No Content-Length: the limit holds while reading.
            yield b'{"query": "{ __typename }", "variables": {"x": "'
            for _ in range(100):
                yield b"a" * 1024
            yield b'"}}'

        streamed = await client.post(
            "/graphql",
            content=chunks(),
            headers={**auth(village_token), "Content-Type": "application/json"},
        )
        assert refusal(streamed, 413)[0] == "REQUEST_TOO_LARGE"


async def test_without_credentials_the_body_limit_is_small(demo_client: AsyncClient) -> None:
    padding = "#" + "x" * ANONYMOUS_MAX_BODY_BYTES + "\n"
    response = await demo_client.post("/graphql", json={"query": padding + "{ __typename }"})
    assert refusal(response, 413)[0] == "REQUEST_TOO_LARGE"


def test_ten_thousand_absence_records_fit_in_the_default_body_limit() -> None:
    # A school's largest submission (submitAbsences takes up to 10,000 records), with a
    # reason of ten Chinese characters each, the way a JSON client writes it: 2.1 MB.
    record = {
        "date": "2026-11-20",
        "excused": False,
        "studentNumber": "G" + "4" * 31,
        "idNumber": "42070220150101123X",
        "periods": 6,
        "reason": "发烧请病假" * 2,
    }
    body = {
        "query": 'mutation($r: [AbsenceInput!]!) { submitAbsences(batchId: "b", records: $r) '
        "{ errors { code } } }",
        "variables": {"r": [record] * 10_000},
    }
    size = len(json.dumps(body).encode())
    assert 2_000_000 < size < Settings().max_body_bytes / 1.9


async def test_a_document_over_the_limit_is_refused_unparsed(
    demo_db: str, village_token: str
) -> None:
    # Unbalanced braces: had it been parsed, the answer would be a syntax error.
    document = "{ " * 3_000
    async for client in service_client(demo_db, max_document_chars=5_000):
        response = await client.post(
            "/graphql", json={"query": document}, headers={**auth(village_token), **ENGLISH}
        )
        error = graphql_error(response)
        assert error["extensions"]["code"] == "DOCUMENT_TOO_LARGE"
        assert error["message"] == "the document has 6000 characters, more than the 5000 allowed"


async def test_an_over_long_document_is_not_registered_as_a_persisted_query(
    demo_db: str, village_token: str
) -> None:
    document = "{ __typename }" + " " * 6_000
    ext = {"persistedQuery": {"version": 1, "sha256Hash": document_id(document)}}
    async for client in service_client(demo_db, max_document_chars=5_000):
        sent = await client.post(
            "/graphql", json={"query": document, "extensions": ext}, headers=auth(village_token)
        )
        assert graphql_error(sent)["extensions"]["code"] == "DOCUMENT_TOO_LARGE"
        by_hash = await client.post(
            "/graphql", json={"extensions": ext}, headers=auth(village_token)
        )
        assert graphql_error(by_hash)["message"] == "PersistedQueryNotFound"


async def test_an_unknown_persisted_id_is_answered_whatever_the_operation_name(
    demo_client: AsyncClient, village_token: str
) -> None:
    # Apollo's first request: the hash and the operation's name, no text.
    body = {
        "operationName": "Caseload",
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}},
    }
    response = await demo_client.post("/graphql", json=body, headers=auth(village_token))
    assert graphql_error(response)["message"] == "PersistedQueryNotFound"


# Finding 3: authentication and trusted documents are checked before parsing and validation.


async def test_anonymous_documents_are_refused_before_validation(
    demo_client: AsyncClient,
) -> None:
    unknown = "{ " + " ".join(f"f{i}" for i in range(99)) + " }"
    error = graphql_error(await demo_client.post("/graphql", json={"query": unknown}))
    # Validated, this would have been 99 "Cannot query field" errors.
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    # Every operation of the document counts, not only the one that would run.
    two = (
        'mutation A { logout(input: {refreshToken: "x"}) { ok } } '
        "query B { children { totalCount } }"
    )
    body = {"query": two, "operationName": "A"}
    error = graphql_error(await demo_client.post("/graphql", json=body))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_anonymous_document_has_a_small_length_limit(demo_client: AsyncClient) -> None:
    document = "{ __typename }" + " " * ANONYMOUS_MAX_DOCUMENT_CHARS
    error = graphql_error(await demo_client.post("/graphql", json={"query": document}))
    assert error["extensions"]["code"] == "DOCUMENT_TOO_LARGE"


async def test_logging_in_still_works(demo_client: AsyncClient) -> None:
    variables = {"username": "demo-village", "password": DEMO_PASSWORD}
    response = await demo_client.post("/graphql", json={"query": LOGIN, "variables": variables})
    assert response.json()["data"]["login"]["accessToken"]


async def test_trusted_documents_mode_refuses_other_documents_unparsed(demo_db: str) -> None:
    async for client in service_client(demo_db, **PRODUCTION):
        broken = graphql_error(await client.post("/graphql", json={"query": "{ { {"}))
        assert broken["extensions"]["code"] == "PERSISTED_DOCUMENT_REQUIRED"
        variables = {"username": "demo-village", "password": DEMO_PASSWORD}
        login = await client.post(
            "/graphql", json={"documentId": document_id(LOGIN), "variables": variables}
        )
        assert login.json()["data"]["login"]["accessToken"]
