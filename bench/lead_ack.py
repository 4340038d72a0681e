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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import func, select

from bench.common import (
    BOT_TOKEN,
    TEAM_MEMBERS,
    BotStuck,
    HttpRequest,
    LogTally,
    Sample,
    Summary,
    drive,
    fake_slack,
    private_database,
    running_bot,
    send,
    serve,
    tally_logs,
    view_submission,
)
from bot.views import ids
from storage.models import Customer, OutboxMessage
from tests.fakeslack import FakeSlack, validate_view
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
            found.append(f"HTTP {reply.status} after {sample.seconds * 1000:.0f} ms: {reply.body[:200]!r}")
        elif want_update:
            try:
                action = (reply.json or {}).get("response_action")
            except ValueError:
                action = None
            if action != "update":
                found.append(f"HTTP 200 without response_action update: {reply.body[:200]!r}")
            elif invalid := validate_view(reply.json.get("view") or {}):
                found.append(f"Slack would reject the view in the reply: {invalid[:3]}")
    return found


@dataclass
class Outcome:
    database: str
    warm_up: dict[str, list[Sample[HttpRequest]]]
    samples: dict[str, list[Sample[HttpRequest]]]
    submitted: list[str]  # companies sent to the bot
    created: list[str]  # companies of the customers in the database
    outbox: dict[str, int]  # outbox messages by state
    busy: dict[str, float]  # seconds spent in the measured phases, by target
    stuck: str | None = None


def run(args: argparse.Namespace) -> Outcome:
    with (
        private_database(args.database_url) as database_url,
        fake_slack() as fake,
        running_bot(database_url, fake) as bot,
        serve(bare_app(fake), bot.db) as bare_url,  # same WSGI stack and threads as the bot
    ):
        view = SlackDriver(bot_url=bot.url, fake=fake).open_modal("/lead", user=TEAM_MEMBERS[0])
        submissions = Submissions(fake, view)
        targets = {"bot": bot.url, "bare": bare_url}
        samples: dict[str, list[Sample[HttpRequest]]] = {name: [] for name in targets}
        warm_up: dict[str, list[Sample[HttpRequest]]] = {name: [] for name in targets}
        busy = dict.fromkeys(targets, 0.0)
        stuck = None

        def phase(name: str, count: int) -> list[Sample[HttpRequest]]:
            requests = submissions.per_user(name, targets[name], count, args.users)
            start = time.perf_counter()
            result = drive(requests, send)
            busy[name] += time.perf_counter() - start
            bot.executor.wait_idle()
            return result

        try:
            for name in targets:
                warm_up[name] = phase(name, args.users)
            busy.update(dict.fromkeys(targets, 0.0))  # the warm-up does not count
            for round_no, count in enumerate(split(args.requests, args.rounds)):
                for name in list(targets) if round_no % 2 == 0 else reversed(targets):
                    samples[name] += phase(name, count)
        except BotStuck as exc:
            stuck = str(exc)
        with bot.db.read() as session:
            created = list(session.scalars(select(Customer.company)))
            by_state = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            outbox = {state: count for state, count in session.execute(by_state)}
        return Outcome(database=bot.db.engine.dialect.name, warm_up=warm_up, samples=samples,
                       submitted=submissions.companies.get("bot", []), created=created, outbox=outbox, busy=busy,
                       stuck=stuck)


def report(args: argparse.Namespace, outcome: Outcome, logs: LogTally, elapsed: float) -> int:
    """Print the figures and the verdict; 1 when a reply or the database is wrong (not for missing a target)."""
    print(f"lead_ack: {args.requests} measured view_submissions per target in {args.rounds} alternating rounds, "
          f"{args.users} concurrent users, {args.users} warm-up each, database {outcome.database}")
    bot_samples, bare_samples = outcome.samples["bot"], outcome.samples["bare"]
    if bot_samples and bare_samples:
        bot = Summary.of([s.seconds for s in bot_samples])
        bare = Summary.of([s.seconds for s in bare_samples])
        p50_ratio, p99_ratio = bot.p50 / bare.p50, bot.p99 / bare.p99
        print(bot.line("bot"))
        print(bare.line("bare"))
        print(f"ratio  bot/bare p50 x{p50_ratio:.2f}  p99 x{p99_ratio:.2f}")
        rates = ", ".join(f"{name} {len(outcome.samples[name]) / outcome.busy[name]:.0f}/s" for name in ("bot", "bare"))
        print(f"throughput {rates} (each user sends its next request as soon as it has the reply)")
        fast, close = bot.p99 < TARGET_P99_MS, p99_ratio <= TARGET_RATIO
        print(f"verdict {'PASS' if fast and close else 'FAIL'}: "
              f"p99 {bot.p99:.1f} ms {'<' if fast else '>='} {TARGET_P99_MS:.0f} ms, "
              f"p99 x{p99_ratio:.2f} of bare {'<=' if close else '>'} x{TARGET_RATIO:.0f}")
    exact = sorted(outcome.created) == sorted(outcome.submitted)
    duplicates = len(outcome.created) - len(set(outcome.created))
    states = ", ".join(f"{n} {state}" for state, n in sorted(outcome.outbox.items())) or "empty"
    print(f"customers created: {len(outcome.created)} for {len(outcome.submitted)} submissions "
          f"({'each company exactly once' if exact else f'MISMATCH, {duplicates} duplicates'}); outbox: {states}")
    print(f"elapsed {elapsed:.1f} s")

    errors = []
    if outcome.stuck:
        errors.append(f"stopped early: {outcome.stuck}")
    for name, want_update in (("bot", True), ("bare", False)):
        found = problems(outcome.warm_up[name] + outcome.samples[name], want_update=want_update)
        if found:
            errors.append(f"{len(found)} {name} replies were wrong, e.g.:\n" + "\n".join(f"  {f}" for f in found[:5]))
    if not exact:
        missing = sorted(set(outcome.submitted) - set(outcome.created))[:5]
        errors.append(f"customers do not match the submissions; missing e.g. {missing}")
    if logs.counts:
        print("logged while running:\n" + "\n".join(logs.lines()), file=sys.stderr)
    if logs.first_error:
        print(f"first error logged:\n{logs.first_error}", file=sys.stderr)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with tally_logs() as logs:
        outcome = run(args)
    return report(args, outcome, logs, time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
