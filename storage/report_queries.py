"""SQL aggregates of the monthly report (DOMAIN §13); what each counts is defined in bot.domain.reports.

Every function works on one team's live customers (``ReportScope``: a team, optionally narrowed to
the customers one rep owns) and returns small aggregates grouped by the breakdown dimensions
(owner, grade, industry, region), never one row per follow-up. Contact details and budgets are
never selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement as Column

from bot.domain.reports import CUSTOMER_STATUSES, RANK, SAVED_OUTCOMES, Dims
from storage.models import ChurnAlert, Customer, Deal, DueItem, FollowUp, Issue, SlackUserCache, StatusChange
from storage.queries import LIVE

DIMS = (Customer.team_id, Customer.owner_id, Customer.grade, Customer.industry, Customer.region)
# Every aggregate is keyed by team and breakdown: several teams are counted in one statement.
Keyed = tuple[int, Dims]


@dataclass(frozen=True)
class ReportScope:
    team_ids: tuple[int, ...]
    owner: str | None = None  # a rep's own figures: only the customers they own

    def clause(self) -> ColumnElement[bool]:
        where = and_(Customer.team_id.in_(self.team_ids), LIVE)
        return and_(where, Customer.owner_id == self.owner) if self.owner else where


def _dims(row: Any) -> Keyed:
    return row[0], Dims(rep=row[1], grade=row[2], industry=row[3], region=row[4])


def _plus_hours(session: Session, column: Any, hours: int) -> Column[Any]:
    """``column + hours`` in SQL: an interval on PostgreSQL; on SQLite, where the UTC columns are
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text, the same text shape, exact to the microsecond (whole hours
    leave the fraction of a second as it is, so it is copied over)."""
    if session.get_bind().dialect.name == "postgresql":
        return column + literal(timedelta(hours=hours))  # type: ignore[no-any-return]
    return func.strftime("%Y-%m-%d %H:%M:%S", column, f"{hours:+d} hours").concat(func.substr(column, 20, 7))


def _rank() -> Column[Any]:
    return case(*((StatusChange.to_status == status, rank) for status, rank in RANK.items()), else_=None)


def first_record(*, session: Session, scope: ReportScope) -> datetime | None:
    """When the scope's earliest live customer was acquired."""
    return session.scalar(select(func.min(Customer.acquired_at)).where(scope.clause()))


def new_customers(*, session: Session, scope: ReportScope, start: datetime, end: datetime) -> list[tuple[Keyed, datetime]]:
    """Customers acquired in [start, end), with their acquisition time (for the weekly chart)."""
    rows = session.execute(select(*DIMS, Customer.acquired_at).where(
        scope.clause(), Customer.acquired_at >= start, Customer.acquired_at < end))
    return [(_dims(row), row[5]) for row in rows]


def _last_status(scope: ReportScope, instant: datetime) -> Any:
    numbered = (
        select(StatusChange.customer_id, StatusChange.to_status, func.row_number().over(
            partition_by=StatusChange.customer_id,
            order_by=(StatusChange.changed_at.desc(), StatusChange.id.desc())).label("n"))
        .join(Customer, Customer.id == StatusChange.customer_id)
        .where(scope.clause(), StatusChange.changed_at < instant)
        .subquery()
    )
    return select(numbered.c.customer_id, numbered.c.to_status).where(numbered.c.n == 1).subquery()


def _snapshot(scope: ReportScope, start: datetime, end: datetime, *columns: Any) -> Select[Any]:
    """Per customer of the scope: ``columns`` of the customer, its status at start and at end
    (``bot.domain.reports.status_at``: labelled s0, s1) and its furthest funnel rank before start
    and before end (r0, r1)."""
    rank = _rank()
    ranks = (
        select(StatusChange.customer_id,
               func.max(case((StatusChange.changed_at < start, rank), else_=None)).label("r0"),
               func.max(case((StatusChange.changed_at < end, rank), else_=None)).label("r1"))
        .join(Customer, Customer.id == StatusChange.customer_id)
        .where(scope.clause())
        .group_by(StatusChange.customer_id)
        .subquery()
    )
    at_start, at_end = _last_status(scope, start), _last_status(scope, end)

    def status(last: Any, instant: datetime) -> Column[Any]:
        return case((ranks.c.customer_id.is_(None), case((Customer.created_at < instant, Customer.status),
                                                         else_=None)), else_=last.c.to_status)

    return (
        select(*columns, status(at_start, start).label("s0"), status(at_end, end).label("s1"), ranks.c.r0, ranks.c.r1)
        .select_from(Customer)
        .outerjoin(ranks, ranks.c.customer_id == Customer.id)
        .outerjoin(at_start, at_start.c.customer_id == Customer.id)
        .outerjoin(at_end, at_end.c.customer_id == Customer.id)
        .where(scope.clause())
    )


