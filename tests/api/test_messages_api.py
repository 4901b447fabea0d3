"""Messages reach people in Chinese unless the request asks for English (Accept-Language),
at every edge: mutation payloads, GraphQL errors, login, CSV row reasons, HTTP error bodies;
and the codes never change with the language."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient, Response

from app.database import session_factory
from app.seed.demo import DEMO_COUNTY, DEMO_PASSWORD, DEMO_VILLAGE2
from app.services.statistics.refresh import StatisticsSession
from tests.conftest import EngineFactory, access_token, service_client
from tests.documents import REGISTER_HOUSEHOLD, UPDATE_PARENT, household_input
from tests.graphql import graphql_body
from tests.world import api_key_of

ENGLISH = {"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.5"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def errors(payload: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(e["code"], e["field"], e["message"]) for e in payload["errors"]]


async def test_a_mutation_error_is_chinese_unless_english_is_asked_for(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    token = await access_token(fresh_db, "demo-village")
    bad: dict[str, Any] = {"input": household_input(phone="12345")}
    default = await graphql_body(fresh_client, token, REGISTER_HOUSEHOLD, **bad)
    chinese = await graphql_body(fresh_client, token, REGISTER_HOUSEHOLD, headers=CHINESE, **bad)
    english = await graphql_body(fresh_client, token, REGISTER_HOUSEHOLD, headers=ENGLISH, **bad)
    wrong_phone = ("INVALID_PHONE", "phone")
    assert errors(default["data"]["registerHousehold"]) == [
        (*wrong_phone, "不是有效的手机号码或固定电话号码")
    ]
    assert chinese == default
    assert errors(english["data"]["registerHousehold"]) == [
        (*wrong_phone, "not a valid mobile or landline number")
    ]

    # A message with values: the same values in both languages.
    created = await graphql_body(fresh_client, token, REGISTER_HOUSEHOLD, input=household_input())
    father = created["data"]["registerHousehold"]["household"]["parents"][0]
    stale: dict[str, Any] = {"input": {"id": father["id"], "expectedVersion": 5, "parent": {
        "relation": "FATHER", "name": "张伟", "status": "AT_HOME"}}}  # fmt: skip
    default = await graphql_body(fresh_client, token, UPDATE_PARENT, **stale)
    english = await graphql_body(
        fresh_client, token, UPDATE_PARENT, headers={"Accept-Language": "en"}, **stale
    )
    conflict = ("VERSION_CONFLICT", "expectedVersion")
    assert errors(default["data"]["updateParent"]) == [
        (*conflict, "记录已被他人修改（当前版本 1，您提交的是版本 5），请合并后重试")
    ]
    assert errors(english["data"]["updateParent"]) == [
        (*conflict, "the record is at version 1, not 5: merge and retry")
    ]


MOVE = """
mutation($input: MoveChildInput!) { moveChild(input: $input) { errors { code field message } } }
"""
FIRST_CHILD = "{ children(first: 1) { edges { node { id version } } } }"


async def test_a_refusal_names_the_permission_in_the_language(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    token = await access_token(fresh_db, "demo-village")
    found = await graphql_body(fresh_client, token, FIRST_CHILD)
    child = found["data"]["children"]["edges"][0]["node"]
    # The village director may not write files of the next village.
    move: dict[str, Any] = {"input": {"id": child["id"], "expectedVersion": child["version"],
                      "toAreaCode": DEMO_VILLAGE2}}  # fmt: skip
    default = await graphql_body(fresh_client, token, MOVE, **move)
    english = await graphql_body(fresh_client, token, MOVE, headers=ENGLISH, **move)
    forbidden = ("FORBIDDEN", "toAreaCode")
    assert errors(default["data"]["moveChild"]) == [
        (*forbidden, "您在本地区没有儿童档案的编辑权限")
    ]
    assert errors(english["data"]["moveChild"]) == [
        (*forbidden, "you may not write child file here")
    ]


STATISTICS = "query($area: String!) { areaStatistics(areaCode: $area) { asOf } }"


async def test_graphql_errors_of_the_service_are_translated(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    default = await graphql_body(demo_client, token, STATISTICS, area=DEMO_COUNTY)
    english = await graphql_body(demo_client, token, STATISTICS, headers=ENGLISH, area=DEMO_COUNTY)
    assert [e["extensions"]["code"] for e in default["errors"] + english["errors"]] == [
        "NOT_FOUND",
        "NOT_FOUND",
    ]
    assert default["errors"][0]["message"] == f"没有可供您查看的地区 {DEMO_COUNTY} 统计数据"
    assert english["errors"][0]["message"] == f"no statistics of area {DEMO_COUNTY} for you"

    anonymous = await graphql_body(demo_client, None, "{ me { role } }")
    assert anonymous["errors"][0]["message"] == "请先登录"
    anonymous = await graphql_body(demo_client, None, "{ me { role } }", headers=ENGLISH)
    assert anonymous["errors"][0]["message"] == "authentication required"


LOGIN = """
mutation($password: String!) { login(input: {username: "demo-village", password: $password}) {
  accessToken errors { code field message } } }
