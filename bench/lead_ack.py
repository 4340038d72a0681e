"""How fast the bot acknowledges a New lead submission under load, next to a bare Bolt app.

Slack waits 3 s for the answer to a ``view_submission`` and the bot answers only after saving the
lead (the confirmation shows the customer number), so this acknowledgement is the bot's critical path.
Targets, under the paced load: p99 under 300 ms, and p99 within 2× a Bolt app whose listener only
calls ``ack()`` (bench/bare_app.py, same server and thread counts) — the floor our stack can reach.

The fake Slack, the bot (``followup-bot serve``) and the bare app run as processes of their own; this
one only sends the submissions. Between phases the bot finishes the work it does after acknowledging
(the review in the supervisors' channel, the DM to the rep), so one phase does not slow down the next.

    .venv/bin/python -m bench.lead_ack [--users 20] [--requests 400] [--rounds 4] [--seed 1] [--database-url URL]
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench.common import (
    TEAM_MEMBERS,
    Children,
    FakeSlackProcess,
    HttpReply,
    HttpRequest,
    compare,
    comparison_args,
    deal,
    dialect,
    finish,
    open_modal,
    outbox_drained,
    private_database,
    reply_problems,
    report_comparison,
    settle,
    start_bare,
    start_bot,
    view_submission,
)
from storage.db import Database
from storage.models import Customer, OutboxMessage
from tests.fakeslack.blockkit import validate_view
from tests.slackdriver import state_values


class Submissions:
    """New lead submissions of one modal: each with its own view id (the idempotency key) and company."""

    def __init__(self, fake: FakeSlackProcess, view: dict[str, Any], urls: dict[str, str]) -> None:
        self.fake, self.view, self.urls = fake, view, urls
        self._numbers = itertools.count(1)
        self.companies: dict[str, list[str]] = {}  # target -> companies submitted to it

    def build(self, target: str, count: int, users: int) -> list[list[HttpRequest]]:
        first = next(self._numbers)
        for _ in range(count - 1):
            next(self._numbers)
        view_ids = [f"VBENCH{first + i:07d}" for i in range(count)]
        triggers = self.fake.trigger_ids(count)
        acquired = int((datetime.now(UTC) - timedelta(hours=3)).timestamp())

        def make(i: int, user: int) -> HttpRequest:
            company = f"{target.title()} Lead {first + i:06d} Ltd"
            self.companies.setdefault(target, []).append(company)
            values = {
                "company": company, "industry": "Manufacturing", "company_size": "200 staff",
                "contact_name": "Wang Wei", "contact_title": "Purchasing manager", "phone": "+86 138 0013 8000",
                "email": "wang@acme.example", "need": "Replace the ERP", "pain_points": "Slow month-end close",
                "source": "trade_show", "acquired": acquired, "intent": "high", "tags": ["high_intent"],
            }
            view = {**self.view, "id": view_ids[i]}
            return view_submission(self.urls[target], view, state_values(view, values),
                                   user=TEAM_MEMBERS[user % len(TEAM_MEMBERS)], trigger_id=triggers[i], tag=company)

        return deal(count, users, make)


def check_bot_reply(reply: HttpReply) -> str | None:
    try:
        answer = reply.json or {}
    except ValueError:
        answer = {}
    if answer.get("response_action") != "update":
        return f"HTTP 200 without response_action update: {reply.body[:200]!r}"
    if invalid := validate_view(answer.get("view") or {}):
        return f"Slack would reject the view in the reply: {invalid[:3]}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = comparison_args("python -m bench.lead_ack", __doc__ or "", argv)
    started = time.perf_counter()
    errors: list[str] = []
    with private_database(args.database_url) as database_url, Children() as children:
        fake = FakeSlackProcess(children)
        bot = start_bot(children, fake, database_url)
        bare = start_bare(children, fake, database_url)  # same WSGI stack, threads and listener pool
        db = Database(database_url)
        outbox_empty = outbox_drained(db)
        settle(fake, children, outbox_empty, quiet=1.0)  # the duties the bot runs on start
        view = open_modal(bot.url, fake, "/lead", user=TEAM_MEMBERS[0])
        submissions = Submissions(fake, view, {"bot": bot.url, "bare": bare.url})
        result = compare(["bot", "bare"], submissions.build,
                         lambda target: settle(fake, children, outbox_empty) if target == "bot" else None,
                         users=args.users, requests=args.requests, rounds=args.rounds, seed=args.seed)
        with db.read() as session:
            created = list(session.scalars(select(Customer.company)))
            by_state = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
            outbox = {state: count for state, count in session.execute(by_state)}
        db.dispose()
        children.stop_all()

        print(f"lead_ack: New lead view_submission acknowledgement, database {dialect(database_url)}, "
              f"{args.users} warm-up requests per target")
        failure = report_comparison(result, users=args.users, requests=args.requests, rounds=args.rounds,
                                    seed=args.seed)
        submitted = submissions.companies.get("bot", [])
        exact = sorted(created) == sorted(submitted)
        duplicates = len(created) - len(set(created))
        states = ", ".join(f"{n} {state}" for state, n in sorted(outbox.items())) or "empty"
        print(f"customers created: {len(created)} for {len(submitted)} submissions "
              f"({'each company exactly once' if exact else f'MISMATCH, {duplicates} duplicates'}); outbox: {states}")

        if result.stuck:
            errors.append(f"stopped early: {result.stuck}")
        for name, check in (("bot", check_bot_reply), ("bare", lambda reply: None)):
            found = reply_problems(result.all_samples(name), check)
            if found:
                errors.append(f"{len(found)} {name} replies were wrong, e.g.:\n" + "\n".join(f"  {f}" for f in found[:5]))
        if not exact:
            missing = sorted(set(submitted) - set(created))[:5]
            errors.append(f"customers do not match the submissions; missing e.g. {missing}")
        if outbox.get("pending") or outbox.get("dropped"):
            errors.append(f"outbox not all sent: {states}")
        if failure:
            errors.append(failure)
        return finish(children, errors, time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
