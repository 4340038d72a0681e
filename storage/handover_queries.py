"""Queries of handovers (DOMAIN §11): the handover list, the transfer, and what follows it.

Keyword-only functions over a session, no Slack, no rendering. The transfer is a handful of
set-based statements (no row-by-row ORM work): a rep with 2,000 customers and their 40,000
follow-ups and due items moves in about the time of the bare ``UPDATE … SET owner`` statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Contact,
    Customer,
    DueItem,
    FollowUp,
    Handover,
    Issue,
    OwnershipChange,
    SlackUserCache,
)

# The customers a handover moves: every registered (or pending) customer of the owner in the team;
# a rejected lead is a dead record nobody sees.
MOVABLE = Customer.registration != "rejected"
OPEN = ("draft", "pending")


def _of(owner: str, team_id: int, numbers: Sequence[str] | None) -> list[Any]:
    where = [Customer.owner_id == owner, Customer.team_id == team_id, MOVABLE]
    if numbers:
        where.append(Customer.number.in_(list(numbers)))
    return where


def owned_by_team(*, session: Session, owner: str) -> dict[int, int]:
    """How many customers ``owner`` owns, per team id."""
    rows = session.execute(select(Customer.team_id, func.count()).where(Customer.owner_id == owner, MOVABLE)
                           .group_by(Customer.team_id))
    return {team_id: count for team_id, count in rows}


def numbers_owned(*, session: Session, owner: str, team_id: int, numbers: Sequence[str]) -> set[str]:
    return set(session.scalars(select(Customer.number).where(*_of(owner, team_id, numbers))))


@dataclass(frozen=True)
class ListRow:
    """One customer of a handover list: what the successor takes over (never phone, email or budget)."""

    id: int
    number: str
    company: str
    grade: str | None
    status: str
    last_contact_at: datetime | None
    next_step_at: datetime | None
    warning: bool
    contact: str | None
    due_items: int
    open_issues: int


def handover_list(*, session: Session, owner: str, team_id: int, numbers: Sequence[str] | None) -> list[ListRow]:
    """Every customer the handover would move, with its key contact and open items (four queries)."""
    ids = select(Customer.id).where(*_of(owner, team_id, numbers)).scalar_subquery()
    customers = session.execute(
        select(Customer.id, Customer.number, Customer.company, Customer.grade, Customer.status,
               Customer.last_contact_at, Customer.next_step_at, Customer.warning)
        .where(*_of(owner, team_id, numbers)).order_by(Customer.number)).all()
    contacts: dict[int, str] = {}
    for customer_id, name in session.execute(
            select(Contact.customer_id, Contact.name).where(Contact.customer_id.in_(ids))
            .order_by(Contact.customer_id, Contact.is_primary.desc(), Contact.id)):
        contacts.setdefault(customer_id, name)
    due = dict(session.execute(select(DueItem.customer_id, func.count()).where(
        DueItem.customer_id.in_(ids), DueItem.done_at.is_(None)).group_by(DueItem.customer_id)).all())
    issues = dict(session.execute(select(Issue.customer_id, func.count()).where(
        Issue.customer_id.in_(ids), Issue.resolved_at.is_(None)).group_by(Issue.customer_id)).all())
    return [ListRow(id=c.id, number=c.number, company=c.company, grade=c.grade, status=c.status,
                    last_contact_at=c.last_contact_at, next_step_at=c.next_step_at, warning=c.warning,
                    contact=contacts.get(c.id), due_items=due.get(c.id, 0), open_issues=issues.get(c.id, 0))
            for c in customers]


def get_handover(*, session: Session, handover_id: int) -> Handover | None:
    return session.get(Handover, handover_id)


def open_handovers(*, session: Session, owner: str, team_id: int | None = None) -> list[Handover]:
    """Drafts and requests waiting for a decision, of one rep (in one team)."""
    query = select(Handover).where(Handover.from_user == owner, Handover.state.in_(OPEN))
    if team_id is not None:
        query = query.where(Handover.team_id == team_id)
    return list(session.scalars(query.order_by(Handover.id)))


def take_draft(*, session: Session, handover_id: int, to_user: str, by: str, reason: str,
               effective_on: date) -> bool:
    """A successor chosen for a draft: the draft becomes a request, once (of two racing choices one wins)."""
    result = session.execute(
        update(Handover).where(Handover.id == handover_id, Handover.state == "draft")
        .values(state="pending", to_user=to_user, requested_by=by, reason=reason, effective_on=effective_on)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def transfer(*, session: Session, handover: Handover, to_user: str, approved_by: str, at: datetime,
             effective_on: date) -> int:
    """Move the handover's customers to ``to_user`` with their open due items and planned next steps;
    the ownership history gets a row per customer. Returns how many customers moved.

    Open issues and churn warnings belong to the customer and follow it. Closed due items and past
    follow-ups keep the person who had them.
    """
    where = _of(handover.from_user, handover.team_id, handover.numbers)
    # The history first: it names exactly the customers that move (the statements below use it).
    session.execute(insert(OwnershipChange).from_select(
        ["customer_id", "from_owner", "to_owner", "handover_id", "approved_by", "approved_at", "effective_on"],
        select(Customer.id, Customer.owner_id, literal(to_user), literal(handover.id), literal(approved_by),
               bindparam("approved_at", at, type_=OwnershipChange.__table__.c.approved_at.type),
               bindparam("effective_on", effective_on, type_=OwnershipChange.__table__.c.effective_on.type))
        .where(*where).order_by(Customer.id)))
    moved_ids = select(OwnershipChange.customer_id).where(OwnershipChange.handover_id == handover.id)
    moved = session.scalar(select(func.count()).select_from(OwnershipChange)
                           .where(OwnershipChange.handover_id == handover.id)) or 0
    if not moved:
        return 0
    session.execute(update(Customer).where(Customer.id.in_(moved_ids))
                    .values(owner_id=to_user, snoozed_until=None, updated_at=at)
                    .execution_options(synchronize_session=False))
    session.execute(update(DueItem).where(DueItem.owner_id == handover.from_user, DueItem.done_at.is_(None),
                                          DueItem.customer_id.in_(moved_ids))
                    .values(owner_id=to_user).execution_options(synchronize_session=False))
    # The planned next step each customer still has: the follow-up that planned it names its owner.
    pending_step = select(Customer.next_step_at).where(Customer.id == FollowUp.customer_id).scalar_subquery()
    session.execute(update(FollowUp).where(FollowUp.customer_id.in_(moved_ids),
                                           FollowUp.next_step_owner == handover.from_user,
                                           FollowUp.next_step_at.is_not(None),
                                           FollowUp.next_step_at == pending_step)
                    .values(next_step_owner=to_user).execution_options(synchronize_session=False))
    return moved


@dataclass(frozen=True)
class DueFacts:
    id: int
    team_id: int
    registration: str
    grade: str | None
    status: str
    paused: bool
    created_at: datetime
    last_contact_at: datetime | None
    last_stage: str | None
    next_step_at: datetime | None
    next_due_at: datetime | None
    due_reason: str | None


def due_facts_of_handover(*, session: Session, handover_id: int) -> list[DueFacts]:
    """What the cadence engine needs of each moved customer, as plain rows."""
    rows = session.execute(
        select(Customer.id, Customer.team_id, Customer.registration, Customer.grade, Customer.status,
               Customer.paused, Customer.created_at, Customer.last_contact_at, Customer.last_stage,
               Customer.next_step_at, Customer.next_due_at, Customer.due_reason)
        .join(OwnershipChange, OwnershipChange.customer_id == Customer.id)
        .where(OwnershipChange.handover_id == handover_id))
    return [DueFacts(**row._asdict()) for row in rows]


def set_due_dates(*, session: Session, changes: Sequence[tuple[int, datetime | None, str | None]]) -> None:
    """``(customer id, next_due_at, due_reason)`` in one executemany."""
    if not changes:
        return
    table: Any = Customer.__table__
    session.execute(update(table).where(table.c.id == bindparam("cid"))
                    .values(next_due_at=bindparam("due"), due_reason=bindparam("why")),
                    [{"cid": cid, "due": due, "why": why} for cid, due, why in changes])


def moved_numbers(*, session: Session, handover_id: int, limit: int) -> list[str]:
    return list(session.scalars(select(Customer.number).join(OwnershipChange, OwnershipChange.customer_id == Customer.id)
                                .where(OwnershipChange.handover_id == handover_id).order_by(Customer.number)
                                .limit(limit)))


def ownership_history(*, session: Session, customer_id: int) -> list[OwnershipChange]:
    return list(session.scalars(select(OwnershipChange).where(OwnershipChange.customer_id == customer_id)
                                .order_by(OwnershipChange.id)))


@dataclass(frozen=True)
class AwaitingRow:
    customer_id: int
    number: str
    company: str
    team_id: int
    from_owner: str
    to_owner: str
    effective_on: date
    handover_id: int


def awaiting_contact(*, session: Session, since: date, successor: str | None,
                     team_ids: Sequence[int] | None) -> list[AwaitingRow]:
    """Customers handed over with an effective date on or after ``since``, still owned by the
    successor, who has logged no follow-up with them since that date (the caller turns the date
    into its team's midnight: ``contacted_since`` per row is checked by the service)."""
    query = (select(Customer.id, Customer.number, Customer.company, Customer.team_id, OwnershipChange.from_owner,
                    OwnershipChange.to_owner, OwnershipChange.effective_on, OwnershipChange.handover_id)
             .join(OwnershipChange, OwnershipChange.customer_id == Customer.id)
             .where(OwnershipChange.effective_on >= since, Customer.owner_id == OwnershipChange.to_owner, MOVABLE,
                    Customer.status != "churned"))
    if successor is not None:
        query = query.where(OwnershipChange.to_owner == successor)
    if team_ids is not None:
        query = query.where(Customer.team_id.in_(list(team_ids)))
    return [AwaitingRow(*row) for row in session.execute(query.order_by(OwnershipChange.effective_on, Customer.number))]


def contacted_since(*, session: Session, pairs: Sequence[tuple[int, str]],
                    since: datetime) -> dict[tuple[int, str], datetime]:
    """The latest follow-up on or after ``since`` of each (customer id, author) pair that has one."""
    found: dict[tuple[int, str], datetime] = {}
    wanted = set(pairs)
    ids = sorted({c for c, _ in pairs})
    for start in range(0, len(ids), 500):
        rows = session.execute(select(FollowUp.customer_id, FollowUp.author_id, func.max(FollowUp.occurred_at))
                               .where(FollowUp.customer_id.in_(ids[start:start + 500]), FollowUp.occurred_at >= since)
                               .group_by(FollowUp.customer_id, FollowUp.author_id))
        found |= {(c, a): at for c, a, at in rows if (c, a) in wanted}
    return found


@dataclass(frozen=True)
class OrphanRow:
    customer_id: int
    number: str
    company: str
    team_id: int
    owner: str
    grade: str | None
    status: str
    draft_id: int | None


def customers_of_deactivated(*, session: Session, team_ids: Sequence[int] | None) -> list[OrphanRow]:
    """Live customers whose owner's Slack account is deactivated and no handover request covers them
    (their rep's draft, if any, is named)."""
    deactivated = exists().where(SlackUserCache.slack_user_id == Customer.owner_id, SlackUserCache.deleted.is_(True))
    draft = (select(Handover.id).where(Handover.from_user == Customer.owner_id, Handover.team_id == Customer.team_id,
                                       Handover.state == "draft").limit(1).scalar_subquery())
    query = (select(Customer.id, Customer.number, Customer.company, Customer.team_id, Customer.owner_id,
                    Customer.grade, Customer.status, draft)
             .where(deactivated, MOVABLE, Customer.status != "churned"))
    if team_ids is not None:
        query = query.where(Customer.team_id.in_(list(team_ids)))
    rows = [OrphanRow(*row) for row in session.execute(query.order_by(Customer.team_id, Customer.owner_id,
                                                                       Customer.number))]
    owners = {(r.owner, r.team_id) for r in rows}
    pending: dict[tuple[str, int], list[Handover]] = {}
    if owners:
        for handover in session.scalars(select(Handover).where(
                Handover.state == "pending", Handover.from_user.in_(sorted({o for o, _ in owners})))):
            pending.setdefault((handover.from_user, handover.team_id), []).append(handover)

    def covered(row: OrphanRow) -> bool:
        return any(h.numbers is None or row.number in h.numbers for h in pending.get((row.owner, row.team_id), []))

    return [row for row in rows if not covered(row)]


def open_items_counts(*, session: Session, owner: str, team_id: int) -> tuple[int, int]:
    """(customers, open items) of a rep in a team: next steps, open due items, open issues, warnings."""
    where = _of(owner, team_id, None)
    customers, steps, warnings = session.execute(select(
        func.count(), func.count(Customer.next_step_at),
        func.coalesce(func.sum(case((Customer.warning.is_(True), 1), else_=0)), 0),
    ).where(*where)).one()
    ids = select(Customer.id).where(*where).scalar_subquery()
    due = session.scalar(select(func.count()).select_from(DueItem).where(DueItem.customer_id.in_(ids),
                                                                        DueItem.done_at.is_(None))) or 0
    issues = session.scalar(select(func.count()).select_from(Issue).where(Issue.customer_id.in_(ids),
                                                                          Issue.resolved_at.is_(None))) or 0
    return customers, steps + int(warnings) + due + issues
