"""Queries: keyword-only functions over a session. No Slack, no rendering."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, selectinload

from storage.models import (
    ApprovalRequest,
    AppState,
    AuditEntry,
    Base,
    ChurnAlert,
    Customer,
    Deal,
    DueItem,
    FollowUp,
    GradeChange,
    Issue,
    NumberSequence,
    OutboxMessage,
    ProcessedRequest,
    RateLimit,
    SlackUserCache,
    StatusChange,
    Team,
)


def insert_ignoring_conflict(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either database; True when the row was inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING rather than rowcount: psycopg reports a row count for a conflict that inserted nothing.
    statement: Any = insert(model).values(**values).on_conflict_do_nothing().returning(literal_column("1"))
    # Flushed first as session.execute would, then run as the plain statement it is: the ORM's
    # bulk-insert handling costs more than the insert itself (outbox rows, request keys, on every ack).
    session.flush()
    return session.connection().execute(statement).first() is not None


def upsert(session: Session, model: type[Base], values: dict[str, Any], *, key: list[str]) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE on either database: safe when two processes race."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in key}
    session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))


# Users -------------------------------------------------------------------------------------------


def get_slack_user(*, session: Session, user_id: str) -> SlackUserCache | None:
    return session.get(SlackUserCache, user_id)


def slack_users(*, session: Session, user_ids: list[str]) -> dict[str, SlackUserCache]:
    found: dict[str, SlackUserCache] = {}
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start:start + 500]
        found |= {u.slack_user_id: u for u in session.scalars(
            select(SlackUserCache).where(SlackUserCache.slack_user_id.in_(chunk)))}
    return found


def save_slack_user(
    *, session: Session, user_id: str, tz: str | None, locale: str | None, real_name: str | None,
    deleted: bool, now: datetime,
) -> None:
    upsert(session, SlackUserCache, {"slack_user_id": user_id, "tz": tz, "locale": locale, "real_name": real_name,
                                     "deleted": deleted, "fetched_at": now}, key=["slack_user_id"])


# Teams and numbers -------------------------------------------------------------------------------


def team_by_name(*, session: Session, name: str) -> Team:
    return session.scalars(select(Team).where(Team.name == name)).one()


def team_names_by_id(*, session: Session) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(select(Team.id, Team.name))}


def next_sequence(*, session: Session, key: str) -> int:
    """Atomically take the next number of a sequence; concurrent callers never get the same one."""
    insert_ignoring_conflict(session, NumberSequence, {"key": key, "last": 0})
    return session.execute(
        update(NumberSequence)
        .where(NumberSequence.key == key)
        .values(last=NumberSequence.last + 1)
        .returning(NumberSequence.last)
    ).scalar_one()


# Customers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerScope:
    """Which customers someone may see: their own, their teams', or (admins) all."""

    user_id: str
    team_ids: tuple[int, ...] = ()
    everything: bool = False

    def clause(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        own = Customer.owner_id == self.user_id
        return or_(own, Customer.team_id.in_(self.team_ids)) if self.team_ids else own


LIVE = Customer.registration != "rejected"


def visible_customer(*, session: Session, scope: CustomerScope, customer_id: int,
                     contacts: bool = True) -> Customer | None:
    """The customer if the scope may see it; ``contacts=False`` leaves its contacts unread (hot writes
    that never show them save a query inside the write transaction)."""
    statement = select(Customer).where(Customer.id == customer_id, LIVE, scope.clause())
    if contacts:
        statement = statement.options(selectinload(Customer.contacts))
    return session.scalars(statement).one_or_none()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def graded_customers_of_team(*, session: Session, team_id: int, graded_before: datetime) -> list[Customer]:
    """Live customers of a team whose current grade was given before ``graded_before``."""
    last_graded = (
        select(GradeChange.customer_id, func.max(GradeChange.decided_at).label("at"))
        .group_by(GradeChange.customer_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Customer)
            .join(last_graded, last_graded.c.customer_id == Customer.id)
            .where(Customer.team_id == team_id, Customer.grade.is_not(None), LIVE, last_graded.c.at < graded_before)
            .order_by(Customer.id)
        )
    )


def customer_by_name_key(*, session: Session, name_key: str) -> Customer | None:
    return session.scalars(select(Customer).where(Customer.name_key == name_key)).one_or_none()


def get_customer(*, session: Session, customer_id: int) -> Customer | None:
    return session.scalars(
        select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.contacts))
    ).one_or_none()


def customers_by_owner(*, session: Session, owner_id: str, registration: str | None = None) -> list[Customer]:
    query = select(Customer).where(Customer.owner_id == owner_id)
    if registration:
        query = query.where(Customer.registration == registration)
    return list(session.scalars(query.order_by(Customer.id)))


def count_followups(*, session: Session, customer_id: int) -> int:
    return session.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.customer_id == customer_id)) or 0


def recent_followups(*, session: Session, customer_id: int, limit: int = 10) -> list[FollowUp]:
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.customer_id == customer_id)
            .order_by(FollowUp.occurred_at.desc(), FollowUp.id.desc())
            .limit(limit)
        )
    )


def followup_by_request_key(*, session: Session, key: str) -> FollowUp | None:
    return session.scalars(select(FollowUp).where(FollowUp.request_key == key)).one_or_none()