"""


async def test_login_errors_are_translated(demo_client: AsyncClient) -> None:
    default = await graphql_body(demo_client, None, LOGIN, password=DEMO_PASSWORD + "x")
    english = await graphql_body(
        demo_client, None, LOGIN, headers=ENGLISH, password=DEMO_PASSWORD + "x"
    )
    assert [e["code"] for e in default["data"]["login"]["errors"]] == ["INVALID_CREDENTIALS"]
    assert default["data"]["login"]["errors"][0]["message"] == "用户名或密码错误"
    assert english["data"]["login"]["errors"][0]["message"] == "wrong username or password"


async def test_the_document_limits_are_translated_and_graphql_core_stays_english(
    demo_client: AsyncClient, demo_db: str
) -> None:
    token = await access_token(demo_db, "demo-village")
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    assert (await graphql_body(demo_client, None, aliases))["errors"][0]["message"] == (
        "查询使用了 31 个别名，最多允许 30 个"
    )
    # The validation result is cached per document: the next caller gets its own language.
    assert (await graphql_body(demo_client, None, aliases, headers=ENGLISH))["errors"][0][
        "message"
    ] == ("31 aliases found. Allowed: 30")
    nested = "household { children { " * 7 + "id" + " } }" * 7
    deep = "query Deep { children(first: 1) { edges { node { " + nested + " } } } }"
    # Without credentials such a document is refused before it is validated.
    assert (await graphql_body(demo_client, token, deep))["errors"][0]["message"] == (
        "“Deep”的查询嵌套层数超过上限 12"
    )
    assert (await graphql_body(demo_client, token, deep, headers=ENGLISH))["errors"][0][
        "message"
    ] == ("'Deep' exceeds maximum operation depth of 12")
    unknown = await graphql_body(demo_client, token, "{ noSuchField }")
    assert unknown["errors"][0]["message"] == "Cannot query field 'noSuchField' on type 'Query'."


async def test_http_error_bodies_are_translated(demo_client: AsyncClient) -> None:
    async def both(method: str, url: str) -> tuple[Response, Response]:
        return (
            await demo_client.request(method, url),
            await demo_client.request(method, url, headers=ENGLISH),
        )

    chinese, english = await both("GET", "/exports/statistics.csv?area=420702")
    assert (chinese.status_code, english.status_code) == (401, 401)
    assert chinese.json() == {"error": "UNAUTHENTICATED", "message": "请先登录或提供 API 密钥"}
    assert english.json() == {"error": "UNAUTHENTICATED", "message": "log in or send an API key"}
    assert (chinese.headers["content-language"], english.headers["content-language"]) == (
        "zh-CN",
        "en",
    )
    assert "accept-language" in chinese.headers["vary"].lower()

    chinese, english = await both("POST", "/integrations/absences.csv?batchId=x")
    assert (chinese.status_code, english.status_code) == (401, 401)
    assert chinese.json()["errors"] == [
        {
            "code": "UNAUTHENTICATED",
            "field": None,
            "message": "请在 X-API-Key 请求头中提供学校的密钥",
        }
    ]
    assert english.json()["errors"][0]["message"] == (
        "send the school's key in the X-API-Key header"
    )


async def _school_key(url: str, engine_for: EngineFactory) -> str:
    async with session_factory(engine_for(url), StatisticsSession)() as session, session.begin():
        return (await api_key_of(session, "demo-school", "messages"))[1]


async def test_a_rate_limited_key_is_told_in_its_language(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    key = {"X-API-Key": await _school_key(fresh_db, engine_for)}
    query = {"query": "{ me { role } }"}
    async for client in service_client(fresh_db, rate_limit_per_minute=6, rate_limit_burst=1):
        assert (await client.post("/graphql", json=query, headers=key)).status_code == 200
        chinese = await client.post("/graphql", json=query, headers=key)
        english = await client.post("/graphql", json=query, headers={**key, **ENGLISH})
        assert (chinese.status_code, english.status_code) == (429, 429)
        assert chinese.json()["errors"][0]["code"] == english.json()["errors"][0]["code"]
        # The bucket refills in real time (6 a minute: one every 10 s), so the wait told is
        # 10 s less whatever passed since the first request on a slow machine.
        said = re.fullmatch(
            r"该密钥请求过于频繁，请 (\d+) 秒后重试", chinese.json()["errors"][0]["message"]
        )
        told = re.fullmatch(
            r"too many requests for this key: retry in (\d+) s",
            english.json()["errors"][0]["message"],
        )
        assert said and told, (chinese.text, english.text)
        assert 1 <= int(said[1]) <= 10 and 1 <= int(told[1]) <= 10


SUBMIT = """
mutation($records: [AbsenceInput!]!) { submitAbsences(batchId: "messages", records: $records) {
  submission { replayed unmatched { row reason message } } errors { code } } }
