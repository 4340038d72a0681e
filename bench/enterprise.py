"""Enterprise scale: the scheduled work, the type-ahead and the ack path on the enterprise data set,
each figure beside its floor measured in the same run (issue 15).

On ``bench.enterprise_data`` (default ``--size full``: 10,000 reps in 100 teams, 1,000,000 customers,
20,000,000 follow-ups; generated once in a child process and cached, so its memory never counts here):

1. type-ahead: the bot's customer search (``bot.services.customers.customer_options``) for 1-, 2- and
   4-character English and Chinese queries as an admin and as a supervisor, p99 against the floor of
   the same indexed query by hand (``bench.typeahead``'s floor when it has one). Target: p99 < 1 s and
   <= 3x the floor.
2. every rep's due list at one instant (``iter_due_lists`` consumed rep by rep) against ONE hand-written
   SQL query returning the same entries (``bench.due_lists.FLOOR_SQL``), the same entries on both
   sides. Targets: < 30 s, <= 2x the floor, peak resident size < 1 GB (measured first, the kernel's
   high-water mark reset just before).
3. churn scoring of every active customer (``iter_scores`` consumed) against the one-query floor
   (``bench.churn_scoring.FLOOR``), the same contact counts on both sides. Target: <= 2x.
4. the alerts, weekly digests (Monday 09:00) and the monthly reports (1 December) of every team: time
   and peak resident size, for information.
5. the fan-out: ``daily_due_lists`` then ``drain`` of every due-list DM against the fake Slack
   enforcing one post a second per channel with bursts of 5, every message counted by channel:
   0 lost, 0 twice. The floor is the larger of what the per-channel limit allows (the busiest
   channel's messages beyond its burst, at one a second) and posting the same messages straight
   from one thread with the same client to a fresh fake with the same limits (no database), the
   mean of a run before the drain and one after it.
   Target: <= 1.5x.
6. the ack path: New lead and quick entry under saturation (20 users, no think time) on this
   checkout's bot, on main as of 47d8dfc (``git worktree add /tmp/main-before 47d8dfc``) and a bare
   Bolt app, alternating, each on a private database; this checkout runs as deployed there:
   ``serve --workers 2`` on PostgreSQL (two cores), one process on SQLite (``--ack-workers``).
   Target: throughput >= 4x main's.

PostgreSQL reads the cached schema (``ent_<key>``) through a per-run schema holding empty copies of
the tables the duties write (outbox, rate limits, audit, alerts), put first on the search path and
dropped afterwards, so the cache is never written to; SQLite works on a copy of the cached file::

    python -m bench.enterprise --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python -m bench.enterprise --size medium            # SQLite, 200,000 customers
    python -m bench.enterprise --size small --skip ack  # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from slack_sdk import WebClient
from sqlalchemy import Text, cast, func, select, text

from app.factory import slack_client
from bench import scale_data
from bench.common import closing_verdict, percentile
from bench.due_lists import _reset_peak_rss, _rss_mb
from bench.due_lists import floor as due_floor
from bench.enterprise_data import Size, in_schema, schema_name, size_arguments, size_of, sqlite_path
from bot.runtime import Runtime
from bot.services.churn import iter_scores
from bot.services.directory import sync_directory, user_profiles
from bot.services.duelist import iter_due_lists
from bot.services.duties import alerts, daily_due_lists, weekly_digests
from bot.services.outbox import drain, is_user_channel
from bot.settings import Settings
from storage.db import Database
from storage.models import Customer, FollowUp, OutboxMessage
from tests.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-bench-enterprise"
NOW = scale_data.NOW
PARTS = ("typeahead", "due-lists", "churn", "digests", "fan-out", "ack")
WRITTEN_TABLES = ("outbox", "slack_rate_limits", "audit_log", "churn_alerts", "processed_requests", "app_state")
BURST = 5
T = TypeVar("T")


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> str:
        if not ok:
            self.failures.append(what)
        return "PASS" if ok else "FAIL"


# The database ------------------------------------------------------------------------------------


def _size_argv(size: Size) -> list[str]:
    return [f"--reps={size.reps}", f"--teams={size.teams}", f"--customers={size.customers}",
            f"--followups={size.followups}", f"--seed={size.seed}"]


@contextlib.contextmanager
def enterprise_database(base_url: str | None, size: Size, *, fresh: bool) -> Iterator[str]:
    """The cached data set (made in a child process when missing), ready for one run."""
    subprocess.run([sys.executable, "-m", "bench.enterprise_data", *_size_argv(size),
                    *([f"--database-url={base_url}"] if base_url else []), *(["--fresh"] if fresh else [])],
                   cwd=ROOT, check=True)
    if not base_url:
        with tempfile.TemporaryDirectory(prefix="bench-enterprise-") as tmp:
            copy = Path(tmp) / "followup.db"
            started = time.perf_counter()
            shutil.copyfile(sqlite_path(size), copy)
            print(f"copied the cached file for this run in {time.perf_counter() - started:.1f} s")
            yield f"sqlite:///{copy}"
        return
    with overlay(base_url, schema_name(size)) as url:
        yield url


@contextlib.contextmanager
def overlay(base_url: str, template: str) -> Iterator[str]:
    """A run schema with empty copies of the tables the duties write, searched before the cached one."""
    run = f"bench_ent_{uuid.uuid4().hex[:10]}"
    admin = Database(base_url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{run}"'))
        for table in WRITTEN_TABLES:
            conn.execute(text(f'CREATE TABLE "{run}"."{table}" (LIKE "{template}"."{table}" INCLUDING ALL)'))
            conn.execute(text(f'INSERT INTO "{run}"."{table}" SELECT * FROM "{template}"."{table}"'))
    try:
        yield in_schema(base_url, f"{run},{template}")
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{run}" CASCADE'))
        admin.dispose()


# Measuring ---------------------------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def with_peak(fn: Callable[[], T]) -> tuple[float, T, float]:
    """Seconds, result and the process's peak resident size (MB) while ``fn`` ran."""
    gc.collect()
    reset = _reset_peak_rss()
    seconds, result = timed(fn)
    return seconds, result, _rss_mb("VmHWM") if reset else float("nan")


