"""How fast the bot acknowledges a quick-entry ``/followup`` under load, next to a bare Bolt app.

``/followup CL2026001 called Wang, wants demo; next: send proposal next Wednesday`` logs a follow-up
from one line: the bot acknowledges once it has found the customer, then reads the line, saves the
follow-up and answers through the command's ``response_url``. Slack shows "failed with the error
operation_timeout" when the acknowledgement takes 3 s. Each of the concurrent users is a rep logging
on their own customers (bulk inserted first). Same load models, targets and report as bench.lead_ack.

    .venv/bin/python -m bench.quick_entry [--users 20] [--requests 400] [--rounds 4] [--seed 1] [--database-url URL]
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select

from bench.common import (
    REPS,
    Children,
    FakeSlackProcess,
    HttpReply,
    HttpRequest,
    compare,
    comparison_args,
    deal,
    dialect,
    finish,
    outbox_drained,
    private_database,
    reply_problems,
    report_comparison,
    settle,
    slash_command,
    start_bare,
    start_bot,
)
from bench.customers import migrated, seed_customers
from storage.models import FollowUp

ENTRY = "called Wang, wants demo; next: send proposal next Wednesday"
CUSTOMERS_PER_REP = 100


class Commands:
    """Quick entries, each with a trigger id (the idempotency key) and a response_url from the fake."""

    def __init__(self, fake: FakeSlackProcess, urls: dict[str, str], numbers: dict[str, list[str]]) -> None:
        self.fake, self.urls = fake, urls
        self.numbers = {rep: itertools.cycle(numbers[rep]) for rep in REPS}
        self.sent: dict[str, list[str]] = {}  # target -> trigger ids

    def build(self, target: str, count: int, users: int) -> list[list[HttpRequest]]:
        triggers, response_urls = self.fake.trigger_ids(count), self.fake.response_urls(count)
        self.sent.setdefault(target, []).extend(triggers)

        def make(i: int, user: int) -> HttpRequest:
            rep = REPS[user % len(REPS)]
            return slash_command(self.urls[target], "/followup", f"{next(self.numbers[rep])} {ENTRY}", user=rep,
                                 trigger_id=triggers[i], response_url=response_urls[i])

        return deal(count, users, make)


def check_bot_reply(reply: HttpReply) -> str | None:
    """Quick entry acknowledges with an empty body; text means it answered something else."""
    return f"HTTP 200 with a body instead of a plain ack: {reply.body[:200]!r}" if reply.body else None


def main(argv: Sequence[str] | None = None) -> int:
    args = comparison_args("python -m bench.quick_entry", __doc__ or "", argv)
    started = time.perf_counter()
    errors: list[str] = []
    with private_database(args.database_url) as database_url, Children() as children:
        db, team_ids = migrated(database_url)
        owners = {"East China": ["U0REP1", "U0REP2"], "West Coast": ["U0REPW"]}
        seeded = seed_customers(db, team_ids, owners, count=CUSTOMERS_PER_REP * len(REPS), seed=args.seed)
        fake = FakeSlackProcess(children)
        bot = start_bot(children, fake, database_url)
        bare = start_bare(children, fake, database_url)
        settle(fake, children, outbox_drained(db), quiet=1.0)  # the duties the bot runs on start
        commands = Commands(fake, {"bot": bot.url, "bare": bare.url}, seeded.numbers_by_owner)

        def answered() -> bool:  # every quick entry sent to the bot has had its confirmation
            return fake.ok_count("response_url") >= len(commands.sent.get("bot", []))

        result = compare(["bot", "bare"], commands.build,
                         lambda target: settle(fake, children, answered) if target == "bot" else None,
                         users=args.users, requests=args.requests, rounds=args.rounds, seed=args.seed)
        with db.read() as session:
            keys = Counter(session.scalars(select(FollowUp.request_key)))
        stats = fake.stats()["methods"]
        db.dispose()
        children.stop_all()

        print(f"quick_entry: /followup quick-entry acknowledgement, database {dialect(database_url)}, "
              f"{seeded.count} customers of {len(REPS)} reps, {args.users} warm-up requests per target")
        failure = report_comparison(result, users=args.users, requests=args.requests, rounds=args.rounds,
                                    seed=args.seed)
        sent = commands.sent.get("bot", [])
        missing = [t for t in sent if keys.get(f"command:{t}", 0) == 0]
        twice = [t for t in sent if keys.get(f"command:{t}", 0) > 1]
        extra = sum(keys.values()) - len(sent)
        print(f"follow-ups logged: {sum(keys.values())} for {len(sent)} commands "
              f"({'each exactly once' if not (missing or twice or extra) else 'MISMATCH'}); "
              f"Slack calls: " + ", ".join(f"{m} {c['ok']} ok/{c['failed']} failed" for m, c in sorted(stats.items())))

        if result.stuck:
            errors.append(f"stopped early: {result.stuck}")
        for name, check in (("bot", check_bot_reply), ("bare", lambda reply: None)):
            found = reply_problems(result.all_samples(name), check)
            if found:
                errors.append(f"{len(found)} {name} replies were wrong, e.g.:\n" + "\n".join(f"  {f}" for f in found[:5]))
        if missing or twice or extra:
            errors.append(f"follow-ups do not match the commands: {len(missing)} missing, {len(twice)} logged twice, "
                          f"{extra} more rows than commands")
        if stats.get("views.open") or any(c["failed"] for c in stats.values()):
            errors.append("quick entry fell back to the modal or a Slack call failed (see the Slack calls above)")
        if failure:
            errors.append(failure)
        return finish(children, errors, time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
