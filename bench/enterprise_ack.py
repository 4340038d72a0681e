"""The ack path under saturation for ``bench.enterprise``: New lead and quick entry on this checkout's
bot, on main before this work (a worktree, default /tmp/main-before at 47d8dfc) and on a bare Bolt app,
in the same run.

Each bot has a private database of its own (made by its own code: the older checkout has older
migrations); the bare app shares this checkout's. All three are driven alike: 20 users, no think
time, the same number of requests in alternating rounds; between rounds each bot finishes what it
does after acknowledging (the outbox drained, the quick entries answered). Throughput is requests
answered over the wall time of a round, summed over rounds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    REPS,
    TEAM_MEMBERS,
    Children,
    FakeSlackProcess,
    HttpRequest,
    Summary,
    drive,
    open_modal,
    outbox_drained,
    private_database,
    send,
    settle,
    split,
    start_bare,
    start_bot,
)
from bench.customers import migrated, seed_customers
from bench.lead_ack import Submissions
from bench.quick_entry import Commands
from storage.db import Database

USERS = 20
TARGET = 4.0
OWNERS = {"East China": ["U0REP1", "U0REP2"], "West Coast": ["U0REPW"]}
SEED_SCRIPT = """
import json, sys
from bench.customers import migrated, seed_customers
db, team_ids = migrated(sys.argv[1])
seeded = seed_customers(db, team_ids, json.loads(sys.argv[2]), count=int(sys.argv[3]), seed=1)
print(json.dumps(seeded.numbers_by_owner))
"""


def _seed_with(checkout: Path, url: str, count: int) -> dict[str, list[str]]:
    """Customers for quick entry, made by ``checkout``'s own code (its schema, its migrations)."""
    done = subprocess.run([sys.executable, "-c", SEED_SCRIPT, url, json.dumps(OWNERS), str(count)], cwd=checkout,
                          check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def ack_part(args: argparse.Namespace, report: Any) -> None:
    before = Path(args.main_before)
    if not (before / "app" / "cli.py").exists():
        report.check(False, f"ack path: no checkout of main before this work at {before}")
        print(f"ack path: not measured: make the comparison checkout with `git worktree add {before} 47d8dfc`")
        return
    commit = subprocess.run(["git", "-C", str(before), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"\n== the ack path under saturation ({USERS} users, no think time): this checkout "
          f"(serve --workers {_workers(args)}), main at {commit} "
          f"({before}), bare Bolt; {args.ack_requests} requests per target and path in 2 alternating rounds")
    for path in ("lead", "quick entry"):
        rates = _saturation(path, args, before)
        now, old, bare = (rates[t] for t in ("now", "before", "bare"))
        ratio = now[0] / old[0]
        verdict = report.check(ratio >= TARGET, f"{path}: {now[0]:.1f}/s is x{ratio:.2f} of main's {old[0]:.1f}/s")
        print(f"{path}: this checkout {now[0]:.1f}/s (p50 {now[1].p50:.0f} ms, p99 {now[1].p99:.0f} ms); main "
              f"{old[0]:.1f}/s (p50 {old[1].p50:.0f} ms, p99 {old[1].p99:.0f} ms); bare {bare[0]:.1f}/s; "
              f"x{ratio:.2f} of main (target >= x{TARGET:.0f}): {verdict}")


def _workers(args: argparse.Namespace) -> int:
    """This checkout's ``serve --workers``: as asked, else 2 on PostgreSQL (two cores here), 1 on SQLite."""
    if args.ack_workers is not None:
        return int(args.ack_workers)
    return 2 if (args.database_url or "").startswith("postgresql") else 1


def _saturation(path: str, args: argparse.Namespace, before: Path) -> dict[str, tuple[float, Summary]]:
    with (private_database(args.database_url) as url_now, private_database(args.database_url) as url_before,
          Children() as children):
        fake = FakeSlackProcess(children)
        numbers: dict[str, dict[str, list[str]]] = {}
        if path == "quick entry":
            db, team_ids = migrated(url_now)
            numbers["now"] = seed_customers(db, team_ids, OWNERS, count=100 * len(REPS), seed=1).numbers_by_owner
            db.dispose()
            numbers["before"] = _seed_with(before, url_before, 100 * len(REPS))
        bots = {"now": start_bot(children, fake, url_now, name="bot", workers=_workers(args)),
                "before": start_bot(children, fake, url_before, name="bot-main", checkout=before)}
        bare = start_bare(children, fake, url_now)
        dbs = {"now": Database(url_now), "before": Database(url_before)}
        for name in bots:
            settle(fake, children, outbox_drained(dbs[name]), quiet=1.0)
        builders: dict[str, Callable[[int], list[list[HttpRequest]]]] = {}
        sent: dict[str, int] = {"now": 0, "before": 0}
        if path == "lead":
            now_view = open_modal(bots["now"].url, fake, "/lead", user=TEAM_MEMBERS[0])
            old_view = open_modal(bots["before"].url, fake, "/lead", user=TEAM_MEMBERS[0])
            ours = Submissions(fake, now_view, {"now": bots["now"].url, "bare": bare.url})
            theirs = Submissions(fake, old_view, {"before": bots["before"].url})
            builders = {"now": lambda n: ours.build("now", n, USERS), "before": lambda n: theirs.build("before", n, USERS),
                        "bare": lambda n: ours.build("bare", n, USERS)}
        else:
            ours_c = Commands(fake, {"now": bots["now"].url, "bare": bare.url}, numbers["now"])
            theirs_c = Commands(fake, {"before": bots["before"].url}, numbers["before"])
            builders = {"now": lambda n: ours_c.build("now", n, USERS),
                        "before": lambda n: theirs_c.build("before", n, USERS),
                        "bare": lambda n: ours_c.build("bare", n, USERS)}

        def idle(target: str) -> None:
            if target in dbs:
                settle(fake, children, outbox_drained(dbs[target]), timeout=180)

        for target, build in builders.items():  # warm-up
            drive(build(USERS), send)
            idle(target)
        seconds = dict.fromkeys(builders, 0.0)
        answered = dict.fromkeys(builders, 0)
        latencies: dict[str, list[float]] = {t: [] for t in builders}
        for round_no, count in enumerate(split(args.ack_requests, 2)):
            order = list(builders) if round_no % 2 == 0 else list(reversed(builders))
            for target in order:
                samples, wall = drive(builders[target](count), send)
                seconds[target] += wall
                answered[target] += sum(1 for s in samples if s.reply is not None and s.reply.status == 200)
                latencies[target] += [s.seconds for s in samples]
                sent[target] = sent.get(target, 0) + count
                idle(target)
        for db in dbs.values():
            db.dispose()
        lost = {t: sent[t] - answered[t] for t in sent if sent[t] != answered[t]}
        if lost:
            print(f"  {path}: requests not answered 200: {lost}")
        return {t: (answered[t] / seconds[t], Summary.of(latencies[t])) for t in builders}