def alternate(runs: int, **paths: Callable[[], Any]) -> dict[str, list[float]]:
    """Each path ``runs`` times, interleaved, so drift hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(runs):
        for name, path in paths.items():
            gc.collect()
            times[name].append(timed(path)[0])
    return times


def show(times: Sequence[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "]"


# 1. Type-ahead -----------------------------------------------------------------------------------


def typeahead(runtime: Runtime, report: Report, *, dialect: str, repeat: int) -> None:
    """The bot's options load against the indexed query floor; skipped while the indexed search is missing."""
    try:
        from bench import typeahead as ta
        from bot.services import customers
    except ImportError as exc:  # pragma: no cover - depends on the search work being in
        print(f"type-ahead: not measured ({exc})")
        return
    options = getattr(customers, "customer_options", None)
    floor_fn = getattr(ta, "indexed_floor", None)
    if options is None or floor_fn is None:
        print("type-ahead: not measured here (no customer_options service or bench.typeahead.indexed_floor yet); "
              "see python -m bench.typeahead")
        return
    with runtime.db.read() as session:
        companies = list(session.scalars(select(Customer.company).order_by(Customer.id).limit(2000)))
    english = next(c for c in companies if c[:1].isascii())
    chinese = next(c for c in companies if not c[:1].isascii())
    queries = [english[:n].lower() for n in (1, 2, 4)] + [chinese[:n] for n in (1, 2, 4)]
    askers = {"admin": "U0SCALEADMIN", "supervisor": "U0SUP01"}
    for user in askers.values():  # warm-up; the floor makes its indexes on its first call (kept in the cache)
        for query in queries:
            options(runtime, actor_id=user, query=query)
            floor_fn(runtime, actor_id=user, query=query)
    print(f"type-ahead queries: {', '.join(repr(q) for q in queries)}")
    for who, user in askers.items():
        bot_times: list[float] = []
        floor_times: list[float] = []
        for query in queries:
            for _ in range(repeat):
                started = time.perf_counter()
                options(runtime, actor_id=user, query=query)
                bot_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                floor_fn(runtime, actor_id=user, query=query)
                floor_times.append(time.perf_counter() - started)
        bot_p99, floor_p99 = percentile(bot_times, 99) * 1000, percentile(floor_times, 99) * 1000
        ratio = bot_p99 / floor_p99
        verdict = report.check(bot_p99 < 1000 and ratio <= 3, f"{dialect}: type-ahead as {who} p99 {bot_p99:.0f} ms, "
                                                              f"x{ratio:.2f} of the floor")
        print(f"type-ahead as {who} ({len(queries)} queries x {repeat}): p99 {bot_p99:.1f} ms, floor p99 "
              f"{floor_p99:.1f} ms: x{ratio:.2f} (target < 1000 ms, <= 3x): {verdict}")


