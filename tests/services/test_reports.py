"""The monthly report's figures counted in the database (bot.services.reports over
storage.report_queries), on a small October in Shanghai made through the services, against the
numbers worked out by hand and against the pure definitions of bot.domain.reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain import reports as defs
from bot.domain.reports import Dims, Month, Rate
from bot.errors import UserFacingError
from bot.services import deals, reports
from bot.services.deals import DealInput
from storage.models import ChurnAlert, Customer, Deal, DueItem, FollowUp, Issue, StatusChange
from tests.services.support import ADMIN, REP, REP2, REPW, SUP, SUPW, Env, new_key

SH = ZoneInfo("Asia/Shanghai")
OCTOBER = Month(2026, 10)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> datetime:
    """A moment of 2026 in Shanghai (the team's time zone)."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def lead_at(env: Env, owner: str, company: str, when: datetime, **extra: object) -> int:
    env.clock.set(when)
    return env.lead(owner, company, acquired=when, **extra).customer_id


def followup_at(env: Env, author: str, customer_id: int, when: datetime, *, logged: datetime | None = None,
                **fields: object) -> None:
    env.clock.set(logged or when)
    env.followup(author, customer_id, at=when, **fields)


def approve(env: Env, *customer_ids: int) -> None:
    with env.runtime.db.write() as session:
        for customer_id in customer_ids:
            customer = session.get(Customer, customer_id)
            assert customer is not None
            customer.registration = "approved"


@pytest.fixture
def october(env: Env) -> dict[str, int]:
    """East China's October, worked out by hand in the test below.

    - Sep (before): Alpha (REP, grade A) acquired 30 Sep 23:30 — not new in October; won on 20 Sep.
    - Bravo (REP, B) acquired exactly 1 Oct 00:00 — new; interested, then negotiating in October.
    - Charlie (REP2) acquired 31 Oct 23:59 — new; Delta (REP2) 1 Nov 00:00 — not October.
    - Alpha signs again on 15 Oct (repurchase), then is lost to a competitor on 20 Oct (churned).
    """
    ids = {"alpha": lead_at(env, REP, "Alpha Ltd", at(30, 23, 30, month=9), region="Pudong")}
    approve(env, ids["alpha"])
    followup_at(env, REP, ids["alpha"], at(1, 9, month=9) + timedelta(days=29), stage="closing")
    env.clock.set(at(30, 23, 45, month=9))
    deals.record_deal(env.runtime, actor=env.actor(REP), customer_id=ids["alpha"], request_key=new_key("deal"),
                      data=DealInput(outcome="won", contract_number="HT-1", amount=Decimal(200000),
                                     signed_on=date(2026, 9, 20), delivered_on=date(2026, 9, 25)))
    ids["bravo"] = lead_at(env, REP, "Bravo Ltd", at(1, 0, 0))
    ids["charlie"] = lead_at(env, REP2, "Charlie Ltd", at(31, 23, 59), industry="Retail")
    ids["delta"] = lead_at(env, REP2, "Delta Ltd", at(1, 0, 0, month=11))
    ids["west"] = lead_at(env, REPW, "West Co", at(5, 10))
    with env.runtime.db.write() as session:
        for name, grade in (("alpha", "A"), ("bravo", "B")):
            customer = session.get(Customer, ids[name])
            assert customer is not None
            customer.grade = grade
    # Bravo: contacted on 2 Oct (on time, plans a call for 9 Oct), proposal on 10 Oct logged 30 h late,
    # a call on 31 Oct 23:00 logged on 1 Nov; satisfaction 4 and 2.
    followup_at(env, REP, ids["bravo"], at(2, 10), stage="initial_contact", next_step_at=at(9, 10),
                next_step="call back")
    followup_at(env, REP, ids["bravo"], at(10, 9), logged=at(11, 15), stage="proposal", satisfaction=4)
    followup_at(env, REP, ids["bravo"], at(31, 23), logged=at(1, 1, month=11), satisfaction=2,
                next_step_at=at(3, 10, month=11), next_step="visit")
    # Charlie: SUP logs a call for REP2's customer on 31 Oct 23:59:30 with a next step on 31 Oct 23:59:50 never met.
    followup_at(env, SUP, ids["charlie"], at(31, 23, 59) + timedelta(seconds=30),
                next_step_at=at(31, 23, 59) + timedelta(seconds=50), next_step="email")
    env.clock.set(at(15, 11))
    deals.record_deal(env.runtime, actor=env.actor(REP), customer_id=ids["alpha"], request_key=new_key("deal"),
                      data=DealInput(outcome="won", contract_number="HT-2", amount=Decimal(500000),
                                     signed_on=date(2026, 10, 15), delivered_on=date(2026, 10, 16)))
    env.clock.set(at(20, 16))
    deals.record_deal(env.runtime, actor=env.actor(REP), customer_id=ids["alpha"], request_key=new_key("deal"),
                      data=DealInput(outcome="lost", failure_reasons=("competitor",)))
    with env.runtime.db.write() as session:
        # a re-grade item due 12 Oct met by nothing; a revisit due 31 Oct 09:00 closed on 1 Nov 08:00 (in grace)
        session.add(DueItem(key="t:1", customer_id=ids["bravo"], owner_id=REP, kind="regrade", due_at=at(12, 9),
                            created_at=at(11, 9), note="2026Q4"))
        session.add(DueItem(key="t:2", customer_id=ids["charlie"], owner_id=REP2, kind="revisit_1m",
                            due_at=at(31, 9), created_at=at(31, 8), done_at=at(1, 8, month=11), note="x"))
        # complaints: one answered in time, one answered late, one due 1 Nov (November's), one solution in time
        for number, (deadline, responded, resolved, kind, score) in enumerate((
                (at(3, 12), at(3, 11), None, "response", None),
                (at(4, 12), at(4, 13), at(5, 9), "response", 5),
                (at(1, 0, 0, month=11), None, None, "response", None),
                (at(30, 12), at(28, 9), at(30, 11), "solution", None))):
            session.add(Issue(number=f"IS-T-{number}", customer_id=ids["bravo"], category="quality", complaint=True,
                              severity="normal", description="x", reported_by=REP, reported_at=deadline - timedelta(hours=2),
                              deadline_kind=kind, deadline_at=deadline, responded_at=responded, resolved_at=resolved,
                              satisfaction=score))
        # warnings closed: one retained in October, one churned in October, one retained on 1 Nov
        for closed, outcome in ((at(8, 10), "retained"), (at(21, 10), "churned"), (at(1, 0, 0, month=11), "retained")):
            session.add(ChurnAlert(customer_id=ids["bravo"], score=60, signals=[], raised_at=closed - timedelta(days=3),
                                   closed_at=closed, outcome=outcome))
    env.clock.set(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    return ids


def east(env: Env, month: Month = OCTOBER, rep: str | None = None) -> defs.TeamFigures:
    return reports.team_figures(env.runtime, reports.Section(env.runtime.config.team("East China"), rep=rep), month)


def test_each_figure_of_a_team_month_counted_by_hand(env: Env, october: dict[str, int]) -> None:
    figures = east(env)
    assert (figures.start, figures.end, figures.partial) == (at(1, 0, 0), at(1, 0, 0, month=11), False)
    # new: Bravo (1 Oct 00:00) and Charlie (31 Oct 23:59); not Alpha (30 Sep), not Delta (1 Nov)
    assert figures.new_total == 2
    assert figures.new_by("rep") == {REP: 1, REP2: 1}
    # at the month's end: Alpha churned (lost on 20 Oct), Bravo negotiating, Charlie a lead; Delta not yet
    assert figures.by_status == {"churned": 1, "negotiating": 1, "lead": 1}
    assert figures.by_grade == {"B": 1, None: 1}
    # funnel by the end: Alpha reached won (Sep), Bravo negotiating (via interested, proposal jumps
    # needs confirmed), Charlie lead. Entered in October: Bravo and Charlie as leads, Bravo onwards.
    reached = {step.status: (step.reached, step.entered) for step in figures.funnel}
    assert reached == {"lead": (3, 2), "interested": (2, 1), "needs_confirmed": (2, 1), "negotiating": (2, 1),
                       "intent_confirmed": (1, 0), "won": (1, 0)}
    assert figures.funnel[0].onward == Rate(2, 3)
    # one won deal signed 15 Oct: 500,000, cycle 15 days (30 Sep → 15 Oct in Shanghai)
    won = figures.deals_total
    assert (won.count, won.total, won.average, won.median_cycle, won.mean_cycle) == (
        1, Decimal(500000), Decimal(500000), 15.0, 15.0)
    # churn: Alpha was maintaining on 1 Oct and churned by 1 Nov
    assert figures.rate("churn") == Rate(1, 1)
    assert figures.rate("saved") == Rate(1, 2)
    assert figures.rate("repurchase") == Rate(1, 1)
    # due: Bravo's call (9 Oct, met by the 10 Oct proposal), Charlie's email (31 Oct 23:59:50, never met),
    # the re-grade (12 Oct, never), the revisit (31 Oct 09:00, closed 1 Nov 08:00 within 24 h), and
    # Alpha's after-sales revisits due in October (7 working days after the 25 Sep and 16 Oct
    # deliveries, 1 month after 25 Sep), never met: Alpha was not contacted again
    assert figures.rate("on_time") == Rate(2, 7)
    assert figures.rate_by("on_time", "rep") == {REP: Rate(1, 5), REP2: Rate(1, 2)}
    # logging: Bravo's 2 Oct (on time), 10 Oct (late), 31 Oct 23:00 (on time, logged 1 Nov), Charlie's
    # by SUP (on time); Alpha's was in September. By author.
    assert figures.rate("logging") == Rate(3, 4)
    assert figures.rate_by("logging", "rep") == {REP: Rate(2, 3), SUP: Rate(1, 1)}
    assert figures.rate("issues") == Rate(2, 3)
    assert figures.satisfaction_total == defs.Average(Decimal(11), 3)  # 4 and 2 on follow-ups, 5 on an issue
    assert figures.rate_by("churn", "region") == {"Pudong": Rate(1, 1)}
    assert figures.new_by("industry") == {"Manufacturing": 1, "Retail": 1}
    assert sum(figures.new_by_week.values()) == 2 and sum(figures.churned_by_week.values()) == 1


def test_a_reps_own_figures_leave_everyone_else_out(env: Env, october: dict[str, int]) -> None:
    mine = east(env, rep=REP2)
    assert mine.new_total == 1 and mine.by_status == {"lead": 1}
    assert mine.rate("logging") == Rate(0, 0)  # Charlie's follow-up was logged by the supervisor
    assert mine.rate("on_time") == Rate(1, 2)
    assert mine.deals_total.count == 0
    assert set(mine.reps()) == {REP2}


def test_the_sql_counts_what_the_definitions_say(env: Env, october: dict[str, int]) -> None:
    """Every figure again through the pure functions of bot.domain.reports over the same rows."""
    figures = east(env)
    bounds = defs.month_bounds(OCTOBER, "Asia/Shanghai")
    team_id = env.runtime.team_ids["East China"]
    with env.runtime.db.read() as session:
        customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.team_id == team_id))}

        def dims(customer_id: int) -> Dims:
            c = customers[customer_id]
            return Dims(c.owner_id, c.grade, c.industry, c.region)

        history: dict[int, list[tuple[datetime, str]]] = {}
        for step in session.scalars(select(StatusChange)):
            history.setdefault(step.customer_id, []).append((step.changed_at, step.to_status))
        records = [defs.CustomerRecord(dims(c.id), c.acquired_at, c.created_at, c.status, tuple(history.get(c.id, ())))
                   for c in customers.values()]
        followups = [defs.FollowUpRecord(f.customer_id, f.author_id, dims(f.customer_id), f.occurred_at, f.late,
                                         f.next_step_at, f.satisfaction)
                     for f in session.scalars(select(FollowUp)) if f.customer_id in customers]
        deal_rows = [defs.DealRecord(d.customer_id, dims(d.customer_id), d.outcome, d.closed_on, d.amount,
                                     d.deal_cycle_days) for d in session.scalars(select(Deal))]
        items = [defs.DueItemRecord(i.customer_id, dims(i.customer_id), i.created_at, i.due_at, i.done_at)
                 for i in session.scalars(select(DueItem))]
        issues = [defs.IssueRecord(dims(i.customer_id), i.deadline_kind, i.deadline_at, i.responded_at, i.resolved_at,
                                   i.satisfaction) for i in session.scalars(select(Issue))]
        alerts = [defs.AlertRecord(dims(a.customer_id), a.closed_at, a.outcome) for a in session.scalars(select(ChurnAlert))]
    assert figures.new == dict(defs.new_customers(records, bounds))
    assert figures.by_status == dict(defs.by_status_at_end(records, bounds))
    assert figures.by_grade == dict(defs.by_grade_at_end(records, bounds))
    assert figures.funnel == defs.funnel(records, bounds)
    assert figures.deals == defs.deals_won(deal_rows, OCTOBER)
    assert figures.churn == defs.churn_rate(records, bounds)
    assert figures.saved == defs.warnings_saved(alerts, bounds)
    assert figures.repurchase == defs.repurchase_rate(deal_rows, OCTOBER)
    assert figures.on_time == defs.on_time_followups(followups, items, bounds, grace=timedelta(hours=24))
    assert figures.logging == defs.logging_compliance(followups, bounds)
    assert figures.issues == defs.issue_timeliness(issues, bounds)
    assert figures.satisfaction == defs.satisfaction(followups, issues, bounds)
    assert figures.churned_by_week == defs.by_week(defs.churned_at(records, bounds), bounds)