@dataclass(frozen=True)
class Snapshot:
    """Counts of customers per (team, grade, status at start, status at end, furthest rank at start, at end)."""

    rows: tuple[tuple[int, str | None, str | None, str | None, int | None, int | None, int], ...]


def snapshot(*, session: Session, scope: ReportScope, start: datetime, end: datetime) -> Snapshot:
    inner = _snapshot(scope, start, end, Customer.team_id.label("team_id"), Customer.grade.label("grade")).subquery()
    keys = (inner.c.team_id, inner.c.grade, inner.c.s0, inner.c.s1, inner.c.r0, inner.c.r1)
    rows = session.execute(select(*keys, func.count()).group_by(*keys))
    return Snapshot(tuple((team, g, s0, s1, r0, r1, int(n)) for team, g, s0, s1, r0, r1, n in rows))


def churn(*, session: Session, scope: ReportScope, start: datetime, end: datetime) -> list[tuple[Keyed, int, int]]:
    """Per breakdown: customers won or maintaining at start, and how many of them churned at end."""
    inner = _snapshot(scope, start, end, *DIMS).subquery()
    keys = (inner.c.team_id, inner.c.owner_id, inner.c.grade, inner.c.industry, inner.c.region)
    rows = session.execute(
        select(*keys, func.count(), func.sum(case((inner.c.s1 == "churned", 1), else_=0)))
        .where(inner.c.s0.in_(CUSTOMER_STATUSES)).group_by(*keys))
    return [(_dims(row), int(row[5]), int(row[6] or 0)) for row in rows]


def churn_steps(*, session: Session, scope: ReportScope, start: datetime,
                end: datetime) -> list[tuple[int, datetime]]:
    """When customers of the scope moved to churned in [start, end), by team."""
    return list(session.execute(  # type: ignore[arg-type]
        select(Customer.team_id, StatusChange.changed_at).join(Customer, Customer.id == StatusChange.customer_id)
        .where(scope.clause(), StatusChange.to_status == "churned", StatusChange.changed_at >= start,
               StatusChange.changed_at < end)))


def deals_won(*, session: Session, scope: ReportScope, first: date, last: date) -> list[tuple[Keyed, Decimal | None, int]]:
    """Won deals signed from ``first`` to ``last`` (dates): amount and deal cycle."""
    rows = session.execute(
        select(*DIMS, Deal.amount, Deal.deal_cycle_days).join(Customer, Customer.id == Deal.customer_id)
        .where(scope.clause(), Deal.outcome == "won", Deal.closed_on >= first, Deal.closed_on <= last))
    return [(_dims(row), row[5], int(row[6])) for row in rows]


def repurchases(*, session: Session, scope: ReportScope, first: date, last: date) -> list[tuple[Keyed, int, int]]:
    """Per breakdown: customers with a won deal signed before ``first``, and how many signed another
    won deal from ``first`` to ``last``."""
    earlier = aliased(Deal)
    again = aliased(Deal)
    signed_again = exists().where(again.customer_id == Customer.id, again.outcome == "won",
                                  again.closed_on >= first, again.closed_on <= last)
    rows = session.execute(
        select(*DIMS, func.count(), func.sum(case((signed_again, 1), else_=0)))
        .where(scope.clause(), exists().where(earlier.customer_id == Customer.id, earlier.outcome == "won",
                                              earlier.closed_on < first))
        .group_by(*DIMS))
    return [(_dims(row), int(row[5]), int(row[6] or 0)) for row in rows]


def warnings_closed(*, session: Session, scope: ReportScope, start: datetime, end: datetime) -> list[tuple[Keyed, int, int]]:
    """Per breakdown: churn warnings closed in [start, end), and how many ended retained or repurchase."""
    rows = session.execute(
        select(*DIMS, func.count(), func.sum(case((ChurnAlert.outcome.in_(SAVED_OUTCOMES), 1), else_=0)))
        .join(Customer, Customer.id == ChurnAlert.customer_id)
        .where(scope.clause(), ChurnAlert.closed_at >= start, ChurnAlert.closed_at < end)
        .group_by(*DIMS))
    return [(_dims(row), int(row[5]), int(row[6] or 0)) for row in rows]