# 2. Due lists ------------------------------------------------------------------------------------


def due_lists_part(runtime: Runtime, owners: dict[str, str], report: Report, *, dialect: str, runs: int) -> None:
    def streamed() -> tuple[int, int]:
        entries = reps = 0
        for due in iter_due_lists(runtime, owners=owners, now=NOW):
            entries += len(due)
            reps += not due.empty
        return entries, reps

    def floor_path() -> int:
        return len(due_floor(runtime.db, owners, NOW))

    seconds, (entries, nonempty), peak = with_peak(streamed)
    memory_ok = report.check(peak < 1024, f"{dialect}: peak resident size {peak:.0f} MB during every due list")
    print(f"every rep's due list: {entries:,} entries for {nonempty:,} of {len(owners):,} reps in {seconds:.2f} s; "
          f"peak RSS {peak:.0f} MB (target < 1024 MB): {memory_ok}")
    times = alternate(runs, bot=streamed, floor=floor_path)
    bot, floor = statistics.median(times["bot"]), statistics.median(times["floor"])
    ratio = bot / floor
    got: Counter[tuple[str, int, str]] = Counter()
    for due in iter_due_lists(runtime, owners=owners, now=NOW):
        got.update((due.owner_id, e.customer_id, e.why) for e in (*due.overdue, *due.today, *due.upcoming))
    expected = Counter((r.owner_id, r.customer_id, r.why) for r in due_floor(runtime.db, owners, NOW))
    mismatch = sum(((expected - got) + (got - expected)).values())
    print(f"  streamed due lists: median {bot:.2f} s {show(times['bot'])}; floor (one SQL query): median "
          f"{floor:.2f} s {show(times['floor'])}; x{ratio:.2f} (target < 30 s, <= 2x): "
          f"{report.check(bot < 30 and ratio <= 2, f'{dialect}: due lists {bot:.2f} s, x{ratio:.2f} of the floor')}")
    print(f"  entries differing from the floor's: {mismatch}: "
          f"{report.check(not mismatch, f'{dialect}: {mismatch} due entries differ from the floor')}")


# 3. Churn ----------------------------------------------------------------------------------------


def churn_part(runtime: Runtime, report: Report, *, dialect: str, runs: int) -> None:
    from bench.churn_scoring import floor as churn_floor

    policy = runtime.config.teams[0].policy.churn

    def streamed() -> tuple[int, int]:
        scored = at_risk = 0
        for item in iter_scores(runtime, NOW):
            scored += 1
            at_risk += item.score.at_risk(policy)
        return scored, at_risk

    def floor_path() -> int:
        return len(churn_floor(runtime.db, keywords=policy.competitor_keywords, window_days=policy.window_days))

    seconds, (scored, at_risk), peak = with_peak(streamed)
    print(f"churn scoring: {scored:,} active customers, {at_risk:,} at risk, in {seconds:.2f} s; peak RSS {peak:.0f} MB")
    times = alternate(runs, bot=streamed, floor=floor_path)
    bot, floor = statistics.median(times["bot"]), statistics.median(times["floor"])
    ratio = bot / floor
    rows = churn_floor(runtime.db, keywords=policy.competitor_keywords, window_days=policy.window_days)
    by_id = {row[0]: (int(row[1]), int(row[2])) for row in rows}
    differ = abs(len(by_id) - scored) + sum(
        1 for s in iter_scores(runtime, NOW)
        if by_id.get(s.customer.id) != (s.signals.recent_contacts, s.signals.previous_contacts))
    del rows, by_id
    print(f"  streamed scoring: median {bot:.2f} s {show(times['bot'])}; floor (one SQL query): median {floor:.2f} s "
          f"{show(times['floor'])}; x{ratio:.2f} (target <= 2x): "
          f"{report.check(ratio <= 2, f'{dialect}: churn scoring x{ratio:.2f} of the floor')}")
    print(f"  customers whose contact counts differ from the floor's: {differ}: "
          f"{report.check(not differ, f'{dialect}: churn signals of {differ} customers differ')}")


