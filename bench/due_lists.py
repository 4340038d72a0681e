"""Every rep's due list at one instant, at scale, against the floor; then the morning fan-out of the digests.

On the generated organisation of ``bench.scale_data`` (by default 1,000 reps, 100,000 customers,
2,000,000 follow-ups, 5,000 open due items), in one run:

1. ``bot.services.duelist.due_lists(runtime, owners={every rep: tz}, now=NOW)``, median of 5 runs
   after a warm-up, beside the floor: ONE hand-written SQL query (``text()``) returning the same due
   entries (the due customers and the open due items, sorted per rep), through the same engine, every
   row fetched. Both must give the same (rep, customer, why) entries. Targets: within 3× the floor and
   under 10 s on PostgreSQL.
2. Memory of the process while computing them: tracemalloc's peak for one call, and the process's
   peak resident size (the high-water mark is reset just before) against 500 MB. The data set is
   generated in a child process, so none of it counts here.
3. The fan-out: ``daily_due_lists`` at 09:00 on a Monday in the reps' time zone, then ``drain``,
   against the fake Slack (in this process) enforcing one chat.postMessage a second per channel
   with bursts of 5, waiting out ``Retry-After`` in real time. Some reps' accounts are deactivated
   (``--deactivated`` a team), so each supervisor channel gets several notices in a row and the
   per-channel limit bites. Checked on the fake's records: every rep with something due got exactly
   one digest, every notice arrived once, nothing twice. Then the duty and the drain run again and
   must send nothing.

SQLite (the generated file is cached under /tmp and copied for the run) and PostgreSQL (a private
schema, created and dropped)::

    python -m bench.due_lists
    python -m bench.due_lists --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Boolean, Integer, String, bindparam, func, select, text
from sqlalchemy.engine import make_url

from app.factory import slack_client
from bench.common import closing_verdict
from bench.scale_data import (
    NOW,
    Scale,
    active_reps,
    cache_path,
    org,
    scale_arguments,
    scale_of,
    teams_config,
    write_teams_file,
)
from bot.runtime import Runtime
from bot.services.directory import sync_directory, user_profiles
from bot.services.duelist import DueList, due_lists, horizon_end
from bot.services.duties import daily_due_lists
from bot.services.outbox import drain
from bot.settings import Settings
from storage.db import Database
from storage.models import Customer, DueItem, FollowUp, OutboxMessage, UTCDateTime
from tests.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-bench-token"
MAX_RATIO = 3.0
MAX_SECONDS_POSTGRES = 10.0
MAX_MEMORY_MB = 500.0
BURST = 5  # the fake Slack's chat.postMessage burst per channel, refilled at one a second
T = TypeVar("T")

# The floor: what the due lists are, asked of the database in one statement. The same conditions as
# storage.queries.due_customers and due_items_for, the same columns a due entry shows, sorted per rep.
FLOOR_SQL = """
SELECT c.owner_id AS owner_id, c.id AS customer_id, c.number AS number, c.company AS company, c.grade AS grade,
       c.status AS status, c.next_due_at AS due_at, COALESCE(c.due_reason, 'cadence') AS why, NULL AS note
  FROM customers c
 WHERE c.owner_id IN :owners
   AND c.next_due_at < :until
   AND c.paused = :no
   AND c.registration <> 'rejected'
   AND (c.snoozed_until IS NULL OR c.snoozed_until <= :now)
UNION ALL
SELECT d.owner_id, c.id, c.number, c.company, c.grade, c.status, d.due_at, d.kind, d.note
  FROM due_items d
  JOIN customers c ON c.id = d.customer_id
 WHERE d.owner_id IN :owners
   AND d.done_at IS NULL
   AND d.due_at < :until
   AND c.registration <> 'rejected'
   AND (c.snoozed_until IS NULL OR c.snoozed_until <= :now)
   AND (c.paused = :no OR d.kind = 'reactivation')
 ORDER BY 1, 7, 3
