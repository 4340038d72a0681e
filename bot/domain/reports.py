"""The monthly report's figures (DOMAIN §13), each defined once, here, by a pure function.

A month is a calendar month in the **team's time zone**: from 00:00 on its first day to 00:00 on
the first day of the next month (``month_bounds``); an instant exactly at 00:00 on the 1st belongs
to the new month. Every figure below says what it counts over plain records, so a supervisor can
check it by hand; ``bot.services.reports`` computes the same figures with SQL aggregates over the
whole database (tests compare the two on the same histories).

Whose figures: a team's figures count the live customers of the team (registration not rejected);
a rep's own figures count the customers they own today. "By rep" is the customer's owner today,
except for 24-h logging compliance, which is by the author of the follow-up (it is about who
logged late). "By grade" is the customer's grade today, "by industry" its industry and "by region"
its region (a customer field, often empty: shown as "no region").
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.followups import STATUSES

# The funnel line (DOMAIN §4) up to won; maintaining is beyond won, churned and paused are off it.
FUNNEL = ("lead", "interested", "needs_confirmed", "negotiating", "intent_confirmed", "won")
RANK = {status: index for index, status in enumerate(FUNNEL)} | {"maintaining": FUNNEL.index("won")}
CUSTOMER_STATUSES = ("won", "maintaining")
SAVED_OUTCOMES = ("retained", "repurchase")
DIMENSIONS = ("rep", "grade", "industry", "region")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
K = TypeVar("K")


# Months ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    @property
    def last_day(self) -> date:
        return self.next.first_day - timedelta(days=1)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)


def parse_month(text: str) -> Month | None:
    """``YYYY-MM`` with a real month (01–12), else None."""
    match = _MONTH.match(text.strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return Month(year, month) if 1 <= month <= 12 and year >= 1900 else None


def month_bounds(month: Month, tz: str) -> tuple[datetime, datetime]:
    """[start, end): 00:00 of the month's first day to 00:00 of the next month's, in ``tz``."""
    zone = ZoneInfo(tz)
    return (datetime.combine(month.first_day, time(0, 0), zone),
            datetime.combine(month.next.first_day, time(0, 0), zone))


def in_month(at: datetime | None, bounds: tuple[datetime, datetime]) -> bool:
    return at is not None and bounds[0] <= at < bounds[1]


def last_full_month(now: datetime, tz: str) -> Month:
    """The default of ``/followup report``: the month before the current one, in ``tz``."""
    return Month.of(now.astimezone(ZoneInfo(tz)).date()).previous


def month_problem(month: Month, *, today: date, first_record: date | None) -> str | None:
    """Why a report of ``month`` cannot be made (a catalog key), or None.

    ``today`` is the team's local date; ``first_record`` the local date of the team's earliest
    customer (acquisition time). A month after the current one is in the future; a month that
    ends before the team's first customer is before the team existed (a team with no customer
    existed only from the current month on). The current month is allowed: its figures run to now.
    """
    if month > Month.of(today):
        return "report_future_month"
    if month < Month.of(first_record or today):
        return "report_before_team"
    return None


# Counting helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; no percent when there is nothing to count."""

    part: int
    whole: int

    @property
    def percent(self) -> int | None:
        return None if self.whole == 0 else round(100 * self.part / self.whole)

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.part + other.part, self.whole + other.whole)


NO_RATE = Rate(0, 0)


@dataclass(frozen=True)
class Average:
    total: Decimal
    count: int

    @property
    def value(self) -> Decimal | None:
        return None if self.count == 0 else (self.total / self.count).quantize(Decimal("0.1"))

    def __add__(self, other: Average) -> Average:
        return Average(self.total + other.total, self.count + other.count)


NO_AVERAGE = Average(Decimal(0), 0)


@dataclass(frozen=True)
class Dims:
    """Where a record belongs in the breakdowns: rep, grade, industry, region (None: none)."""

    rep: str
    grade: str | None = None
    industry: str | None = None
    region: str | None = None

    def get(self, dimension: str) -> str | None:
        return getattr(self, dimension)  # type: ignore[no-any-return]