def issue_by_request_key(*, session: Session, key: str) -> Issue | None:
    return session.scalars(select(Issue).where(Issue.request_key == key)).one_or_none()


def overdue_issues(*, session: Session, now: datetime) -> list[tuple[Issue, Customer]]:
    """Open issues past their deadline: no response yet, or (complex ones) no solution yet."""
    rows = session.execute(
        select(Issue, Customer)
        .join(Customer, Customer.id == Issue.customer_id)
        .where(
            Issue.deadline_at <= now,
            Issue.resolved_at.is_(None),
            or_(Issue.deadline_kind == "solution", Issue.responded_at.is_(None)),
        )
    )
    return [(issue, customer) for issue, customer in rows]


def deal_by_request_key(*, session: Session, key: str) -> Deal | None:
    return session.scalars(select(Deal).where(Deal.request_key == key)).one_or_none()


def open_due_items(*, session: Session, customer_id: int, kind: str | None = None) -> list[DueItem]:
    query = select(DueItem).where(DueItem.customer_id == customer_id, DueItem.done_at.is_(None))
    if kind:
        query = query.where(DueItem.kind == kind)
    return list(session.scalars(query.order_by(DueItem.due_at)))


def close_due_items(*, session: Session, customer_id: int, kind: str, at: datetime, by: str, resolution: str) -> None:
    session.execute(
        update(DueItem)
        .where(DueItem.customer_id == customer_id, DueItem.kind == kind, DueItem.done_at.is_(None))
        .values(done_at=at, done_by=by, resolution=resolution)
        .execution_options(synchronize_session=False)
    )


def add_status_change(
    *, session: Session, customer: Customer, to_status: str, by: str, at: datetime, reason: str | None = None,
    first: bool = False,
) -> None:
    """Move the customer to ``to_status`` and keep the step in the history (``first``: a new customer)."""
    session.add(
        StatusChange(
            customer_id=customer.id, from_status=None if first else customer.status,
            to_status=to_status, changed_by=by, changed_at=at, reason=reason,
        )
    )
    customer.status = to_status


def status_history(*, session: Session, customer_id: int) -> list[StatusChange]:
    return list(
        session.scalars(
            select(StatusChange).where(StatusChange.customer_id == customer_id).order_by(StatusChange.id)
        )
    )


def audit(
    *, session: Session, actor: str, action: str, entity: Base, at: datetime,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at, actor_id=actor, action=action, entity_type=entity.__tablename__,
            entity_id=entity.id, before=before, after=after,  # type: ignore[attr-defined]
        )
    )


def audit_trail(*, session: Session, entity_type: str, entity_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id)
        )
    )


# Approval requests -------------------------------------------------------------------------------


def get_approval(*, session: Session, request_id: int) -> ApprovalRequest | None:
    return session.get(ApprovalRequest, request_id)


