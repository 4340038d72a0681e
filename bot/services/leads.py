"""Capturing a lead and its registration review (DOMAIN §2, §3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import TeamConfig
from bot.domain.followups import search_text
from bot.domain.leads import (
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    INTENTS,
    REQUIRED,
    SOURCES,
    TAGS,
    TEXT_LIMITS,
    industry_code,
    is_late,
    is_valid_email,
    is_valid_phone,
    normalize_company_name,
    number_parts,
)
from bot.errors import InvalidInput, NotAuthorized, NotFound
from bot.i18n import t
from bot.runtime import Runtime
from bot.services import cadence
from bot.services.approvals import open_request
from bot.services.directory import Actor, team_language, user_language
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import require_lead_owner, require_team
from bot.views import ids
from bot.views.approvals import dm_with_button
from bot.views.blocks import escape
from storage import queries
from storage.models import ApprovalRequest, Contact, Customer

CLOCK_SKEW = timedelta(minutes=1)


class LeadInput(BaseModel):
    company: str
    industry: str
    company_size: str | None = None
    main_business: str | None = None
    contact_name: str
    contact_title: str | None = None
    phone: str | None = None
    email: str | None = None
    need: str
    pain_points: str | None = None
    source: str
    acquired: datetime
    intent: str
    tags: list[str] = []
    region: str | None = None


@dataclass(frozen=True)
class LeadSaved:
    customer_id: int
    number: str
    company: str
    outbox_keys: tuple[str, ...] = ()  # messages to deliver once the user has been answered


def parse_lead_form(values: dict[str, Any], *, now: datetime) -> LeadInput:
    """Check the New lead form; every problem is reported at its field, all at once."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    clean: dict[str, Any] = {}
    for field, value in values.items():
        clean[field] = value.strip() if isinstance(value, str) else value
        if clean[field] == "":
            clean[field] = None
    for field in REQUIRED:
        if clean.get(field) in (None, []):
            errors[field] = ("err_required", {})
    for field, limit in TEXT_LIMITS.items():
        if isinstance(clean.get(field), str) and len(clean[field]) > limit:
            errors[field] = ("err_too_long", {"limit": limit})
    if not clean.get("phone") and not clean.get("email"):
        errors.setdefault("phone", ("err_contact_method", {}))
    if clean.get("phone") and "phone" not in errors and not is_valid_phone(clean["phone"]):
        errors["phone"] = ("err_phone", {})
    if clean.get("email") and "email" not in errors and not is_valid_email(clean["email"]):
        errors["email"] = ("err_email", {})
    if clean.get("source") is not None and clean["source"] not in SOURCES:
        errors["source"] = ("err_required", {})
    if clean.get("intent") is not None and clean["intent"] not in INTENTS:
        errors["intent"] = ("err_required", {})
    clean["tags"] = [tag for tag in clean.get("tags") or [] if tag in TAGS]
    if clean.get("acquired") is not None:
        acquired = _instant(clean["acquired"])
        if acquired is None:
            errors["acquired"] = ("err_required", {})  # not what the date-time picker sends
        elif acquired > now + CLOCK_SKEW:
            errors["acquired"] = ("err_future", {})
        clean["acquired"] = acquired
    if errors:
        raise InvalidInput(errors)
    return LeadInput.model_validate(clean)


def _instant(value: Any) -> datetime | None:
    """The date-time picker's Unix seconds, or None for anything else."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def submit_lead(runtime: Runtime, *, actor: Actor, lead: LeadInput, request_key: str) -> LeadSaved:
    """Register a new lead and send it for review; a retried submission returns the first result."""
    return check_lead(runtime, actor=actor, lead=lead, request_key=request_key, customer_id=None) or save_lead(
        runtime, actor=actor, lead=lead, request_key=request_key, customer_id=None)


def check_lead(runtime: Runtime, *, actor: Actor, lead: LeadInput, request_key: str,
               customer_id: int | None) -> LeadSaved | None:
    """The quick, read-only part, answered before Slack's deadline: the earlier result of a retried
    submission, or InvalidInput when the company is someone's already; None when it may be saved."""
    require_team(actor)
    with runtime.db.read() as session:
        earlier = queries.processed_result(session=session, key=request_key)
        existing = queries.customer_by_name_key(session=session, name_key=normalize_company_name(lead.company))
    if earlier:
        return LeadSaved(**earlier)
    if existing is not None and existing.id != customer_id:
        raise _duplicate(existing, actor)
    return None