# 4. Weekly digests and monthly reports -----------------------------------------------------------


def digests_part(runtime: Runtime) -> None:
    seconds, queued, peak = with_peak(lambda: alerts(runtime, NOW))
    print(f"alerts (A silence, D over-contact, objections): {queued:,} messages in {seconds:.2f} s, "
          f"peak RSS {peak:.0f} MB (informational)")
    seconds, queued, peak = with_peak(lambda: weekly_digests(runtime, NOW))
    print(f"weekly digests of {len(runtime.config.teams)} teams: {queued:,} messages in {seconds:.2f} s, "
          f"peak RSS {peak:.0f} MB (informational)")
    try:
        from bot.services.reports import monthly_reports
    except ImportError as exc:  # pragma: no cover
        print(f"monthly reports: not measured ({exc})")
        return
    first = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai on the first working day of December
    seconds, queued, peak = with_peak(lambda: monthly_reports(runtime, first))
    print(f"monthly reports of {len(runtime.config.teams)} teams: {queued:,} messages in {seconds:.2f} s, "
          f"peak RSS {peak:.0f} MB (informational)")


# 5. The fan-out ----------------------------------------------------------------------------------


def fan_out_part(runtime: Runtime, size: Size, report: Report, *, dialect: str) -> None:
    teams = scale_data.org(size.scale())
    tz = runtime.config.teams[0].timezone
    logging.getLogger("bot.services.outbox").setLevel(logging.ERROR)  # 429s are counted on the fake's records

    def fake_slack() -> FakeSlack:
        fake = FakeSlack(token=BOT_TOKEN)
        for team in teams:
            for user in (team.supervisor, *team.reps):
                fake.add_user(user, tz=tz)
            for user in team.deactivated:
                fake.add_user(user, tz=tz, deleted=True)
        fake.enforce_post_rate(per_second=1.0, burst=BURST)
        return fake

    def straight(pending: list[tuple[str, str]]) -> float:
        """The same posts from one thread to a fresh fake with the same limits, no database."""
        def post(client: WebClient, channel: str, payload_json: str) -> None:
            payload = json.loads(payload_json)
            client.chat_postMessage(channel=channel, text=payload["text"], blocks=payload.get("blocks"),
                                    unfurl_links=False)

        with fake_slack() as bare_fake:
            client = WebClient(token=BOT_TOKEN, base_url=bare_fake.url, retry_handlers=[])
            seconds, _ = timed(lambda: [post(client, ch, p) for ch, p in pending])
        return seconds

    with runtime.db.write() as session:  # this run's own outbox: only the fan-out's messages are counted
        session.execute(text("DELETE FROM outbox"))
    with fake_slack() as fake:
        settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_api_url=fake.url)  # type: ignore[call-arg]
        runtime.slack = slack_client(settings)
        started = time.monotonic()
        runtime.clock = lambda: NOW + timedelta(seconds=time.monotonic() - started)
        runtime.sleep = time.sleep
        decide, queued, decide_peak = with_peak(lambda: daily_due_lists(runtime, NOW))
        with runtime.db.read() as session:
            # Kept as JSON text: 10,000 decoded payloads (millions of objects) held through the drain
            # would make every full garbage collection of the drain's process cost more.
            pending = [(ch, payload) for ch, payload in session.execute(
                select(OutboxMessage.channel, cast(OutboxMessage.payload, Text))
                .where(OutboxMessage.state == "pending"))]
        # The straight posts before and after the drain: one run of either swings by a fifth on a
        # shared machine, so the floor is their mean.
        bare_before = straight(pending)
        seconds, sent = timed(lambda: drain(runtime, max_wait=timedelta(minutes=20)))
        posts = fake.calls_to("chat.postMessage")
        delivered = Counter((c.response["channel"], c.args.get("text")) for c in posts if c.ok)
        with runtime.db.read() as session:
            final = list(session.execute(select(OutboxMessage.channel, OutboxMessage.payload, OutboxMessage.state)))
        expected = Counter((fake.dm_channel_id(ch) if is_user_channel(ch) else ch, payload["text"])
                           for ch, payload, state in final if state == "sent")
        states = Counter(state for *_, state in final)
        lost = sum((expected - delivered).values()) + states.get("pending", 0) + states.get("dropped", 0)
        twice = sum((delivered - expected).values())
        limited = sum(1 for c in posts if c.status == 429)
        dms = sum(1 for ch, _ in pending if is_user_channel(ch))
    per_channel = Counter(ch for ch, _ in pending)
    limit_floor = max((max(n - BURST, 0) for n in per_channel.values()), default=0) / 1.0
    bare_after = straight(pending)
    bare = (bare_before + bare_after) / 2
    floor = max(limit_floor, bare)
    ratio = seconds / floor if floor else float("inf")
    print(f"fan-out: daily_due_lists queued {queued:,} ({dms:,} DMs) in {decide:.2f} s, peak RSS {decide_peak:.0f} MB; "
          f"drain sent {sent:,} in {seconds:.2f} s ({limited} answers 429)")
    print(f"  floor: the per-channel limit allows it in {limit_floor:.1f} s (busiest channel "
          f"{max(per_channel.values(), default=0)} messages, burst {BURST}, 1/s); the same posts straight from one "
          f"thread take {bare_before:.2f} s before the drain and {bare_after:.2f} s after it, {bare:.2f} s on "
          f"average; floor {floor:.2f} s: x{ratio:.2f} (target <= 1.5x): "
          f"{report.check(ratio <= 1.5, f'{dialect}: fan-out x{ratio:.2f} of the floor')}")
    print(f"  outbox: {', '.join(f'{s} {n:,}' for s, n in sorted(states.items()))}; lost {lost}, twice {twice}: "
          f"{report.check(not lost and not twice, f'{dialect}: fan-out lost {lost}, delivered {twice} twice')}")