def serialize_on(*, session: Session, name: str) -> None:
    """Hold a lock named ``name`` until this transaction ends, so writers of one thing take turns.

    For "one per X" rules that an insert cannot guard by a key of its own (one pending approval per
    subject: a new one supersedes the old). PostgreSQL: a transaction advisory lock scoped to the
    schema; SQLite's writers already take turns (``BEGIN IMMEDIATE``).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || :name, 0))"),
                        {"name": name})


def open_approvals(*, session: Session, kind: str, subject_id: int) -> list[ApprovalRequest]:
    return list(
        session.scalars(
            select(ApprovalRequest).where(
                ApprovalRequest.kind == kind,
                ApprovalRequest.subject_id == subject_id,
                ApprovalRequest.state == "pending",
            )
        )
    )


def approvals_for(*, session: Session, kind: str, subject_id: int) -> list[ApprovalRequest]:
    return list(
        session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.kind == kind, ApprovalRequest.subject_id == subject_id)
            .order_by(ApprovalRequest.id)
        )
    )


def decide_approval(
    *, session: Session, request_id: int, state: str, by: str, at: datetime, reason: str | None
) -> bool:
    """Record a decision only if the request is still pending: of two racing clicks, one wins."""
    result = session.execute(
        update(ApprovalRequest)
        .where(ApprovalRequest.id == request_id, ApprovalRequest.state == "pending")
        .values(state=state, decided_by=by, decided_at=at, reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def count_pending_approvals(*, session: Session, team_ids: list[int] | None = None,
                            requester: str | None = None) -> int:
    query = select(func.count()).select_from(ApprovalRequest).where(ApprovalRequest.state == "pending")
    if team_ids is not None:
        query = query.where(ApprovalRequest.team_id.in_(team_ids))
    if requester is not None:
        query = query.where(ApprovalRequest.requester_id == requester)
    return session.scalar(query) or 0


# Idempotency -------------------------------------------------------------------------------------


_CLAIM_KEY = {name: dialect.insert(ProcessedRequest).on_conflict_do_nothing().returning(literal_column("1"))
              for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_SAVE_RESULT = update(ProcessedRequest).where(ProcessedRequest.key == bindparam("claimed")).values(
    result=bindparam("result"))


def claim_request_key(*, session: Session | Connection, key: str, at: datetime) -> bool:
    """True the first time a key is seen; False for a retry or a double click.

    In a session (a use case's own key, beside its changes) or on a bare connection (the delivery
    claim of every request); the statement is built once."""
    if isinstance(session, Session):
        session.flush()
        conn = session.connection()
    else:
        conn = session
    values = {"key": key, "created_at": at, "result": {}}
    # RETURNING rather than rowcount: psycopg reports a row count for a conflict that inserted nothing.
    return conn.execute(_CLAIM_KEY[conn.dialect.name], values).first() is not None


def processed_result(*, session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(ProcessedRequest, key)
    return None if row is None else row.result


def request_claim(*, session: Session, key: str) -> tuple[datetime | None, dict[str, Any]]:
    """When the key was claimed (None: it is not) and what was recorded for it."""
    row = session.get(ProcessedRequest, key)
    return (None, {}) if row is None else (row.created_at, row.result or {})


def save_request_result(*, session: Session | Connection, key: str, result: dict[str, Any]) -> None:
    """A plain UPDATE (no ORM synchronisation: the callers never hold the row as an object)."""
    conn = session.connection() if isinstance(session, Session) else session
    conn.execute(_SAVE_RESULT, {"claimed": key, "result": result})


# Outbox ------------------------------------------------------------------------------------------


def enqueue_message(*, session: Session, values: dict[str, Any]) -> bool:
    return insert_ignoring_conflict(session, OutboxMessage, values)


def pending_outbox_scopes_by_keys(*, session: Session, keys: list[str]) -> list[tuple[int, str, str]]:
    """(id, method, channel) of the pending messages queued under ``keys``."""
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.method, OutboxMessage.channel).where(
        OutboxMessage.key.in_(keys), OutboxMessage.state == "pending"))
    return [(row[0], row[1], row[2]) for row in rows]


_MARK_SENT = update(OutboxMessage).where(OutboxMessage.id == bindparam("message_id")).values(
    state="sent", sent_at=bindparam("at"), result_ts=bindparam("ts"), claimed_until=None, claimed_by=None,
    last_error=None, first_failed_at=None)
_EDIT_PENDING = and_(OutboxMessage.method == "chat.update", OutboxMessage.state == "pending")
_PENDING_EDITS = select(OutboxMessage.id).where(
    _EDIT_PENDING, OutboxMessage.payload["edits"].as_string() == bindparam("post_key"))
# PostgreSQL: the mark and the look for edits waiting on the post in one statement (one round trip).
_MARK_SENT_WITH_EDITS = _PENDING_EDITS.add_cte(_MARK_SENT.cte("marked"))


def mark_outbox_sent(*, session: Session | Connection, message_id: int, at: datetime, ts: str | None,
                     post_key: str | None = None) -> list[int]:
    """Mark a message sent with a prepared UPDATE (the row is not loaded: its payload need not be
    decoded). With ``post_key``, also returns the edits queued for that post (``Outgoing.edits``)
    still to send, in the same statement on PostgreSQL."""
    conn = session.connection() if isinstance(session, Session) else session
    params = {"message_id": message_id, "at": at, "ts": ts, "post_key": post_key}
    if post_key is None:
        conn.execute(_MARK_SENT, params)
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(_MARK_SENT_WITH_EDITS, params).scalars())
    conn.execute(_MARK_SENT, params)
    return list(conn.execute(_PENDING_EDITS, params).scalars())


def edits_pending(*, session: Session) -> bool:
    """Whether any edit (a pending chat.update) waits at all: most mornings none does, and a post
    sent then needs no look for edits of its own."""
    return session.scalar(select(OutboxMessage.id).where(_EDIT_PENDING).limit(1)) is not None


def pending_updates_of(*, session: Session, approval_request_ids: list[int]) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id).where(_EDIT_PENDING, OutboxMessage.approval_request_id.in_(approval_request_ids))
        )
    )


def outbox_message_by_key(*, session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one_or_none()


def posted_message(*, session: Session, key: str) -> tuple[str, str] | None:
    """Where the post queued under ``key`` landed, (channel, ts), once Slack accepted it.

    The message a record's buttons update is this one, whatever channel or ts a request names.
    """
    row = session.execute(select(OutboxMessage.channel, OutboxMessage.result_ts).where(
        OutboxMessage.key == key, OutboxMessage.method == "chat.postMessage")).one_or_none()
    if row is None or row.result_ts is None:
        return None
    return row.channel, row.result_ts


def next_outbox_time(*, session: Session, now: datetime) -> datetime | None:
    """When the next pending message may be sent; messages another process is sending don't count."""
    return session.scalar(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.state == "pending",
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
        )
    )


def pending_outbox_ids(*, session: Session, ids: list[int]) -> list[int]:
    return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.id.in_(ids),
                                                               OutboxMessage.state == "pending")))


def _claimable(now: datetime, dead: list[str]) -> Any:
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now,
               OutboxMessage.claimed_by.in_(dead))


def claimable_outbox(*, session: Session, now: datetime, dead: list[str], ids: list[int] | None,
                     busy_channels: list[str], busy_methods: list[str], scan: int = 200) -> list[tuple[int, str, str]]:
    """The oldest due, unclaimed (or claimed by a dead process) message of each method and channel,
    leaving out busy channels (posts) and methods: (id, method, channel). Channels with the longest
    backlog come first: at one post a second, the busiest channel sets when everything is out, so
    it must never wait behind a thousand one-off DMs."""
    query = select(func.min(OutboxMessage.id), OutboxMessage.method, OutboxMessage.channel).where(
        OutboxMessage.state == "pending", OutboxMessage.not_before <= now, _claimable(now, dead))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if busy_channels:
        query = query.where(or_(OutboxMessage.method != "chat.postMessage",
                                OutboxMessage.channel.not_in(busy_channels)))
    if busy_methods:
        query = query.where(OutboxMessage.method.not_in(busy_methods))
    query = query.group_by(OutboxMessage.method, OutboxMessage.channel).order_by(
        func.count().desc(), func.min(OutboxMessage.id)).limit(scan)
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


