"""Typed SQLAlchemy 2 models.

Times are stored as UTC. SQLite has no time-zone-aware column type, so `UTCDateTime` stores
naive UTC and hands back aware datetimes on both databases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.pinyin import keep_pinyin

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # float is Double as in the migrations (SQLAlchemy 2.0 would map it to Float, 2.1 to Double).
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON, float: Double()}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    supervisor_channel: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(64))
    holidays: Mapped[str | None] = mapped_column(String(16))
    customer_number_format: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8), default="en")


class Member(Base):
    """A Slack user's place in a team (mirrored from the teams file on start)."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("slack_user_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    role: Mapped[str] = mapped_column(String(16))  # rep | supervisor | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SlackUserCache(Base):
    """What users.info told us about a user, so we do not ask Slack on every request."""

    __tablename__ = "slack_users"

    slack_user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    real_name: Mapped[str | None] = mapped_column(String(200))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime]


class NumberSequence(Base):
    """Last number handed out per customer-number prefix (e.g. ``CL2026``); never goes back."""

    __tablename__ = "number_sequences"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_owner_due", "owner_id", "next_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    owner_id: Mapped[str] = mapped_column(String(40), index=True)
    company: Mapped[str] = mapped_column(String(200))
    # Normalised company name; unique so that two leads for one company cannot both exist.
    # Cleared when a registration is rejected, so the company can be registered again.
    name_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    industry: Mapped[str] = mapped_column(String(100))
    company_size: Mapped[str | None] = mapped_column(String(200))
    main_business: Mapped[str | None] = mapped_column(Text)
    need: Mapped[str] = mapped_column(Text)
    pain_points: Mapped[str | None] = mapped_column(Text)
    acquired_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    region: Mapped[str | None] = mapped_column(String(100))
    # Folded number, company and contact names, for type-ahead and find (bot.domain.followups.search_text).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The company's pinyin initials ("hwjsyxgs" for 华为技术有限公司), kept on every ORM write (storage.pinyin).
    pinyin: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(32), default="lead")
    registration: Mapped[str] = mapped_column(String(16), default="pending")
    grade: Mapped[str | None] = mapped_column(String(1))
    annual_purchase: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    potential: Mapped[int | None]
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None]
    warning: Mapped[bool] = mapped_column(Boolean, default=False)
    # Computed by the cadence engine whenever the customer changes (bot.services.cadence).
    next_due_at: Mapped[datetime | None]
    due_reason: Mapped[str | None] = mapped_column(String(20))
    # The rep's planned next step still pending, and the stage of the last follow-up.
    next_step_at: Mapped[datetime | None]
    next_step: Mapped[str | None] = mapped_column(Text)
    last_stage: Mapped[str | None] = mapped_column(String(32))
    snoozed_until: Mapped[datetime | None]
    last_contact_at: Mapped[datetime | None]
    # Free remarks about the customer (the spreadsheets' 备注 of the customer register).
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Contact.id"
    )

    @property
    def primary_contact(self) -> Contact | None:
        return next((c for c in self.contacts if c.is_primary), self.contacts[0] if self.contacts else None)


keep_pinyin(Customer)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    decision_role: Mapped[str | None] = mapped_column(String(20))  # decision_maker | evaluator | user
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class StatusChange(Base):
    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)