"""
# A row naming no pupil is refused whatever its date.
CSV = "学籍号,身份证号,日期,缺课节数,是否请假,原因\n,,2026-11-20,6,否,\n".encode()


async def test_row_reasons_are_said_in_the_language_of_whoever_reads_them(
    fresh_db: str, engine_for: EngineFactory
) -> None:
    key = {"X-API-Key": await _school_key(fresh_db, engine_for)}
    chinese_reason = "请填写学籍号或身份证号码"
    english_reason = "give a student number or an ID number"

    async def csv(client: AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
        response = await client.post(
            "/integrations/absences.csv?batchId=messages", content=CSV, headers={**key, **headers}
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async for client in service_client(fresh_db):
        first = await csv(client, {})
        assert first["unmatched"] == [
            {"row": 1, "studentNumber": None, "date": "2026-11-20",
             "reason": "MISSING_STUDENT", "message": chinese_reason}
        ]  # fmt: skip
        # The batch is sent again by someone reading English: the stored result is replayed
        # in English, whatever language the first answer was in.
        again = await csv(client, ENGLISH)
        assert again["replayed"] is True
        assert [(u["reason"], u["message"]) for u in again["unmatched"]] == [
            ("MISSING_STUDENT", english_reason)
        ]
        records = [{"date": "2026-11-20", "excused": False, "periods": 6}]
        replayed = await client.post(
            "/graphql", json={"query": SUBMIT, "variables": {"records": records}},
            headers={**key, **ENGLISH},
        )  # fmt: skip
        submission = replayed.json()["data"]["submitAbsences"]["submission"]
        assert submission["replayed"] is True
        assert submission["unmatched"] == [
            {"row": 1, "reason": "MISSING_STUDENT", "message": english_reason}
        ]
