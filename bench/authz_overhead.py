"""The cost of authorization per request, on demo data plus 100,000 synthetic children.

For each demo user, the same store queries (a page of 51 children and the total count; one
child by id) run two ways:
- authorized: through a scoped session as the service runs them (Casbin-compiled predicate on
  every query, as the application role with row-level security, scope set per transaction);
- baseline: as the tables' owner (no RLS) with only the hand-written area filter the user's
  scope amounts to (`area_code LIKE '<area>%'`), i.e. what the query would cost if
  authorization were free.
It also times compiling a scope (principal → permissions → predicates) on its own.

Usage: .venv/bin/python -m bench.authz_overhead [--children 100000] [--rounds 300]
Uses a throw-away embedded database under bench/results/ unless DATABASE_URL is set.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import clock, migrate
from app.auth.identity import Identity
from app.auth.tokens import issue_access_token
from app.database import app_role_url, create_engine, session_factory
from app.models import Child, User
from app.seed.demo import seed_demo
from app.seed.synthetic import seed_synthetic
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from app.store.children import ChildCriteria, children_by_id, count_children, list_children
from app.web.service import create_app
from authz.enforcer import build_enforcer, default_rules
from authz.principal import principal_for
from authz.scope import compile_scope
from authz.session import scoped_sessions
from bench.databases import run_on_throwaway_database

ALL = ChildCriteria()
TODAY = clock.today()
PAGE_QUERY = (
    "{ children(first: 50) { totalCount edges { node { id name areaCode idNumber "
    "household { id address } } } pageInfo { hasNextPage endCursor } } }"
)
# Users whose scope is one area, so the baseline's plain area filter selects the same rows.
USERS = ("demo-village", "demo-township")


def summarize(samples: list[float]) -> str:
    """Median and 99th percentile in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms, p99 {p99 * 1000:6.2f} ms"


async def timed(rounds: int, action: Callable[[], Awaitable[object]]) -> list[float]:
    """Run `action` `rounds` times after a warm-up; the duration of each run."""
    for _ in range(10):
        await action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return samples


async def prepare(engine: AsyncEngine, children: int) -> None:
    """Migrate, seed the demo and the synthetic children (once per database)."""
    await migrate.upgrade(engine)
    if await seed_demo(engine, today=clock.today()) is not None:
        await seed_synthetic(engine, children=children, seed=1, area="4207", today=clock.today())


async def measure(
    username: str,
    user: User,
    rounds: int,
    settings: Settings,
    client: AsyncClient,
    app_engine: AsyncEngine,
    owner_sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Print the figures of one user."""
    enforcer = build_enforcer(default_rules())
    identity = Identity(
        kind="user", user_id=user.id, api_key_id=None, username=username, role=user.role,
        area_code=user.area_code, organization_id=user.organization_id,
        label=f"user:{username}",
    )  # fmt: skip
    compile_times = []
    for _ in range(rounds):
        start = time.perf_counter()
        scope = compile_scope(principal_for(identity, enforcer), enforcer)
        scoped_sessions(app_engine, scope, clock.today())
        compile_times.append(time.perf_counter() - start)
    sessions = scoped_sessions(app_engine, scope, clock.today())
    async with sessions() as session:
        visible = await count_children(session, ALL, today=TODAY)
        some = await list_children(session, ALL, today=TODAY, after=None, limit=1)
    child_id = some[0].id if some else uuid.uuid4()
    area = f"{user.area_code}%"

    async def authorized_page() -> None:
        async with sessions() as session:
            await list_children(session, ALL, today=TODAY, after=None, limit=51)
            await count_children(session, ALL, today=TODAY)

    async def baseline_page() -> None:
        async with owner_sessions() as session:
            condition = Child.area_code.like(area), Child.deleted_at.is_(None)
            await session.scalars(
                select(Child).where(*condition).order_by(Child.area_code, Child.id).limit(51)
            )
            await session.scalar(select(func.count()).select_from(Child).where(*condition))

    async def authorized_one() -> None:
        async with sessions() as session:
            await children_by_id(session, [child_id])

    async def baseline_one() -> None:
        async with owner_sessions() as session:
            await session.scalars(
                select(Child).where(Child.id == child_id, Child.area_code.like(area))
            )

    token = issue_access_token(user.id, settings)[0]

    async def graphql_page() -> None:
        response = await client.post(
            "/graphql",
            json={"query": PAGE_QUERY},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200 and "errors" not in response.json()

    print(f"\n{username} ({user.role}, {user.area_code}): sees {visible:,} children")
    print(f"  compile scope + sessions   {summarize(compile_times)}")
    for name, authorized, baseline in (
        ("page of 51 + count", authorized_page, baseline_page),
        ("one child by id", authorized_one, baseline_one),
    ):
        with_authz = await timed(rounds, authorized)
        without = await timed(rounds, baseline)
        overhead = statistics.median(with_authz) / statistics.median(without) - 1
        print(f"  {name:<26} authorized {summarize(with_authz)}")
        print(f"  {'':<26} baseline   {summarize(without)}   overhead {overhead:+.0%}")
        extra = statistics.median(with_authz) - statistics.median(without)
        if name.startswith("page"):
            request = await timed(rounds, graphql_page)
            print(
                f"  {'GraphQL request':<26} whole      {summarize(request)}   "
                f"authorization {extra * 1000:+.2f} ms = "
                f"{extra / statistics.median(request):+.0%} of the request"
            )


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Measure and print the figures."""
    owner = create_engine(url, pool_size=4)
    app_engine = create_engine(app_role_url(url, settings), pool_size=4)
    await prepare(owner, children)
    async with owner.connect() as conn:
        total = await conn.scalar(select(func.count()).select_from(Child))
        users = {
            user.username: user
            for user in (
                await AsyncSession(bind=conn).scalars(select(User).where(User.username.in_(USERS)))
            ).all()
        }
    app = create_app(settings.model_copy(update={"database_url": url}))
    client = AsyncClient(transport=ASGITransport(app=app), base_url="http://bench")
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    print(f"{total:,} children; {rounds} rounds per figure")
    for username in USERS:
        await measure(
            username,
            users[username],
            rounds,
            settings,
            client,
            app_engine,
            session_factory(owner, StatisticsSession),
        )
    await lifespan.__aexit__(None, None, None)
    await client.aclose()
    await owner.dispose()
    await app_engine.dispose()


def main() -> None:
    """Parse arguments, provide a database, run."""
    run_on_throwaway_database(
        __doc__.splitlines()[0], "authz-db", run, children=100_000, rounds=300
    )


if __name__ == "__main__":
    main()