def roll_up(tallies: Mapping[Dims, K], dimension: str, add: Callable[[K, K], K], zero: K) -> dict[str | None, K]:
    """Tallies kept per (rep, grade, industry, region) summed over one dimension."""
    found: dict[str | None, K] = {}
    for dims, value in tallies.items():
        key = dims.get(dimension)
        found[key] = add(found.get(key, zero), value)
    return found


def total(values: Iterable[K], add: Callable[[K, K], K], zero: K) -> K:
    result = zero
    for value in values:
        result = add(result, value)
    return result


# The records the figures are counted over (what the database holds, as plain values) -------------


@dataclass(frozen=True)
class CustomerRecord:
    dims: Dims
    acquired_at: datetime
    created_at: datetime
    status: str  # today
    # The stage history: (when, status it moved to), any order.
    history: tuple[tuple[datetime, str], ...] = ()


@dataclass(frozen=True)
class DealRecord:
    customer: int
    dims: Dims
    outcome: str  # won | lost
    closed_on: date  # the signing date for a won deal
    amount: Decimal | None
    cycle_days: int


@dataclass(frozen=True)
class FollowUpRecord:
    customer: int
    author: str
    dims: Dims  # of its customer (rep: the customer's owner)
    occurred_at: datetime
    late: bool = False
    next_step_at: datetime | None = None
    satisfaction: int | None = None


@dataclass(frozen=True)
class DueItemRecord:
    customer: int
    dims: Dims
    created_at: datetime
    due_at: datetime
    done_at: datetime | None = None


@dataclass(frozen=True)
class IssueRecord:
    dims: Dims
    deadline_kind: str  # response | solution
    deadline_at: datetime
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    satisfaction: int | None = None


@dataclass(frozen=True)
class AlertRecord:
    dims: Dims
    closed_at: datetime | None
    outcome: str | None


# The figures ---------------------------------------------------------------------------------------


def new_customers(customers: Iterable[CustomerRecord], bounds: tuple[datetime, datetime]) -> Counter[Dims]:
    """**New customers**: customers whose acquisition time (信息获取时间, when the lead was obtained)
    falls in the month."""
    return Counter(c.dims for c in customers if in_month(c.acquired_at, bounds))


def status_at(customer: CustomerRecord, instant: datetime) -> str | None:
    """A customer's status at ``instant``: the last step of its stage history before it; a customer
    with no history at all (made before histories were kept) has its status of today if it was
    created before ``instant``; None when it did not exist yet."""
    before = [(at, status) for at, status in customer.history if at < instant]
    if before:
        return max(before, key=lambda step: step[0])[1]
    if customer.history or customer.created_at >= instant:
        return None
    return customer.status


def by_status_at_end(customers: Iterable[CustomerRecord], bounds: tuple[datetime, datetime]) -> Counter[str]:
    """**Customers by status at month end**: each customer counted once under ``status_at`` the end."""
    return Counter(s for c in customers if (s := status_at(c, bounds[1])) is not None)


def by_grade_at_end(customers: Iterable[CustomerRecord], bounds: tuple[datetime, datetime]) -> Counter[str | None]:
    """**Customers by grade at month end**: customers that existed at the end and were not churned
    then, by their grade of today (None: not graded)."""
    return Counter(c.dims.grade for c in customers if status_at(c, bounds[1]) not in (None, "churned"))


@dataclass(frozen=True)
class FunnelStep:
    status: str
    reached: int  # customers at this status or further along by the month's end
    entered: int  # of them, those who got there during the month
    onward: Rate  # reached the next status / reached this one (None for the last)


def furthest(customer: CustomerRecord, instant: datetime) -> int | None:
    """How far along the funnel line the stage history took a customer before ``instant``."""
    ranks = [RANK[s] for at, s in customer.history if at < instant and s in RANK]
    return max(ranks) if ranks else None


