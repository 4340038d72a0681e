"""Logging follow-ups (DOMAIN §7): from the modal, from one line, and editing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.dates import ParsedDate, parse_when
from bot.domain.followups import (
    METHODS,
    STAGE_FIELDS,
    STAGES,
    TEXT_LIMITS,
    fold,
    is_past,
    parse_quick_entry,
    parse_whole_days,
    status_after,
)
from bot.domain.leads import is_late
from bot.errors import InvalidInput, NotAuthorized, NotFound
from bot.runtime import Runtime
from bot.services import cadence, customers
from bot.services.directory import Actor, user_timezone
from bot.services.permissions import require_followup_editor, scope_of
from bot.views.metadata import record_id
from storage import queries
from storage.models import Customer, FollowUp

FUTURE_TOLERANCE = timedelta(minutes=5)
STEP_DONE_WINDOW = timedelta(hours=24)
Errors = dict[str, tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class FollowUpInput:
    customer_id: int
    method: str
    occurred_at: datetime
    stage: str | None
    notes: str
    feedback: str | None = None
    next_step: str | None = None
    next_step_at: datetime | None = None
    satisfaction: int | None = None
    payment_delay_days: int | None = None
    budget_range: str | None = None
    decision_makers: str | None = None
    proposal_version: str | None = None
    objection: str | None = None
    objection_answer: str | None = None


def read_when(text: str | None, *, now: datetime, tz: str) -> ParsedDate | None:
    """The interaction time: empty means now; otherwise plain words, read towards the past."""
    if not (text or "").strip():
        return ParsedDate(when=now, has_time=True)
    return parse_when(text or "", now=now, tz=tz, prefer="past")


def read_next_date(text: str | None, *, now: datetime, tz: str) -> ParsedDate | None:
    return parse_when(text or "", now=now, tz=tz, prefer="future") if (text or "").strip() else None


def parse_form(values: dict[str, Any], *, now: datetime, tz: str) -> FollowUpInput:
    """Check the Log follow-up form; every problem at its field, all at once."""
    clean: dict[str, Any] = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
    errors: Errors = {}
    for field, limit in TEXT_LIMITS.items():
        if isinstance(clean.get(field), str) and len(clean[field]) > limit:
            errors[field] = ("err_too_long", {"limit": limit})
    if not clean.get("customer"):
        errors["customer"] = ("err_required", {})
    elif record_id(clean["customer"]) is None:
        errors["customer"] = ("customer_not_found_field", {})
    if clean.get("method") not in METHODS:
        errors["method"] = ("err_required", {})
    if clean.get("stage") is not None and clean["stage"] not in STAGES:
        errors["stage"] = ("err_required", {})
    if not clean.get("notes"):
        errors.setdefault("notes", ("err_required", {}))
    when = read_when(clean.get("when"), now=now, tz=tz)
    if "when" not in errors:
        if when is None:
            errors["when"] = ("err_date", {"text": clean.get("when")})
        elif when.when > now + FUTURE_TOLERANCE:
            errors["when"] = ("err_future", {})
    next_at = read_next_date(clean.get("next_step_date"), now=now, tz=tz)
    if "next_step_date" not in errors and clean.get("next_step_date"):
        if next_at is None:
            errors["next_step_date"] = ("err_date", {"text": clean["next_step_date"]})
        elif is_past(next_at, now=now):
            errors["next_step_date"] = ("err_past", {})
    delay_text = clean.get("payment_delay_days")
    delay = parse_whole_days(str(delay_text)) if delay_text is not None else None
    if delay_text is not None and delay is None:
        errors["payment_delay_days"] = ("err_whole_days", {})
    satisfaction = clean.get("satisfaction")
    if satisfaction is not None and str(satisfaction) not in {"1", "2", "3", "4", "5"}:
        errors["satisfaction"] = ("err_required", {})
    if errors:
        raise InvalidInput(errors)
    stage_fields = set(STAGE_FIELDS.get(clean.get("stage") or "", ()))
    assert when is not None
    return FollowUpInput(
        customer_id=int(clean["customer"]), method=clean["method"], occurred_at=when.when, stage=clean.get("stage"),
        notes=clean["notes"], feedback=clean.get("feedback"), next_step=clean.get("next_step"),
        next_step_at=next_at.when if next_at else None,
        satisfaction=int(satisfaction) if satisfaction is not None else None,
        payment_delay_days=delay if "payment_delay_days" in stage_fields else None,
        **{f: clean.get(f) if f in stage_fields else None
           for f in ("budget_range", "decision_makers", "proposal_version", "objection", "objection_answer")},
    )


@dataclass(frozen=True)
class Logged:
    followup: FollowUp
    customer: Customer
    tz: str
    status_before: str | None = None
    late_hours: int = 24


def log_followup(runtime: Runtime, *, actor: Actor, data: FollowUpInput, request_key: str, tz: str) -> Logged:
    """Record a follow-up once (a retried request returns the first), and move the customer on."""
    now = runtime.now()
    scope = scope_of(runtime, actor)
    with runtime.db.write() as session:
        # Claimed first, insert-on-conflict: a concurrent copy of this request waits here for the
        # first to commit, then finds its follow-up.
        first = queries.claim_request_key(session=session, key=request_key, at=now)
        customer = queries.visible_customer(session=session, scope=scope, customer_id=data.customer_id,
                                            contacts=False)  # the confirmation does not show them
        if customer is None:
            raise InvalidInput({"customer": ("customer_not_found_field", {})})
        policy = _policy(runtime, customer, session)
        hours = policy.deadlines.log_within_hours
        existing = None if first else queries.followup_by_request_key(session=session, key=request_key)
        if existing is not None:
            return Logged(followup=existing, customer=customer, tz=tz, late_hours=hours)
        status_before = customer.status
        followup = FollowUp(
            customer_id=customer.id, author_id=actor.user_id, logged_at=now, request_key=request_key,
            late=is_late(start=data.occurred_at, done=now, hours=hours),
            next_step_owner=actor.user_id if data.next_step or data.next_step_at else None,
            **_fields(data),
        )
        session.add(followup)
        session.flush()
        _apply_to_customer(session, customer, followup, actor=actor, now=now, runtime=runtime)
        queries.audit(session=session, actor=actor.user_id, action="followup.create", entity=followup, at=now,
                      after=_snapshot(followup))
    return Logged(followup=followup, customer=customer, tz=tz, status_before=status_before, late_hours=hours)


def edit_followup(runtime: Runtime, *, actor: Actor, followup_id: int, data: FollowUpInput, tz: str) -> Logged:
    """Change a follow-up; the audit log keeps what it said before."""
    now = runtime.now()
    scope = scope_of(runtime, actor)
    with runtime.db.write() as session:
        followup = session.get(FollowUp, followup_id)
        if followup is None:
            raise NotFound("followup_not_found")
        customer = queries.visible_customer(session=session, scope=scope, customer_id=followup.customer_id)
        if customer is None:
            raise NotAuthorized("followup_not_yours")
        require_followup_editor(actor, followup)
        if data.customer_id != followup.customer_id:
            raise InvalidInput({"customer": ("err_customer_fixed", {})})
        before = _snapshot(followup)
        status_before = customer.status
        for name, value in _fields(data).items():
            setattr(followup, name, value)
        followup.edited_at = now
        policy = _policy(runtime, customer, session)
        followup.late = is_late(start=followup.occurred_at, done=followup.logged_at,
                                hours=policy.deadlines.log_within_hours)
        session.flush()
        _apply_to_customer(session, customer, followup, actor=actor, now=now, runtime=runtime)
        queries.audit(session=session, actor=actor.user_id, action="followup.edit", entity=followup, at=now,
                      before=before, after=_snapshot(followup))
    return Logged(followup=followup, customer=customer, tz=tz, status_before=status_before,
                  late_hours=policy.deadlines.log_within_hours)


def followup_draft(runtime: Runtime, *, actor: Actor, followup_id: int) -> tuple[dict[str, Any], Customer]:
    """A logged follow-up as the modal shows it, for Edit."""
    with runtime.db.read() as session:
        followup = session.get(FollowUp, followup_id)
    if followup is None:
        raise NotFound("followup_not_found")
    try:
        customer = customers.visible(runtime, actor, followup.customer_id)
    except NotFound:
        raise NotFound("followup_not_found") from None  # hidden reads as missing
    require_followup_editor(actor, followup)
    draft = {k: getattr(followup, k) for k in (
        "method", "stage", "notes", "feedback", "next_step", "budget_range", "decision_makers", "proposal_version",
        "objection", "objection_answer")}
    draft["satisfaction"] = str(followup.satisfaction) if followup.satisfaction else None
    draft["payment_delay_days"] = str(followup.payment_delay_days) if followup.payment_delay_days is not None else None
    draft["occurred_at"] = followup.occurred_at
    draft["next_step_at"] = followup.next_step_at
    return draft, customer


def _fields(data: FollowUpInput) -> dict[str, Any]:
    return {
        "occurred_at": data.occurred_at, "method": data.method, "stage": data.stage, "notes": data.notes,
        "feedback": data.feedback, "next_step": data.next_step, "next_step_at": data.next_step_at,
        "satisfaction": data.satisfaction, "payment_delay_days": data.payment_delay_days,
        "budget_range": data.budget_range,
        "decision_makers": data.decision_makers, "proposal_version": data.proposal_version,
        "objection": data.objection, "objection_answer": data.objection_answer,
    }


def _apply_to_customer(session: Session, customer: Customer, followup: FollowUp, *, actor: Actor,
                       now: datetime, runtime: Runtime) -> None:
    """Status moves with the stage (history kept); last contact, the pending next step and the
    next due date follow the record."""
    target = status_after(customer.status, followup.stage)
    if target is not None:
        queries.add_status_change(session=session, customer=customer, to_status=target, by=actor.user_id, at=now,
                                  reason=f"follow-up {followup.id}")
    followup.status_after = customer.status
    if customer.last_contact_at is None or followup.occurred_at >= customer.last_contact_at:
        customer.last_contact_at = followup.occurred_at
        customer.last_stage = followup.stage or customer.last_stage
    customer.next_step_at = pending_next_step(customer.next_step_at, followup)
    if followup.next_step_at is not None:
        customer.next_step = followup.next_step
    elif customer.next_step_at is None:
        customer.next_step = None
    customer.updated_at = now
    cadence.recompute(runtime, customer)


def pending_next_step(planned: datetime | None, followup: FollowUp) -> datetime | None:
    """The rep's next step after this follow-up: the one it sets, else the one planned before,
    unless this contact is that step (it happened no earlier than a day before the planned time)."""
    if followup.next_step_at is not None:
        return followup.next_step_at
    if planned is not None and followup.occurred_at >= planned - STEP_DONE_WINDOW:
        return None
    return planned


def _policy(runtime: Runtime, customer: Customer, session: Session) -> Any:
    return runtime.team_by_id(customer.team_id).policy


def _snapshot(followup: FollowUp) -> dict[str, Any]:
    values = {k: getattr(followup, k) for k in (
        "occurred_at", "method", "stage", "notes", "feedback", "next_step", "next_step_at", "satisfaction",
        "payment_delay_days", "budget_range", "decision_makers", "proposal_version", "objection", "objection_answer",
        "late")}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


# Quick entry ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuickResult:
    """Either a logged follow-up, or what to prefill the modal with (and why)."""

    logged: Logged | None
    customer: Customer | None
    draft: dict[str, Any]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class QuickDraft:
    """A one-line entry as read: complete (``problems`` empty) or what to prefill the modal with."""

    customer: Customer
    data: FollowUpInput | None
    draft: dict[str, Any]
    problems: tuple[str, ...]
    tz: str


def read_quick_entry(runtime: Runtime, *, actor: Actor, customer: Customer, text: str) -> QuickDraft:
    """Read a one-line entry (nothing is stored): the handler opens the modal at once when it is
    incomplete, and stores it with ``log_quick_entry`` otherwise."""
    now = runtime.now()
    tz = user_timezone(runtime, actor)
    entry = parse_quick_entry(text, now=now, tz=tz)
    draft = {"notes": entry.notes or None, "method": entry.method, "next_step": entry.next_step,
             "next_step_date": entry.next_step_text}
    if entry.problems:
        return QuickDraft(customer=customer, data=None, draft=draft, problems=entry.problems, tz=tz)
    data = FollowUpInput(customer_id=customer.id, method=entry.method, occurred_at=now, stage=None,
                         notes=entry.notes[:TEXT_LIMITS["notes"]], next_step=entry.next_step,
                         next_step_at=entry.next_step_at.when if entry.next_step_at else None)
    return QuickDraft(customer=customer, data=data, draft=draft, problems=(), tz=tz)


def log_quick_entry(runtime: Runtime, *, actor: Actor, read: QuickDraft, request_key: str) -> QuickResult:
    """Store a complete entry read by ``read_quick_entry`` (one without problems)."""
    assert read.data is not None, "an incomplete entry goes to the modal, not here"
    try:
        logged = log_followup(runtime, actor=actor, data=read.data, request_key=request_key, tz=read.tz)
    except InvalidInput:
        return QuickResult(logged=None, customer=None, draft=read.draft, problems=("qe_customer",))
    return QuickResult(logged=logged, customer=logged.customer, draft=read.draft, problems=())



def split_customer_and_entry(runtime: Runtime, actor: Actor, text: str) -> tuple[Customer | None, str]:
    """``Acme Ltd called Wang; next: …`` → (Acme Ltd, ``called Wang; next: …``) when the name is unique.

    Tries the longest run of leading words that names exactly one customer the user may see.
    """
    head = text.split(";")[0].split("；")[0]
    words = head.split()
    for count in range(min(len(words), 6), 0, -1):
        name = " ".join(words[:count])
        matches = customers.resolve(runtime, actor, name)
        if len(matches) == 1 and fold(matches[0].company).startswith(fold(name)):
            return matches[0], text[len(name):].strip(" ,，:：")
    return None, text
