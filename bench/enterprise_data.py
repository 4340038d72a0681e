"""The enterprise data set: by default 10,000 reps in 100 teams, 1,000,000 customers, 20,000,000
follow-ups, generated once and cached.

Built by ``bench.scale_data.generate`` (COPY on PostgreSQL, bulk inserts on SQLite, every due date
from the bot's own cadence engine, indexes made after the load) with this module's shape:

- skew: 1 rep in 100 is a key-account rep holding 3,000 customers at full size (30 % of all
  customers between them); the others get lognormal shares (σ 0.8, at least 5 each), so the median
  rep has about 60 and the busiest ordinary ones a few hundred;
- names: half the companies Chinese (``上海华信精密机械有限公司 004211``), half English
  (``Apex Robotics Suzhou 004212 Ltd``), contacts Chinese or English (surname × given name);
- grades, statuses, registrations, pauses, snoozes, planned steps and due items as in
  ``bench.scale_data`` (its weights), one deactivated rep per team.

Cached between runs under a name derived from the size, the generator version and the schema head:
on PostgreSQL a schema ``ent_<key>`` kept in the database (made under a scratch name and renamed
when complete, so a half-made one is never reused) that runs read from and never write to (see
``bench.enterprise.overlay``); on SQLite a file under /tmp/followup-scale copied for each run::

    python -m bench.enterprise_data --size full --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python -m bench.enterprise_data --size small          # a cached SQLite file
    python -m bench.enterprise_data --list --database-url …   # the cached schemas
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import scale_data
from bench.scale_data import CACHE_DIR, Scale, Shape
from storage.db import Database

# Bump when the generated data changes, so stale caches are not reused.
VERSION = 1
KEY_ACCOUNT_SHARE = 0.30  # of all customers, held by the key-account reps (1 rep in 100)

PRESETS = {
    # name: (reps, teams, customers, follow-ups)
    "full": (10_000, 100, 1_000_000, 20_000_000),
    "large": (10_000, 100, 1_000_000, 5_000_000),
    "medium": (10_000, 100, 200_000, 2_000_000),
    "small": (1_000, 10, 20_000, 200_000),
    "tiny": (200, 4, 3_000, 20_000),
}

CN_PLACES = ("上海", "北京", "深圳", "广州", "杭州", "苏州", "南京", "成都", "武汉", "天津", "宁波", "无锡", "厦门", "青岛",
             "重庆", "西安", "长沙", "合肥", "佛山", "东莞")
CN_BRANDS = ("华信", "中科", "恒通", "金桥", "新辉", "东方", "宏达", "瑞丰", "天成", "博远", "盛世", "嘉禾", "鼎力", "联创",
             "海纳", "卓越", "永安", "明德", "凯盛", "星河", "华为", "长城", "安泰", "润华", "九州", "汇丰", "正泰", "远航",
             "明阳", "宇通")
CN_TRADES = ("科技", "精密机械", "电子", "化工", "物流", "医疗器械", "新材料", "软件", "食品", "汽车零部件", "能源",
             "建材", "纺织", "贸易", "智能装备")
CN_SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司", "技术有限公司")
CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CN_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
            "华", "建国", "志强", "海燕", "晓东", "婷婷")
EN_FIRST = ("John", "Mary", "David", "Sarah", "Michael", "Emma", "James", "Linda", "Robert", "Anna", "Peter", "Laura",
            "Wei", "Li", "Kevin", "Grace")
EN_LAST = ("Smith", "Johnson", "Lee", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Taylor", "Chen", "Wang",
           "Anderson", "Thomas", "Martin")


@dataclass(frozen=True)
class Size:
    reps: int = 10_000
    teams: int = 100
    customers: int = 1_000_000
    followups: int = 20_000_000
    seed: int = 2026

    @property
    def due_items(self) -> int:
        return max(self.customers // 20, 10)

    def scale(self) -> Scale:
        """``bench.scale_data``'s parameters: its org (teams of reps, a supervisor each) and its weights."""
        return Scale(reps=self.reps, customers=self.customers, followups=self.followups, due_items=self.due_items,
                     teams=self.teams, deactivated=1, seed=self.seed)

    def key(self) -> str:
        """Not the schema's revision: a cached data set is migrated to the head when reused."""
        wanted = json.dumps({**asdict(self), "version": VERSION, "generator": scale_data.GENERATOR_VERSION},
                            sort_keys=True)
        return hashlib.sha256(wanted.encode()).hexdigest()[:10]

    def describe(self) -> str:
        return (f"{self.reps:,} reps in {self.teams} teams, {self.customers:,} customers, "
                f"{self.followups:,} follow-ups, {self.due_items:,} due items")