def on_time(*, session: Session, scope: ReportScope, start: datetime, end: datetime,
            grace_hours: int) -> list[tuple[Keyed, int, int]]:
    """Per breakdown: next steps and due items due in [start, end), and how many were met on time
    (a follow-up of the customer after the plan, by the due time plus the grace; or the item closed by then)."""
    contact = aliased(FollowUp)
    step_met = exists().where(contact.customer_id == FollowUp.customer_id, contact.occurred_at > FollowUp.occurred_at,
                              contact.occurred_at <= _plus_hours(session, FollowUp.next_step_at, grace_hours))
    steps = (
        select(*DIMS, literal(1).label("n"), case((step_met, 1), else_=0).label("met"))
        .select_from(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
        .where(scope.clause(), FollowUp.next_step_at >= start, FollowUp.next_step_at < end,
               FollowUp.occurred_at < end)
    )
    item_contact = aliased(FollowUp)
    due_by = _plus_hours(session, DueItem.due_at, grace_hours)
    item_met = or_(and_(DueItem.done_at.is_not(None), DueItem.done_at <= due_by),
                   exists().where(item_contact.customer_id == DueItem.customer_id,
                                  item_contact.occurred_at > DueItem.created_at, item_contact.occurred_at <= due_by))
    items = (
        select(*DIMS, literal(1).label("n"), case((item_met, 1), else_=0).label("met"))
        .select_from(DueItem).join(Customer, Customer.id == DueItem.customer_id)
        .where(scope.clause(), DueItem.due_at >= start, DueItem.due_at < end)
    )
    both = steps.union_all(items).subquery()
    rows = session.execute(
        select(both.c.team_id, both.c.owner_id, both.c.grade, both.c.industry, both.c.region, func.sum(both.c.n),
               func.sum(both.c.met))
        .group_by(both.c.team_id, both.c.owner_id, both.c.grade, both.c.industry, both.c.region))
    return [(_dims(row), int(row[5]), int(row[6] or 0)) for row in rows]


def logging(*, session: Session, scope: ReportScope, start: datetime, end: datetime) -> list[tuple[Keyed, int, int]]:
    """Per (author, grade, industry, region): follow-ups that happened in [start, end), and how many
    were logged within 24 h (not late). A rep's own figures count only what they logged."""
    where = [scope.clause(), FollowUp.occurred_at >= start, FollowUp.occurred_at < end]
    if scope.owner:
        where.append(FollowUp.author_id == scope.owner)
    keys = (Customer.team_id, FollowUp.author_id, Customer.grade, Customer.industry, Customer.region)
    rows = session.execute(
        select(*keys, func.count(), func.sum(case((FollowUp.late.is_(True), 0), else_=1)))
        .join(Customer, Customer.id == FollowUp.customer_id).where(*where).group_by(*keys))
    return [(_dims(row), int(row[5]), int(row[6] or 0)) for row in rows]


def satisfaction(*, session: Session, scope: ReportScope, start: datetime, end: datetime) -> list[tuple[Keyed, int, int]]:
    """Per breakdown: the sum and number of satisfaction scores on follow-ups that happened in
    [start, end) and on issues resolved in it."""
    scores = (
        select(*DIMS, FollowUp.satisfaction.label("score")).join(Customer, Customer.id == FollowUp.customer_id)
        .where(scope.clause(), FollowUp.occurred_at >= start, FollowUp.occurred_at < end,
               FollowUp.satisfaction.is_not(None))
        .union_all(
            select(*DIMS, Issue.satisfaction.label("score")).join(Customer, Customer.id == Issue.customer_id)
            .where(scope.clause(), Issue.resolved_at >= start, Issue.resolved_at < end, Issue.satisfaction.is_not(None)))
        .subquery()
    )
    keys = (scores.c.team_id, scores.c.owner_id, scores.c.grade, scores.c.industry, scores.c.region)
    rows = session.execute(select(*keys, func.sum(scores.c.score), func.count()).group_by(*keys))
    return [(_dims(row), int(row[5] or 0), int(row[6])) for row in rows]


def issue_timeliness(*, session: Session, scope: ReportScope, start: datetime,
                     end: datetime) -> list[tuple[Keyed, int, int]]:
    """Per breakdown: issues whose deadline is in [start, end), and how many were answered by it."""
    answer = case((Issue.deadline_kind == "solution", Issue.resolved_at),
                  else_=func.coalesce(Issue.responded_at, Issue.resolved_at))
    in_time = case((and_(answer.is_not(None), answer <= Issue.deadline_at), 1), else_=0)
    rows = session.execute(
        select(*DIMS, func.count(), func.sum(in_time)).join(Customer, Customer.id == Issue.customer_id)
        .where(scope.clause(), Issue.deadline_at >= start, Issue.deadline_at < end).group_by(*DIMS))
    return [(_dims(row), int(row[5]), int(row[6] or 0)) for row in rows]


def real_names(*, session: Session, user_ids: list[str]) -> dict[str, str]:
    """Slack display names we have cached (for chart labels, which cannot show mentions)."""
    if not user_ids:
        return {}
    return {u: n for u, n in session.execute(select(SlackUserCache.slack_user_id, SlackUserCache.real_name)
                                             .where(SlackUserCache.slack_user_id.in_(user_ids))) if n}