def funnel(customers: Iterable[CustomerRecord], bounds: tuple[datetime, datetime]) -> list[FunnelStep]:
    """**Funnel conversion**, from the stage history: a customer has *reached* a status when its
    history shows it there or further along the line (lead → interested → needs confirmed →
    negotiating → intent confirmed → won; maintaining counts as won) by the month's end — a jump
    from lead to negotiating passes interested and needs confirmed. *Entered* counts those who got
    there during the month. Conversion from a status to the next: reached(next) / reached(this)."""
    rank_pairs = Counter((furthest(c, bounds[0]), furthest(c, bounds[1])) for c in customers)
    return funnel_from_ranks(rank_pairs)


def funnel_from_ranks(rank_pairs: Mapping[tuple[int | None, int | None], int]) -> list[FunnelStep]:
    """The funnel from customer counts per (furthest rank at the start, at the end)."""
    reached = [sum(n for (_, end), n in rank_pairs.items() if end is not None and end >= r) for r in range(len(FUNNEL))]
    entered = [sum(n for (start, end), n in rank_pairs.items()
                   if end is not None and end >= r and (start is None or start < r)) for r in range(len(FUNNEL))]
    return [FunnelStep(status, reached[r], entered[r], Rate(reached[r + 1], reached[r]) if r + 1 < len(FUNNEL)
                       else NO_RATE) for r, status in enumerate(FUNNEL)]


@dataclass(frozen=True)
class DealsWon:
    count: int
    total: Decimal
    amounts: int  # deals with an amount (the average's denominator)
    cycles: tuple[int, ...] = field(default=())

    @property
    def average(self) -> Decimal | None:
        return None if self.amounts == 0 else (self.total / self.amounts).quantize(Decimal("1"))

    @property
    def median_cycle(self) -> float | None:
        return float(statistics.median(self.cycles)) if self.cycles else None

    @property
    def mean_cycle(self) -> float | None:
        return round(statistics.fmean(self.cycles), 1) if self.cycles else None

    def __add__(self, other: DealsWon) -> DealsWon:
        return DealsWon(self.count + other.count, self.total + other.total, self.amounts + other.amounts,
                        self.cycles + other.cycles)


NO_DEALS = DealsWon(0, Decimal(0), 0)


def deals_won(deals: Iterable[DealRecord], month: Month) -> dict[Dims, DealsWon]:
    """**Deals won, total and average deal size, deal cycle**: won deals whose signing date is in the
    month (a date, so no time zone is involved). Total: sum of their amounts; average: total / the
    deals with an amount. Deal cycle: days from the customer's acquisition to signing, as recorded
    with the deal; median and mean over the month's won deals."""
    found: dict[Dims, DealsWon] = {}
    for deal in deals:
        if deal.outcome != "won" or not month.first_day <= deal.closed_on <= month.last_day:
            continue
        one = DealsWon(1, deal.amount or Decimal(0), int(deal.amount is not None), (deal.cycle_days,))
        found[deal.dims] = found.get(deal.dims, NO_DEALS) + one
    return found


def churn_rate(customers: Iterable[CustomerRecord], bounds: tuple[datetime, datetime]) -> dict[Dims, Rate]:
    """**Churn rate**: of the customers that were won or maintaining at the month's start
    (``status_at``), the share that were churned at its end."""
    found: dict[Dims, Rate] = {}
    for c in customers:
        if status_at(c, bounds[0]) in CUSTOMER_STATUSES:
            found[c.dims] = found.get(c.dims, NO_RATE) + Rate(int(status_at(c, bounds[1]) == "churned"), 1)
    return found


def warnings_saved(alerts: Iterable[AlertRecord], bounds: tuple[datetime, datetime]) -> dict[Dims, Rate]:
    """**Warned customers saved**: churn warnings closed in the month; saved are those that ended as
    retained or repurchase (the others ended churned)."""
    found: dict[Dims, Rate] = {}
    for alert in alerts:
        if in_month(alert.closed_at, bounds):
            found[alert.dims] = found.get(alert.dims, NO_RATE) + Rate(int(alert.outcome in SAVED_OUTCOMES), 1)
    return found