def save_lead(
    runtime: Runtime, *, actor: Actor, lead: LeadInput, request_key: str, customer_id: int | None
) -> LeadSaved:
    """Number, store and send for review (checked again inside the transaction: another
    submission may have registered the company since ``check_lead``)."""
    team = require_team(actor).team
    assert team is not None
    now = runtime.now()
    name_key = normalize_company_name(lead.company)
    # SQLite has one writer at a time: a transaction of its own for the number would only queue
    # twice for the same lock, so there the number is taken inside the registration's transaction.
    apart = customer_id is None and not runtime.db.is_sqlite
    number = _allocate_number(runtime, team, lead, now) if apart else None
    try:
        with runtime.db.write() as session:
            if not queries.claim_request_key(session=session, key=request_key, at=now):
                return LeadSaved(**(queries.processed_result(session=session, key=request_key) or {}))
            existing = queries.customer_by_name_key(session=session, name_key=name_key)
            if existing is not None and existing.id != customer_id:
                raise _duplicate(existing, actor)
            if customer_id is None:
                number = number or _take_number(session, team, lead, now)
                customer = _new_customer(session, runtime, actor=actor, lead=lead, name_key=name_key, now=now,
                                         number=number)
            else:
                assert customer_id is not None
                customer = _completed_customer(session, actor=actor, customer_id=customer_id, lead=lead,
                                               name_key=name_key, now=now)
            result: dict[str, Any] = {"customer_id": customer.id, "number": customer.number, "company": customer.company}
            queries.save_request_result(session=session, key=request_key, result=result)
            keys = _request_review(session, runtime, actor=actor, customer=customer, lead=lead, now=now,
                                   resubmitted=customer_id is not None)
    except IntegrityError:
        # Another submission registered the same company between our check and our insert.
        with runtime.db.read() as session:
            existing = queries.customer_by_name_key(session=session, name_key=name_key)
        if existing is None:
            raise
        raise _duplicate(existing, actor) from None
    return LeadSaved(**result, outbox_keys=tuple(keys))


def _duplicate(existing: Customer, actor: Actor) -> InvalidInput:
    """Tell the rep who owns the company, and nothing more unless it is theirs."""
    if existing.owner_id == actor.user_id:
        return InvalidInput({"company": ("err_duplicate_own", {"company": existing.company, "number": existing.number})})
    return InvalidInput({"company": ("err_duplicate_other", {"owner": existing.owner_id})})


def _allocate_number(runtime: Runtime, team: TeamConfig, lead: LeadInput, now: datetime) -> str:
    """Take the next customer number in a transaction of its own (PostgreSQL).

    The sequence row is locked only for this short transaction, so concurrent leads of a team
    do not queue behind each other's whole registration. A registration that then fails leaves
    a gap: numbers are never reused, not necessarily contiguous.
    """
    with runtime.db.write() as session:
        return _take_number(session, team, lead, now)


def _take_number(session: Session, team: TeamConfig, lead: LeadInput, now: datetime) -> str:
    key, fmt = number_parts(
        team.customer_number, year=now.astimezone(team.zone).year,
        region=(lead.region or team.region or "XX").upper(), industry=industry_code(lead.industry, team.industry_codes),
    )
    return fmt.format(seq=queries.next_sequence(session=session, key=key))


def _new_customer(session: Session, runtime: Runtime, *, actor: Actor, lead: LeadInput, name_key: str,
                  now: datetime, number: str) -> Customer:
    assert actor.team is not None
    team_id = runtime.team_ids[actor.team.name]
    customer = Customer(number=number, team_id=team_id, owner_id=actor.user_id, name_key=name_key,
                        created_by=actor.user_id, created_at=now, updated_at=now, status="lead",
                        registration="pending", **_customer_fields(lead))
    customer.contacts.append(_contact(lead))
    customer.search_text = search_text(number=number, company=lead.company, contacts=[lead.contact_name])
    session.add(customer)
    session.flush()
    queries.add_status_change(session=session, customer=customer, to_status="lead", by=actor.user_id, at=now,
                              first=True)
    cadence.recompute(runtime, customer)
    queries.audit(session=session, actor=actor.user_id, action="customer.create", entity=customer, at=now,
                  after={"number": number, "company": lead.company})
    return customer


def _completed_customer(session: Session, *, actor: Actor, customer_id: int, lead: LeadInput, name_key: str,
                        now: datetime) -> Customer:
    customer = queries.get_customer(session=session, customer_id=customer_id)
    if customer is None:
        raise NotFound("lead_not_awaiting_info")
    require_lead_owner(actor, customer)
    if customer.registration != "needs_info":
        raise NotAuthorized("lead_not_awaiting_info")
    before = draft_of(customer)
    for field, value in _customer_fields(lead).items():
        setattr(customer, field, value)
    customer.name_key, customer.registration, customer.updated_at = name_key, "pending", now
    contact = customer.primary_contact
    if contact is None:
        customer.contacts.append(_contact(lead))
    else:
        contact.name, contact.title, contact.phone, contact.email = (
            lead.contact_name, lead.contact_title, lead.phone, lead.email)
    customer.search_text = search_text(number=customer.number, company=lead.company,
                                       contacts=[c.name for c in customer.contacts])
    queries.audit(session=session, actor=actor.user_id, action="customer.complete", entity=customer, at=now,
                  before=_jsonable(before), after=_jsonable(lead.model_dump()))
    return customer


