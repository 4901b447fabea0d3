"""Events leave the system as signed webhooks: once each, after retries, only within the
subscriber's county, dead after too many failures and sent again by replay; an event is
written with the write that caused it, or not at all."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx
from httpx import AsyncClient

from app import clock
from app.seed.demo import DEMO_COUNTY, DEMO_VILLAGE
from app.services.webhooks.delivery import deliver_due
from app.settings import Settings
from tests import factories
from tests.command import shouhu
from tests.conftest import EngineFactory, service_client
from tests.documents import REGISTER_CHILD, child_input, mutation
from tests.graphql import gid, graphql_body, mutation_payload, query_data
from tests.webhooks.receiver import Receiver, receiver
from tests.world import World, key_of

REGISTER = mutation(
    "registerWebhookSubscriber",
    "RegisterWebhookSubscriberInput",
    "subscriber { id areaCode name url kinds active } secret",
)
DEACTIVATE = mutation(
    "deactivateWebhookSubscriber",
    "DeactivateWebhookSubscriberInput",
    "subscriber { id active deactivatedAt }",
)
SUBSCRIBERS = "{ webhookSubscribers(first: 20) { totalCount edges { node { id areaCode } } } }"
# Rounds of the worker a test may run: far more than it needs, so a bug cannot loop forever.
ROUNDS = 20


async def _register(client: AsyncClient, token: str, url: str, **fields: Any) -> dict[str, Any]:
    payload = await mutation_payload(
        client, token, REGISTER, areaCode=DEMO_COUNTY, name="12355 热线", url=url, **fields
    )
    assert payload["errors"] == [], payload
    return payload


async def _deliver_all(world: World, **settings: Any) -> None:
    """Run the worker's rounds until one finds nothing to do."""
    configured = Settings.model_validate(
        {"DATABASE_URL": world.url, "webhook_retry_base_seconds": 0, **settings}
    )
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(ROUNDS):
            if not await deliver_due(world.engine, client, configured):
                return
    raise AssertionError("the worker still had work after its rounds")


def _verified(got: Receiver, secret: str) -> list[dict[str, Any]]:
    """The bodies of the deliveries answered 200, each checked: signature, timestamp, id."""
    bodies = []
    for request in got.received:
        timestamp = request.headers["x-shouhu-timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
        ).hexdigest()
        assert request.headers["x-shouhu-signature"] == f"sha256={expected}"
        assert abs(int(timestamp) - clock.now().timestamp()) < 300
        body = json.loads(request.body)
        assert body["id"] == request.headers["x-shouhu-event-id"]
        if request.status == 200:
            bodies.append(body)
    return bodies


async def _forget_seeded_events(world: World) -> None:
    """The demo's own events (its villages' files saved through the task rules) are history
    no test receiver is told of: only what the test does is compared."""
    await world.execute("DELETE FROM outbox_events")


async def _other_county_director(world: World) -> tuple[str, str]:
    village = await world.scalar(
        "SELECT code FROM areas WHERE level = 'village' AND code LIKE '420703%' "
        "ORDER BY code LIMIT 1"
    )
    return village, await world.token(f"director-{village}")


