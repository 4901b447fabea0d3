"""Shouhu against PostGraphile on the same database: the app's Caseload, ChildDetail, DueVisits.

One `shouhu serve` (authorization on: the demo village director, logged in over GraphQL, sends
the mobile contract's documents by persisted id, as the app does) and one PostGraphile 4.14
(`npm install`ed under bench/results/postgraphile; one node process; no authorization at all:
it connects as the database's owner, which row-level security does not restrict; with
`--workers N`, uvicorn's N workers and PostGraphile's `--cluster-workers N`) answering
the equivalent queries: `allChildren(condition: {areaCode}, first: 50)` with the household,
its parents, the active guardianship, the last visit and the open-case count; `childById`
with the same relations as ChildDetail; the children due for a visit (the connection-filter
plugin's `lessThanOrEqualTo`, PostGraphile having no range condition of its own). Both
listen on 127.0.0.1. Before measuring, each answers each query with data, and the two answer
the same children. Then `wrk` (one thread; a Lua script POSTing the bodies in turn) runs
against one server at a time, interleaved, twice each: 10 connections for throughput and p99,
then 1 connection for p50. Prints a table per operation and the ratios Shouhu/PostGraphile
last. Shouhu's SQL statements per request are counted in process, as bench.field_api does.

Usage: .venv/bin/python -m bench.postgraphile [--workers 1] [--seconds 15] [--children 0]
Uses a throw-away embedded database under bench/results/ (demo data plus `--children`
synthetic children in Ezhou) unless DATABASE_URL is set; needs `wrk`, node and npm.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from app import clock
from app.database import counting_statements, create_engine, database_url, libpq_url
from app.global_ids import encode_global_id
from app.mobile_contract import CONTRACT_DIR, document_id
from app.seed.demo import DEMO_PASSWORD
from app.settings import Settings
from app.web.service import create_app
from bench.field_api import prepare

NPM_PREFIX = Path("bench/results/postgraphile")
DATA_DIR = Path("bench/results/postgraphile-db")
LOGS = Path("bench/results/postgraphile-logs")
PACKAGES = ("postgraphile@~4.14.0", "postgraphile-plugin-connection-filter@~2.3.0")
PAGE = 50
DUE_WITHIN_DAYS = 30
DEMO_USERNAME = "demo-village"

# PostGraphile's equivalents of the contract's documents. PostGraphile names relations by
# foreign key (`householdByHouseholdId`); its `condition: {column: null}` is `IS NULL`.
# Fields Shouhu computes (age, visitOverdue, overdue, nextActions) are left to the client:
# PostGraphile answers the columns they come from. ID numbers are the sealed bytes.
PG_CASELOAD = """query Caseload($areaCode: String!, $first: Int!) {
  allChildren(
    condition: {areaCode: $areaCode, status: "active", deletedAt: null, mergedIntoId: null}
    orderBy: [AREA_CODE_ASC, ID_ASC]
    first: $first
  ) {
    totalCount
    nodes {
      id version name gender birthDate areaCode categories isKeyChild nextVisitDue
      householdByHouseholdId {
        id address
        parentsByHouseholdId(condition: {deletedAt: null}) {
          nodes { id name status workPlace contactFrequency }
        }
      }
      guardianshipsByChildId(condition: {status: "active", deletedAt: null}, first: 1) {
        nodes { id guardianName relation capacity confirmedAt }
      }
      visitsByChildId(condition: {deletedAt: null}, orderBy: VISITED_AT_DESC, first: 1) {
        nodes { visitedAt kind }
      }
      casesByChildId(condition: {deletedAt: null}, filter: {stage: {notEqualTo: "closed"}}) {
        totalCount
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
PG_CHILD_DETAIL = """query ChildDetail($id: UUID!) {
  childById(id: $id) {
    id version name gender birthDate idNumberEnc noHouseholdRegistration schoolStatus
    studentNumber livingArrangement categories isKeyChild keyReasons recordedKeyReasons
    disability seriousIllness safetyRisk scatteredOrphan hasConfirmedGuardian nextVisitDue
    householdByHouseholdId {
      id version address phone minimumAllowance extremePoverty registeredPoverty
      parentsByHouseholdId(condition: {deletedAt: null}) {
        nodes {
          id version relation name idNumberEnc phone status workPlace workProvinceCode
          awaySince contactFrequency lastContactOn homeAtHolidays
        }
      }
    }
    active: guardianshipsByChildId(condition: {status: "active", deletedAt: null}, first: 1) {
      nodes {
        id version guardianName relation phone idNumberEnc capacity capacityAssessedAt
        agreementSigned confirmedAt startsOn
      }
    }
    guardianshipsByChildId(condition: {deletedAt: null}, orderBy: STARTS_ON_DESC) {
      nodes { id guardianName relation startsOn endsOn status }
    }
    visitsByChildId(condition: {deletedAt: null}, orderBy: VISITED_AT_DESC, first: 10) {
      totalCount
      nodes {
        id visitedAt kind livingConditions guardianship schooling health mentalState
        risksFound notes
      }
    }
    casesByChildId(
      condition: {deletedAt: null}
      filter: {stage: {notEqualTo: "closed"}}
      orderBy: REPORTED_AT_DESC
    ) {
      nodes { id stage category reportedAt dueAt }
    }
  }
}"""
PG_DUE_VISITS = """query DueVisits($areaCode: String!, $dueBy: Date!, $first: Int!) {
  allChildren(
    condition: {areaCode: $areaCode, status: "active", deletedAt: null, mergedIntoId: null}
    filter: {nextVisitDue: {lessThanOrEqualTo: $dueBy}}
    orderBy: [NEXT_VISIT_DUE_ASC, ID_ASC]
    first: $first
  ) {
    totalCount
    nodes { id name areaCode isKeyChild nextVisitDue lastVisitAt }
    pageInfo { hasNextPage endCursor }
  }
}"""

Body = dict[str, Any]


def contract_body(operation: str, variables: dict[str, Any]) -> Body:
    """A request as the app sends it: the contract document's persisted id and variables."""
    text = (CONTRACT_DIR / "operations" / f"{operation}.graphql").read_text(encoding="utf-8")
    return {"documentId": document_id(text), "variables": variables}


def node_uuid(global_id: str) -> uuid.UUID:
    """The row id of a Relay global id (`Type:uuid` in base64)."""
    return uuid.UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


@dataclass(frozen=True)
class Answer:
    """What both servers' answers must show alike: a count and the rows' ids."""

    total: int
    ids: list[uuid.UUID]


Key = Callable[[dict[str, Any]], Answer]


@dataclass(frozen=True)
class Operation:
    """One of the app's operations and its PostGraphile equivalent, with what must agree."""

    name: str
    shouhu: list[Body]  # sent in turn
    postgraphile: list[Body]
    shouhu_key: Key
    postgraphile_key: Key


def _ours(connection: dict[str, Any]) -> Answer:
    ids = [node_uuid(edge["node"]["id"]) for edge in connection["edges"]]
    return Answer(connection["totalCount"], ids)


def _theirs(connection: dict[str, Any]) -> Answer:
    return Answer(connection["totalCount"], [uuid.UUID(n["id"]) for n in connection["nodes"]])


def _our_child(data: dict[str, Any]) -> Answer:
    """The child, its parents and its open cases; the count is its visits'."""
    child = data["child"]
    parents = sorted(node_uuid(p["id"]) for p in child["household"]["parents"])
    cases = sorted(node_uuid(c["id"]) for c in child["openCases"])
    return Answer(child["visits"]["totalCount"], [node_uuid(child["id"]), *parents, *cases])


def _their_child(data: dict[str, Any]) -> Answer:
    child = data["childById"]
    parents = child["householdByHouseholdId"]["parentsByHouseholdId"]["nodes"]
    cases = child["casesByChildId"]["nodes"]
    return Answer(
        child["visitsByChildId"]["totalCount"],
        [
            uuid.UUID(child["id"]),
            *sorted(uuid.UUID(p["id"]) for p in parents),
            *sorted(uuid.UUID(c["id"]) for c in cases),
        ],
    )


def operations(village: str, children: list[uuid.UUID], today: date) -> list[Operation]:
    """The three operations, for the village's director; ChildDetail cycles over `children`.
    Pages are compared in order: PostGraphile is told Shouhu's (area and id for the
    caseload, the next visit's date and id for the due visits)."""
    due_by = today + timedelta(days=DUE_WITHIN_DAYS)  # what `withinDays` means to Shouhu
    due = {"areaCode": village, "dueBy": due_by.isoformat(), "first": PAGE}
    return [
        Operation(
            "Caseload",
            [contract_body("Caseload", {"first": PAGE})],
            [{"query": PG_CASELOAD, "variables": {"areaCode": village, "first": PAGE}}],
            lambda data: _ours(data["children"]),
            lambda data: _theirs(data["allChildren"]),
        ),
        Operation(
            "ChildDetail",
            [contract_body("ChildDetail", {"id": encode_global_id("Child", c)}) for c in children],
            [{"query": PG_CHILD_DETAIL, "variables": {"id": str(c)}} for c in children],
            _our_child,
            _their_child,
        ),
        Operation(
            "DueVisits",
            [contract_body("DueVisits", {"withinDays": DUE_WITHIN_DAYS, "first": PAGE})],
            [{"query": PG_DUE_VISITS, "variables": due}],
            lambda data: _ours(data["dueVisits"]),
            lambda data: _theirs(data["allChildren"]),
        ),
    ]


def lua_string(text: str) -> str:
    """`text` as a Lua string literal (the bodies are ASCII JSON: no newline, no high byte)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(bodies: list[Body], headers: dict[str, str]) -> str:
    """A wrk script POSTing the bodies to /graphql in turn; a response that is not a 200 or
    that carries GraphQL errors is a failure. `done` prints one line `parse_wrk` reads."""
    encoded = [json.dumps(body, ensure_ascii=True, separators=(",", ":")) for body in bodies]
    header_lines = "\n".join(f"  [{lua_string(k)}] = {lua_string(v)}," for k, v in headers.items())
    body_lines = "\n".join(f"  {lua_string(body)}," for body in encoded)
    return f"""-- Written by bench/postgraphile.py.
local bodies = {{
{body_lines}
}}
local headers = {{
  ["Content-Type"] = "application/json",
{header_lines}
}}
local prepared = {{}}
local sent = 0
local threads = {{}}
failures = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, body in ipairs(bodies) do
    prepared[i] = wrk.format("POST", "/graphql", headers, body)
  end
end

function request()
  sent = sent + 1
  return prepared[(sent - 1) % #prepared + 1]
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local e = summary.errors
  io.write(string.format("BENCH %.0f %.0f %.0f %.0f %.0f %.0f\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), failed,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True)
class Figures:
    """One wrk run."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # answers that were not data, and socket errors

    @property
    def per_second(self) -> float:
        """Throughput."""
        return self.requests / self.seconds


_BENCH_LINE = re.compile(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", re.MULTILINE)


def parse_wrk(output: str) -> Figures:
    """The figures of the line the script's `done` prints (microseconds in, ms out)."""
    found = _BENCH_LINE.search(output)
    if found is None:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    requests, duration, p50, p99, failed, errors = (int(v) for v in found.groups())
    return Figures(requests, duration / 1e6, p50 / 1000, p99 / 1000, failed + errors)


def run_wrk(
    base: str, bodies: list[Body], headers: dict[str, str], connections: int, seconds: float
) -> Figures:
    """Load one server for `seconds` with `connections` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(bodies, headers))
    try:
        done = subprocess.run(
            ["wrk", "--threads", "1", "--connections", str(connections),
             "--duration", f"{seconds:.0f}s", "--timeout", "60s",
             "--script", script.name, f"{base}/graphql"],
            capture_output=True, text=True, check=True, timeout=seconds + 120,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    return parse_wrk(done.stdout)


@dataclass
class Server:
    """A server the benchmark starts: its process group is stopped with it."""

    name: str
    base: str
    process: subprocess.Popen[bytes]


def _free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise SystemExit(f"port {port} of 127.0.0.1 is taken; pass another --port") from exc


@contextmanager
def started(name: str, command: list[str], env: dict[str, str], port: int) -> Iterator[Server]:
    """Start `command` in a process group of its own, wait until it answers on `port`, and
    stop the whole group (workers included) on the way out, whatever happened."""
    _free(port)
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{name.lower()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
            try:
                answer = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"})
                if answer.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer on port {port} within 120 s")
            time.sleep(0.5)
        yield Server(name, base, process)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group (its workers too): TERM, then KILL after 30 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        process.poll()  # reaps the leader, which would count as alive otherwise
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def login(base: str) -> str:
    """The demo village director's access token, from the app's Login document."""
    body = contract_body("Login", {"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    answer = httpx.post(f"{base}/graphql", json=body).json()
    token = ((answer.get("data") or {}).get("login") or {}).get("accessToken")
    if token is None:
        raise RuntimeError(f"login as {DEMO_USERNAME} failed: {answer}")
    return str(token)


def ask(base: str, body: Body, headers: dict[str, str]) -> dict[str, Any]:
    """One request's data; a failure when the answer carries errors or no data."""
    answer = httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=60).json()
    if answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{base} answered with errors: {json.dumps(answer)[:2000]}")
    data: dict[str, Any] = answer["data"]
    return data


def install_postgraphile() -> Path:
    """PostGraphile's command, installed under bench/results/ with npm if missing."""
    command = NPM_PREFIX / "node_modules" / ".bin" / "postgraphile"
    plugin = NPM_PREFIX / "node_modules" / "postgraphile-plugin-connection-filter"
    if not (command.exists() and plugin.exists()):
        print(f"Installing {', '.join(PACKAGES)} under {NPM_PREFIX} ...", flush=True)
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", *PACKAGES],
            check=True,
        )
    return command


async def village_of_director(url: str) -> tuple[str, list[uuid.UUID]]:
    """The demo village director's village and up to 20 of its children (for ChildDetail)."""
    engine = create_engine(url, pool_size=1)
    async with engine.connect() as conn:
        village = await conn.scalar(
            text("SELECT area_code FROM users WHERE username = :u"), {"u": DEMO_USERNAME}
        )
        children = (
            await conn.scalars(
                text(
                    "SELECT id FROM children WHERE area_code = :v AND deleted_at IS NULL "
                    "AND merged_into_id IS NULL AND status = 'active' ORDER BY id LIMIT 20"
                ),
                {"v": village},
            )
        ).all()
    await engine.dispose()
    return str(village), list(children)


async def statements_per_request(url: str, token: str, ops: list[Operation]) -> dict[str, int]:
    """Shouhu's SQL statements for one request of each operation, counted in process (the
    engine's cursor events, as bench.field_api counts them), after a warm-up request."""
    app = create_app(Settings.model_validate({"DATABASE_URL": url, "daily_job": False}))
    counts: dict[str, int] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        headers = {"Authorization": f"Bearer {token}"}
        for op in ops:
            await http.post("/graphql", json=op.shouhu[0], headers=headers)
            with counting_statements(app.state.engine) as statements:
                await http.post("/graphql", json=op.shouhu[-1], headers=headers)
            counts[op.name] = len(statements)
    return counts


def check_same_answers(shouhu: Server, postgraphile: Server, ops: list[Operation]) -> None:
    """Every body answers with data on both servers, and the two show the same rows."""
    headers = {"Authorization": f"Bearer {login(shouhu.base)}"}
    for op in ops:
        answers = []
        for ours, theirs in zip(op.shouhu, op.postgraphile, strict=True):
            mine = op.shouhu_key(ask(shouhu.base, ours, headers))
            other = op.postgraphile_key(ask(postgraphile.base, theirs, {}))
            if mine != other:
                raise RuntimeError(
                    f"{op.name}: Shouhu and PostGraphile answer differently:\n"
                    f"  Shouhu       {mine}\n  PostGraphile {other}"
                )
            if not mine.ids:
                raise RuntimeError(f"{op.name}: no rows to compare; the measure would be empty")
            answers.append(mine)
        print(
            f"  {op.name}: the same answers to {len(answers)} request(s); the first: "
            f"{len(answers[0].ids)} ids, count {answers[0].total}"
        )


Runs = dict[tuple[str, str], list[tuple[Figures, Figures]]]


def measure(shouhu: Server, postgraphile: Server, ops: list[Operation], args: Any) -> Runs:
    """Two runs of each server on each operation, the servers interleaved: (10 connections,
    1 connection) per run. A short unmeasured run warms each server up first."""
    runs: Runs = {}

    def bodies_and_headers(server: Server, op: Operation) -> tuple[list[Body], dict[str, str]]:
        if server is shouhu:
            # A token lives 15 minutes: a fresh one for each run.
            return op.shouhu, {"Authorization": f"Bearer {login(shouhu.base)}"}
        return op.postgraphile, {}

    for op in ops:
        for server in (shouhu, postgraphile):
            bodies, headers = bodies_and_headers(server, op)
            run_wrk(server.base, bodies, headers, args.connections, args.warmup)
        for run in (1, 2):
            for server in (shouhu, postgraphile):
                bodies, headers = bodies_and_headers(server, op)
                loaded = run_wrk(server.base, bodies, headers, args.connections, args.seconds)
                single = run_wrk(server.base, bodies, headers, 1, args.seconds)
                runs.setdefault((op.name, server.name), []).append((loaded, single))
                print(
                    f"  {op.name:<12} {server.name:<13} run {run}: "
                    f"{loaded.per_second:7.1f} req/s, p50 {single.p50_ms:.1f} ms "
                    f"(load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
    return runs


def report(runs: Runs, ops: list[Operation], args: Any) -> None:
    """A table per operation, then the ratios."""
    servers = ("Shouhu", "PostGraphile")
    for op in ops:
        print(f"\n{op.name} ({args.connections} connections for req/s and p99, 1 for p50):")
        print(
            f"  {'server':<13} {'run':>3} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failures':>8}"
        )
        for name in servers:
            for run, (loaded, single) in enumerate(runs[(op.name, name)], start=1):
                print(
                    f"  {name:<13} {run:>3} {loaded.per_second:8.1f} {single.p50_ms:8.1f} "
                    f"{loaded.p99_ms:8.1f} {loaded.failures + single.failures:>8}"
                )
    print("\nShouhu / PostGraphile (mean of the two runs; throughput: higher is better for "
          "Shouhu, p50: lower is):")  # fmt: skip
    for op in ops:
        ours, theirs = runs[(op.name, "Shouhu")], runs[(op.name, "PostGraphile")]
        rate = statistics.mean(r.per_second for r, _ in ours) / statistics.mean(
            r.per_second for r, _ in theirs
        )
        p50 = statistics.mean(s.p50_ms for _, s in ours) / statistics.mean(
            s.p50_ms for _, s in theirs
        )
        print(f"  {op.name:<12} throughput {rate:5.2f}x   p50 {p50:5.2f}x")
    print("  (issue 17's goal on the Caseload: throughput >= 1.5x, p50 < 1x)")


def bench(url: str, postgraphile: Path, args: Any) -> None:
    """Start both servers on the prepared database, check, measure, report."""
    village, children = asyncio.run(village_of_director(url))
    ops = operations(village, children, clock.today())
    shouhu_env = {
        **os.environ, "DATABASE_URL": libpq_url(url), "SHOUHU_SEED_DEMO": "false",
        "SHOUHU_LOG_LEVEL": "WARNING", "SHOUHU_DAILY_JOB": "false",
        "SHOUHU_TRUSTED_DOCUMENTS_ONLY": "true",
    }  # fmt: skip
    shouhu_command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1",
                      "--port", str(args.port), "--workers", str(args.workers)]  # fmt: skip
    # PostGraphile's cluster mode forks its workers from one master process.
    cluster = ["--cluster-workers", str(args.workers)] if args.workers > 1 else []
    postgraphile_command = [
        str(postgraphile), "--connection", libpq_url(url), "--schema", "public",
        "--host", "127.0.0.1", "--port", str(args.port + 1), "--disable-query-log",
        "--disable-graphiql", "--append-plugins", "postgraphile-plugin-connection-filter",
        *cluster,
    ]  # fmt: skip
    load = os.getloadavg()
    print(f"Load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} cores); village {village}")  # fmt: skip
    with ExitStack() as stack:
        shouhu = stack.enter_context(started("Shouhu", shouhu_command, shouhu_env, args.port))
        pg_env = {**os.environ, "NODE_ENV": "production"}
        other = stack.enter_context(
            started("PostGraphile", postgraphile_command, pg_env, args.port + 1)
        )
        print("Checking that both servers answer the same:")
        check_same_answers(shouhu, other, ops)
        counts = asyncio.run(statements_per_request(url, login(shouhu.base), ops))
        print("Shouhu's SQL statements per request: "
              + ", ".join(f"{name} {n}" for name, n in counts.items()))  # fmt: skip
        print(f"Measuring ({args.workers} worker(s) each, {args.seconds:.0f} s a run):")
        runs = measure(shouhu, other, ops, args)
    load = os.getloadavg()
    print(f"\nLoad average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    report(runs, ops, args)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Install, prepare, serve, check, load, report; every process started is stopped."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=1, help="processes of each server")
    parser.add_argument("--seconds", type=float, default=15, help="length of a measured run")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured run first")
    parser.add_argument("--connections", type=int, default=10, help="for req/s and p99")
    parser.add_argument("--children", type=int, default=0, help="synthetic children too")
    parser.add_argument("--port", type=int, default=8766, help="Shouhu's; PostGraphile's +1")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        raise SystemExit(2)
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("node and npm are missing: apt-get install nodejs npm", file=sys.stderr)
        raise SystemExit(2)

    postgraphile = install_postgraphile()
    # A `kill` stops the benchmark as Ctrl-C does: through the `finally`s that stop servers.
    signal.signal(signal.SIGTERM, _interrupted)
    if not os.environ.get("DATABASE_URL"):
        os.environ["SHOUHU_DATA_DIR"] = str(DATA_DIR)
    os.environ.setdefault("SHOUHU_DAILY_JOB", "false")
    with database_url(Settings()) as url:
        print(f"Preparing the database (demo data, {args.children} synthetic children) "
              f"as of {clock.today()} ...", flush=True)  # fmt: skip
        asyncio.run(prepare(url, args.children))
        bench(url, postgraphile, args)
    if not os.environ.get("DATABASE_URL") and os.environ.get("BENCH_KEEP_DB") != "1":
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
