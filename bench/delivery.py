"""Delivery benchmark: a 1,000-rep morning through the outbox against Slack's limits, with faults.

    python -m bench.delivery [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The morning: every duty at 09:00 on a generated organisation of 1,000 reps in 10 teams (due-list
DMs, next-step and first-contact reminders, escalations and alerts to the 10 supervisor
channels, deactivated reps' notices). The fake Slack limits ``chat.postMessage`` per channel
(one a second, bursts of 5) and answers a share of posts with 429 (Retry-After 1 s) and 5xx
at random. The floor is what Slack's limit allows for that traffic: the busiest channel's
message count at one a second. Every message is counted by (channel, text): lost, twice.
Target: 0 lost, 0 duplicated, time within 1.5× the floor.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.factory import slack_client
from bench.common import closing_verdict
from bench.due_lists import scale_database
from bench.scale_data import NOW, Scale, org, teams_config
from bot.runtime import Runtime
from bot.services.directory import sync_directory
from bot.services.duties import run_duties
from bot.services.outbox import drain, is_user_channel
from bot.settings import Settings
from storage.db import Database
from storage.models import OutboxMessage
from tests.fakeslack import FakeSlack
from tests.fakeslack.server import _SlackError

BOT_TOKEN = "xoxb-bench-delivery"
MAX_RATIO = 1.5
SCALE = Scale(reps=1000, customers=4000, followups=40_000, due_items=1000, teams=10, deactivated=3)


class FaultySlack(FakeSlack):
    """The fake, answering a share of chat.postMessage calls with 429 or 5xx (seeded)."""

    def __init__(self, *, rate_429: float, rate_5xx: float, seed: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate_429, self.rate_5xx, self._rng = rate_429, rate_5xx, random.Random(seed)

    def _take_injection(self, method: str) -> _SlackError | None:
        if method == "chat.postMessage":
            roll = self._rng.random()
            if roll < self.rate_429:
                return _SlackError("ratelimited", status=429, headers={"Retry-After": "1"})
            if roll < self.rate_429 + self.rate_5xx:
                return _SlackError("internal_error", status=503)
        return super()._take_injection(method)


def run(database_url: str, *, rate_429: float, rate_5xx: float, seed: int) -> list[str]:
    failures: list[str] = []
    db = Database(database_url)
    dialect = db.engine.dialect.name
    config = teams_config(SCALE)
    logging.getLogger("bot.services.outbox").setLevel(logging.ERROR)  # each 429 and 5xx is counted instead
    with FaultySlack(token=BOT_TOKEN, rate_429=rate_429, rate_5xx=rate_5xx, seed=seed) as fake:
        for team in org(SCALE):
            for user in (team.supervisor, *team.reps):
                fake.add_user(user, tz=team_tz(config))
            for user in team.deactivated:
                fake.add_user(user, tz=team_tz(config), deleted=True)
        fake.enforce_post_rate(per_second=1.0, burst=5)
        settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_api_url=fake.url)  # type: ignore[call-arg]
        started = time.monotonic()
        runtime = Runtime(config=config, db=db, slack=slack_client(settings),
                          clock=lambda: NOW + timedelta(seconds=time.monotonic() - started))
        sync_directory(runtime)
        decide_started = time.perf_counter()
        decided = run_duties(runtime, NOW)
        decide_seconds = time.perf_counter() - decide_started
        with db.read() as session:
            queued = list(session.execute(select(OutboxMessage.channel, OutboxMessage.payload)
                                          .where(OutboxMessage.state == "pending")))
        per_channel = Counter(channel for channel, _ in queued)
        busiest, busiest_count = per_channel.most_common(1)[0]
        floor = float(busiest_count)  # one a second
        print(f"{dialect}: the morning decided {sum(decided.values()):,} messages in {decide_seconds:.2f} s "
              f"({', '.join(f'{k} {v}' for k, v in decided.items() if v)}); {len(queued):,} to deliver to "
              f"{len(per_channel):,} channels; busiest {busiest} with {busiest_count}")
        drain_started = time.perf_counter()
        sent = drain(runtime, max_wait=timedelta(minutes=15))
        elapsed = time.perf_counter() - drain_started

        posts = fake.calls_to("chat.postMessage")
        delivered = Counter((c.response["channel"], c.args["text"]) for c in posts if c.ok)
        with db.read() as session:
            final = list(session.execute(select(OutboxMessage.channel, OutboxMessage.payload, OutboxMessage.state)))
        states = Counter(state for *_, state in final)
        expected = Counter((fake.dm_channel_id(channel) if is_user_channel(channel) else channel, payload["text"])
                           for channel, payload, state in final if state == "sent")
        skipped_dms = sum(1 for channel, _, state in final if state == "skipped" and is_user_channel(channel))
        lost = sum((expected - delivered).values()) + states.get("pending", 0) + states.get("dropped", 0)
        twice = sum((delivered - expected).values())
        answered_429 = sum(1 for c in posts if c.status == 429)
        answered_5xx = sum(1 for c in posts if c.status >= 500)
        ratio = elapsed / floor
        print(f"  delivered {sent:,} in {elapsed:.1f} s against a floor of {floor:.0f} s: {ratio:.2f}× "
              f"(target ≤ {MAX_RATIO}×)")
        print(f"  Slack answered 429 {answered_429:,} times and 5xx {answered_5xx:,} times in {len(posts):,} posts; "
              f"outbox: {', '.join(f'{s} {n:,}' for s, n in sorted(states.items()))} "
              f"({skipped_dms} DMs to deactivated accounts not sent, by design)")
        print(f"  lost {lost}, delivered twice {twice}")
        if lost:
            failures.append(f"{dialect}: {lost} messages lost")
        if twice:
            failures.append(f"{dialect}: {twice} messages delivered twice")
        if ratio > MAX_RATIO:
            failures.append(f"{dialect}: {ratio:.2f}× the floor")
    db.dispose()
    return failures


def team_tz(config: Any) -> str:
    return str(config.teams[0].timezone)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL URL (a private schema is made in it); default SQLite")
    parser.add_argument("--rate-429", type=float, default=0.20)
    parser.add_argument("--rate-5xx", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with scale_database(args.database_url, SCALE, fresh=False) as url:
        failures = run(url, rate_429=args.rate_429, rate_5xx=args.rate_5xx, seed=args.seed)
    return closing_verdict(failures, started)


if __name__ == "__main__":
    sys.exit(main())