def customer_counts(scale: Scale, rng: random.Random) -> list[int]:
    """Customers of each active rep (org order): key-account reps (every 100th) share 30 %, capped at
    3,000 each; the rest lognormal, at least 5 (or an even share when there are too few)."""
    reps = scale.reps
    key_reps = [i for i in range(reps) if i % 100 == 50] if reps >= 100 else []
    key_each = min(3000, int(scale.customers * KEY_ACCOUNT_SHARE) // max(len(key_reps), 1)) if key_reps else 0
    others = [i for i in range(reps) if i not in set(key_reps)]
    rest = scale.customers - key_each * len(key_reps)
    floor_each = min(5, rest // len(others))
    weights = [math.exp(rng.gauss(0, 0.8)) for _ in others]
    total = sum(weights)
    spare = rest - floor_each * len(others)
    shares = [floor_each + int(spare * w / total) for w in weights]
    for k in range(rest - sum(shares)):  # what rounding left over, one each
        shares[k % len(shares)] += 1
    counts = [0] * reps
    for i in key_reps:
        counts[i] = key_each
    for i, share in zip(others, shares, strict=True):
        counts[i] = share
    return counts


def company(rng: random.Random, i: int) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(CN_PLACES)}{rng.choice(CN_BRANDS)}{rng.choice(CN_TRADES)}{rng.choice(CN_SUFFIXES)} {i:06d}"
    return (f"{rng.choice(scale_data.FIRST_WORDS)} {rng.choice(scale_data.SECOND_WORDS)} {rng.choice(scale_data.PLACES)} "
            f"{i:06d} {rng.choice(('Ltd', 'Inc.', 'Co., Ltd.', 'Corp.', 'Group'))}")


def person(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(CN_SURNAMES)}{rng.choice(CN_GIVEN)}"
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


SHAPE = Shape(counts=customer_counts, company=company, person=person)


# The cache ---------------------------------------------------------------------------------------


def schema_name(size: Size) -> str:
    return f"ent_{size.key()}"


def sqlite_path(size: Size) -> Path:
    return CACHE_DIR / f"enterprise-{size.key()}.db"


def in_schema(base_url: str, schema: str) -> str:
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _up_to_head(url: str, *, say: Callable[[str], None]) -> None:
    """A cached data set made before a migration was added gets it now, once (as a deployment would)."""
    db = Database(url)
    try:
        current, head = db.current_revision(), db.head_revision()
        if current != head:
            mark = time.perf_counter()
            db.migrate()
            say(f"  migrated the cached data set {current} -> {head} in {time.perf_counter() - mark:.1f} s")
    finally:
        db.dispose()


def ensure_postgres(base_url: str, size: Size, *, fresh: bool = False, say: Callable[[str], None] = print) -> str:
    """The cached schema of ``size`` (generated first when missing); returns its name."""
    schema = schema_name(size)
    admin = Database(base_url)
    try:
        with admin.engine.begin() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema})
            if exists and fresh:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        if exists and not fresh:
            say(f"reusing schema {schema} ({size.describe()}; --fresh to generate it again)")
            _up_to_head(in_schema(base_url, schema), say=say)
            return schema
        scratch = f"ent_tmp_{uuid.uuid4().hex[:10]}"
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{scratch}"'))
        try:
            scale_data.generate(in_schema(base_url, scratch), size.scale(), say=say, shape=SHAPE)
            with admin.engine.begin() as conn:
                conn.execute(text(f'ALTER SCHEMA "{scratch}" RENAME TO "{schema}"'))
        except BaseException:
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE'))
            raise
        say(f"cached as schema {schema}")
        return schema
    finally:
        admin.dispose()


def ensure_sqlite(size: Size, *, fresh: bool = False, say: Callable[[str], None] = print) -> Path:
    path = sqlite_path(size)
    if path.exists() and not fresh:
        say(f"reusing {path} ({path.stat().st_size / 1e6:,.0f} MB; --fresh to generate it again)")
        _up_to_head(f"sqlite:///{path}", say=say)
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(f".{os.getpid()}.tmp")
    leftovers = (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        scale_data.generate(f"sqlite:///{scratch}", size.scale(), say=say, shape=SHAPE)
        os.replace(scratch, path)
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    say(f"cached {path} ({path.stat().st_size / 1e6:,.0f} MB)")
    return path


def size_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", choices=sorted(PRESETS), default="full",
                        help="reps/teams/customers/follow-ups: " + "; ".join(
                            f"{name} {r:,}/{t}/{c:,}/{f:,}" for name, (r, t, c, f) in PRESETS.items()))
    parser.add_argument("--reps", type=int, help="override the preset's")
    parser.add_argument("--teams", type=int)
    parser.add_argument("--customers", type=int)
    parser.add_argument("--followups", type=int)
    parser.add_argument("--seed", type=int, default=Size().seed)
    parser.add_argument("--fresh", action="store_true", help="generate the cached data set again")


def size_of(args: argparse.Namespace) -> Size:
    reps, teams, customers, followups = PRESETS[args.size]
    size = Size(reps=args.reps or reps, teams=args.teams or teams, customers=args.customers or customers,
                followups=args.followups if args.followups is not None else followups, seed=args.seed)
    if size.teams < 1 or size.reps < size.teams or size.customers < 5 * size.reps:
        raise SystemExit("need at least one team, a rep per team and 5 customers per rep")
    return size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.enterprise_data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL URL: the cache is a schema in it (default: SQLite)")
    parser.add_argument("--list", action="store_true", help="list the cached PostgreSQL schemas and their sizes")
    size_arguments(parser)
    args = parser.parse_args(argv)
    if args.list:
        if not args.database_url:
            parser.error("--list needs --database-url")
        admin = Database(args.database_url)
        with admin.engine.connect() as conn:
            for name, megabytes in conn.execute(text(
                    "SELECT n.nspname, sum(pg_total_relation_size(c.oid)) / 1e6 FROM pg_namespace n "
                    "JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'r' "
                    "WHERE n.nspname LIKE 'ent\\_%' GROUP BY 1 ORDER BY 1")):
                print(f"{name}  {megabytes:,.0f} MB")
        admin.dispose()
        return 0
    size = size_of(args)
    started = time.perf_counter()
    print(f"enterprise data set: {size.describe()} (key {size.key()})")
    if args.database_url:
        print(ensure_postgres(args.database_url, size, fresh=args.fresh))
    else:
        print(ensure_sqlite(size, fresh=args.fresh))
    print(f"teams file: {scale_data.write_teams_file(size.scale())}")
    print(f"elapsed {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
