"""Scoring every active customer for churn risk, at scale, against a one-query floor (DOMAIN §10).

On the generated organisation of ``bench.scale_data`` (1,000 reps, 100,000 customers, 2,000,000
follow-ups by default), in one run:

1. ``bot.services.churn.score_all(runtime, now)`` — the aggregation of the follow-ups and
   complaints the bot runs, then the pure score of every customer — median of 3 runs after a
   warm-up;
2. beside it, the floor: ONE hand-written SQL aggregation (``text()``) returning the same signals
   per active customer (contacts in the window and the window before, satisfaction, payment delay,
   competitor keywords, open and late complaints), every row fetched through the same engine.

Both must agree on every customer's contact counts. Target: the bot within 3× the floor. Then the
whole daily duty (``churn_duty``: scoring plus flagging and queuing the alerts) is timed once.

    python -m bench.churn_scoring
    python -m bench.churn_scoring --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from app.factory import slack_client
from bench.due_lists import run_on_scale_data, timed
from bench.scale_data import NOW, Scale, teams_config
from bot.runtime import Runtime
from bot.services.churn import churn_duty, score_all
from bot.services.directory import sync_directory
from bot.settings import Settings
from storage.db import Database

FLOOR = """
SELECT c.id,
       coalesce(f.recent, 0), coalesce(f.previous, 0), f.min_satisfaction, f.avg_satisfaction, f.payment_delay,
       coalesce(f.competitor, 0), coalesce(i.open_complaints, 0), coalesce(i.late_complaints, 0)
FROM customers c
LEFT JOIN (
    SELECT customer_id,
           sum(CASE WHEN occurred_at >= :window_start THEN 1 ELSE 0 END) AS recent,
           sum(CASE WHEN occurred_at >= :window_start THEN 0 ELSE 1 END) AS previous,
           min(CASE WHEN occurred_at >= :window_start THEN satisfaction END) AS min_satisfaction,
           avg(CASE WHEN occurred_at >= :window_start THEN satisfaction END) AS avg_satisfaction,
           max(CASE WHEN occurred_at >= :window_start THEN payment_delay_days END) AS payment_delay,
           max(CASE WHEN occurred_at >= :window_start AND ({mentions}) THEN 1 ELSE 0 END) AS competitor
    FROM followups
    WHERE occurred_at >= :previous_start AND occurred_at <= :now
    GROUP BY customer_id
) f ON f.customer_id = c.id
LEFT JOIN (
    SELECT customer_id, count(*) AS open_complaints,
           sum(CASE WHEN deadline_at < :now THEN 1 ELSE 0 END) AS late_complaints
    FROM issues WHERE complaint AND resolved_at IS NULL GROUP BY customer_id
) i ON i.customer_id = c.id
WHERE c.registration != 'rejected' AND c.paused = :false AND c.status != 'churned'
"""


def floor(db: Database, *, keywords: Sequence[str], window_days: int) -> list[Any]:
    mentions = " OR ".join(f"lower(notes) LIKE :k{i} OR lower(feedback) LIKE :k{i}" for i in range(len(keywords)))
    params: dict[str, Any] = {f"k{i}": f"%{k.casefold()}%" for i, k in enumerate(keywords)}
    window = timedelta(days=window_days)
    naive = NOW.replace(tzinfo=None)  # the columns hold naive UTC
    params |= {"now": naive, "window_start": naive - window, "previous_start": naive - 2 * window, "false": False}
    with db.engine.connect() as conn:
        return list(conn.execute(text(FLOOR.format(mentions=mentions or "1=0")), params))


def run(database_url: str, scale: Scale, *, runs: int) -> list[str]:
    failures: list[str] = []
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    db = Database(database_url)
    runtime = Runtime(config=teams_config(scale), db=db, slack=slack_client(Settings(_env_file=None)))  # type: ignore[call-arg]
    runtime.clock = lambda: NOW
    sync_directory(runtime)
    policy = runtime.config.teams[0].policy.churn
    print(f"\n== {dialect}: {scale.customers:,} customers, {scale.followups:,} follow-ups; instant {NOW.isoformat()}")

    def bot_path() -> list[Any]:
        return score_all(runtime, NOW)

    def floor_path() -> list[Any]:
        return floor(db, keywords=policy.competitor_keywords, window_days=policy.window_days)

    timed(bot_path), timed(floor_path)  # warm-up
    bot_times, floor_times = [], []
    for _ in range(runs):  # alternate, so machine noise hits both alike
        seconds, scored = timed(bot_path)
        bot_times.append(seconds)
        seconds, rows = timed(floor_path)
        floor_times.append(seconds)
    bot_median, floor_median = statistics.median(bot_times), statistics.median(floor_times)
    at_risk = sum(1 for s in scored if s.score.at_risk(policy))
    print(f"scored: {len(scored):,} active customers; at risk (≥ {policy.threshold}): {at_risk:,}")
    by_id = {row[0]: (int(row[1]), int(row[2]), int(row[6]), int(row[7])) for row in rows}
    mismatched = abs(len(by_id) - len(scored)) + sum(
        1 for s in scored
        if by_id.get(s.customer.id) != (s.signals.recent_contacts, s.signals.previous_contacts,
                                        int(s.signals.competitor_mentioned), s.signals.open_complaints))
    print(f"floor rows: {len(rows):,}; customers whose signals differ (or missing on either side): {mismatched}")
    if mismatched:
        failures.append(f"{dialect}: the floor and the bot scored different customers")
    print(f"score_all (bot):       median {bot_median:.3f} s of {runs} {[round(t, 3) for t in bot_times]}")
    print(f"floor (one SQL query): median {floor_median:.3f} s of {runs} {[round(t, 3) for t in floor_times]}")
    ratio = bot_median / floor_median
    ok = ratio <= 3
    print(f"ratio: {ratio:.2f}× the floor (target ≤ 3×): {'PASS' if ok else 'FAIL'}")
    if not ok:
        failures.append(f"{dialect}: score_all is {ratio:.2f}× the floor")
    seconds, flagged = timed(lambda: churn_duty(runtime, NOW))
    print(f"churn_duty (score, flag, queue alerts): {seconds:.3f} s, {flagged:,} customers flagged or cleared")
    db.dispose()
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    return run_on_scale_data("python -m bench.churn_scoring", __doc__ or "", run, argv, runs=3)


if __name__ == "__main__":
    sys.exit(main())
