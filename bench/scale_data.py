"""A generated sales organisation at scale: by default 10 teams of 100 reps (1,000 reps) and a
supervisor each, 100,000 customers (100 a rep), 2,000,000 follow-ups and 5,000 open due items.

Generated fast with SQLAlchemy Core bulk inserts (executemany in chunks of 10,000) on SQLite and
``COPY … FROM STDIN`` on PostgreSQL, into a freshly migrated database whose teams and members come
from a generated teams file, as the bot itself mirrors them (``sync_directory``). Every customer's
``next_due_at`` / ``due_reason`` is computed while generating by the bot's own
``bot.services.cadence.recompute`` (the real cadence engine), so the stored due dates are the ones the
bot would have stored; that part is timed on its own and printed as "recompute all".

Everything is relative to one fixed instant, ``NOW`` (Monday 23 Nov 2026, 09:00 in Shanghai), so the
data set does not depend on the day it is made and the SQLite file can be cached under /tmp, keyed by
the parameters and the schema revision::

    python -m bench.scale_data                      # make (or reuse) the cached SQLite file, print its path
    python -m bench.scale_data --fresh              # make it again
    python -m bench.scale_data --database-url URL   # fill an empty database (e.g. a private PostgreSQL schema)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import JSON, Connection, Table, create_engine, event, func, select, text

from bot.config import TeamsConfig, parse_teams_config
from bot.domain.calendar import is_working_day
from bot.domain.followups import METHODS, STAGES, search_text
from bot.domain.leads import normalize_company_name, number_parts
from bot.runtime import Runtime
from bot.services import cadence
from bot.services.directory import sync_directory
from storage import queries
from storage.db import Database
from storage.models import (
    Contact,
    Customer,
    DueItem,
    FollowUp,
    NumberSequence,
    SlackUserCache,
    UTCDateTime,
)
from storage.pinyin import pinyin_initials

# Bump when the generated data changes shape, so stale cached files are not reused.
GENERATOR_VERSION = 3
CACHE_DIR = Path(tempfile.gettempdir()) / "followup-scale"
TIMEZONE = "Asia/Shanghai"
HOLIDAYS = "CN"
# Monday 23 Nov 2026, 09:00 in Shanghai: a working day, the moment the daily due lists go out.
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
CHUNK = 10_000

STATUS_WEIGHTS = {"lead": 10, "interested": 15, "needs_confirmed": 15, "negotiating": 15, "intent_confirmed": 10,
                  "won": 10, "maintaining": 20, "churned": 5}
STAGE_OF_STATUS: dict[str, tuple[str | None, ...]] = {
    "lead": (None, "initial_contact"), "interested": ("initial_contact",), "needs_confirmed": ("needs_analysis",),
    "negotiating": ("proposal", "negotiation"), "intent_confirmed": ("closing", "negotiation"),
    "won": ("closing",), "maintaining": ("after_sales",), "churned": STAGES,
}
GRADE_WEIGHTS = {"A": 10, "B": 25, "C": 30, "D": 15, None: 20}
REGISTRATION_WEIGHTS = {"approved": 92, "pending": 6, "rejected": 2}
DUE_ITEM_KINDS = {"regrade": 45, "revisit_first": 10, "revisit_1m": 15, "revisit_3m": 15, "review_half_year": 15}
FIRST_WORDS = ("Acme", "Apex", "Atlas", "Aurora", "Beacon", "Cedar", "Crest", "Delta", "Eagle", "Everest", "Falcon",
               "Fusion", "Golden", "Granite", "Harbor", "Horizon", "Jade", "Keystone", "Lotus", "Maple", "Meridian",
               "Nova", "Orion", "Pacific", "Pioneer", "Quantum", "Sierra", "Summit", "Titan", "Zenith")
SECOND_WORDS = ("Tech", "Data", "Systems", "Works", "Labs", "Dynamics", "Networks", "Industries", "Foods", "Steel",
                "Motors", "Energy", "Logistics", "Trading", "Media", "Robotics", "Materials", "Chemicals",
                "Machinery", "Electric")
PLACES = ("Shanghai", "Suzhou", "Shenzhen", "Beijing", "Hangzhou", "Ningbo", "Wuxi", "Nanjing", "Xiamen", "Qingdao")
SUFFIXES = ("Ltd", "Inc.", "Co., Ltd.", "Corp.", "Group", "有限公司")
PEOPLE = ("Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jie", "John Smith", "Mary Johnson", "David Lee",
          "王芳", "李强", "张伟", "刘洋", "陈静", "杨磊")
INDUSTRIES = ("Manufacturing", "Information Technology", "Retail", "Logistics", "Healthcare", "Energy")
SOURCES = ("trade_show", "website", "association", "customer_referral", "cold_call", "partner", "other")
NOTES = tuple(
    f"{what} {detail}"
    for what in ("Called the buyer:", "Visited the plant:", "Sent the quotation:", "Demo for the IT team:",
                 "Lunch with the manager:", "Follow-up email:", "电话沟通：", "上门拜访：")
    for detail in ("budget confirmed for next quarter, waiting for the board.",
                   "they compare us with two competitors; price is the main question.",
                   "asked for references in their industry and a pilot plan.",
                   "decision maker on leave until next week, call again.",
                   "happy with delivery so far, wants training for new staff.",
                   "客户关注交付周期和售后服务，下周再跟进。")
)
NEXT_STEPS = ("Send revised quotation", "Call the purchasing manager", "Book an on-site demo", "Prepare the contract",
              "Check payment status", "发送修改后的报价")


@dataclass(frozen=True)
class Scale:
    """The size of the generated organisation (every figure is a parameter of the cache key)."""

    reps: int = 1000
    customers: int = 100_000
    followups: int = 2_000_000
    due_items: int = 5000
    teams: int = 10
    # Extra reps per team whose Slack accounts are deactivated: their supervisor channel is told
    # once each, several posts into one channel, which is what exercises Slack's per-channel limit.
    deactivated: int = 8
    seed: int = 2026

    def key(self) -> str:
        wanted = json.dumps({**asdict(self), "version": GENERATOR_VERSION, "schema": _head_revision()}, sort_keys=True)
        return hashlib.sha256(wanted.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Team:
    name: str
    number: int
    supervisor: str
    channel: str
    reps: tuple[str, ...]
    deactivated: tuple[str, ...]


def org(scale: Scale) -> list[Team]:
    """The teams: reps spread evenly (``U0R0001``…), one supervisor and ``deactivated`` extra reps each."""
    per_team = _split(scale.reps, scale.teams)
    reps = iter(f"U0R{n:05d}" for n in range(1, scale.reps + 1))
    return [
        Team(name=f"Team {t:02d}", number=t, supervisor=f"U0SUP{t:02d}", channel=f"C0SCALE{t:02d}",
             reps=tuple(itertools.islice(reps, count)),
             deactivated=tuple(f"U0X{t:02d}{k:03d}" for k in range(1, scale.deactivated + 1)))
        for t, count in enumerate(per_team, start=1)
    ]


def active_reps(scale: Scale) -> list[str]:
    return [rep for team in org(scale) for rep in team.reps]


def teams_yaml(scale: Scale) -> str:
    lines = ["language: en", "admins: [U0SCALEADMIN]", "teams:"]
    for team in org(scale):
        lines += [
            f"  - name: {team.name}",
            f"    supervisor_channel: {team.channel}",
            f"    timezone: {TIMEZONE}",
            f"    holidays: {HOLIDAYS}",
            f'    customer_number: "T{team.number:02d}-{{year}}-{{seq:05d}}"',
            f"    supervisors: [{team.supervisor}]",
            f"    reps: [{', '.join([*team.reps, *team.deactivated])}]",
        ]
    return "\n".join(lines) + "\n"


def teams_config(scale: Scale) -> TeamsConfig:
    return parse_teams_config(teams_yaml(scale), name="generated teams file")


def write_teams_file(scale: Scale) -> Path:
    """The generated teams file, kept beside the cache so the bot itself can be pointed at it."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"teams-{scale.key()}.yml"
    path.write_text(teams_yaml(scale), encoding="utf-8")
    return path