@pytest.mark.parametrize(("user", "sections"), [
    (REP, [("East China", REP)]),
    (SUP, [("East China", None)]),
    (SUPW, [("West Coast", None)]),
    (ADMIN, [("East China", None), ("West Coast", None)]),
])
def test_who_gets_which_sections(env: Env, user: str, sections: list[tuple[str, str | None]]) -> None:
    assert [(s.team.name, s.rep) for s in reports.sections_for(env.runtime, env.actor(user))] == sections


@pytest.mark.parametrize(("text", "problem"), [
    ("october", "report_bad_month"), ("2026-13", "report_bad_month"), ("2026-1", "report_bad_month"),
    ("2026-12", "report_future_month"), ("2026-08", "report_before_team"),
])
def test_months_that_have_no_report(env: Env, october: dict[str, int], text: str, problem: str) -> None:
    with pytest.raises(UserFacingError) as refused:
        reports.choose_month(env.runtime, env.actor(SUP), text)
    assert refused.value.key == problem


def test_the_default_is_the_last_full_month_and_the_current_one_runs_to_now(env: Env,
                                                                              october: dict[str, int]) -> None:
    month, sections = reports.choose_month(env.runtime, env.actor(SUP), "")
    assert month == OCTOBER and [s.team.name for s in sections] == ["East China"]
    month, _ = reports.choose_month(env.runtime, env.actor(SUP), "2026-11")
    november = east(env, month)
    assert november.partial and november.end == env.now
    assert november.new_total == 1  # Delta