"""


def floor_statement() -> Any:
    return (
        text(FLOOR_SQL)
        .bindparams(bindparam("owners", expanding=True), bindparam("until", type_=UTCDateTime()),
                    bindparam("now", type_=UTCDateTime()), bindparam("no", False, type_=Boolean()))
        .columns(owner_id=String(), customer_id=Integer(), number=String(), company=String(), grade=String(),
                 status=String(), due_at=UTCDateTime(), why=String(), note=String())
    )


def floor(db: Database, owners: dict[str, str], now: datetime) -> list[Any]:
    until = max(horizon_end(now, tz) for tz in set(owners.values()))
    with db.engine.connect() as conn:
        return conn.execute(floor_statement(), {"owners": list(owners), "until": until, "now": now}).all()


def entries_of(lists: dict[str, DueList]) -> Counter[tuple[str, int, str]]:
    return Counter((owner, e.customer_id, e.why) for owner, due in lists.items()
                   for e in (*due.overdue, *due.today, *due.upcoming))


# Database ----------------------------------------------------------------------------------------


def _scale_argv(scale: Scale) -> list[str]:
    return [f"--{name.replace('_', '-')}={value}" for name, value in asdict(scale).items()]


def _generate(scale: Scale, extra: Sequence[str]) -> None:
    """In a child process: the generator's memory must not count against the process measured here."""
    subprocess.run([sys.executable, "-m", "bench.scale_data", *_scale_argv(scale), *extra], cwd=ROOT, check=True)


def run_on_scale_data(prog: str, doc: str, run: Callable[..., list[str]], argv: Sequence[str] | None, *,
                      runs: int) -> int:
    """The command line of a benchmark on the scale data set: ``run(url, scale, runs=…)`` returns failures."""
    parser = argparse.ArgumentParser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL URL (a private schema is made in it); default SQLite")
    parser.add_argument("--runs", type=int, default=runs, help="timed runs after the warm-up (default %(default)s)")
    scale_arguments(parser)
    args = parser.parse_args(argv)
    scale = scale_of(args)
    started = time.perf_counter()
    with scale_database(args.database_url, scale, fresh=args.fresh) as url:
        failures = run(url, scale, runs=args.runs)
    return closing_verdict(failures, started)