def repurchase_rate(deals: Iterable[DealRecord], month: Month) -> dict[Dims, Rate]:
    """**Repurchase rate**: of the customers with a won deal signed before the month, the share that
    signed another won deal in the month."""
    before: dict[int, Dims] = {}
    again: set[int] = set()
    for deal in deals:
        if deal.outcome != "won":
            continue
        if deal.closed_on < month.first_day:
            before[deal.customer] = deal.dims
        elif deal.closed_on <= month.last_day:
            again.add(deal.customer)
    found: dict[Dims, Rate] = {}
    for customer, dims in before.items():
        found[dims] = found.get(dims, NO_RATE) + Rate(int(customer in again), 1)
    return found


def on_time_followups(followups: Sequence[FollowUpRecord], items: Iterable[DueItemRecord],
                      bounds: tuple[datetime, datetime], *, grace: timedelta) -> dict[Dims, Rate]:
    """**On-time follow-up rate**: what came due in the month — every planned next step (a follow-up's
    next step date) and every due item (re-grade, revisit, reactivation, retention, repurchase) whose
    due time is in the month — and, of it, what was done on time: the customer had a follow-up after
    the step was planned (after the item was created) and no later than the due time plus the
    team's grace (``deadlines.next_step_grace_hours``, 24 h by default), or the item was closed by then."""
    contacts: dict[int, list[datetime]] = {}
    for f in followups:
        contacts.setdefault(f.customer, []).append(f.occurred_at)

    def met(customer: int, after: datetime, by: datetime) -> bool:
        return any(after < at <= by for at in contacts.get(customer, ()))

    found: dict[Dims, Rate] = {}
    for f in followups:
        if in_month(f.next_step_at, bounds):
            assert f.next_step_at is not None
            found[f.dims] = found.get(f.dims, NO_RATE) + Rate(int(met(f.customer, f.occurred_at,
                                                                        f.next_step_at + grace)), 1)
    for item in items:
        if in_month(item.due_at, bounds):
            done = (item.done_at is not None and item.done_at <= item.due_at + grace) or met(
                item.customer, item.created_at, item.due_at + grace)
            found[item.dims] = found.get(item.dims, NO_RATE) + Rate(int(done), 1)
    return found


def logging_compliance(followups: Iterable[FollowUpRecord], bounds: tuple[datetime, datetime]) -> dict[Dims, Rate]:
    """**24-h logging compliance**: follow-ups whose interaction time is in the month; compliant are
    those logged within 24 h of the interaction (not marked late). By rep: the author."""
    found: dict[Dims, Rate] = {}
    for f in followups:
        if in_month(f.occurred_at, bounds):
            dims = Dims(f.author, f.dims.grade, f.dims.industry, f.dims.region)
            found[dims] = found.get(dims, NO_RATE) + Rate(int(not f.late), 1)
    return found


def answered_in_time(issue: IssueRecord) -> bool:
    """A response deadline is met by a response (or a resolution) by the deadline; a solution
    deadline (complex issues) only by a resolution."""
    answer = issue.resolved_at if issue.deadline_kind == "solution" else (issue.responded_at or issue.resolved_at)
    return answer is not None and answer <= issue.deadline_at


def issue_timeliness(issues: Iterable[IssueRecord], bounds: tuple[datetime, datetime]) -> dict[Dims, Rate]:
    """**Complaint response timeliness**: complaints and issues whose deadline falls in the month;
    in time are those answered by the deadline (``answered_in_time``). One still unanswered counts
    as late."""
    found: dict[Dims, Rate] = {}
    for issue in issues:
        if in_month(issue.deadline_at, bounds):
            found[issue.dims] = found.get(issue.dims, NO_RATE) + Rate(int(answered_in_time(issue)), 1)
    return found


