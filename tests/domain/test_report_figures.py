"""Each figure of the monthly report on small hand-made histories, the right answer worked out by hand.

October 2026 in the team's time zone: Asia/Shanghai (UTC+8) and America/Los_Angeles (PDT until
1 Nov, then PST) — the same instants fall in different months depending on the team.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain import reports as r
from bot.domain.reports import (
    AlertRecord,
    CustomerRecord,
    DealRecord,
    Dims,
    DueItemRecord,
    FollowUpRecord,
    IssueRecord,
    Month,
    Rate,
)

OCT = Month(2026, 10)
SH, LA = "Asia/Shanghai", "America/Los_Angeles"
ANN, BOB = Dims("U0ANN", "A", "Retail", "East"), Dims("U0BOB", None, "Energy", None)


def local(tz: str, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def customer(dims: Dims = ANN, acquired: datetime | None = None, status: str = "lead",
             history: tuple[tuple[datetime, str], ...] = (), created: datetime | None = None) -> CustomerRecord:
    acquired = acquired or utc(1, 1)
    return CustomerRecord(dims, acquired, created or acquired, status, history)


@pytest.mark.parametrize(("text", "month"), [
    ("2026-10", Month(2026, 10)), (" 2026-01 ", Month(2026, 1)), ("2026-13", None), ("2026-00", None),
    ("2026-1", None), ("26-10", None), ("October", None), ("2026/10", None), ("", None),
])
def test_months_are_typed_as_yyyy_mm(text: str, month: Month | None) -> None:
    assert r.parse_month(text) == month


@pytest.mark.parametrize(("tz", "start", "end"), [
    (SH, utc(9, 30, 16), utc(10, 31, 16)),
    (LA, utc(10, 1, 7), utc(11, 1, 7)),  # PDT all October; the month ends at PDT midnight
    ("UTC", utc(10, 1), utc(11, 1)),
])
def test_a_month_runs_midnight_to_midnight_in_the_teams_zone(tz: str, start: datetime, end: datetime) -> None:
    assert r.month_bounds(OCT, tz) == (start, end)


@pytest.mark.parametrize(("month", "today", "first", "problem"), [
    (Month(2026, 10), date(2026, 11, 23), date(2026, 3, 1), None),
    (Month(2026, 11), date(2026, 11, 23), date(2026, 3, 1), None),  # the current month, to date
    (Month(2026, 12), date(2026, 11, 23), date(2026, 3, 1), "report_future_month"),
    (Month(2026, 2), date(2026, 11, 23), date(2026, 3, 1), "report_before_team"),
    (Month(2026, 3), date(2026, 11, 23), date(2026, 3, 31), None),
    (Month(2026, 10), date(2026, 11, 23), None, "report_before_team"),  # no customer at all yet
])
def test_which_months_have_a_report(month: Month, today: date, first: date | None, problem: str | None) -> None:
    assert r.month_problem(month, today=today, first_record=first) == problem


@pytest.mark.parametrize(("now", "tz", "month"), [
    (utc(11, 23), SH, Month(2026, 10)),
    (utc(10, 31, 16), SH, Month(2026, 10)),  # 1 Nov 00:00 in Shanghai
    (utc(10, 31, 15, 59), SH, Month(2026, 9)),
    (utc(1, 1, 3), LA, Month(2025, 11)),  # still 31 Dec 2025 in Los Angeles
])
def test_the_default_month_is_the_last_full_one(now: datetime, tz: str, month: Month) -> None:
    assert r.last_full_month(now, tz) == month


@pytest.mark.parametrize(("tz", "acquired", "new"), [
    (SH, local(SH, 10, 1), 1),  # 00:00 on the 1st belongs to the month
    (SH, local(SH, 9, 30, 23, 59), 0),
    (SH, local(SH, 10, 31, 23, 59), 1),
    (SH, local(SH, 11, 1), 0),
    (LA, utc(10, 1, 3), 0),  # 30 Sep 20:00 in Los Angeles, already October in Shanghai
    (SH, utc(10, 1, 3), 1),
    (LA, utc(11, 1, 6, 59), 1),  # 31 Oct 23:59 PDT
])
def test_new_customers(tz: str, acquired: datetime, new: int) -> None:
    assert sum(r.new_customers([customer(acquired=acquired)], r.month_bounds(OCT, tz)).values()) == new


@pytest.mark.parametrize(("history", "created", "status", "at_end"), [
    (((local(SH, 9, 1), "lead"), (local(SH, 10, 31, 23, 59), "interested")), None, "won", "interested"),
    (((local(SH, 9, 1), "lead"), (local(SH, 11, 1), "interested")), None, "interested", "lead"),
    (((local(SH, 11, 1), "lead"),), None, "lead", None),  # did not exist yet
    ((), local(SH, 9, 1), "maintaining", "maintaining"),  # no history kept: today's status
    ((), local(SH, 11, 1), "maintaining", None),
    (((local(SH, 10, 5), "won"), (local(SH, 10, 5), "maintaining"), (local(SH, 10, 20), "churned")), None,
     "churned", "churned"),
])
def test_status_at_month_end(history: tuple[tuple[datetime, str], ...], created: datetime | None, status: str,
                             at_end: str | None) -> None:
    one = customer(status=status, history=history, created=created or local(SH, 8, 1))
    expected = {} if at_end is None else {at_end: 1}
    assert dict(r.by_status_at_end([one], r.month_bounds(OCT, SH))) == expected


@pytest.mark.parametrize(("grade", "history", "counted"), [
    ("A", ((local(SH, 9, 1), "lead"),), {"A": 1}),
    (None, ((local(SH, 9, 1), "lead"),), {None: 1}),
    ("B", ((local(SH, 9, 1), "won"), (local(SH, 10, 9), "churned")), {}),  # churned by the end
    ("B", ((local(SH, 9, 1), "won"), (local(SH, 11, 1), "churned")), {"B": 1}),  # churned after it
])
def test_grade_mix_at_month_end(grade: str | None, history: tuple[tuple[datetime, str], ...],
                                counted: dict[str | None, int]) -> None:
    one = customer(dims=Dims("U0ANN", grade), history=history)
    assert dict(r.by_grade_at_end([one], r.month_bounds(OCT, SH))) == counted


def test_funnel_from_the_stage_history() -> None:
    sep, octo, nov = local(SH, 9, 10), local(SH, 10, 10), local(SH, 11, 1)
    customers = [
        customer(history=((sep, "lead"), (octo, "interested"))),  # entered interested in October
        customer(history=((sep, "lead"), (octo, "negotiating"))),  # a jump passes 2 statuses
        customer(history=((sep, "lead"), (sep, "won"), (sep, "maintaining"), (octo, "churned"))),  # won in Sep
        customer(history=((octo, "lead"), (nov, "interested"))),  # interested only in November
        customer(history=((nov, "lead"),)),  # not yet
    ]
    steps = r.funnel(customers, r.month_bounds(OCT, SH))
    assert [(s.status, s.reached, s.entered) for s in steps] == [
        ("lead", 4, 1), ("interested", 3, 2), ("needs_confirmed", 2, 1), ("negotiating", 2, 1),
        ("intent_confirmed", 1, 0), ("won", 1, 0)]
    assert [s.onward for s in steps] == [Rate(3, 4), Rate(2, 3), Rate(2, 2), Rate(1, 2), Rate(1, 1), Rate(0, 0)]
    assert steps[0].onward.percent == 75 and steps[-1].onward.percent is None


@pytest.mark.parametrize(("deals", "count", "total", "average", "median", "mean"), [
    ([("won", date(2026, 10, 1), 100, 10), ("won", date(2026, 10, 31), 300, 20), ("won", date(2026, 10, 15), None, 61)],
     3, Decimal(400), Decimal(200), 20.0, 30.3),
    ([("won", date(2026, 9, 30), 100, 10), ("won", date(2026, 11, 1), 100, 10), ("lost", date(2026, 10, 5), None, 4)],
     0, Decimal(0), None, None, None),
    ([("won", date(2026, 10, 2), 100, 10), ("won", date(2026, 10, 3), 200, 21)], 2, Decimal(300), Decimal(150), 15.5, 15.5),
])
def test_deals_won_size_and_cycle(deals: list[tuple[str, date, int | None, int]], count: int, total: Decimal,
                                  average: Decimal | None, median: float | None, mean: float | None) -> None:
    rows = [DealRecord(i, ANN, outcome, on, None if amount is None else Decimal(amount), cycle)
            for i, (outcome, on, amount, cycle) in enumerate(deals)]
    won = sum(r.deals_won(rows, OCT).values(), r.NO_DEALS)
    assert (won.count, won.total, won.average, won.median_cycle, won.mean_cycle) == (count, total, average, median, mean)


@pytest.mark.parametrize(("tz", "history", "rate"), [
    (SH, ((local(SH, 9, 1), "maintaining"), (local(SH, 10, 31, 23), "churned")), Rate(1, 1)),
    (SH, ((local(SH, 9, 1), "maintaining"), (local(SH, 11, 1), "churned")), Rate(0, 1)),  # November's
    (SH, ((local(SH, 9, 1), "won"),), Rate(0, 1)),
    (SH, ((local(SH, 9, 1), "negotiating"), (local(SH, 10, 3), "churned")), Rate(0, 0)),  # a lost prospect
    (SH, ((local(SH, 10, 2), "won"), (local(SH, 10, 3), "churned")), Rate(0, 0)),  # won within the month
    # 1 Oct 02:00 Shanghai = 30 Sep 11:00 Los Angeles: churned before the LA month began, in the Shanghai one
    (LA, ((local(SH, 9, 1), "won"), (local(SH, 10, 1, 2), "churned")), Rate(0, 0)),
    (SH, ((local(SH, 9, 1), "won"), (local(SH, 10, 1, 2), "churned")), Rate(1, 1)),
    (SH, ((local(SH, 9, 1), "won"), (local(SH, 9, 30, 23), "churned")), Rate(0, 0)),
])
def test_churn_rate(tz: str, history: tuple[tuple[datetime, str], ...], rate: Rate) -> None:
    one = customer(history=history, created=local(SH, 8, 1))
    assert sum(r.churn_rate([one], r.month_bounds(OCT, tz)).values(), r.NO_RATE) == rate


@pytest.mark.parametrize(("alerts", "rate"), [
    ([(local(SH, 10, 1), "retained"), (local(SH, 10, 31, 23, 59), "repurchase"), (local(SH, 10, 9), "churned")],
     Rate(2, 3)),
    ([(local(SH, 11, 1), "retained"), (None, None), (local(SH, 9, 30, 23, 59), "churned")], Rate(0, 0)),
])
def test_warned_customers_saved(alerts: list[tuple[datetime | None, str | None]], rate: Rate) -> None:
    rows = [AlertRecord(ANN, closed, outcome) for closed, outcome in alerts]
    assert sum(r.warnings_saved(rows, r.month_bounds(OCT, SH)).values(), r.NO_RATE) == rate


def test_repurchase_rate() -> None:
    deals = [
        DealRecord(1, ANN, "won", date(2026, 3, 1), Decimal(1), 1), DealRecord(1, ANN, "won", date(2026, 10, 31), Decimal(1), 1),
        DealRecord(2, ANN, "won", date(2026, 9, 30), Decimal(1), 1), DealRecord(2, ANN, "won", date(2026, 11, 1), Decimal(1), 1),
        DealRecord(3, BOB, "won", date(2026, 10, 1), Decimal(1), 1),  # a first deal: not a repurchase
        DealRecord(4, BOB, "lost", date(2026, 5, 1), None, 1), DealRecord(4, BOB, "won", date(2026, 10, 2), Decimal(1), 1),
    ]
    assert r.repurchase_rate(deals, OCT) == {ANN: Rate(1, 2)}


def test_on_time_follow_ups() -> None:
    grace = timedelta(hours=24)
    f = [
        # a call planned for 9 Oct 10:00, met on 10 Oct 09:00 (within 24 h)
        FollowUpRecord(1, "U0ANN", ANN, local(SH, 10, 2, 10), next_step_at=local(SH, 10, 9, 10)),
        FollowUpRecord(1, "U0ANN", ANN, local(SH, 10, 10, 9)),
        # planned for 31 Oct 23:00, met 2 Nov 00:00 (25 h: late)
        FollowUpRecord(2, "U0ANN", ANN, local(SH, 10, 20), next_step_at=local(SH, 10, 31, 23)),
        FollowUpRecord(2, "U0ANN", ANN, local(SH, 11, 2, 0)),
        # planned for 1 Nov 00:00: November's
        FollowUpRecord(3, "U0BOB", BOB, local(SH, 10, 20), next_step_at=local(SH, 11, 1)),
        # planned for 30 Sep 23:59, met on 1 Oct: September's
        FollowUpRecord(3, "U0BOB", BOB, local(SH, 9, 20), next_step_at=local(SH, 9, 30, 23, 59)),
        FollowUpRecord(3, "U0BOB", BOB, local(SH, 10, 1, 1)),
    ]
    items = [
        DueItemRecord(3, BOB, local(SH, 10, 1, 0, 30), local(SH, 10, 1, 9)),  # met by the 1 Oct 01:00 contact
        DueItemRecord(1, ANN, local(SH, 10, 10, 10), local(SH, 10, 12, 9)),  # the 10 Oct 09:00 contact was before it
        DueItemRecord(1, ANN, local(SH, 10, 10, 10), local(SH, 10, 12, 9), done_at=local(SH, 10, 13, 9)),  # closed in grace
    ]
    assert r.on_time_followups(f, items, r.month_bounds(OCT, SH), grace=grace) == {ANN: Rate(2, 4), BOB: Rate(1, 1)}


@pytest.mark.parametrize(("tz", "followups", "by_author"), [
    (SH, [(local(SH, 10, 1), False, "U0ANN"), (local(SH, 10, 31, 23, 59), True, "U0ANN"),
          (local(SH, 11, 1), True, "U0ANN"), (local(SH, 10, 5), False, "U0SUP")],
     {"U0ANN": Rate(1, 2), "U0SUP": Rate(1, 1)}),
    (LA, [(local(SH, 10, 1, 12), True, "U0ANN")], {}),  # 30 Sep 21:00 in Los Angeles
    (LA, [(local(SH, 11, 1, 12), False, "U0ANN")], {"U0ANN": Rate(1, 1)}),  # 31 Oct 21:00 PDT
])
def test_24_hour_logging_compliance_by_author(tz: str, followups: list[tuple[datetime, bool, str]],
                                              by_author: dict[str, Rate]) -> None:
    rows = [FollowUpRecord(1, author, ANN, when, late) for when, late, author in followups]
    found = r.logging_compliance(rows, r.month_bounds(OCT, tz))
    assert {dims.rep: rate for dims, rate in found.items()} == by_author


@pytest.mark.parametrize(("issue", "in_time"), [
    (("response", local(SH, 10, 3, 12), local(SH, 10, 3, 12), None), 1),  # answered exactly at the deadline
    (("response", local(SH, 10, 3, 12), local(SH, 10, 3, 13), None), 0),
    (("response", local(SH, 10, 3, 12), None, local(SH, 10, 3, 11)), 1),  # resolved straight away
    (("response", local(SH, 10, 3, 12), None, None), 0),  # never answered: late
    (("solution", local(SH, 10, 3, 12), local(SH, 10, 1), local(SH, 10, 4)), 0),  # a response is not a solution
    (("solution", local(SH, 10, 3, 12), None, local(SH, 10, 3)), 1),
])
def test_complaint_response_timeliness(issue: tuple[str, datetime, datetime | None, datetime | None],
                                       in_time: int) -> None:
    kind, deadline, responded, resolved = issue
    rows = [IssueRecord(ANN, kind, deadline, responded, resolved),
            IssueRecord(ANN, "response", local(SH, 11, 1), None, None)]  # November's deadline
    assert r.issue_timeliness(rows, r.month_bounds(OCT, SH)) == {ANN: Rate(in_time, 1)}


def test_satisfaction() -> None:
    f = [FollowUpRecord(1, "U0ANN", ANN, local(SH, 10, 1), satisfaction=5),
         FollowUpRecord(1, "U0ANN", ANN, local(SH, 10, 31, 23), satisfaction=2),
         FollowUpRecord(1, "U0ANN", ANN, local(SH, 11, 1), satisfaction=1),
         FollowUpRecord(1, "U0ANN", ANN, local(SH, 10, 9))]
    issues = [IssueRecord(ANN, "response", local(SH, 9, 1), resolved_at=local(SH, 10, 2), satisfaction=4),
              IssueRecord(ANN, "response", local(SH, 10, 1), resolved_at=local(SH, 11, 2), satisfaction=1)]
    found = r.satisfaction(f, issues, r.month_bounds(OCT, SH))[ANN]
    assert (found.count, found.value) == (3, Decimal("3.7"))


def test_weeks_for_the_new_vs_churned_chart() -> None:
    bounds = r.month_bounds(OCT, SH)
    assert r.weeks_of(bounds)[0] == date(2026, 9, 28) and r.weeks_of(bounds)[-1] == date(2026, 10, 26)
    counts = r.by_week([local(SH, 10, 1), local(SH, 10, 4, 23), local(SH, 10, 5), local(SH, 11, 1)], bounds)
    assert counts[date(2026, 9, 28)] == 2 and counts[date(2026, 10, 5)] == 1 and sum(counts.values()) == 3


def test_breakdowns_roll_up_by_dimension() -> None:
    tallies = {ANN: Rate(1, 2), Dims("U0ANN", "B", "Retail", None): Rate(1, 1), BOB: Rate(0, 3)}
    assert r.roll_up(tallies, "rep", Rate.__add__, r.NO_RATE) == {"U0ANN": Rate(2, 3), "U0BOB": Rate(0, 3)}
    assert r.roll_up(tallies, "industry", Rate.__add__, r.NO_RATE) == {"Retail": Rate(2, 3), "Energy": Rate(0, 3)}
    assert r.roll_up(tallies, "region", Rate.__add__, r.NO_RATE) == {"East": Rate(1, 2), None: Rate(1, 4)}