@dataclass(frozen=True)
class ClaimedRow:
    """A message just claimed, its payload as the JSON text stored (see ``claim_outbox_ids``)."""

    id: int
    key: str
    method: str
    channel: str
    payload_json: str
    approval_request_id: int | None


def claim_outbox_ids(*, session: Session, ids: list[int], now: datetime, lease_until: datetime, claimant: str,
                     dead: list[str]) -> list[ClaimedRow]:
    """Claim what is still claimable of ``ids``, in id order: one conditional UPDATE … RETURNING (of
    two processes, one wins each).

    Payloads come back undecoded: a batch of decoded payloads lives long enough to leave the
    garbage collector's young generation, and the full collections that follows cost a 10,000-DM
    morning a fifth of its time. Each is decoded when it is posted."""
    if not ids:
        return []
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.state == "pending", _claimable(now, dead))
        .values(claimed_until=lease_until, claimed_by=claimant)
        .returning(OutboxMessage.id, OutboxMessage.key, OutboxMessage.method, OutboxMessage.channel,
                   cast(OutboxMessage.payload, Text), OutboxMessage.approval_request_id)
        .execution_options(synchronize_session=False))
    return sorted((ClaimedRow(*row) for row in rows), key=lambda row: row.id)


def release_outbox_claims(*, session: Session, ids: list[int], claimant: str) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by.startswith(claimant))
        .values(claimed_until=None, claimed_by=None).execution_options(synchronize_session=False))


def outbox_claimants(*, session: Session, now: datetime) -> list[str]:
    """Processes holding live claims on pending messages."""
    return [who for who in session.scalars(
        select(OutboxMessage.claimed_by).where(OutboxMessage.state == "pending", OutboxMessage.claimed_until > now)
        .distinct()) if who]


def active_rate_limits(*, session: Session, now: datetime) -> set[str]:
    return set(session.scalars(select(RateLimit.scope).where(RateLimit.until > now)))


def next_rate_limit_end(*, session: Session, now: datetime) -> datetime | None:
    return session.scalar(select(func.min(RateLimit.until)).where(RateLimit.until > now))


def block_scope(*, session: Session, scope: str, until: datetime) -> None:
    """Slack answered 429 for ``scope``: every process leaves it alone until ``until``."""
    current = session.get(RateLimit, scope)
    if current is None:
        if insert_ignoring_conflict(session, RateLimit, {"scope": scope, "until": until}):
            return
        current = session.get(RateLimit, scope)
        assert current is not None
    if current.until < until:
        current.until = until


def deactivated_users(*, session: Session, user_ids: list[str]) -> set[str]:
    if not user_ids:
        return set()
    return set(session.scalars(select(SlackUserCache.slack_user_id).where(SlackUserCache.slack_user_id.in_(user_ids),
                                                                     SlackUserCache.deleted.is_(True))))


# Application state -------------------------------------------------------------------------------


def get_state(*, session: Session, key: str) -> str | None:
    row = session.get(AppState, key)
    return None if row is None else row.value


def set_state(*, session: Session, key: str, value: str) -> None:
    upsert(session, AppState, {"key": key, "value": value}, key=["key"])


def customers_after(*, session: Session, after_id: int, limit: int) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.id > after_id).order_by(Customer.id).limit(limit)))


DUE_COLUMNS = (Customer.id, Customer.owner_id, Customer.team_id, Customer.number, Customer.company, Customer.grade,
               Customer.status, Customer.last_stage, Customer.next_due_at, Customer.due_reason)


def due_customers(*, session: Session, owner_ids: list[str], until: datetime, now: datetime) -> Sequence[Any]:
    """Customers of these owners due before ``until``, leaving out snoozed, paused and dead ones.

    Rows of the columns a due list shows, not whole customers, through Core (no ORM row processing):
    this runs over thousands of reps at once.
    """
    return (
        session.connection().execute(
            select(*DUE_COLUMNS).where(
                Customer.owner_id.in_(owner_ids),
                Customer.next_due_at < until,
                Customer.paused.is_(False),
                LIVE,
                or_(Customer.snoozed_until.is_(None), Customer.snoozed_until <= now),
            )
        ).all()
    )


def due_items_for(*, session: Session, owner_ids: list[str], until: datetime, now: datetime) -> Sequence[Any]:
    """Open due items (re-grade, revisits, reactivation …) of these owners due before ``until``,
    with the columns of their customer a due list shows."""
    return (
        session.connection().execute(
            select(DueItem.owner_id.label("item_owner"), DueItem.due_at, DueItem.kind, DueItem.note, *DUE_COLUMNS)
            .join(Customer, Customer.id == DueItem.customer_id)
            .where(
                DueItem.owner_id.in_(owner_ids),
                DueItem.done_at.is_(None),
                DueItem.due_at < until,
                LIVE,
                or_(Customer.snoozed_until.is_(None), Customer.snoozed_until <= now),
                or_(Customer.paused.is_(False), DueItem.kind == "reactivation"),
            )
        ).all()
    )