class ApprovalRequest(Base):
    """One approval of any kind (registration, grade, handover) and the Slack message carrying it."""

    __tablename__ = "approval_requests"
    __table_args__ = (Index("ix_approval_open", "kind", "subject_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    requester_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(40))
    message_ts: Mapped[str | None] = mapped_column(String(40))


class FollowUp(Base):
    """One interaction with a customer (DOMAIN §7)."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_followups_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(40), index=True)
    occurred_at: Mapped[datetime]
    logged_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_at: Mapped[datetime | None]
    next_step_owner: Mapped[str | None] = mapped_column(String(40))
    status_after: Mapped[str | None] = mapped_column(String(32))
    budget_range: Mapped[str | None] = mapped_column(String(100))
    decision_makers: Mapped[str | None] = mapped_column(Text)
    proposal_version: Mapped[str | None] = mapped_column(String(40))
    objection: Mapped[str | None] = mapped_column(Text)
    objection_answer: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None]
    payment_delay_days: Mapped[int | None]
    # Remarks beside the record (the follow-up record's 备注 column: "合同编号：HT2024001").
    remarks: Mapped[str | None] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # The Slack view or command that produced it, so a retried submission writes it once.
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    edited_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxMessage(Base):
    """A Slack message decided but maybe not yet delivered.

    Written in the same transaction as the change it reports, delivered after the commit;
    the unique key makes deciding the same thing twice a no-op.
    """

    __tablename__ = "outbox"
    # (method, state): the edits waiting for a post (pending chat.update rows), found without
    # visiting every pending message (queries.mark_outbox_sent, once per post sent).
    __table_args__ = (Index("ix_outbox_state", "state", "not_before"), Index("ix_outbox_method_state", "method", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    method: Mapped[str] = mapped_column(String(40))  # chat.postMessage | chat.update
    channel: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # pending | sent | dropped (refused for good, reason kept) | skipped (decided: nothing to send,
    # or the recipient's account is deactivated)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    # Failed deliveries that count toward giving up (5xx, network); a 429 never counts.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Not sent before this instant (real time: back-off, Retry-After, a day off of the recipient).
    not_before: Mapped[datetime]
    # Set while a process is sending it (real time); a crashed sender's claim is taken over.
    claimed_until: Mapped[datetime | None]
    # Which process holds the claim ("host:pid:token"): a dead process on this host is seen at once.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    # The first failure of the current run of failures: giving up is measured from it.
    first_failed_at: Mapped[datetime | None]
    # Who acted, when the message reports something a person just did: told if it cannot be delivered.
    on_behalf_of: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None]
    result_ts: Mapped[str | None] = mapped_column(String(40))
    # When set, the delivered message's ts is written to this approval request.
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_requests.id"))


class RateLimit(Base):
    """Slack answered 429: nothing goes to ``scope`` (``channel:C…`` or ``method:users.info``)
    before ``until``, in any process."""

    __tablename__ = "slack_rate_limits"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    until: Mapped[datetime]


class ProcessedRequest(Base):
    """Idempotency keys of Slack requests already handled (retries, double clicks)."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)


class GradeChange(Base):
    """A grade that applied: who proposed it, who approved it, when, and on which figures."""

    __tablename__ = "grade_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    from_grade: Mapped[str | None] = mapped_column(String(1))
    to_grade: Mapped[str] = mapped_column(String(1))
    suggested_grade: Mapped[str | None] = mapped_column(String(1))
    annual_purchase: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    potential: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(40))
    approved_by: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[datetime]
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_requests.id"))


class DueItem(Base):
    """Something due for a customer besides the cadence: a re-grade, an after-sales revisit,
    a reactivation of a paused customer. The key makes creating the same item twice a no-op."""

    __tablename__ = "due_items"
    __table_args__ = (Index("ix_due_items_owner_open", "owner_id", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(40))
    resolution: Mapped[str | None] = mapped_column(String(40))


class Deal(Base):
    """The deal review when a customer is won or lost (DOMAIN §8)."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # won | lost
    contract_number: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    signed_on: Mapped[date | None] = mapped_column(Date)
    expected_payment_on: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    contract_ends_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date] = mapped_column(Date)
    deal_cycle_days: Mapped[int]
    success_factors: Mapped[list[Any]] = mapped_column(default=list)
    failure_reasons: Mapped[list[Any]] = mapped_column(default=list)
    failure_detail: Mapped[str | None] = mapped_column(Text)
    improvement: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime]
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    supervisor_comment: Mapped[str | None] = mapped_column(Text)
    comment_by: Mapped[str | None] = mapped_column(String(40))
    comment_at: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(40))
    message_ts: Mapped[str | None] = mapped_column(String(40))


class AppState(Base):
    """Small facts the application keeps about itself (e.g. the policy the due dates were computed with)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Issue(Base):
    """A complaint or an issue with its deadline (DOMAIN §12)."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    severity: Mapped[str] = mapped_column(String(10))  # normal | complex
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(40))
    reported_at: Mapped[datetime]
    # What the deadline asks for: a response (complaints, normal issues) or a solution (complex).
    deadline_kind: Mapped[str] = mapped_column(String(10))
    deadline_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    responded_by: Mapped[str | None] = mapped_column(String(40))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(40))
    resolution: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None]
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    channel: Mapped[str | None] = mapped_column(String(40))
    message_ts: Mapped[str | None] = mapped_column(String(40))


class ChurnAlert(Base):
    """A customer flagged warning: the score that did it, what was done, and how it ended (DOMAIN §10)."""

    __tablename__ = "churn_alerts"
    __table_args__ = (
        Index("ix_churn_alerts_customer_open", "customer_id", "closed_at"),
        # At most one open alert per customer, whatever races (two schedulers, a catch-up run).
        Index("uq_churn_alerts_one_open", "customer_id", unique=True,
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    score: Mapped[float]
    signals: Mapped[list[Any]] = mapped_column(default=list)
    raised_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(40))
    acknowledged_at: Mapped[datetime | None]
    plan: Mapped[str | None] = mapped_column(Text)
    plan_due_at: Mapped[datetime | None]
    planned_by: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(12))  # repurchase | retained | churned
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40))
    message_ts: Mapped[str | None] = mapped_column(String(40))


class ChurnArchive(Base):
    """Churned customers' history: how long we had them and why they left (002 §七)."""

    __tablename__ = "churn_archive"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    number: Mapped[str] = mapped_column(String(60))
    company: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str | None] = mapped_column(String(1))
    acquired_at: Mapped[datetime]
    churned_at: Mapped[datetime]
    duration_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))


class Handover(Base):
    """Handing a rep's customers to a successor (DOMAIN §11): a request typed by a supervisor, or a
    draft posted when the rep's Slack account is deactivated, until it is approved (or not)."""

    __tablename__ = "handovers"
    __table_args__ = (
        Index("ix_handovers_from_state", "from_user", "state"),
        # One undecided draft per rep and team, whatever races (a retried user_change, the duty).
        Index("uq_handovers_one_draft", "from_user", "team_id", unique=True,
              sqlite_where=text("state = 'draft'"), postgresql_where=text("state = 'draft'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    from_user: Mapped[str] = mapped_column(String(40))
    to_user: Mapped[str | None] = mapped_column(String(40))
    # Customer numbers of a partial handover; None: every customer of from_user in the team.
    numbers: Mapped[list[Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    effective_on: Mapped[date | None] = mapped_column(Date)
    # draft (no successor yet) | pending (waiting for approval) | approved | rejected | cancelled
    state: Mapped[str] = mapped_column(String(12))
    origin: Mapped[str] = mapped_column(String(12))  # command | deactivation
    requested_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    moved: Mapped[int | None]  # customers moved on approval


class OwnershipChange(Base):
    """A customer changing owner: both owners, the handover, who approved it and when."""

    __tablename__ = "ownership_history"
    __table_args__ = (Index("ix_ownership_history_to_owner", "to_owner", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    from_owner: Mapped[str] = mapped_column(String(40))
    to_owner: Mapped[str] = mapped_column(String(40))
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    approved_by: Mapped[str] = mapped_column(String(40))
    approved_at: Mapped[datetime]
    effective_on: Mapped[date] = mapped_column(Date)
