"""Importing a county ledger (issue 16): `--children` rows (default 100,000) generated as a
GBK csv ledger of the demo township's 22 villages, imported into a fresh database as the
township supervisor (demo-township), then imported again (`--rounds 2`: nothing changes).

Families of one to three children; seven rows in ten with an ID number, both parents named
(half with ID numbers, phones, most working away), one in three with an entrusted guardian.
Each round is `run_import` as `shouhu import children` runs it (scoped sessions, the
services' rules, derivation, task rules, search keys, the import's record and audit).

Usage: .venv/bin/python -m bench.imports [--children 100000] [--rounds 2]
Uses a throw-away embedded database under bench/results/imports-db unless DATABASE_URL is set.
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date, timedelta

from sqlalchemy import text

from app import clock, migrate
from app.auth.identity import Identity
from app.database import app_role_url, create_engine, session_factory
from app.domain.idnumber import make_id_number
from app.models import User
from app.progress import SilentReporter
from app.seed.demo import DEMO_TOWNSHIP, seed_demo
from app.services.common import Actor
from app.services.imports import ImportRequest, import_sessions, run_import
from app.services.statistics.refresh import StatisticsSession
from app.settings import Settings
from authz.enforcer import build_enforcer
from authz.policy_store import load_rules
from authz.principal import principal_for
from authz.scope import compile_scope
from bench.databases import run_on_throwaway_database

HEADER = ["姓名", "性别", "身份证号", "出生日期", "地区代码", "户籍地址", "父亲姓名",
          "父亲身份证号", "父亲务工地", "父亲联系电话", "母亲姓名", "母亲身份证号",
          "母亲务工地", "母亲联系电话", "监护人", "监护人与儿童关系", "监护人电话",
          "儿童类别"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌浩然子轩梓涵"
PLACES = ["广东省深圳市", "广东省东莞市", "浙江省杭州市", "上海市", "江苏省苏州市", "北京市"]


def _name(rng: random.Random, surname: str) -> str:
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def ledger(rows: int, villages: list[str], today: date) -> bytes:
    """A GBK csv ledger of `rows` children in families of one to three."""
    rng = random.Random(16)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    written, family = 0, 0
    used: set[tuple[date, int]] = set()
    while written < rows:
        family += 1
        surname = rng.choice(SURNAMES)
        village = rng.choice(villages)
        father, mother = _name(rng, surname), _name(rng, rng.choice(SURNAMES))
        with_ids = rng.random() < 0.5
        # Unique numbers: a birth day and a sequence number of their own for each family.
        day, sequence = divmod(family, 400)
        father_id = make_id_number("420702", date(1980, 1, 1) + timedelta(days=day),
                                   2 * sequence + 1) if with_ids else ""  # fmt: skip
        mother_id = make_id_number("420702", date(1982, 1, 1) + timedelta(days=day),
                                   2 * sequence) if with_ids else ""  # fmt: skip
        away = rng.random() < 0.7
        places = (rng.choice(PLACES), rng.choice(PLACES)) if away else ("", "")
        guardian = rng.random() < 0.33
        for _ in range(min(rng.choice((1, 1, 2, 3)), rows - written)):
            written += 1
            birth = today - timedelta(days=rng.randrange(365, 17 * 365))
            male = rng.random() < 0.5
            number = ""
            if rng.random() < 0.7:
                sequence = 2 * rng.randrange(400) + (1 if male else 0)
                while (birth, sequence) in used:
                    sequence = (sequence + 2) % 1000
                used.add((birth, sequence))
                number = make_id_number("420702", birth, sequence)
            writer.writerow([
                _name(rng, surname), "男" if male else "女", number, birth.isoformat(),
                village, f"{family % 20 + 1}组{family % 97 + 1}号", father, father_id,
                places[0], f"139{family:08d}"[:11], mother, mother_id, places[1], "",
                "王秀英" if guardian else "", "祖母" if guardian else "",
                "13700000000" if guardian else "", "留守儿童" if away else "",
            ])  # fmt: skip
    return out.getvalue().encode("gbk")


async def run(url: str, settings: Settings, children: int, rounds: int) -> None:
    """Seed the demo data, generate the ledger, import it `rounds` times; print timings."""
    owner = create_engine(url, pool_size=2)
    await migrate.upgrade(owner)
    await seed_demo(owner, today=clock.today())
    async with owner.connect() as conn:
        villages = list(
            (
                await conn.execute(
                    text("SELECT code FROM areas WHERE code LIKE :t || '%' AND level = 'village'"),
                    {"t": DEMO_TOWNSHIP},
                )
            ).scalars()
        )
    started = time.perf_counter()
    body = ledger(children, villages, clock.today())
    print(f"ledger: {children:,} rows, {len(body) / 1e6:.1f} MB (GBK csv), made in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    async with session_factory(owner, StatisticsSession)() as session:
        user = await session.scalar(text("SELECT id FROM users WHERE username = 'demo-township'"))
        account = await session.get(User, user)
        assert account is not None
        enforcer = build_enforcer(await load_rules(session))
    identity = Identity(
        kind="user", user_id=account.id, api_key_id=None, username=account.username,
        role=account.role, area_code=account.area_code, organization_id=None,
        label=f"user:{account.username}",
    )  # fmt: skip
    scope = compile_scope(principal_for(identity, enforcer), enforcer)
    engine = create_engine(app_role_url(url, settings), pool_size=2)
    sessions = import_sessions(engine, scope, clock.today())
    for round_ in range(rounds):
        actor = Actor(scope=scope, now=clock.now())
        request = ImportRequest(body=body, file_name="bench.csv")
        started = time.perf_counter()
        report = await run_import(sessions, actor, request, SilentReporter())
        elapsed = time.perf_counter() - started
        print(f"import {round_ + 1}: {elapsed:.1f} s ({children / elapsed:,.0f} rows/s) "
              f"{report.counts()}")  # fmt: skip
    await engine.dispose()
    await owner.dispose()


def main() -> None:
    """Run the benchmark (see the module's docstring)."""
    run_on_throwaway_database(
        "Import a county ledger.", "imports-db", run, children=100_000, rounds=2
    )


if __name__ == "__main__":
    main()