# Scheduled duties --------------------------------------------------------------------------------

ACTIVE = (LIVE, Customer.paused.is_(False), Customer.status != "churned")


def existing_outbox_keys(*, session: Session, keys: list[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found += session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))
    return found


def count_live_customers(*, session: Session, owner_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Customer).where(Customer.owner_id == owner_id, LIVE,
                                                         Customer.status != "churned")
    ) or 0


def missed_next_steps(*, session: Session, before: datetime, team_id: int | None = None) -> list[Customer]:
    """Active customers whose planned next step is older than ``before`` and still pending."""
    query = select(Customer).where(*ACTIVE, Customer.next_step_at.is_not(None), Customer.next_step_at <= before)
    if team_id is not None:
        query = query.where(Customer.team_id == team_id)
    return list(session.scalars(query.order_by(Customer.next_step_at)))


def never_contacted(*, session: Session, assigned_before: datetime) -> list[Customer]:
    return list(
        session.scalars(
            select(Customer)
            .where(*ACTIVE, Customer.last_contact_at.is_(None), Customer.created_at <= assigned_before)
            .order_by(Customer.id)
        )
    )


SILENCE_COLUMNS = (Customer.id, Customer.team_id, Customer.owner_id, Customer.number, Customer.company,
                   Customer.grade, Customer.created_at, Customer.last_contact_at)


def silent_customers(*, session: Session, grade: str, since: datetime) -> list[Any]:
    """Active customers of a grade not contacted since ``since`` (or never, and assigned before it):
    rows of what the alert shows, not whole customers (at a million customers, tens of thousands)."""
    return list(
        session.connection().execute(
            select(*SILENCE_COLUMNS).where(
                *ACTIVE,
                Customer.grade == grade,
                or_(
                    Customer.last_contact_at < since,
                    and_(Customer.last_contact_at.is_(None), Customer.created_at < since),
                ),
            )
        )
    )


def followup_counts_since(*, session: Session, team_id: int, grade: str, since: datetime,
                          until: datetime) -> list[tuple[Customer, int]]:
    counts = (
        select(FollowUp.customer_id, func.count().label("n"))
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(Customer.team_id == team_id, Customer.grade == grade, FollowUp.occurred_at >= since,
               FollowUp.occurred_at <= until)
        .group_by(FollowUp.customer_id)
        .subquery()
    )
    rows = session.execute(select(Customer, counts.c.n).join(counts, counts.c.customer_id == Customer.id))
    return [(customer, int(n)) for customer, n in rows]


def unanswered_objections(*, session: Session, since: datetime, until: datetime) -> list[tuple[FollowUp, Customer]]:
    """Follow-ups that recorded an objection without an answer, with no later follow-up since."""
    later = aliased(FollowUp)
    rows = session.execute(
        select(FollowUp, Customer)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(
            *ACTIVE,
            FollowUp.objection.is_not(None), FollowUp.objection != "",
            or_(FollowUp.objection_answer.is_(None), FollowUp.objection_answer == ""),
            FollowUp.occurred_at >= since, FollowUp.occurred_at <= until,
            ~select(later.id).where(later.customer_id == FollowUp.customer_id,
                                    later.occurred_at > FollowUp.occurred_at).exists(),
        )
    )
    return [(followup, customer) for followup, customer in rows]


def followup_stats(*, session: Session, team_id: int, since: datetime, until: datetime) -> dict[str, tuple[int, int]]:
    """Per author: follow-ups logged in the period and how many of them late."""
    rows = session.execute(
        select(FollowUp.author_id, func.count(), func.sum(case((FollowUp.late.is_(True), 1), else_=0)))
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(Customer.team_id == team_id, FollowUp.logged_at >= since, FollowUp.logged_at < until)
        .group_by(FollowUp.author_id)
    )
    return {author: (int(count), int(late or 0)) for author, count, late in rows}


def overdue_customers(*, session: Session, team_id: int, now: datetime) -> list[Customer]:
    return list(
        session.scalars(
            select(Customer).where(*ACTIVE, Customer.team_id == team_id, Customer.next_due_at < now)
            .order_by(Customer.next_due_at)
        )
    )


def overdue_by_owner(*, session: Session, team_id: int, now: datetime) -> dict[str, int]:
    """How many of a team's customers ``overdue_customers`` would list, per owner (counted in SQL)."""
    rows = session.execute(
        select(Customer.owner_id, func.count())
        .where(*ACTIVE, Customer.team_id == team_id, Customer.next_due_at < now)
        .group_by(Customer.owner_id))
    return {owner: int(count) for owner, count in rows}


def oldest_overdue(*, session: Session, team_id: int, now: datetime, limit: int) -> list[Customer]:
    """The first ``limit`` of ``overdue_customers``: the longest overdue first."""
    return list(session.scalars(
        select(Customer).where(*ACTIVE, Customer.team_id == team_id, Customer.next_due_at < now)
        .order_by(Customer.next_due_at, Customer.id).limit(limit)))