def _customer_fields(lead: LeadInput) -> dict[str, Any]:
    return {**{field: getattr(lead, field) for field in CUSTOMER_FIELDS}, "acquired_at": lead.acquired}


def _contact(lead: LeadInput) -> Contact:
    return Contact(name=lead.contact_name, title=lead.contact_title, phone=lead.phone, email=lead.email,
                   is_primary=True)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, default=str))


def _request_review(session: Session, runtime: Runtime, *, actor: Actor, customer: Customer, lead: LeadInput,
                    now: datetime, resubmitted: bool) -> list[str]:
    """Open the registration review; the channel sees who, company, industry, need, source, intent — no contacts."""
    team = actor.team
    assert team is not None
    hours = team.policy.deadlines.registration_hours
    late = is_late(start=lead.acquired, done=now, hours=hours)
    payload = {
        "number": customer.number,
        "company": customer.company,
        "resubmitted": resubmitted,
        "fields": [
            ["f_industry", lead.industry, False],
            ["f_need", lead.need, False],
            ["f_source", f"source_{lead.source}", True],
            ["f_intent", f"intent_{lead.intent}", True],
        ],
        "late_hours": int((now - lead.acquired).total_seconds() // 3600) if late else None,
        "late_limit": hours,
    }
    opened = open_request(
        session, kind="registration", subject_type="customer", subject_id=customer.id, team=team,
        team_id=customer.team_id, requester=actor.user_id, payload=payload, late=late, now=now,
        lang=team_language(runtime.config, team), new_subject=not resubmitted,
    )
    lang = user_language(runtime, actor.user_id, team, session=session)
    confirmation = Outgoing(key=f"approval:{opened.request.id}:submitted", channel=actor.user_id,
                            text=t("lead_saved_dm", lang, number=escape(customer.number),
                                   company=escape(customer.company)))
    enqueue(session, confirmation, now=now)
    return [opened.message_key, confirmation.key]


def apply_registration_decision(session: Session, runtime: Runtime, request: ApprovalRequest,
                                now: datetime) -> list[Outgoing]:
    """What a registration decision does to the lead, and the DM that tells the rep."""
    customer = queries.get_customer(session=session, customer_id=request.subject_id)
    assert customer is not None
    customer.registration = request.state
    customer.updated_at = now
    if request.state == "rejected":
        customer.name_key = None  # the company may be registered again, by anyone
        cadence.recompute(runtime, customer)
    team = runtime.team_by_id(customer.team_id)
    lang = user_language(runtime, request.requester_id, team, session=session)
    values = {"number": escape(customer.number), "company": escape(customer.company), "user": request.decided_by,
              "reason": escape(request.reason or "")}
    key = f"approval:{request.id}:dm"
    text = t(f"dm_{request.state}", lang, **values)
    if request.state == "needs_info":
        blocks = dm_with_button(text, button_text=t("complete_lead", lang), action_id=ids.COMPLETE_LEAD,
                                value=str(customer.id))
        return [Outgoing(key=key, channel=request.requester_id, text=text, blocks=blocks)]
    return [Outgoing(key=key, channel=request.requester_id, text=text)]


def draft_of(customer: Customer) -> dict[str, Any]:
    """The lead as the New lead modal shows it, to complete after Needs info."""
    contact = customer.primary_contact
    draft = {field: getattr(customer, field) for field in CUSTOMER_FIELDS}
    draft.update({field: getattr(contact, attribute) if contact else None
                  for field, attribute in CONTACT_FIELDS.items()})
    return {**draft, "acquired": customer.acquired_at}


def lead_to_complete(runtime: Runtime, *, actor: Actor, customer_id: int) -> tuple[dict[str, Any], str | None]:
    """The draft of a lead its owner was asked to complete, and what the supervisor wanted."""
    with runtime.db.read() as session:
        customer = queries.get_customer(session=session, customer_id=customer_id)
        customer = require_lead_owner(actor, customer)
        if customer.registration != "needs_info":
            raise NotAuthorized("lead_not_awaiting_info")
        decided = [r for r in queries.approvals_for(session=session, kind="registration", subject_id=customer.id)
                   if r.state == "needs_info"]
        return draft_of(customer), decided[-1].reason if decided else None