@contextlib.contextmanager
def scale_database(base_url: str | None, scale: Scale, *, fresh: bool) -> Iterator[str]:
    """A copy of the cached SQLite file, or a private PostgreSQL schema filled for this run and dropped after."""
    if not base_url:
        cached = cache_path(scale)
        if fresh or not cached.exists():
            _generate(scale, ["--fresh"] if fresh else [])
        else:
            print(f"reusing {cached} ({cached.stat().st_size / 1e6:,.0f} MB; --fresh to generate it again)")
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            copy = Path(tmp) / "followup.db"
            shutil.copyfile(cached, copy)
            yield f"sqlite:///{copy}"
        return
    if not base_url.startswith("postgresql"):
        raise SystemExit(f"--database-url: only PostgreSQL URLs are supported, not {base_url!r}")
    schema = f"bench_scale_{uuid.uuid4().hex[:10]}"
    admin = Database(base_url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        rendered = url.render_as_string(hide_password=False)
        _generate(scale, [f"--database-url={rendered}"])
        yield rendered
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# Measuring ---------------------------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _reset_peak_rss() -> bool:
    """Reset the kernel's resident-size high-water mark of this process (Linux); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_mb(field: str) -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# The run -----------------------------------------------------------------------------------------


def run(database_url: str, scale: Scale, *, runs: int) -> list[str]:
    failures: list[str] = []
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    config = teams_config(scale)
    teams_file = write_teams_file(scale)
    db = Database(database_url)
    if db.current_revision() != db.head_revision():
        raise SystemExit("the generated database is not at the schema head: run with --fresh")
    runtime = Runtime(config=config, db=db, slack=slack_client(Settings(_env_file=None)))  # type: ignore[call-arg]
    sync_directory(runtime)
    with db.read() as session:
        counts = {name: session.scalar(select(func.count()).select_from(model)) or 0
                  for name, model in (("customers", Customer), ("follow-ups", FollowUp), ("due items", DueItem))}
        open_items = session.scalar(select(func.count()).select_from(DueItem).where(DueItem.done_at.is_(None))) or 0
    reps = active_reps(scale)
    profiles = user_profiles(runtime, reps, now=NOW)
    owners = {rep: profiles[rep].tz or runtime.config.teams[0].timezone for rep in reps}
    print(f"\n== {dialect}: {len(reps):,} reps in {len(config.teams)} teams, {counts['customers']:,} customers, "
          f"{counts['follow-ups']:,} follow-ups, {counts['due items']:,} due items ({open_items:,} open); "
          f"teams file {teams_file}")
    print(f"instant: {NOW.isoformat()} = {NOW.astimezone(config.teams[0].zone):%a %Y-%m-%d %H:%M} "
          f"{config.teams[0].timezone}")

    def python_path() -> dict[str, DueList]:
        return due_lists(runtime, owners=owners, now=NOW)

    def floor_path() -> list[Any]:
        return floor(db, owners, NOW)

    # 1. Memory, first, while the process holds nothing else ------------------------------------
    gc.collect()
    before = _rss_mb("VmRSS")
    reset = _reset_peak_rss()
    python_path()
    peak_rss = _rss_mb("VmHWM") if reset else float("nan")
    maxrss = _maxrss_mb()
    tracemalloc.start()
    python_path()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    worst = max(maxrss, peak_rss if reset else 0.0)
    print(f"memory: RSS before {before:.0f} MB; peak RSS during due_lists {peak_rss:.0f} MB"
          f"{'' if reset else ' (high-water mark could not be reset)'}; "
          f"ru_maxrss {maxrss:.0f} MB; tracemalloc peak of one call {traced_peak:.0f} MB "
          f"(target < {MAX_MEMORY_MB:.0f} MB): {verdict(worst < MAX_MEMORY_MB)}")
    if worst >= MAX_MEMORY_MB:
        failures.append(f"{dialect}: peak resident size {worst:.0f} MB")

    # 2. Every rep's due list, against the floor --------------------------------------------------
    warm_python, lists = timed(python_path)
    warm_floor, rows = timed(floor_path)
    python_times, floor_times = [], []
    for _ in range(runs):  # interleaved, so drift (cache, autovacuum, the other core) hits both alike
        gc.collect()
        python_times.append(timed(python_path)[0])
        gc.collect()
        floor_times.append(timed(floor_path)[0])
    python_median, floor_median = statistics.median(python_times), statistics.median(floor_times)
    ratio = python_median / floor_median
    expected = Counter((row.owner_id, row.customer_id, row.why) for row in rows)
    got = entries_of(lists)
    mismatch = sum(((expected - got) + (got - expected)).values())
    nonempty = sorted(owner for owner, due in lists.items() if not due.empty)
    sizes = [len(due) for due in lists.values()]
    by_why = Counter(why for (_, _, why) in got.elements())
    buckets: Counter[str] = Counter()
    for due in lists.values():
        buckets.update(overdue=len(due.overdue), today=len(due.today), upcoming=len(due.upcoming))
    print(f"due entries: {sum(got.values()):,} for {len(nonempty):,} of {len(reps):,} reps "
          f"(per rep: median {statistics.median(sizes):.0f}, max {max(sizes)}); "
          f"overdue {buckets['overdue']:,}, today {buckets['today']:,}, next 3 days {buckets['upcoming']:,}")
    print("  by reason: " + ", ".join(f"{why} {n:,}" for why, n in by_why.most_common()))
    print(f"floor rows: {len(rows):,}; mismatched (rep, customer, why) entries: {mismatch}")
    if mismatch:
        failures.append(f"{dialect}: the floor and due_lists disagree on {mismatch} entries")

    def show(times: list[float]) -> str:
        return ", ".join(f"{t:.3f}" for t in times)

    print(f"due_lists (Python path): median {python_median:.3f} s of {runs} [{show(python_times)}], "
          f"warm-up {warm_python:.3f} s")
    print(f"floor (one SQL query):   median {floor_median:.3f} s of {runs} [{show(floor_times)}], "
          f"warm-up {warm_floor:.3f} s")
    within_ratio = ratio <= MAX_RATIO
    print(f"ratio: {ratio:.2f}× the floor (target ≤ {MAX_RATIO:.0f}×): {verdict(within_ratio)}")
    if dialect == "postgresql":
        fast = python_median < MAX_SECONDS_POSTGRES
        print(f"absolute: {python_median:.3f} s (target < {MAX_SECONDS_POSTGRES:.0f} s on PostgreSQL): {verdict(fast)}")
        if not fast:
            failures.append(f"{dialect}: due_lists took {python_median:.3f} s")
    else:
        print(f"absolute: {python_median:.3f} s (the 10 s target is PostgreSQL's; for reference only)")
    if not within_ratio:
        failures.append(f"{dialect}: due_lists is {ratio:.2f}× the floor")

    # 3. The fan-out ------------------------------------------------------------------------------
    failures += fan_out(runtime, scale, nonempty, dialect)
    db.dispose()
    return failures


def fan_out(runtime: Runtime, scale: Scale, nonempty: Sequence[str], dialect: str) -> list[str]:
    failures: list[str] = []
    teams = org(scale)
    # Each 429 would be logged as a warning; they are counted on the fake's records instead.
    logging.getLogger("bot.services.outbox").setLevel(logging.ERROR)
    with FakeSlack(token=BOT_TOKEN) as fake:
        for team in teams:
            for user in (team.supervisor, *team.reps):
                fake.add_user(user, tz=team_tz(runtime))
            for user in team.deactivated:
                fake.add_user(user, tz=team_tz(runtime), deleted=True)
        fake.enforce_post_rate(per_second=1.0, burst=BURST)
        settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_api_url=fake.url)  # type: ignore[call-arg]
        runtime.slack = slack_client(settings)
        started = time.monotonic()
        runtime.clock = lambda: NOW + timedelta(seconds=time.monotonic() - started)  # real time, from NOW on
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            time.sleep(seconds)

        runtime.sleep = sleep
        decide_seconds, queued = timed(lambda: daily_due_lists(runtime, NOW))
        drain_seconds, sent = timed(lambda: drain(runtime, max_wait=timedelta(minutes=3)))
        posts = fake.calls_to("chat.postMessage")
        ok = [c for c in posts if c.ok]
        limited = sum(1 for c in posts if c.status == 429)
        other = len(posts) - len(ok) - limited
        per_channel = Counter(c.response["channel"] for c in ok)
        dm_expected = {fake.dm_channel_id(rep) for rep in nonempty}
        dms = {channel: n for channel, n in per_channel.items() if channel.startswith("D")}
        notices = Counter((c.response["channel"], c.args.get("text")) for c in ok if not c.response["channel"].startswith("D"))
        notice_expected = {(team.channel, user) for team in teams for user in team.deactivated}
        notice_got = {(channel, user) for (channel, text_), _ in notices.items()
                      for team in teams for user in team.deactivated
                      if channel == team.channel and f"<@{user}>" in (text_ or "")}
        missing_dms = len(dm_expected - set(dms))
        unexpected_dms = len(set(dms) - dm_expected)
        duplicates = sum(n - 1 for n in dms.values() if n > 1) + sum(n - 1 for n in notices.values() if n > 1)
        missing_notices = len(notice_expected - notice_got)
        with runtime.db.read() as session:
            states = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        print(f"fan-out: daily_due_lists queued {queued:,} in {decide_seconds:.2f} s; drain sent {sent:,} in "
              f"{drain_seconds:.2f} s (waited {sum(slept):.1f} s in {len(slept)} sleeps); wall "
              f"{decide_seconds + drain_seconds:.2f} s")
        print(f"  digests delivered: {sum(dms.values()):,} to {len(dms):,} reps (expected {len(dm_expected):,}: "
              f"missing {missing_dms}, unexpected {unexpected_dms}); deactivation notices: {sum(notices.values())} "
              f"in {len({c for c, _ in notices})} supervisor channels (expected {len(notice_expected)}: "
              f"missing {missing_notices})")
        print(f"  duplicates: {duplicates}; HTTP 429 answers: {limited}; other failures: {other}; outbox: "
              + ", ".join(f"{state} {n:,}" for state, n in sorted(states.items())))
        if missing_dms or unexpected_dms or missing_notices or other or states.get("pending") or states.get("dropped"):
            failures.append(f"{dialect}: fan-out incomplete (missing digests {missing_dms}, unexpected "
                            f"{unexpected_dms}, missing notices {missing_notices}, failures {other}, "
                            f"pending {states.get('pending', 0)}, dropped {states.get('dropped', 0)})")
        if duplicates:
            failures.append(f"{dialect}: {duplicates} messages delivered twice")
        if not limited and scale.deactivated > BURST:
            failures.append(f"{dialect}: the per-channel rate limit never answered 429; the fan-out did not exercise it")

        calls_before = len(fake.calls)
        again_seconds, queued_again = timed(lambda: daily_due_lists(runtime, runtime.now()))
        drain_again_seconds, sent_again = timed(lambda: drain(runtime, max_wait=timedelta(seconds=30)))
        new_calls = len(fake.calls) - calls_before
        print(f"  second run: queued {queued_again}, sent {sent_again}, new Slack calls {new_calls} "
              f"({again_seconds + drain_again_seconds:.2f} s)")
        if queued_again or sent_again or new_calls:
            failures.append(f"{dialect}: the second run sent something again")
    return failures


def team_tz(runtime: Runtime) -> str:
    return runtime.config.teams[0].timezone


def main(argv: Sequence[str] | None = None) -> int:
    return run_on_scale_data("python -m bench.due_lists", __doc__ or "", run, argv, runs=5)


if __name__ == "__main__":
    sys.exit(main())