def satisfaction(followups: Iterable[FollowUpRecord], issues: Iterable[IssueRecord],
                 bounds: tuple[datetime, datetime]) -> dict[Dims, Average]:
    """**Satisfaction**: the mean of every satisfaction score (1–5) recorded in the month — on
    follow-ups whose interaction time is in the month, and on issues resolved in the month."""
    found: dict[Dims, Average] = {}
    scores = [(f.dims, f.satisfaction) for f in followups if f.satisfaction is not None and in_month(f.occurred_at, bounds)]
    scores += [(i.dims, i.satisfaction) for i in issues if i.satisfaction is not None and in_month(i.resolved_at, bounds)]
    for dims, score in scores:
        found[dims] = found.get(dims, NO_AVERAGE) + Average(Decimal(score), 1)
    return found


def weeks_of(bounds: tuple[datetime, datetime]) -> list[date]:
    """The Mondays of the weeks that overlap the month (the new-vs-churned chart's buckets)."""
    first = bounds[0].date()
    monday = first - timedelta(days=first.weekday())
    last = (bounds[1] - timedelta(microseconds=1)).date()
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def by_week(instants: Iterable[datetime], bounds: tuple[datetime, datetime]) -> dict[date, int]:
    """Instants in the month counted by the Monday of their week (in the month's time zone)."""
    counts = {week: 0 for week in weeks_of(bounds)}
    zone = bounds[0].tzinfo
    for at in instants:
        if in_month(at, bounds):
            day = at.astimezone(zone).date()
            counts[day - timedelta(days=day.weekday())] += 1
    return counts


def churned_at(customers: Iterable[CustomerRecord], bounds: tuple[datetime, datetime]) -> list[datetime]:
    """When customers moved to churned during the month (each step of the history into churned)."""
    return [at for c in customers for at, s in c.history if s == "churned" and in_month(at, bounds)]


assert set(RANK) <= set(STATUSES)


# One section of a report: a team's month (or one rep's share of it) ------------------------------

Breakdown = dict[Dims, Rate]


@dataclass(frozen=True)
class TeamFigures:
    """Every figure of one team's month (or one rep's), as counted by the functions above."""

    team: str
    tz: str
    month: Month
    start: datetime
    end: datetime  # the month's end, or now for the current month
    partial: bool  # the current month: figures to date
    rep: str | None  # a rep's own figures
    new: dict[Dims, int]
    new_by_week: dict[date, int]
    churned_by_week: dict[date, int]
    by_status: dict[str, int]
    by_grade: dict[str | None, int]
    funnel: list[FunnelStep]
    deals: dict[Dims, DealsWon]
    churn: Breakdown
    saved: Breakdown
    repurchase: Breakdown
    on_time: Breakdown
    logging: Breakdown
    issues: Breakdown
    satisfaction: dict[Dims, Average]
    names: dict[str, str] = field(default_factory=dict)

    def rate(self, figure: str) -> Rate:
        breakdown: Breakdown = getattr(self, figure)
        return total(breakdown.values(), Rate.__add__, NO_RATE)

    def rate_by(self, figure: str, dimension: str) -> dict[str | None, Rate]:
        return roll_up(getattr(self, figure), dimension, Rate.__add__, NO_RATE)

    @property
    def new_total(self) -> int:
        return sum(self.new.values())

    def new_by(self, dimension: str) -> dict[str | None, int]:
        return roll_up(self.new, dimension, int.__add__, 0)

    @property
    def deals_total(self) -> DealsWon:
        return total(self.deals.values(), DealsWon.__add__, NO_DEALS)

    def deals_by(self, dimension: str) -> dict[str | None, DealsWon]:
        return roll_up(self.deals, dimension, DealsWon.__add__, NO_DEALS)

    @property
    def satisfaction_total(self) -> Average:
        return total(self.satisfaction.values(), Average.__add__, NO_AVERAGE)

    def reps(self) -> list[str]:
        """Every rep with a figure this month, in a stable order."""
        found = {d.rep for figure in (self.new, self.deals, self.churn, self.saved, self.repurchase, self.on_time,
                                      self.logging, self.issues, self.satisfaction) for d in figure}
        return sorted(found)
