"""The monthly report for all teams, at scale, against a floor of hand-written SQL (DOMAIN §13).

On the generated organisation of ``bench.scale_data`` (1,000 reps in 10 teams, 100,000 customers,
2,000,000 follow-ups by default), enriched for this run with what a report counts and the scale
data does not hold: a stage history for every customer (a walk up the funnel to its status today,
some steps skipped, about 4 steps a customer), won deals (and repurchases) for the customers that
reached won, 6,000 complaints and issues, 3,000 churn warnings. In one run:

1. the bot: an admin's ``/followup report`` for last month (October 2026, the data set's NOW being
   23 Nov 2026): ``bot.services.reports.choose_month`` and ``build`` — every figure of the 10 teams
   (SQL aggregates a team at a time, in the team's time zone), the Block Kit messages and the four
   PNG charts; median of 3 runs after a warm-up, with the figures alone timed too;
2. the floor: the same figures by hand-written SQL (``text()``), one statement per figure for all
   teams at once (grouped by team; every generated team is in Asia/Shanghai, so one month window
   serves them all), every row fetched through the same engine.

Both must agree on every team's figures. Targets: the bot, charts included, within 2× the floor,
and under 10 s on PostgreSQL.

    python -m bench.reports
    python -m bench.reports --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text

from app.factory import slack_client
from bench.due_lists import run_on_scale_data, timed
from bench.scale_data import NOW, TIMEZONE, Scale, _bulk, teams_config
from bot.domain.reports import FUNNEL, RANK, Month, TeamFigures, month_bounds
from bot.runtime import Runtime
from bot.services import reports
from bot.services.directory import resolve_actor, sync_directory
from bot.settings import Settings
from storage.db import Database
from storage.models import ChurnAlert, Deal, Issue, StatusChange

MONTH = Month(2026, 10)
ADMIN = "U0SCALEADMIN"
DAY = 86400.0


# The report's extra data -------------------------------------------------------------------------


def _utc(posix: float) -> datetime:
    return datetime.fromtimestamp(posix, UTC)


def enrich(db: Database, *, seed: int = 2026) -> dict[str, int]:
    """Stage histories, deals, issues and churn warnings for the generated customers."""
    rng = random.Random(seed)
    now = NOW.timestamp()
    with db.engine.connect() as conn:
        customers = [(cid, status, (created if isinstance(created, datetime) else
                                    datetime.fromisoformat(str(created))).replace(tzinfo=UTC).timestamp())
                     for cid, status, created in conn.execute(text(
                         "SELECT id, status, created_at FROM customers WHERE registration != 'rejected' ORDER BY id"))]
    history: list[tuple[Any, ...]] = []
    deals: list[tuple[Any, ...]] = []
    for cid, status, created in customers:
        top = RANK.get(status, rng.randrange(len(FUNNEL)))
        path = [s for i, s in enumerate(FUNNEL[: top + 1]) if i in (0, top) or rng.random() > 0.2]
        if status == "maintaining":
            path.append("maintaining")
        if status == "churned":
            path.append("churned")
        span = max(now - created, DAY)
        times = sorted(created + span * rng.random() for _ in path[1:])
        previous = None
        for step, when in zip(path, [created, *times], strict=True):
            history.append((cid, previous, step, "U0SCALEADMIN", _utc(when), None))
            previous = step
            if step == "won":
                signed = _utc(when).astimezone(NOW.tzinfo).date()
                deals.append(_deal(cid, signed, int((when - created) // DAY), rng))
                if rng.random() < 0.15 and when + 30 * DAY < now:  # a repurchase later on
                    again = when + rng.uniform(30, (now - when) / DAY) * DAY
                    deals.append(_deal(cid, _utc(again).date(), int((again - created) // DAY), rng))
    issues: list[tuple[Any, ...]] = []
    for n, cid in enumerate(rng.sample([c[0] for c in customers], 6000)):
        reported = now - rng.uniform(1, 200) * DAY
        kind = "solution" if rng.random() < 0.3 else "response"
        deadline = reported + (48 if kind == "solution" else rng.choice((2, 24))) * 3600
        responded = reported + rng.uniform(0.2, 30) * 3600 if rng.random() < 0.85 else None
        resolved = (responded or reported) + rng.uniform(1, 60) * 3600 if rng.random() < 0.6 else None
        issues.append((f"IS-B-{n:05d}", cid, "quality", rng.random() < 0.5, "complex" if kind == "solution" else "normal",
                       "bench issue", "U0SCALEADMIN", _utc(reported), kind, _utc(deadline),
                       _utc(responded) if responded else None, _utc(resolved) if resolved else None,
                       rng.randint(1, 5) if resolved and rng.random() < 0.7 else None))
    alerts: list[tuple[Any, ...]] = []
    for cid in rng.sample([c[0] for c in customers], 3000):
        raised = now - rng.uniform(1, 200) * DAY
        closed = raised + rng.uniform(1, 30) * DAY if rng.random() < 0.7 else None
        outcome = rng.choice(("retained", "repurchase", "churned")) if closed and closed < now else None
        alerts.append((cid, 60.0, [], _utc(raised), _utc(closed) if outcome else None, outcome))
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        _bulk(conn, StatusChange.__table__, history,
              columns=("customer_id", "from_status", "to_status", "changed_by", "changed_at", "reason"))
        _bulk(conn, Deal.__table__, deals, columns=(
            "customer_id", "outcome", "contract_number", "amount", "signed_on", "closed_on", "deal_cycle_days",
            "success_factors", "failure_reasons", "recorded_by", "recorded_at"))
        _bulk(conn, Issue.__table__, issues, columns=(
            "number", "customer_id", "category", "complaint", "severity", "description", "reported_by", "reported_at",
            "deadline_kind", "deadline_at", "responded_at", "resolved_at", "satisfaction"))
        _bulk(conn, ChurnAlert.__table__, alerts,
              columns=("customer_id", "score", "signals", "raised_at", "closed_at", "outcome"))
    if postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("status_history", "deals", "issues", "churn_alerts"):
                conn.execute(text(f"ANALYZE {table}"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {"status steps": len(history), "deals": len(deals), "issues": len(issues), "churn warnings": len(alerts)}


def _deal(cid: int, signed: date, cycle: int, rng: random.Random) -> tuple[Any, ...]:
    return (cid, "won", f"HT-{cid}-{signed.isoformat()}", rng.randrange(50, 800) * 1000, signed.isoformat(),
            signed.isoformat(), max(cycle, 0), [], [], "U0SCALEADMIN", NOW)


# The floor ----------------------------------------------------------------------------------------

RANK_CASE = "CASE " + " ".join(f"WHEN to_status = '{s}' THEN {r}" for s, r in RANK.items()) + " END"
LIVE = "c.registration != 'rejected'"
SNAPSHOT = f"""
WITH r AS (
    SELECT customer_id, max(CASE WHEN changed_at < :start THEN {RANK_CASE} END) AS r0,
           max(CASE WHEN changed_at < :end THEN {RANK_CASE} END) AS r1
    FROM status_history GROUP BY customer_id),