def missed_steps_by_owner(*, session: Session, team_id: int, before: datetime) -> dict[str, int]:
    """How many of a team's customers ``missed_next_steps`` would list, per owner (counted in SQL)."""
    rows = session.execute(
        select(Customer.owner_id, func.count())
        .where(*ACTIVE, Customer.team_id == team_id, Customer.next_step_at.is_not(None),
               Customer.next_step_at <= before)
        .group_by(Customer.owner_id))
    return {owner: int(count) for owner, count in rows}


def due_reactivations(*, session: Session, now: datetime) -> list[tuple[DueItem, Customer]]:
    rows = session.execute(
        select(DueItem, Customer)
        .join(Customer, Customer.id == DueItem.customer_id)
        .where(DueItem.kind == "reactivation", DueItem.done_at.is_(None), DueItem.due_at <= now,
               Customer.paused.is_(True))
    )
    return [(item, customer) for item, customer in rows]


def close_older_due_items(*, session: Session, customer_id: int, kind: str, before: datetime, at: datetime,
                          resolution: str) -> None:
    session.execute(
        update(DueItem)
        .where(DueItem.customer_id == customer_id, DueItem.kind == kind, DueItem.done_at.is_(None),
               DueItem.due_at < before)
        .values(done_at=at, resolution=resolution)
        .execution_options(synchronize_session=False)
    )


# Churn ---------------------------------------------------------------------------------------------

CHURN_CHUNK = 50_000  # customer ids aggregated at a time by churn_signals
# What scoring reads of a customer (its cadence, last contact and flag): no more, a million rows come.
CHURN_COLUMNS = (Customer.id, Customer.team_id, Customer.grade, Customer.status, Customer.last_stage,
                 Customer.last_contact_at, Customer.warning)


