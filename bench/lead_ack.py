"""How fast the bot acknowledges a New lead submission under load, next to a bare Bolt app.

Slack waits 3 s for the answer to a ``view_submission`` and the bot answers only after saving the
lead (the confirmation shows the customer number), so this acknowledgement is the bot's critical path.
Targets: p99 under 300 ms, and p99 within 2× a Bolt app whose listener only calls ``ack()``, served by
the same waitress setup with the same thread count — that app is the floor our stack can reach.

The two targets are hit in alternating rounds by the same concurrent users so that machine noise
affects both alike. Between phases the bot finishes the work it does after acknowledging (posting
the review to the supervisors' channel, the DM to the rep), so one phase does not slow down the next.

    .venv/bin/python -m bench.lead_ack [--users 20] [--requests 400] [--rounds 4] [--database-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.common import (
    BOT_TOKEN,
    TEAM_MEMBERS,
    HttpRequest,
    Sample,
    Summary,
    drive,
    fake_slack,
    private_database,
    running_bot,
    send,
    serve,
    view_submission,
)
from bot.views import ids
from storage.models import Customer, OutboxMessage
from tests.fakeslack import FakeSlack
from tests.slackdriver import SIGNING_SECRET, SlackDriver, state_values

TARGET_P99_MS = 300.0
TARGET_RATIO = 2.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.lead_ack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (threads)")
    parser.add_argument("--requests", type=int, default=400, help="measured submissions per target")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the requests are split into")
    parser.add_argument("--database-url", help="PostgreSQL URL to use a private schema in (default: a new SQLite file)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.rounds < 1 or args.requests < args.rounds:
        parser.error("need --users >= 1 and --requests >= --rounds >= 1")
    return args


class Submissions:
    """New lead submissions of one modal: each with its own view id (the idempotency key) and company."""

    def __init__(self, fake: FakeSlack, view: dict[str, Any]) -> None:
        self.fake = fake
        self.view = view
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.companies: dict[str, list[str]] = {}  # target name -> companies submitted to it

    def build(self, target: str, url: str, user: str) -> HttpRequest:
        with self._lock:
            n = next(self._numbers)
            company = f"{target.title()} Lead {n:06d} Ltd"
            self.companies.setdefault(target, []).append(company)
        acquired = int((datetime.now(UTC) - timedelta(hours=3)).timestamp())
        values = {
            "company": company, "industry": "Manufacturing", "company_size": "200 staff",
            "contact_name": "Wang Wei", "contact_title": "Purchasing manager", "phone": "+86 138 0013 8000",
            "email": "wang@acme.example", "need": "Replace the ERP", "pain_points": "Slow month-end close",
            "source": "trade_show", "acquired": acquired, "intent": "high", "tags": ["high_intent"],
        }
        view = {**self.view, "id": f"VBENCH{n:07d}"}
        return view_submission(url, view, state_values(view, values), user=user,
                               trigger_id=self.fake.issue_trigger_id(view_id=view["id"]))

    def per_user(self, target: str, url: str, count: int, users: int) -> list[list[HttpRequest]]:
        """``count`` requests dealt to ``users`` users in turn; user i acts as a team member."""
        dealt: list[list[HttpRequest]] = [[] for _ in range(users)]
        for i in range(count):
            user = i % users
            dealt[user].append(self.build(target, url, TEAM_MEMBERS[user % len(TEAM_MEMBERS)]))
        return dealt


def bare_app(fake: FakeSlack) -> App:
    """The floor: Bolt with a listener that does nothing but acknowledge."""
    app = App(signing_secret=SIGNING_SECRET, token_verification_enabled=False,
              client=WebClient(base_url=fake.url, token=BOT_TOKEN))

    @app.view(ids.LEAD_VIEW)
    def submit_lead(ack: Ack) -> None:
        ack()

    return app


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def problems(samples: Sequence[Sample[HttpRequest]], *, want_update: bool) -> list[str]:
    """What was wrong with each reply that is not what Slack needs."""
    found = []
    for sample in samples:
        reply = sample.reply
        if reply is None:
            found.append(f"no reply: {sample.error}")
        elif reply.status != 200:
            found.append(f"HTTP {reply.status}: {reply.body[:300]!r}")
        elif want_update:
            try:
                action = (reply.json or {}).get("response_action")
            except ValueError:
                action = None
            if action != "update":
                found.append(f"HTTP 200 without response_action update: {reply.body[:300]!r}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with (
        private_database(args.database_url) as database_url,
        fake_slack() as fake,
        running_bot(database_url, fake) as bot,
        serve(bare_app(fake), bot.db) as bare_url,
    ):
        view = SlackDriver(bot_url=bot.url, fake=fake).open_modal("/lead", user=TEAM_MEMBERS[0])
        submissions = Submissions(fake, view)
        targets = {"bot": bot.url, "bare": bare_url}
        samples: dict[str, list[Sample[HttpRequest]]] = {name: [] for name in targets}

        def phase(name: str, count: int) -> list[Sample[HttpRequest]]:
            result = drive(submissions.per_user(name, targets[name], count, args.users), send)
            bot.executor.wait_idle()
            return result

        warm_up = {name: phase(name, args.users) for name in targets}
        for round_no, count in enumerate(split(args.requests, args.rounds)):
            order = list(targets) if round_no % 2 == 0 else list(reversed(targets))
            for name in order:
                samples[name] += phase(name, count)

        bad = {
            "bot": problems(warm_up["bot"] + samples["bot"], want_update=True),
            "bare": problems(warm_up["bare"] + samples["bare"], want_update=False),
        }
        submitted = submissions.companies["bot"]
        with bot.db.read() as session:
            created = list(session.scalars(select(Customer.company)))
            outbox = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        database = bot.db.engine.dialect.name

    bot_summary = Summary.of([s.seconds for s in samples["bot"]])
    bare_summary = Summary.of([s.seconds for s in samples["bare"]])
    p50_ratio, p99_ratio = bot_summary.p50 / bare_summary.p50, bot_summary.p99 / bare_summary.p99
    print(f"lead_ack: {args.requests} measured view_submissions per target in {args.rounds} alternating rounds, "
          f"{args.users} concurrent users, {args.users} warm-up each, database {database}")
    print(bot_summary.line("bot"))
    print(bare_summary.line("bare"))
    print(f"ratio  bot/bare p50 x{p50_ratio:.2f}  p99 x{p99_ratio:.2f}")
    fast, close = bot_summary.p99 < TARGET_P99_MS, p99_ratio <= TARGET_RATIO
    verdict = "PASS" if fast and close else "FAIL"
    print(f"verdict {verdict}: p99 {bot_summary.p99:.1f} ms {'<' if fast else '>='} {TARGET_P99_MS:.0f} ms, "
          f"p99 x{p99_ratio:.2f} of bare {'<=' if close else '>'} x{TARGET_RATIO:.0f}")
    duplicates = len(created) - len(set(created))
    exact = sorted(created) == sorted(submitted)
    print(f"customers created: {len(created)} for {len(submitted)} submissions "
          f"({'each company exactly once' if exact else f'MISMATCH, {duplicates} duplicates'}); "
          f"outbox: {', '.join(f'{n} {state}' for state, n in sorted(outbox.items())) or 'empty'}")
    print(f"elapsed {time.perf_counter() - started:.1f} s")

    failed = False
    for name, found in bad.items():
        if found:
            failed = True
            print(f"ERROR: {len(found)} of the {name} replies were wrong, e.g.:", file=sys.stderr)
            for line in found[:5]:
                print(f"  {line}", file=sys.stderr)
    if not exact:
        failed = True
        missing = sorted(set(submitted) - set(created))[:5]
        print(f"ERROR: customers do not match submissions; missing e.g. {missing}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