s0 AS (SELECT customer_id, to_status FROM (
    SELECT customer_id, to_status, row_number() OVER (PARTITION BY customer_id ORDER BY changed_at DESC, id DESC) AS n
    FROM status_history WHERE changed_at < :start) x WHERE n = 1),
s1 AS (SELECT customer_id, to_status FROM (
    SELECT customer_id, to_status, row_number() OVER (PARTITION BY customer_id ORDER BY changed_at DESC, id DESC) AS n
    FROM status_history WHERE changed_at < :end) x WHERE n = 1),
snap AS (
    SELECT c.team_id, c.owner_id, c.grade, c.industry, c.region, r.r0, r.r1,
           CASE WHEN r.customer_id IS NULL THEN CASE WHEN c.created_at < :start THEN c.status END ELSE s0.to_status END AS st0,
           CASE WHEN r.customer_id IS NULL THEN CASE WHEN c.created_at < :end THEN c.status END ELSE s1.to_status END AS st1
    FROM customers c LEFT JOIN r ON r.customer_id = c.id LEFT JOIN s0 ON s0.customer_id = c.id
    LEFT JOIN s1 ON s1.customer_id = c.id WHERE {LIVE})
"""
DIMS = "c.team_id, c.owner_id, c.grade, c.industry, c.region"
FLOOR = {
    "new": f"SELECT {DIMS}, count(*) FROM customers c WHERE {LIVE} AND c.acquired_at >= :start AND c.acquired_at < :end "
           f"GROUP BY {DIMS}",
    "snapshot": SNAPSHOT + "SELECT team_id, grade, st0, st1, r0, r1, count(*) FROM snap GROUP BY team_id, grade, st0, st1, r0, r1",
    "churn": SNAPSHOT + "SELECT team_id, owner_id, grade, industry, region, count(*), "
                        "sum(CASE WHEN st1 = 'churned' THEN 1 ELSE 0 END) FROM snap "
                        "WHERE st0 IN ('won', 'maintaining') GROUP BY team_id, owner_id, grade, industry, region",
    "churn_steps": f"SELECT c.team_id, h.changed_at FROM status_history h JOIN customers c ON c.id = h.customer_id "
                   f"WHERE {LIVE} AND h.to_status = 'churned' AND h.changed_at >= :start AND h.changed_at < :end",
    "deals": f"SELECT {DIMS}, d.amount, d.deal_cycle_days FROM deals d JOIN customers c ON c.id = d.customer_id "
             f"WHERE {LIVE} AND d.outcome = 'won' AND d.closed_on >= :first AND d.closed_on <= :last",
    "repurchase": f"SELECT {DIMS}, count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM deals a WHERE a.customer_id = c.id "
                  f"AND a.outcome = 'won' AND a.closed_on >= :first AND a.closed_on <= :last) THEN 1 ELSE 0 END) "
                  f"FROM customers c WHERE {LIVE} AND EXISTS (SELECT 1 FROM deals b WHERE b.customer_id = c.id AND "
                  f"b.outcome = 'won' AND b.closed_on < :first) GROUP BY {DIMS}",
    "saved": f"SELECT {DIMS}, count(*), sum(CASE WHEN a.outcome IN ('retained', 'repurchase') THEN 1 ELSE 0 END) "
             f"FROM churn_alerts a JOIN customers c ON c.id = a.customer_id WHERE {LIVE} AND a.closed_at >= :start "
             f"AND a.closed_at < :end GROUP BY {DIMS}",
    "on_time": f"""SELECT team_id, owner_id, grade, industry, region, count(*), sum(met) FROM (
        SELECT {DIMS}, CASE WHEN EXISTS (SELECT 1 FROM followups g WHERE g.customer_id = f.customer_id
            AND g.occurred_at > f.occurred_at AND g.occurred_at <= {{step_due}}) THEN 1 ELSE 0 END AS met
        FROM followups f JOIN customers c ON c.id = f.customer_id
        WHERE {LIVE} AND f.next_step_at >= :start AND f.next_step_at < :end AND f.occurred_at < :end
        UNION ALL
        SELECT {DIMS}, CASE WHEN (i.done_at IS NOT NULL AND i.done_at <= {{item_due}}) OR EXISTS (SELECT 1 FROM
            followups g WHERE g.customer_id = i.customer_id AND g.occurred_at > i.created_at
            AND g.occurred_at <= {{item_due}}) THEN 1 ELSE 0 END
        FROM due_items i JOIN customers c ON c.id = i.customer_id
        WHERE {LIVE} AND i.due_at >= :start AND i.due_at < :end) x
        GROUP BY team_id, owner_id, grade, industry, region""",
    "logging": f"SELECT c.team_id, f.author_id, c.grade, c.industry, c.region, count(*), "
               f"sum(CASE WHEN f.late THEN 0 ELSE 1 END) FROM followups f JOIN customers c ON c.id = f.customer_id "
               f"WHERE {LIVE} AND f.occurred_at >= :start AND f.occurred_at < :end "
               f"GROUP BY c.team_id, f.author_id, c.grade, c.industry, c.region",
    "satisfaction": f"""SELECT team_id, owner_id, grade, industry, region, sum(score), count(*) FROM (
        SELECT {DIMS}, f.satisfaction AS score FROM followups f JOIN customers c ON c.id = f.customer_id
        WHERE {LIVE} AND f.occurred_at >= :start AND f.occurred_at < :end AND f.satisfaction IS NOT NULL
        UNION ALL
        SELECT {DIMS}, i.satisfaction FROM issues i JOIN customers c ON c.id = i.customer_id
        WHERE {LIVE} AND i.resolved_at >= :start AND i.resolved_at < :end AND i.satisfaction IS NOT NULL) x
        GROUP BY team_id, owner_id, grade, industry, region""",
    "issues": f"SELECT {DIMS}, count(*), sum(CASE WHEN (CASE WHEN i.deadline_kind = 'solution' THEN i.resolved_at "
              f"ELSE coalesce(i.responded_at, i.resolved_at) END) <= i.deadline_at THEN 1 ELSE 0 END) "
              f"FROM issues i JOIN customers c ON c.id = i.customer_id WHERE {LIVE} AND i.deadline_at >= :start "
              f"AND i.deadline_at < :end GROUP BY {DIMS}",
}


def floor(db: Database, *, grace_hours: int) -> dict[str, list[Any]]:
    start, end = month_bounds(MONTH, TIMEZONE)
    postgres = db.engine.dialect.name == "postgresql"

    def instant(at: datetime) -> Any:
        naive = at.astimezone(UTC).replace(tzinfo=None)
        return naive if postgres else naive.isoformat(" ", "microseconds")

    def plus(column: str) -> str:
        return (f"{column} + interval '{grace_hours} hours'" if postgres else
                f"strftime('%Y-%m-%d %H:%M:%S', {column}, '+{grace_hours} hours') || substr({column}, 20, 7)")

    params = {"start": instant(start), "end": instant(end), "first": MONTH.first_day.isoformat(),
              "last": MONTH.last_day.isoformat()}
    if postgres:
        params |= {"first": MONTH.first_day, "last": MONTH.last_day}
    found: dict[str, list[Any]] = {}
    with db.engine.connect() as conn:
        for name, sql in FLOOR.items():
            sql = sql.replace("{step_due}", plus("f.next_step_at")).replace("{item_due}", plus("i.due_at"))
            found[name] = list(conn.execute(text(sql), params))
    return found


# Comparing --------------------------------------------------------------------------------------------


def bot_totals(teams: list[TeamFigures]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in teams:
        deals = f.deals_total
        out[f.team] = {
            "new": f.new_total, "by_status": dict(f.by_status), "funnel": [s.reached for s in f.funnel],
            "deals": (deals.count, int(deals.total)), "churn": tuple(vars(f.rate("churn")).values()),
            "saved": tuple(vars(f.rate("saved")).values()), "repurchase": tuple(vars(f.rate("repurchase")).values()),
            "on_time": tuple(vars(f.rate("on_time")).values()), "logging": tuple(vars(f.rate("logging")).values()),
            "issues": tuple(vars(f.rate("issues")).values()),
            "satisfaction": (int(f.satisfaction_total.total), f.satisfaction_total.count),
            "churned": sum(f.churned_by_week.values()),
        }
    return out


def floor_totals(rows: dict[str, list[Any]], names: dict[int, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {name: {} for name in names.values()}

    def rate(figure: str, part: int = 6, whole: int = 5) -> None:
        sums: Counter[str] = Counter()
        wholes: Counter[str] = Counter()
        for row in rows[figure]:
            sums[names[row[0]]] += int(row[part] or 0)
            wholes[names[row[0]]] += int(row[whole])
        for team in out:
            out[team][figure] = (sums[team], wholes[team])

    news: Counter[str] = Counter()
    for row in rows["new"]:
        news[names[row[0]]] += int(row[5])
    status: dict[str, Counter[str]] = {team: Counter() for team in out}
    reached: dict[str, list[int]] = {team: [0] * len(FUNNEL) for team in out}
    for team_id, _grade, _s0, s1, _r0, r1, n in rows["snapshot"]:
        if s1 is not None:
            status[names[team_id]][s1] += n
        for r in range(len(FUNNEL)):
            if r1 is not None and r1 >= r:
                reached[names[team_id]][r] += n
    deals: dict[str, list[int]] = {team: [0, 0] for team in out}
    for row in rows["deals"]:
        deals[names[row[0]]][0] += 1
        deals[names[row[0]]][1] += int(row[5] or 0)
    churned = Counter(names[row[0]] for row in rows["churn_steps"])
    for team in out:
        out[team] |= {"new": news[team], "by_status": dict(status[team]), "funnel": reached[team],
                      "deals": tuple(deals[team]), "churned": churned[team]}
    for figure in ("churn", "saved", "repurchase", "on_time", "logging", "issues"):
        rate(figure)
    sat: dict[str, list[int]] = {team: [0, 0] for team in out}
    for row in rows["satisfaction"]:
        sat[names[row[0]]][0] += int(row[5] or 0)
        sat[names[row[0]]][1] += int(row[6])
    for team in out:
        out[team]["satisfaction"] = tuple(sat[team])
        for figure in ("churn", "saved", "repurchase", "on_time", "logging", "issues"):
            part, whole = out[team][figure]
            out[team][figure] = (part, whole)
    return out


def run(database_url: str, scale: Scale, *, runs: int) -> list[str]:
    failures: list[str] = []
    dialect = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    db = Database(database_url)
    mark = time.perf_counter()
    added = enrich(db)
    print(f"\n== {dialect}: report data added in {time.perf_counter() - mark:.1f} s: "
          + ", ".join(f"{n:,} {what}" for what, n in added.items()))
    runtime = Runtime(config=teams_config(scale), db=db, slack=slack_client(Settings(_env_file=None)))  # type: ignore[call-arg]
    runtime.clock = lambda: NOW
    sync_directory(runtime)
    admin = resolve_actor(runtime.config, ADMIN)
    assert admin is not None
    grace = runtime.config.teams[0].policy.deadlines.next_step_grace_hours
    names = {team_id: name for name, team_id in runtime.team_ids.items()}

    def figures_only() -> list[TeamFigures]:
        month, sections = reports.choose_month(runtime, admin, str(MONTH))
        return reports.figures_for(runtime, sections, month)

    def whole_report() -> reports.Built:
        month, sections = reports.choose_month(runtime, admin, "")
        return reports.build(runtime, admin, month, sections, "en")

    def floor_path() -> dict[str, list[Any]]:
        return floor(db, grace_hours=grace)

    timed(whole_report), timed(floor_path)  # warm-up
    bot_times, figure_times, floor_times = [], [], []
    for _ in range(runs):  # alternate, so machine noise hits both alike
        seconds, built = timed(whole_report)
        bot_times.append(seconds)
        seconds, teams = timed(figures_only)
        figure_times.append(seconds)
        seconds, rows = timed(floor_path)
        floor_times.append(seconds)
    bot_median, figures_median, floor_median = (statistics.median(x) for x in (bot_times, figure_times, floor_times))
    ours, theirs = bot_totals(teams), floor_totals(rows, names)
    differ = [team for team in ours if ours[team] != theirs.get(team)]
    sample = ours[sorted(ours)[0]]
    print(f"month {MONTH}: {len(teams)} teams; {sorted(ours)[0]}: new {sample['new']}, deals {sample['deals']}, "
          f"on time {sample['on_time']}, 24-h {sample['logging']}, churn {sample['churn']}, funnel {sample['funnel']}")
    print(f"messages: {len(built.messages)} ({sum(len(b) for _, b in built.messages)} blocks); charts: "
          f"{len(built.charts)} PNG, {sum(len(c.png) for c in built.charts) / 1024:.0f} KB")
    print(f"teams whose figures differ between the bot and the floor: {len(differ)}")
    for team in differ[:3]:
        print(f"  {team}: bot {ours[team]}\n  {' ' * len(team)}  floor {theirs.get(team)}")
    if differ:
        failures.append(f"{dialect}: the bot and the floor disagree on {len(differ)} teams")
    print(f"report, charts included (bot): median {bot_median:.3f} s of {runs} {[round(t, 3) for t in bot_times]}")
    print(f"figures only (bot):            median {figures_median:.3f} s of {runs} {[round(t, 3) for t in figure_times]}")
    print(f"floor (hand-written SQL):      median {floor_median:.3f} s of {runs} {[round(t, 3) for t in floor_times]}")
    ratio, figures_ratio = bot_median / floor_median, figures_median / floor_median
    ok = ratio <= 2
    print(f"ratio: {ratio:.2f}× the floor with charts, {figures_ratio:.2f}× without (target ≤ 2× with charts): "
          f"{'PASS' if ok else 'FAIL'}")
    if not ok:
        failures.append(f"{dialect}: the report is {ratio:.2f}× the floor")
    if dialect == "postgresql":
        fast = bot_median < 10
        print(f"report under 10 s on PostgreSQL: {bot_median:.2f} s: {'PASS' if fast else 'FAIL'}")
        if not fast:
            failures.append(f"{dialect}: the report takes {bot_median:.2f} s")
    db.dispose()
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    return run_on_scale_data("python -m bench.reports", __doc__ or "", run, argv, runs=3)


if __name__ == "__main__":
    sys.exit(main())