def churn_signals(*, session: Session, team_ids: list[int], now: datetime, window_start: datetime,
                  previous_start: datetime, keywords: list[str]) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Every active customer of a team with the churn signals of its follow-ups and complaints:
    contacts in the window and the window before, satisfaction, payment delay, competitor keywords
    in notes or feedback, open and late complaints.

    Chunked: one aggregation per ``CHURN_CHUNK`` customer ids, each read whole and yielded while the
    session is open, so a million customers are never all in memory. (Not a server-side cursor:
    PostgreSQL plans a cursor without parallel workers, which made one aggregation over 20 million
    follow-ups twice as slow as the same query run plainly.)"""
    recent = FollowUp.occurred_at >= window_start
    mentions = or_(*[func.lower(column).like(f"%{_escape_like(k.casefold())}%", escape="\\")
                     for k in keywords for column in (FollowUp.notes, FollowUp.feedback)]) if keywords else false()
    low_id, high_id = session.execute(
        select(func.min(Customer.id), func.max(Customer.id)).where(Customer.team_id.in_(team_ids))).one()
    if low_id is None:
        return
    width = len(CHURN_COLUMNS)
    for start in range(low_id, high_id + 1, CHURN_CHUNK):
        end = start + CHURN_CHUNK - 1
        followups = (
            select(
                FollowUp.customer_id.label("customer_id"),
                func.sum(case((recent, 1), else_=0)).label("recent"),
                func.sum(case((recent, 0), else_=1)).label("previous"),
                func.min(case((recent, FollowUp.satisfaction))).label("min_satisfaction"),
                func.avg(case((recent, FollowUp.satisfaction))).label("avg_satisfaction"),
                func.max(case((recent, FollowUp.payment_delay_days))).label("payment_delay"),
                func.max(case((and_(recent, mentions), 1), else_=0)).label("competitor"),
            )
            .where(FollowUp.customer_id.between(start, end), FollowUp.occurred_at >= previous_start,
                   FollowUp.occurred_at <= now)
            .group_by(FollowUp.customer_id)
            .subquery()
        )
        complaints = (
            select(
                Issue.customer_id.label("customer_id"),
                func.count().label("open_complaints"),
                func.sum(case((Issue.deadline_at < now, 1), else_=0)).label("late_complaints"),
            )
            .where(Issue.customer_id.between(start, end), Issue.complaint.is_(True), Issue.resolved_at.is_(None))
            .group_by(Issue.customer_id)
            .subquery()
        )
        rows = session.connection().execute(
            select(*CHURN_COLUMNS, followups.c.recent, followups.c.previous, followups.c.min_satisfaction,
                   followups.c.avg_satisfaction, followups.c.payment_delay, followups.c.competitor,
                   complaints.c.open_complaints, complaints.c.late_complaints)
            .outerjoin(followups, followups.c.customer_id == Customer.id)
            .outerjoin(complaints, complaints.c.customer_id == Customer.id)
            .where(Customer.id.between(start, end), Customer.team_id.in_(team_ids), *ACTIVE)
            .order_by(Customer.id)
        ).all()
        for row in rows:
            recent_, previous, low, average, delay, competitor, open_, late = row[width:]
            yield row, {
                "recent": int(recent_ or 0), "previous": int(previous or 0), "min_satisfaction": low,
                "avg_satisfaction": None if average is None else float(average), "payment_delay": delay,
                "competitor": int(competitor or 0), "open_complaints": int(open_ or 0), "late_complaints": int(late or 0),
            }
        del rows


def set_warning(*, session: Session, customer_id: int, warning: bool) -> bool:
    """Flag or unflag a customer only if it is not so already; True for the one caller that changed it."""
    result = session.execute(
        update(Customer).where(Customer.id == customer_id, Customer.warning.is_(not warning))
        .values(warning=warning).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def open_churn_alert(*, session: Session, customer_id: int) -> ChurnAlert | None:
    return session.scalars(
        select(ChurnAlert).where(ChurnAlert.customer_id == customer_id, ChurnAlert.closed_at.is_(None))
        .order_by(ChurnAlert.id.desc())
    ).first()


def repurchase_candidates(*, session: Session) -> list[tuple[Customer, Deal, int | None]]:
    """Maintaining customers, their latest won deal, and their latest satisfaction score."""
    latest_deal = (
        select(Deal.customer_id, func.max(Deal.id).label("deal_id"))
        .where(Deal.outcome == "won")
        .group_by(Deal.customer_id)
        .subquery()
    )
    latest_score = (
        select(FollowUp.satisfaction)
        .where(FollowUp.customer_id == Customer.id, FollowUp.satisfaction.is_not(None))
        .order_by(FollowUp.occurred_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Customer, Deal, latest_score)
        .join(latest_deal, latest_deal.c.customer_id == Customer.id)
        .join(Deal, Deal.id == latest_deal.c.deal_id)
        .where(Customer.status == "maintaining", LIVE, Customer.paused.is_(False))
    )
    return [(customer, deal, score) for customer, deal, score in rows]


# App Home ------------------------------------------------------------------------------------------


def customer_counts(*, session: Session, scope: CustomerScope) -> tuple[dict[str, int], dict[str, int]]:
    by_status = {status: count for status, count in session.execute(
        select(Customer.status, func.count()).where(LIVE, scope.clause()).group_by(Customer.status))}
    grades = session.execute(
        select(Customer.grade, func.count()).where(LIVE, scope.clause(), Customer.status != "churned")
        .group_by(Customer.grade))
    return by_status, {grade or "-": count for grade, count in grades}


def compliance(*, session: Session, scope: CustomerScope, author: str | None, since: datetime,
               until: datetime) -> tuple[int, int]:
    """Follow-ups logged in the period and how many late (the 24-hour rule), for one author or a scope."""
    query = (
        select(func.count(), func.sum(case((FollowUp.late.is_(True), 1), else_=0)))
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(scope.clause(), FollowUp.logged_at >= since, FollowUp.logged_at <= until)
    )
    if author is not None:
        query = query.where(FollowUp.author_id == author)
    logged, late = session.execute(query).one()
    return int(logged or 0), int(late or 0)


def customers_in_warning(*, session: Session, scope: CustomerScope, limit: int = 20, offset: int = 0) -> list[Customer]:
    """One page of the customers in warning someone may see, by number (``count_in_warning`` counts them all)."""
    return list(session.scalars(
        select(Customer).where(LIVE, scope.clause(), Customer.warning.is_(True))
        .order_by(Customer.number, Customer.id).offset(offset).limit(limit)))


def count_in_warning(*, session: Session, scope: CustomerScope) -> int:
    return int(session.scalar(
        select(func.count()).select_from(Customer).where(LIVE, scope.clause(), Customer.warning.is_(True))) or 0)


def overdue_in_scope(*, session: Session, scope: CustomerScope, now: datetime, limit: int,
                     offset: int = 0) -> list[Customer]:
    """One page of the active customers someone may see that are past their next due date, oldest first:
    the same customers as ``overdue_customers`` (the weekly digest's) for a supervisor's teams."""
    return list(session.scalars(
        select(Customer).where(*ACTIVE, scope.clause(), Customer.next_due_at < now)
        .order_by(Customer.next_due_at, Customer.id).offset(offset).limit(limit)))


def count_overdue_in_scope(*, session: Session, scope: CustomerScope, now: datetime) -> int:
    return int(session.scalar(
        select(func.count()).select_from(Customer).where(*ACTIVE, scope.clause(), Customer.next_due_at < now)) or 0)


# Spreadsheets (import and export) ----------------------------------------------------------------


def customer_ids_by_numbers(*, session: Session, numbers: list[str]) -> dict[str, tuple[int, str, str]]:
    """(id, company, number) of the customers whose number is one of ``numbers`` (compared
    case-insensitively), by lower-cased number."""
    return _customers_by_key(session, func.lower(Customer.number), {n.lower() for n in numbers})


def customer_ids_by_name_keys(*, session: Session, name_keys: list[str]) -> dict[str, tuple[int, str, str]]:
    """(id, company, number) of the customers whose normalised company is one of ``name_keys``."""
    return _customers_by_key(session, Customer.name_key, set(name_keys))


def _customers_by_key(session: Session, key: ColumnElement[Any] | InstrumentedAttribute[Any], wanted: set[str]) -> dict[str, tuple[int, str, str]]:
    """key → (id, company, number) of the customers whose ``key`` is one of ``wanted``, 500 keys a query."""
    found: dict[str, tuple[int, str, str]] = {}
    keys = sorted(wanted)
    for start in range(0, len(keys), 500):
        found |= {value: (customer_id, company, number) for value, customer_id, company, number in session.execute(
            select(key, Customer.id, Customer.company, Customer.number).where(key.in_(keys[start:start + 500])))
            if value}
    return found


def followup_identities(*, session: Session, customer_ids: list[int]) -> Iterator[tuple[int, datetime, str, str | None]]:
    """(customer, occurred_at, method, notes) of every follow-up of these customers: what identifies
    one, streamed a chunk of customers at a time."""
    for start in range(0, len(customer_ids), 500):
        chunk = customer_ids[start:start + 500]
        for row in session.execute(select(FollowUp.customer_id, FollowUp.occurred_at, FollowUp.method, FollowUp.notes)
                                   .where(FollowUp.customer_id.in_(chunk))):
            yield tuple(row)  # type: ignore[misc]


def raise_sequence(*, session: Session, key: str, at_least: int) -> None:
    """Move a number sequence past ``at_least`` (a number taken by hand); never moves it back."""
    insert_ignoring_conflict(session, NumberSequence, {"key": key, "last": 0})
    session.execute(update(NumberSequence).where(NumberSequence.key == key, NumberSequence.last < at_least)
                    .values(last=at_least))


def take_sequence_block(*, session: Session, key: str, count: int) -> int:
    """Atomically take ``count`` consecutive numbers of a sequence; returns the first."""
    insert_ignoring_conflict(session, NumberSequence, {"key": key, "last": 0})
    last = session.execute(
        update(NumberSequence).where(NumberSequence.key == key).values(last=NumberSequence.last + count)
        .returning(NumberSequence.last)
    ).scalar_one()
    return int(last) - count + 1


def reserve_customer_ids(*, session: Session, count: int) -> Iterator[int]:
    """``count`` ids for customers about to be inserted in bulk, which returns none: on PostgreSQL
    taken from the table's sequence; on SQLite the next ones after the largest (the caller holds
    the one write transaction, and ids are not AUTOINCREMENT, so this is what SQLite would give).

    Looking the rows up by number afterwards cost an import of 100,000 customers on PostgreSQL
    minutes: inside the transaction that just filled the table, the planner still believes it
    empty and scans it for every lookup."""
    if count <= 0:
        return iter(())
    if session.get_bind().dialect.name == "postgresql":
        return iter(array("q", session.scalars(text("SELECT nextval(pg_get_serial_sequence('customers', 'id')) "
                                                    "FROM generate_series(1, :count)"), {"count": count})))
    largest = session.scalar(select(func.coalesce(func.max(Customer.id), 0))) or 0
    return iter(range(largest + 1, largest + count + 1))


def customers_page(*, session: Session, after_id: int, limit: int, team_id: int | None = None,
                   scope: CustomerScope | None = None) -> list[Customer]:
    """Live customers in id order after ``after_id``, of one team and/or within what ``scope`` may see,
    with their contacts (a page of an export)."""
    query = select(Customer).where(Customer.id > after_id, LIVE).options(selectinload(Customer.contacts))
    if team_id is not None:
        query = query.where(Customer.team_id == team_id)
    if scope is not None:
        query = query.where(scope.clause())
    return list(session.scalars(query.order_by(Customer.id).limit(limit)))


def followups_of(*, session: Session, customer_ids: list[int]) -> list[FollowUp]:
    """Every follow-up of these customers, each customer's in the order they happened."""
    if not customer_ids:
        return []
    return list(session.scalars(select(FollowUp).where(FollowUp.customer_id.in_(customer_ids))
                                .order_by(FollowUp.customer_id, FollowUp.occurred_at, FollowUp.id)))


