"""Searching children as a field worker does: pinyin, initials, traditional characters,
identifiers; in scope, by the fields the caller sees, ranked and paginated."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import text

from app.seed.demo import DEMO_VILLAGE, DEMO_VILLAGE2
from tests import factories
from tests.conftest import EngineFactory, access_token
from tests.graphql import query_data

SEARCH = """
query($q: String!, $first: Int, $after: String) {
  children(filter: {search: $q}, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE_CHILD = """
mutation($input: UpdateChildInput!) { updateChild(input: $input) { errors { code } } }
"""


async def found(client: AsyncClient, token: str, query: str) -> list[str]:
    """The ids of the children a search finds, in order."""
    data = await query_data(client, token, SEARCH, q=query, first=100)
    return [edge["node"]["id"] for edge in data["children"]["edges"]]


async def test_a_child_is_found_by_pinyin_initials_traditional_characters_and_identifiers(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    child = await factories.child(
        fresh_client, village, DEMO_VILLAGE, name="曾晓曦", studentNumber="XS2024-0917"
    )
    child_id = child["id"]
    details = await query_data(
        fresh_client, village, "query($id: ID!) { child(id: $id) { idNumber } }", id=child_id
    )
    id_number = details["child"]["idNumber"]
    for query in (
        "曾晓曦", "曾曉曦", "晓曦", "曉", "zengxiaoxi", "ZengXiaoxi", "zeng", "xiaoxi", "zxx",
        "ZXX", "xx", id_number, id_number[-6:], id_number[-4:], "XS2024-0917", "xs20240917",
    ):  # fmt: skip
        assert child_id in await found(fresh_client, village, query), query
    # 曾 as a surname is zeng, never ceng; a name that is not it finds nothing of it.
    for query in ("cengxiaoxi", "cxx", "曾晓明", id_number[-3:]):
        assert child_id not in await found(fresh_client, village, query), query


async def test_nothing_outside_the_callers_areas_is_found(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    village2 = await access_token(fresh_db, "demo-village2")
    township = await access_token(fresh_db, "demo-township")
    ours = (await factories.child(fresh_client, village, DEMO_VILLAGE, name="尉迟韵涵"))["id"]
    theirs = (await factories.child(fresh_client, village2, DEMO_VILLAGE2, name="尉迟韵涵"))["id"]
    for query in ("尉迟韵涵", "yuchiyunhan", "ycyh"):
        assert await found(fresh_client, village, query) == [ours], query
        assert await found(fresh_client, village2, query) == [theirs], query
        assert set(await found(fresh_client, township, query)) == {ours, theirs}, query


async def test_id_numbers_find_children_only_for_callers_who_see_them_in_full(
    fresh_client: AsyncClient, fresh_db: str, engine_for: EngineFactory
) -> None:
    village = await access_token(fresh_db, "demo-village")
    child = await factories.child(
        fresh_client, village, DEMO_VILLAGE, name="褚梓萱", studentNumber="TH-88123"
    )
    details = await query_data(
        fresh_client, village, "query($id: ID!) { child(id: $id) { idNumber } }", id=child["id"]
    )
    id_number = details["child"]["idNumber"]
    # The child becomes a pupil of the demo school, which sees its name and student number.
    async with engine_for(fresh_db).begin() as conn:
        await conn.execute(
            text(
                "UPDATE children SET school_id = (SELECT organization_id FROM users"
                " WHERE username = 'demo-school') WHERE name = '褚梓萱'"
            )
        )
    school = await access_token(fresh_db, "demo-school")
    township = await access_token(fresh_db, "demo-township")
    for token in (school, township):
        assert child["id"] in await found(fresh_client, token, "chuzixuan")
    assert child["id"] in await found(fresh_client, school, "TH-88123")
    assert child["id"] in await found(fresh_client, township, id_number)
    assert child["id"] in await found(fresh_client, township, id_number[-6:])
    # The school is shown no ID number: it finds the pupil by none of it.
    assert await found(fresh_client, school, id_number) == []
    assert child["id"] not in await found(fresh_client, school, id_number[-6:])
    assert child["id"] not in await found(fresh_client, school, id_number[-4:])


async def test_best_matches_come_first_and_pages_follow_the_ranking(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")

    async def registered(name: str) -> str:
        made: dict[str, Any] = await factories.child(fresh_client, village, DEMO_VILLAGE, name=name)
        return str(made["id"])

    part = await registered("蔺龚彧")
    prefix = await registered("龚彧然")
    exact = await registered("龚彧")
    assert await found(fresh_client, village, "龚彧") == [exact, prefix, part]
    # Pinyin: the whole of it (龚彧, 龚宇 alike) before a start of it, and a start before a
    # later syllable.
    pinyin = await registered("龚宇")
    ranked = await found(fresh_client, village, "gongyu")
    assert set(ranked[:2]) == {exact, pinyin}
    assert ranked[2:] == [prefix, part]
    walked: list[str] = []
    after = None
    while True:
        data = await query_data(fresh_client, village, SEARCH, q="龚彧", first=1, after=after)
        page = data["children"]
        assert page["totalCount"] == 3
        walked += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == [exact, prefix, part]


async def test_keys_follow_every_write_of_a_name_or_a_parents_phone(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    household = await factories.household(
        fresh_client, village, DEMO_VILLAGE, phone="13712340917",
        parents=[{"relation": "FATHER", "name": "闵建国", "status": "WORKING_AWAY",
                  "phone": "13698760917", "workPlace": "浙江省义乌市", "awaySince": "2024-01-01"}],
    )  # fmt: skip
    child = await factories.child(
        fresh_client, village, DEMO_VILLAGE, household_id=household["id"], name="闵思远"
    )
    assert child["id"] in await found(fresh_client, village, "13698760917")
    assert child["id"] in await found(fresh_client, village, "136-9876-0917")
    payload = await query_data(
        fresh_client, village, UPDATE_CHILD,
        input={"id": child["id"], "expectedVersion": child["version"], "child": {"name": "闵思齐"}},
    )  # fmt: skip
    assert payload["updateChild"]["errors"] == []
    assert child["id"] not in await found(fresh_client, village, "minsiyuan")
    assert await found(fresh_client, village, "闵思齊") == [child["id"]]


async def test_a_search_too_long_or_empty_finds_nothing(
    fresh_client: AsyncClient, fresh_db: str
) -> None:
    village = await access_token(fresh_db, "demo-village")
    assert await found(fresh_client, village, "   ") == []
    assert await found(fresh_client, village, "王" * 41) == []
    # Keys are written into the statement as literals: quotes stay text.
    assert await found(fresh_client, village, "王'] OR TRUE; --") == []
    assert await found(fresh_client, village, "王\\'") == []