# The run -----------------------------------------------------------------------------------------


def run(database_url: str, size: Size, args: argparse.Namespace, report: Report) -> None:
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    db = Database(database_url)
    config = scale_data.teams_config(size.scale())
    runtime = Runtime(config=config, db=db, slack=WebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/"),
                      clock=lambda: NOW)
    sync_directory(runtime)
    with db.read() as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        followups = session.scalar(select(func.count()).select_from(FollowUp)) or 0
    reps = scale_data.active_reps(size.scale())
    profiles = user_profiles(runtime, reps, now=NOW)
    owners = {rep: profiles[rep].tz or config.teams[0].timezone for rep in reps}
    print(f"\n== {dialect}: {len(reps):,} reps in {len(config.teams)} teams, {customers:,} customers, "
          f"{followups:,} follow-ups; instant {NOW.isoformat()}; RSS now {_rss_mb('VmRSS'):.0f} MB")
    skip = set(args.skip)
    if "due-lists" not in skip:
        due_lists_part(runtime, owners, report, dialect=dialect, runs=args.runs)
    if "churn" not in skip:
        churn_part(runtime, report, dialect=dialect, runs=args.runs)
    if "typeahead" not in skip:
        typeahead(runtime, report, dialect=dialect, repeat=args.typeahead_repeat)
    if "digests" not in skip:
        digests_part(runtime)
    if "fan-out" not in skip:
        fan_out_part(runtime, size, report, dialect=dialect)
    db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.enterprise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL URL (the cache is a schema in it); default SQLite")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each path and its floor")
    parser.add_argument("--typeahead-repeat", type=int, default=20, help="times each type-ahead query is asked")
    parser.add_argument("--skip", nargs="*", default=[], choices=PARTS, help="parts not to run")
    parser.add_argument("--ack-requests", type=int, default=300, help="saturation requests per target and path")
    parser.add_argument("--ack-workers", type=int, default=None,
                        help="this checkout's serve --workers for the ack path (default 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--main-before", default="/tmp/main-before",
                        help="a worktree of main before this work (git worktree add /tmp/main-before 47d8dfc)")
    size_arguments(parser)
    args = parser.parse_args(argv)
    size = size_of(args)
    started = time.perf_counter()
    report = Report()
    print(f"enterprise benchmark: {size.describe()}")
    data_parts = set(PARTS) - {"ack"} - set(args.skip)
    if data_parts:
        with enterprise_database(args.database_url, size, fresh=args.fresh) as url:
            run(url, size, args, report)
    if "ack" not in args.skip:
        from bench.enterprise_ack import ack_part

        ack_part(args, report)
    return closing_verdict(report.failures, started)


if __name__ == "__main__":
    sys.exit(main())