def customers_by_ids(*, session: Session, customer_ids: list[int]) -> dict[int, Customer]:
    """Customers by id, with their contacts, loaded in chunks."""
    found: dict[int, Customer] = {}
    for start in range(0, len(customer_ids), 500):
        chunk = customer_ids[start:start + 500]
        found |= {c.id: c for c in session.scalars(
            select(Customer).where(Customer.id.in_(chunk)).options(selectinload(Customer.contacts)))}
    return found


def outbox_messages(*, session: Session, states: tuple[str, ...], limit: int) -> list[OutboxMessage]:
    """Outbox messages in these states, newest first (``followup-bot outbox list``)."""
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.state.in_(states))
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def requeue_outbox_message(*, session: Session, message_id: int, now: datetime) -> str | None:
    """Send a dropped (or waiting) message again from now, with a fresh count of failures; returns
    its state before (``sending`` while a process holds it), or None when there is no such message.
    A sent or skipped one, or one being sent, is left alone."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        return None
    before = message.state
    if before == "pending" and message.claimed_until is not None and message.claimed_until > now:
        return "sending"  # a process holds it right now: resetting its claim could send it twice
    if before in ("dropped", "pending"):
        message.state, message.attempts, message.first_failed_at = "pending", 0, None
        message.not_before, message.claimed_until, message.claimed_by = now, None, None
    return before


EXPORT_FOLLOWUP_COLUMNS = (FollowUp.customer_id, FollowUp.occurred_at, FollowUp.method, FollowUp.stage, FollowUp.notes,
                           FollowUp.feedback, FollowUp.next_step, FollowUp.next_step_at, FollowUp.satisfaction,
                           FollowUp.status_after, FollowUp.remarks)


def followup_rows_of(*, session: Session, customer_ids: list[int]) -> list[Any]:
    """The exported columns of every follow-up of these customers, each customer's in the order they
    happened: plain rows, not objects (an export reads a million of them)."""
    if not customer_ids:
        return []
    return list(session.execute(select(*EXPORT_FOLLOWUP_COLUMNS).where(FollowUp.customer_id.in_(customer_ids))
                                .order_by(FollowUp.customer_id, FollowUp.occurred_at, FollowUp.id)))
