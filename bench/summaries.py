"""Summaries that never drop data, at scale: the supervisors' weekly digests and App Home with its
paged lists, on the generated organisation of ``bench.scale_data`` (1,000 reps in 10 teams,
100,000 customers; 2% of them flagged in warning for this run).

Measured (median of ``--runs``): ``weekly_digests`` deciding every team's digest (all their
reps, every message within Slack's limits) and queueing it in the outbox; App Home for an admin
(every team), a supervisor (one team) and a rep, on the first page and on the last page of the
customers in warning. Every message and view is checked against the fake Slack's Block Kit
validator, and every rep is counted in the digests.

    python -m bench.summaries [--followups 200000]
    python -m bench.summaries --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update

from app.factory import slack_client
from bench.due_lists import scale_database
from bench.scale_data import NOW, Scale, org, scale_arguments, teams_config
from bot.runtime import Runtime
from bot.services import home
from bot.services.directory import SlackProfile, resolve_actor, sync_directory
from bot.services.duties import weekly_digests
from bot.settings import Settings
from bot.views.home import home_view
from storage.db import Database
from storage.models import Customer, OutboxMessage
from tests.fakeslack import validate_message_blocks, validate_view

T = TypeVar("T")
LAST_PAGES = {"warning": 10**5, "overdue": 10**5, "due": 10**5}  # past the end: each list's last page


def timed(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def run(database_url: str, scale: Scale, *, runs: int) -> None:
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    db = Database(database_url)
    runtime = Runtime(config=teams_config(scale), db=db, slack=slack_client(Settings(_env_file=None)))  # type: ignore[call-arg]
    runtime.clock = lambda: NOW
    sync_directory(runtime)
    teams = org(scale)
    users = ["U0SCALEADMIN", teams[0].supervisor, teams[0].reps[0]]
    for user in users:  # no Slack here: the profiles are known
        runtime.profiles[user] = (time.monotonic() + 3600, SlackProfile(tz="Asia/Shanghai", locale="en-US",
                                                                        deleted=False))
    with db.write() as session:
        session.execute(update(Customer).where(Customer.id % 50 == 0).values(warning=True))
    with db.read() as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        warned = session.scalar(select(func.count()).select_from(Customer).where(Customer.warning.is_(True))) or 0
    print(f"\n== {dialect}: {sum(len(t.reps) for t in teams):,} reps in {len(teams)} teams, {customers:,} customers, "
          f"{warned:,} in warning")

    def digests() -> int:
        with db.write() as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.key.like("weekly:%")))
        return weekly_digests(runtime, NOW)

    seconds, queued = timed(digests, runs)
    with db.read() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("weekly:%"))))
    members: set[str] = set()
    largest = max(len(r.payload.get("blocks") or []) for r in rows)
    for row in rows:
        assert validate_message_blocks(row.payload.get("blocks") or []) == [], row.key
        members |= set(re.findall(r"^<@(U\w+)>:", "\n".join(b["text"]["text"] for b in row.payload.get("blocks") or []
                                                               if b["type"] == "section"), re.M))
    expected = {u for t in teams for u in [*t.reps, *t.deactivated, t.supervisor]}
    print(f"weekly digests: {queued} messages for {len(teams)} teams in {seconds * 1000:,.0f} ms "
          f"(median of {runs}); largest {largest} blocks; "
          f"{len(members & expected):,} of {len(expected):,} members listed")
    assert members >= expected

    for user, label in zip(users, ("admin (every team)", "supervisor (one team)", "rep"), strict=True):
        actor = resolve_actor(runtime.config, user)

        def build(pages: dict[str, int] | None = None, actor: Any = actor) -> dict[str, Any]:
            return home_view("en", home.summary(runtime, actor, pages=pages or {}))

        first_seconds, view = timed(build, runs)
        assert validate_view(view) == [], label
        last_seconds, last_view = timed(lambda build=build: build(LAST_PAGES), runs)  # type: ignore[misc]
        assert validate_view(last_view) == [], label
        position = [e["text"] for b in last_view["blocks"] if b["type"] == "context" for e in b["elements"]
                    if e["text"].startswith("Showing")]
        print(f"App Home, {label}: first pages {first_seconds * 1000:,.0f} ms, last pages {last_seconds * 1000:,.0f} ms "
              f"({len(view['blocks'])} blocks; last pages: {'; '.join(position) or 'one page each'})")
    db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL (a private schema); default: the cached SQLite file")
    parser.add_argument("--runs", type=int, default=3)
    scale_arguments(parser)
    args = parser.parse_args(argv)
    scale = Scale(reps=args.reps, customers=args.customers, followups=args.followups, due_items=args.due_items,
                  teams=args.teams, deactivated=args.deactivated, seed=args.seed)
    with scale_database(args.database_url, scale, fresh=args.fresh) as url:
        run(url, scale, runs=args.runs)


if __name__ == "__main__":
    main()