def cache_path(scale: Scale) -> Path:
    return CACHE_DIR / f"scale-{scale.key()}.db"


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or "none"


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _weighted(rng: random.Random, weights: dict[Any, int], count: int) -> list[Any]:
    return rng.choices(list(weights), list(weights.values()), k=count)


# Generation --------------------------------------------------------------------------------------


@dataclass
class Timings:
    customers: float = 0.0
    recompute: float = 0.0
    followups: float = 0.0
    due_items: float = 0.0
    other: float = 0.0
    analyze: float = 0.0
    total: float = 0.0


@dataclass(frozen=True)
class _Contacted:
    """What the follow-up generator needs to know of a customer."""

    id: int
    owner: str
    created: float  # POSIX seconds
    last_contact: float | None
    last_stage: str | None


@dataclass(frozen=True)
class Shape:
    """How the customers are spread over the reps and named (bench.enterprise_data's skewed, bilingual
    organisation); left out, every rep gets the same number and the names are English."""

    counts: Callable[[Scale, random.Random], list[int]]  # customers of each active rep, in org order
    company: Callable[[random.Random, int], str]  # the i-th customer's company
    person: Callable[[random.Random], str]  # its key contact


def generate(database_url: str, scale: Scale, *, say: Callable[[str], None] = print,
             shape: Shape | None = None) -> Timings:
    """Fill a database that has no tables yet (a new SQLite file, a new PostgreSQL schema).

    The secondary indexes of the loaded tables are dropped while loading and made again after it
    (one sort per index instead of a tree insert per row)."""
    started = time.perf_counter()
    timings = Timings()
    config = teams_config(scale)
    db = Database(database_url)
    if not db.is_empty():
        raise SystemExit(f"{database_url}: the database already has tables; give an empty one")
    db.migrate()
    runtime = Runtime(config=config, db=db, slack=WebClient(), clock=lambda: NOW)
    sync_directory(runtime)
    assert is_working_day(NOW.astimezone(config.teams[0].zone).date(), HOLIDAYS)
    postgres = db.engine.dialect.name == "postgresql"
    db.dispose()
    loader = db.engine if postgres else _sqlite_loader(database_url)
    rng = random.Random(scale.seed)
    teams = org(scale)
    say(f"generating {scale.reps} reps in {scale.teams} teams, {scale.customers:,} customers, "
        f"{scale.followups:,} follow-ups, {scale.due_items:,} open due items on {db.engine.dialect.name}")

    with loader.begin() as conn, _indexes_after(conn, LOADED_TABLES, say=say):
        mark = time.perf_counter()
        contacted, paused, recompute_seconds = _customers(conn, runtime, scale, teams, rng, shape)
        timings.recompute = recompute_seconds
        timings.customers = time.perf_counter() - mark - recompute_seconds
        say(f"  customers + contacts: {timings.customers:6.1f} s (without recompute)")
        say(f"  recompute all:        {timings.recompute:6.1f} s ({scale.customers:,} customers through "
            f"bot.services.cadence.recompute)")
        mark = time.perf_counter()
        written = _followups(conn, scale, contacted, rng)
        timings.followups = time.perf_counter() - mark
        say(f"  follow-ups:           {timings.followups:6.1f} s ({written:,} rows, "
            f"{written / max(timings.followups, 1e-9):,.0f} rows/s)")
        mark = time.perf_counter()
        open_items = _due_items(conn, scale, contacted, paused, rng)
        timings.due_items = time.perf_counter() - mark
        say(f"  due items:            {timings.due_items:6.1f} s ({open_items:,} open)")
        mark = time.perf_counter()
        _profiles(conn, teams)
        if postgres:
            for table in ("customers", "contacts", "followups", "due_items"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        timings.other = time.perf_counter() - mark
    if postgres:
        # What autovacuum would do within a minute of such a load; without it the planner has no statistics.
        mark = time.perf_counter()
        with loader.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("teams", "members", "slack_users", "customers", "contacts", "followups", "due_items"):
                conn.execute(text(f"ANALYZE {table}"))  # only ours: a bare ANALYZE visits every schema
        timings.analyze = time.perf_counter() - mark
        say(f"  analyze:              {timings.analyze:6.1f} s")
    else:
        loader.dispose()
    with db.write() as session:  # the due dates follow the teams file's policy: no recompute when the bot starts
        queries.set_state(session=session, key=cadence.FINGERPRINT_KEY, value=cadence.policy_fingerprint(runtime))
    differ = _check_sample(runtime, rng)
    db.dispose()
    if not postgres:
        # One self-contained file to cache and copy (the bot turns WAL on again when it connects).
        with loader.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
        loader.dispose()
    timings.total = time.perf_counter() - started
    say(f"  consistency: {differ} of 200 sampled customers differ from a fresh recompute")
    if differ:
        raise SystemExit("generated due dates differ from the cadence engine's")
    say(f"generation: {timings.total:.1f} s")
    return timings


def _sqlite_loader(database_url: str) -> Any:
    """A plain engine for loading: no journal, no fsync, a big page cache (a scratch file until renamed)."""
    engine = create_engine(database_url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY",
                       "foreign_keys=OFF"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


LOADED_TABLES = ("customers", "contacts", "followups", "due_items")


@contextlib.contextmanager
def _indexes_after(conn: Connection, tables: Sequence[str], *, say: Callable[[str], None]) -> Iterator[None]:
    """The tables' indexes (not their primary keys or constraints) dropped, and made again on leaving;
    on PostgreSQL (as a superuser) no foreign-key checks meanwhile."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        found = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname AND c.connamespace = current_schema()::regnamespace)"),
            {"tables": list(tables)}).all()
    else:
        found = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN (" + ", ".join(f"'{t}'" for t in tables) + ")")).all()
    for name, _ in found:
        conn.execute(text(f'DROP INDEX "{name}"'))
    if postgres and conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        # Generated rows refer to rows generated before them: no foreign-key trigger per row.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    yield
    mark = time.perf_counter()
    if postgres:
        conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
    for _, definition in found:
        conn.execute(text(definition))
    say(f"  indexes:              {time.perf_counter() - mark:6.1f} s ({len(found)} made after the load)")


def _customers(conn: Connection, runtime: Runtime, scale: Scale, teams: Sequence[Team],
               rng: random.Random, shape: Shape | None = None) -> tuple[list[_Contacted], list[int], float]:
    per_rep = [(rep, team) for team in teams for rep in team.reps]
    counts = shape.counts(scale, rng) if shape else _split(scale.customers, len(per_rep))
    owners = [(rep, team) for (rep, team), count in zip(per_rep, counts, strict=True) for _ in range(count)]
    n = len(owners)
    statuses = _weighted(rng, STATUS_WEIGHTS, n)
    grades = _weighted(rng, GRADE_WEIGHTS, n)
    registrations = _weighted(rng, REGISTRATION_WEIGHTS, n)
    now_ts = NOW.timestamp()
    day = 86400.0
    sequences: dict[str, tuple[str, str, int]] = {}
    contacted: list[_Contacted] = []
    paused_ids: list[int] = []
    recompute_seconds = 0.0
    customers: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    perf = time.perf_counter

    def flush() -> None:
        _bulk(conn, Customer.__table__, customers)
        _bulk(conn, Contact.__table__, contacts)
        customers.clear()
        contacts.clear()

    for i, ((owner, team), status, grade, registration) in enumerate(
            zip(owners, statuses, grades, registrations, strict=True), start=1):
        team_config = runtime.config.team(team.name)
        key, fmt, last = sequences.get(team.name) or (*number_parts(
            team_config.customer_number, year=NOW.astimezone(team_config.zone).year, region="XX", industry="XX"), 0)
        sequences[team.name] = (key, fmt, last + 1)
        number = fmt.format(seq=last + 1)
        if shape:
            company, person = shape.company(rng, i), shape.person(rng)
        else:
            company = (f"{rng.choice(FIRST_WORDS)} {rng.choice(SECOND_WORDS)} {rng.choice(PLACES)} {i:06d} "
                       f"{rng.choice(SUFFIXES)}")
            person = rng.choice(PEOPLE)
        never = rng.random() < 0.03
        if never:  # a new lead nobody has called yet: its first contact is due 24 h after assignment
            status, stage, last_contact = "lead", None, None
            created = now_ts - rng.uniform(0, 4) * day
        else:
            stage = rng.choice(STAGE_OF_STATUS[status])
            created = now_ts - rng.uniform(60, 700) * day
            last_contact = now_ts - rng.uniform(0.05, 60) * day
        roll = rng.random()
        paused = registration != "rejected" and roll < 0.02
        snoozed = (now_ts + rng.uniform(0.05, 5) * day if 0.02 <= roll < 0.05
                   else now_ts - rng.uniform(0.05, 5) * day if 0.05 <= roll < 0.06 else None)
        step = rng.random() < 0.15 and status != "churned"
        step_at = now_ts + rng.uniform(-3, 10) * day if step else None
        created_at = _utc(created)
        row: dict[str, Any] = {
            "id": i, "number": number, "team_id": runtime.team_ids[team.name], "owner_id": owner,
            "company": company, "name_key": None if registration == "rejected" else normalize_company_name(company),
            "industry": rng.choice(INDUSTRIES), "company_size": rng.choice(("20 staff", "200 staff", None)),
            "main_business": None, "need": "ERP replacement for the plants", "pain_points": None,
            "acquired_at": created_at, "source": rng.choice(SOURCES), "intent": rng.choice(("high", "medium", "low")),
            "tags": [], "region": None, "search_text": search_text(number=number, company=company, contacts=[person]),
            "pinyin": pinyin_initials(company),
            "status": status, "registration": registration, "grade": grade,
            "annual_purchase": None, "potential": None,
            "paused": paused, "pause_reason": "budget frozen until next year" if paused else None,
            "paused_at": _utc(now_ts - rng.uniform(1, 120) * day) if paused else None, "warning": False,
            "next_step_at": _utc(step_at) if step_at is not None else None,
            "next_step": rng.choice(NEXT_STEPS) if step else None, "last_stage": stage,
            "snoozed_until": _utc(snoozed) if snoozed is not None else None,
            "last_contact_at": _utc(last_contact) if last_contact is not None else None,
            "created_by": owner, "created_at": created_at, "updated_at": _utc(last_contact or created),
        }
        mark = perf()
        transient = Customer(team_id=row["team_id"], registration=registration, grade=grade, status=status,
                             paused=paused, created_at=created_at, last_contact_at=row["last_contact_at"],
                             last_stage=stage, next_step_at=row["next_step_at"])
        cadence.recompute(runtime, transient)
        recompute_seconds += perf() - mark
        row["next_due_at"], row["due_reason"] = transient.next_due_at, transient.due_reason
        customers.append(row)
        contacts.append({"customer_id": i, "name": person, "title": None, "phone": "+86 138 0013 8000",
                         "email": None, "decision_role": "decision_maker", "is_primary": True})
        contacted.append(_Contacted(i, owner, created, last_contact, stage))
        if paused:
            paused_ids.append(i)
        if len(customers) >= CHUNK:
            flush()
    flush()
    _bulk(conn, NumberSequence.__table__, [{"key": k, "last": last} for k, _, last in sequences.values()])
    return contacted, paused_ids, recompute_seconds


def _followups(conn: Connection, scale: Scale, customers: Sequence[_Contacted], rng: random.Random) -> int:
    """``scale.followups`` spread over the customers ever contacted; the last one at their last contact."""
    reached = [c for c in customers if c.last_contact is not None]
    counts = _split(scale.followups, len(reached)) if reached else []
    rng.shuffle(counts)
    columns = ("customer_id", "author_id", "occurred_at", "logged_at", "method", "stage", "notes", "feedback",
               "next_step", "next_step_at", "status_after", "late")

    def rows() -> Iterator[tuple[Any, ...]]:
        random_, choice, uniform = rng.random, rng.choice, rng.uniform
        for customer, count in zip(reached, counts, strict=True):
            assert customer.last_contact is not None
            span = customer.last_contact - customer.created
            for k in range(count):
                last = k == count - 1
                occurred = customer.last_contact if last else customer.created + span * random_()
                late = random_() < 0.03
                logged = occurred + (uniform(25, 72) if late else uniform(0.05, 6)) * 3600
                stage = customer.last_stage if last else choice(STAGES)
                step = random_() < 0.3
                yield (customer.id, customer.owner, _utc(occurred), _utc(min(logged, NOW.timestamp())),
                       choice(METHODS), stage, choice(NOTES), "positive" if random_() < 0.2 else None,
                       choice(NEXT_STEPS) if step else None, _utc(occurred + 7 * 86400) if step else None, None, late)

    return _bulk(conn, FollowUp.__table__, rows(), columns=columns)


def _due_items(conn: Connection, scale: Scale, customers: Sequence[_Contacted], paused: Sequence[int],
               rng: random.Random) -> int:
    """A reactivation item per paused customer, the other open kinds on random customers, some done ones."""
    by_id = {c.id: c for c in customers}
    now_ts, day = NOW.timestamp(), 86400.0
    rows: list[dict[str, Any]] = []

    def item(customer_id: int, kind: str, due: float, note: str, done: bool) -> dict[str, Any]:
        return {"key": f"{kind}:{customer_id}:{len(rows)}", "customer_id": customer_id,
                "owner_id": by_id[customer_id].owner, "kind": kind, "due_at": _utc(due), "note": note,
                "created_at": _utc(min(due, now_ts) - 30 * day), "done_at": _utc(due + day) if done else None,
                "done_by": by_id[customer_id].owner if done else None, "resolution": "done" if done else None}

    for customer_id in paused[:scale.due_items]:
        rows.append(item(customer_id, "reactivation", now_ts + rng.uniform(-30, 90) * day, "budget frozen", False))
    others = rng.sample([c.id for c in customers], min(len(customers), max(scale.due_items - len(rows), 0)))
    for customer_id, kind in zip(others, _weighted(rng, DUE_ITEM_KINDS, len(others)), strict=True):
        rows.append(item(customer_id, kind, now_ts + rng.uniform(-10, 10) * day, "2026Q4", False))
    open_count = len(rows)
    for customer_id in rng.sample([c.id for c in customers], min(len(customers), scale.due_items // 2)):
        rows.append(item(customer_id, rng.choice(list(DUE_ITEM_KINDS)), now_ts - rng.uniform(30, 200) * day,
                         "2026Q2", True))
    _bulk(conn, DueItem.__table__, rows)
    return open_count


def _profiles(conn: Connection, teams: Sequence[Team]) -> None:
    """Cached Slack profiles of everyone, fresh at NOW: the daily duty needs no users.info call."""
    rows = [{"slack_user_id": user, "tz": TIMEZONE, "locale": "en-US", "real_name": f"User {user}",
             "deleted": user in team.deactivated, "fetched_at": NOW}
            for team in teams for user in (team.supervisor, *team.reps, *team.deactivated)]
    _bulk(conn, SlackUserCache.__table__, rows)


def _utc(posix: float) -> datetime:
    return datetime.fromtimestamp(posix, UTC)


def _bulk(conn: Connection, table: Table, rows: Iterable[Any], *, columns: Sequence[str] | None = None) -> int:
    """Insert rows (dicts, or tuples in ``columns`` order): COPY on PostgreSQL, executemany of 10,000-row
    chunks on SQLite. Values are converted once, here, the way the models' types store them (UTC
    columns as naive UTC, JSON as text), instead of row by row through SQLAlchemy's bind processing,
    which would take most of the time of 2,000,000 rows."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    names = list(columns or first)
    as_list: Callable[[Any], list[Any]] = list if columns else (lambda r: [r[c] for c in names])
    postgres = conn.dialect.name == "postgresql"
    convert = _converters(table, names, postgres=postgres)
    written = 0

    def values() -> Iterator[list[Any]]:
        for row in itertools.chain([first], rows):
            converted = as_list(row)
            for index, fn in convert:
                if converted[index] is not None:
                    converted[index] = fn(converted[index])
            yield converted

    if postgres:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for converted in values():
                copy.write_row(converted)
                written += 1
        cursor.close()
        return written
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    batch: list[tuple[Any, ...]] = []
    for converted in values():
        batch.append(tuple(converted))
        if len(batch) >= CHUNK:
            conn.exec_driver_sql(statement, batch)
            written += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(statement, batch)
        written += len(batch)
    return written


def _converters(table: Table, names: Sequence[str], *, postgres: bool) -> list[tuple[int, Callable[[Any], Any]]]:
    """How a value of each column is stored: UTC columns as naive UTC (on SQLite as SQLAlchemy's
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text), JSON as text, and on SQLite booleans as 0/1."""
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(names):
        kind = table.c[name].type
        if isinstance(kind, UTCDateTime):
            found.append((index, _naive_utc if postgres else _sqlite_datetime))
        elif isinstance(kind, JSON):
            found.append((index, json.dumps))
    return found


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _sqlite_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _check_sample(runtime: Runtime, rng: random.Random, size: int = 200) -> int:
    """Stored due dates of a sample of customers against the bot's recompute of them as loaded."""
    differ = 0
    with runtime.db.read() as session:
        total = session.scalar(select(func.count()).select_from(Customer)) or 0
        for customer_id in rng.sample(range(1, total + 1), min(size, total)):
            customer = session.get(Customer, customer_id)
            assert customer is not None
            stored = (customer.next_due_at, customer.due_reason)
            cadence.recompute(runtime, customer)
            differ += stored != (customer.next_due_at, customer.due_reason)
        session.rollback()
    return differ


def ensure_sqlite(scale: Scale, *, fresh: bool = False, say: Callable[[str], None] = print) -> Path:
    """The cached SQLite file for ``scale``, generated first when missing (or when ``fresh``)."""
    path = cache_path(scale)
    if path.exists() and not fresh:
        say(f"reusing {path} ({path.stat().st_size / 1e6:,.0f} MB; --fresh to generate it again)")
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(f".{os.getpid()}.tmp")
    for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        generate(f"sqlite:///{scratch}", scale, say=say)
        os.replace(scratch, path)
    finally:
        for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
            leftover.unlink(missing_ok=True)
    say(f"cached {path} ({path.stat().st_size / 1e6:,.0f} MB)")
    return path


def scale_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Scale()
    parser.add_argument("--reps", type=int, default=defaults.reps)
    parser.add_argument("--customers", type=int, default=defaults.customers)
    parser.add_argument("--followups", type=int, default=defaults.followups)
    parser.add_argument("--due-items", type=int, default=defaults.due_items)
    parser.add_argument("--teams", type=int, default=defaults.teams)
    parser.add_argument("--deactivated", type=int, default=defaults.deactivated,
                        help="extra deactivated reps per team (default %(default)s)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--fresh", action="store_true", help="generate the cached SQLite file again")


def scale_of(args: argparse.Namespace) -> Scale:
    scale = Scale(reps=args.reps, customers=args.customers, followups=args.followups, due_items=args.due_items,
                  teams=args.teams, deactivated=args.deactivated, seed=args.seed)
    if scale.teams < 1 or scale.reps < scale.teams or scale.customers < scale.reps:
        raise SystemExit("need at least one team, a rep per team and a customer per rep")
    return scale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="fill this empty database instead of the cached SQLite file")
    scale_arguments(parser)
    args = parser.parse_args(argv)
    scale = scale_of(args)
    if args.database_url:
        generate(args.database_url, scale)
    else:
        print(ensure_sqlite(scale, fresh=args.fresh))
    print(f"teams file: {write_teams_file(scale)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