async def test_each_event_of_the_county_arrives_once_signed_after_a_failed_attempt(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    await _forget_seeded_events(world)
    with receiver(failures=1) as got:
        registered = await _register(fresh_client, county, got.url)
        # A child of ten living alone: the rules report it (a case) and give the township a task.
        alone = await factories.child(
            fresh_client, village, DEMO_VILLAGE, livingArrangement="ALONE"
        )
        await factories.case(fresh_client, village, alone["id"], category="GUARDIAN_NEGLECT")
        other_village, other_director = await _other_county_director(world)
        outside = await factories.child(
            fresh_client, other_director, other_village, livingArrangement="ALONE"
        )
        await _deliver_all(world)

    ours = await world.rows(
        "SELECT id::text, kind FROM outbox_events WHERE area_code LIKE :county || '%'",
        county=DEMO_COUNTY,
    )
    theirs = await world.rows(
        "SELECT id::text FROM outbox_events WHERE area_code NOT LIKE :county || '%'",
        county=DEMO_COUNTY,
    )
    assert sorted(kind for _, kind in ours) == [
        "case_reported", "case_reported", "task_opened"
    ]  # fmt: skip
    assert len(theirs) == 2  # the other county's report and task
    bodies = _verified(got, registered["secret"])
    delivered = [body["id"] for body in bodies]
    # Each event of the county exactly once after success, the failed one included.
    assert sorted(delivered) == sorted(event_id for event_id, _ in ours)
    assert [r.status for r in got.received].count(500) == 1
    assert len(got.received) == len(ours) + 1
    assert not {row[0] for row in theirs} & {body["id"] for body in bodies}
    assert all(body["areaCode"].startswith(DEMO_COUNTY) for body in bodies)
    assert key_of(outside["id"]) not in json.dumps(bodies)
    # Minimal: ids and codes, never the child's name or ID number.
    reported = next(b for b in bodies if b["data"].get("childId") == key_of(alone["id"]))
    assert "name" not in json.dumps(reported["data"]) and "idNumber" not in json.dumps(reported)
    task = next(b["data"]["task"] for b in bodies if b["kind"] == "task_opened")
    assert (task["kind"], task["assigneeRole"], task["priority"]) == (
        "respond_to_report", "township_supervisor", "urgent"
    )  # fmt: skip
    statuses = await world.rows("SELECT status, attempts FROM webhook_deliveries ORDER BY attempts")
    assert [tuple(s) for s in statuses] == [("delivered", 1), ("delivered", 1), ("delivered", 2)]


async def test_a_delivery_dies_after_its_attempts_and_replay_sends_it(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    with receiver(failures=-1) as got:
        registered = await _register(fresh_client, county, got.url, kinds=["CASE_REPORTED"])
        subscriber = key_of(registered["subscriber"]["id"])
        child = await factories.child(fresh_client, village, DEMO_VILLAGE)
        await factories.case(fresh_client, village, child["id"])
        await _deliver_all(world, webhook_max_attempts=3)
        dead = await world.row("SELECT status, attempts, last_error FROM webhook_deliveries")
        assert tuple(dead) == ("dead", 3, "HTTP 500")
        got.failures = 0
        await _deliver_all(world)
        assert len(got.received) == 3  # a dead letter waits for replay
        replayed = shouhu(world.url, "webhooks", "replay", "--subscriber", subscriber, "--dead")
        assert replayed.returncode == 0, replayed.stderr
        await _deliver_all(world)
    assert [r.status for r in got.received] == [500, 500, 500, 200]
    assert [b["kind"] for b in _verified(got, registered["secret"])] == ["case_reported"]
    delivered = await world.row("SELECT status, attempts, last_error FROM webhook_deliveries")
    assert tuple(delivered) == ("delivered", 1, None)


async def test_replay_since_sends_earlier_events_of_the_county_only(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    before = clock.now()
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    await factories.case(fresh_client, village, child["id"])
    other_village, other_director = await _other_county_director(world)
    await factories.child(fresh_client, other_director, other_village, livingArrangement="ALONE")
    await _deliver_all(world)  # the events went out before there was a subscriber
    with receiver() as got:
        registered = await _register(fresh_client, county, got.url)
        await _deliver_all(world)
        assert got.received == []
        subscriber = key_of(registered["subscriber"]["id"])
        replayed = shouhu(
            world.url, "webhooks", "replay", "--subscriber", subscriber,
            "--since", before.isoformat(),
        )  # fmt: skip
        assert replayed.returncode == 0, replayed.stderr
        await _deliver_all(world)
    bodies = _verified(got, registered["secret"])
    assert [(b["kind"], b["areaCode"]) for b in bodies] == [("case_reported", DEMO_VILLAGE)]


async def test_an_event_is_written_with_its_write_or_not_at_all(
    fresh_client: AsyncClient, world: World
) -> None:
    village = await world.token("demo-village")
    await _forget_seeded_events(world)
    household = await factories.household(fresh_client, village, DEMO_VILLAGE)
    # The rules' report (and its event) is written, then opening the township's task fails:
    # the whole registration is rolled back, its event with it.
    await world.execute(
        "CREATE FUNCTION refuse_task() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
    )
    await world.execute(
        "CREATE TRIGGER refuse_task BEFORE INSERT ON tasks "
        "FOR EACH ROW EXECUTE FUNCTION refuse_task()"
    )
    fields = child_input(household["id"], livingArrangement="ALONE")
    cases = await world.scalar("SELECT count(*) FROM cases")
    body = await graphql_body(fresh_client, village, REGISTER_CHILD, input={"child": fields})
    assert body["data"] is None, body
    assert await world.scalar("SELECT count(*) FROM outbox_events") == 0
    assert await world.scalar("SELECT count(*) FROM cases") == cases
    await world.execute("DROP TRIGGER refuse_task ON tasks")
    saved = await mutation_payload(fresh_client, village, REGISTER_CHILD, child=fields)
    assert saved["errors"] == [], saved
    kinds = await world.rows("SELECT kind FROM outbox_events ORDER BY kind")
    assert [k for (k,) in kinds] == ["case_reported", "task_opened"]


async def test_a_case_s_stage_changes_and_closing_are_events(
    fresh_client: AsyncClient, world: World
) -> None:
    village, township = await world.token("demo-village"), await world.token("demo-township")
    await _forget_seeded_events(world)
    child = await factories.child(fresh_client, village, DEMO_VILLAGE)
    case = await factories.case(fresh_client, village, child["id"])
    closed = await mutation_payload(
        fresh_client, township,
        mutation("closeAsUnfounded", "CloseCaseInput", "case { id stage }"),
        caseId=case["id"], expectedVersion=case["version"], reason="核实后不属实",
    )  # fmt: skip
    assert closed["errors"] == [], closed
    rows = await world.rows("SELECT kind, payload FROM outbox_events ORDER BY occurred_at")
    assert [r.kind for r in rows] == ["case_reported", "case_closed"]
    payload = rows[1].payload
    assert payload["case"]["id"] == key_of(case["id"])
    assert payload["case"]["stage"] == "closed" and payload["fromStage"] == "reported"


async def test_only_county_bureaus_register_and_see_their_county_s_subscribers(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    registered = await _register(fresh_client, county, "https://12355.example/hook")
    assert registered["secret"].startswith("whsec_")
    assert registered["subscriber"]["kinds"] == [] and registered["subscriber"]["active"]
    # The secret is kept sealed, not in plain text.
    stored = await world.scalar("SELECT secret_enc FROM webhook_subscribers")
    assert registered["secret"].encode() not in bytes(stored)
    refused = await mutation_payload(
        fresh_client, village, REGISTER, areaCode=DEMO_COUNTY, name="x", url="https://x.example"
    )
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FORBIDDEN", "areaCode")]
    elsewhere = await mutation_payload(
        fresh_client, county, REGISTER, areaCode="420703", name="x", url="https://x.example"
    )
    assert [(e["code"], e["field"]) for e in elsewhere["errors"]] == [("FORBIDDEN", "areaCode")]
    listed = await query_data(fresh_client, county, SUBSCRIBERS)
    assert listed["webhookSubscribers"]["totalCount"] == 1
    assert (await query_data(fresh_client, village, SUBSCRIBERS))["webhookSubscribers"] == {
        "totalCount": 0, "edges": []
    }  # fmt: skip
    target = registered["subscriber"]["id"]
    missing = await mutation_payload(fresh_client, village, DEACTIVATE, webhookSubscriberId=target)
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]
    done = await mutation_payload(fresh_client, county, DEACTIVATE, webhookSubscriberId=target)
    assert done["errors"] == [] and done["subscriber"]["active"] is False
    assert gid("WebhookSubscriber", key_of(target)) == target


async def test_a_bad_registration_is_refused_in_chinese_and_english(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    fields = {"areaCode": DEMO_VILLAGE, "name": " ", "url": "ftp://example"}
    answers = {}
    for language in ("zh", "en"):
        body = await graphql_body(fresh_client, county, REGISTER, language=language, input=fields)
        answers[language] = body["data"]["registerWebhookSubscriber"]["errors"]
    assert [(e["code"], e["field"]) for e in answers["en"]] == [
        ("REQUIRED", "name"), ("INVALID_URL", "url")
    ]  # fmt: skip
    assert answers["en"][1]["message"] == "an address starting with http:// or https://"
    assert answers["zh"][1]["message"] == "须为以 http:// 或 https:// 开头的网址"
    wrong_area = await mutation_payload(
        fresh_client, county, REGISTER, areaCode=DEMO_VILLAGE, name="x", url="https://x.example"
    )
    assert [(e["code"], e["field"]) for e in wrong_area["errors"]] == [("INVALID_AREA", "areaCode")]
    assert await world.scalar("SELECT count(*) FROM webhook_subscribers") == 0


async def test_the_service_s_own_worker_delivers_while_it_serves(
    fresh_db: str, world: World
) -> None:
    """`shouhu serve` runs the worker in its lifespan (SHOUHU_WEBHOOK_WORKER): an event
    arrives without anyone running `shouhu worker`, and the worker stops with the service."""
    county, village = await world.token("demo-county"), await world.token("demo-village")
    with receiver() as got:
        async for client in service_client(
            fresh_db, webhook_worker=True, webhook_poll_seconds=0.05
        ):
            registered = await _register(client, county, got.url)
            child = await factories.child(client, village, DEMO_VILLAGE)
            await factories.case(client, village, child["id"])
            for _ in range(200):  # at most 10 s
                if got.received:
                    break
                await asyncio.sleep(0.05)
    assert [b["kind"] for b in _verified(got, registered["secret"])] == ["case_reported"]


async def test_the_operator_adds_and_lists_subscribers_and_runs_a_round(world: World) -> None:
    added = shouhu(
        world.url, "webhooks", "add", "--county", DEMO_COUNTY, "--name", "公安接警",
        "--url", "https://police.example/intake", "--kind", "case_reported",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("whsec_")
    listed = shouhu(world.url, "webhooks", "list")
    assert "公安接警" in listed.stdout and "case_reported" in listed.stdout
    assert added.stdout.strip() not in listed.stdout + listed.stderr
    refused = shouhu(
        world.url, "webhooks", "add", "--county", DEMO_VILLAGE, "--name", "x", "--url", "https://x"
    )
    assert refused.returncode == 2 and "areaCode" in refused.stderr
    once = shouhu(world.url, "worker", "--once")
    assert once.returncode == 0, once.stderr


async def test_a_secret_that_does_not_open_fails_the_delivery_and_sends_nothing(
    fresh_client: AsyncClient, world: World
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    with receiver() as got:
        await _register(fresh_client, county, got.url)
        # Sealed under key version 9, which the service's ring does not hold.
        await world.execute(
            "UPDATE webhook_subscribers SET secret_enc = "
            "overlay(secret_enc placing '\\x09'::bytea from 1 for 1)"
        )
        child = await factories.child(fresh_client, village, DEMO_VILLAGE)
        await factories.case(fresh_client, village, child["id"])
        await _deliver_all(world, webhook_max_attempts=1)
    assert got.received == []
    dead = await world.row("SELECT status, last_error FROM webhook_deliveries")
    assert tuple(dead) == ("dead", "the secret does not open with these keys")


async def test_two_workers_at_once_never_send_a_delivery_twice(
    fresh_client: AsyncClient, world: World, engine_for: EngineFactory
) -> None:
    county, village = await world.token("demo-county"), await world.token("demo-village")
    with receiver() as got:
        registered = await _register(fresh_client, county, got.url)
        for _ in range(4):
            child = await factories.child(fresh_client, village, DEMO_VILLAGE)
            await factories.case(fresh_client, village, child["id"])
        configured = Settings.model_validate({"DATABASE_URL": world.url, "webhook_batch_size": 1})
        engines = (engine_for(world.url), engine_for(world.url))
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(ROUNDS):
                rounds = [deliver_due(engine, client, configured) for engine in engines]
                if not any(await asyncio.gather(*rounds)):
                    break
    ids = [b["id"] for b in _verified(got, registered["secret"])]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert len(got.received) == 4


async def test_a_new_subscriber_is_told_what_happens_from_its_registration_on(
    fresh_client: AsyncClient, world: World
) -> None:
    county = await world.token("demo-county")
    # The demo's villages were saved through the task rules before anyone subscribed.
    assert await world.scalar("SELECT count(*) FROM outbox_events") > 0
    with receiver() as got:
        await _register(fresh_client, county, got.url)
        await _deliver_all(world)
    assert got.received == []