def test_the_monthly_duty_queues_each_teams_report_once(env: Env, october: dict[str, int]) -> None:
    first_working_day = datetime(2026, 11, 2, 9, 0, tzinfo=SH)  # 1 Nov 2026 is a Sunday
    env.clock.set(first_working_day - timedelta(minutes=1))
    assert reports.monthly_reports(env.runtime, env.now) == 0
    env.clock.set(first_working_day)
    assert reports.monthly_reports(env.runtime, env.now) == 2  # East China: summary and charts
    assert reports.monthly_reports(env.runtime, env.now + timedelta(hours=3)) == 0
    queued = env.outbox("report:")
    assert sorted(queued) == ["report:East China:2026-10:charts", "report:East China:2026-10:summary"]
    charts = queued["report:East China:2026-10:charts"]
    assert (charts.channel, charts.method) == ("C0EAST", "files.upload")
    assert [f["filename"] for f in charts.payload["files"]] == [
        "funnel-2026-10.png", "grades-2026-10.png", "follow-up-rates-2026-10.png", "new-vs-churned-2026-10.png"]
    summary = queued["report:East China:2026-10:summary"]
    assert summary.channel == "C0EAST" and "Monthly report · 2026-10" in summary.payload["text"]
    # West Coast had no customer in October (its first came in November? no: on 5 Oct) — it is in Los Angeles,
    # where 2 Nov 09:00 comes later: nothing yet.
    west_morning = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert reports.monthly_reports(env.runtime, west_morning) == 2
    assert reports.monthly_reports(env.runtime, west_morning) == 0
    assert "report:West Coast:2026-10:summary" in env.outbox("report:")


def test_a_due_item_closed_exactly_at_the_end_of_its_grace_is_on_time(env: Env, october: dict[str, int]) -> None:
    """To the microsecond, on SQLite (text timestamps) as on PostgreSQL."""
    due = at(20, 9) + timedelta(microseconds=123456)
    with env.runtime.db.write() as session:
        session.add(DueItem(key="t:exact", customer_id=october["charlie"], owner_id=REP2, kind="regrade", due_at=due,
                            created_at=at(31, 23, 59, month=10) + timedelta(seconds=59), done_at=due + timedelta(hours=24),
                            note="x"))
        session.add(DueItem(key="t:late", customer_id=october["charlie"], owner_id=REP2, kind="regrade", due_at=due,
                            created_at=at(31, 23, 59, month=10) + timedelta(seconds=59),
                            done_at=due + timedelta(hours=24, microseconds=1), note="y"))
    assert east(env, rep=REP2).rate("on_time") == Rate(2, 4)  # the exact one met, the one a microsecond late not
