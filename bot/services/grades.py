"""Proposing and approving grades (DOMAIN §5), and the quarterly re-grade."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.calendar import quarter_label, quarter_start
from bot.domain.grades import GRADES, POTENTIALS, suggest_grade
from bot.domain.policy import GradePolicy
from bot.errors import InvalidInput
from bot.i18n import t
from bot.runtime import Runtime
from bot.services import cadence
from bot.services.approvals import decided_message, open_request
from bot.services.directory import Actor, team_language, user_language
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import may_decide, scope_of
from bot.views.blocks import escape
from storage import queries
from storage.models import ApprovalRequest, Customer, DueItem, GradeChange

_AMOUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万|w|k|m|百万)?$", re.IGNORECASE)
_UNITS = {None: 1, "万": 10_000, "w": 10_000, "k": 1_000, "m": 1_000_000, "百万": 1_000_000}


def parse_amount(text: str | None) -> Decimal | None:
    """"250,000", "¥250000", "25万", "250k" → 250000; None for anything else (negative included)."""
    cleaned = re.sub(r"[\s,，_]|^[¥￥]|^CNY|^RMB|元$", "", (text or "").strip(), flags=re.IGNORECASE)
    match = _AMOUNT.match(cleaned)
    if not match:
        return None
    try:
        value = Decimal(match["number"]) * _UNITS[match["unit"].lower() if match["unit"] else None]
    except InvalidOperation:
        return None
    return value if value < Decimal("1e14") else None


@dataclass(frozen=True)
class GradeProposal:
    grade: str
    annual_purchase: Decimal
    potential: int
    reason: str | None
    suggested: str


def parse_proposal(values: dict[str, Any], policy: GradePolicy) -> GradeProposal:
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    grade = values.get("grade")
    if grade not in GRADES:
        errors["grade"] = ("err_required", {})
    amount = parse_amount(values.get("annual_purchase"))
    if amount is None:
        errors["annual_purchase"] = ("err_amount", {}) if (values.get("annual_purchase") or "").strip() else (
            "err_required", {})
    potential = str(values.get("potential"))
    if potential not in POTENTIALS:
        errors["potential"] = ("err_required", {})
    reason = (values.get("reason") or "").strip() or None
    if reason and len(reason) > 2000:
        errors["reason"] = ("err_too_long", {"limit": 2000})
    suggested = suggest_grade(amount, int(potential), policy) if amount is not None and not errors.get(
        "potential") else None
    if suggested and grade in GRADES and grade != suggested and not reason:
        errors["reason"] = ("err_reason_differs", {"suggested": suggested})
    if errors:
        raise InvalidInput(errors)
    assert amount is not None and suggested is not None
    return GradeProposal(grade=str(grade), annual_purchase=amount, potential=int(potential), reason=reason,
                         suggested=suggested)


@dataclass(frozen=True)
class Proposed:
    customer: Customer
    applied: bool  # a supervisor graded directly
    replaced: bool
    outbox_keys: tuple[str, ...]


def propose(runtime: Runtime, *, actor: Actor, customer_id: int, proposal: GradeProposal) -> Proposed:
    """A rep's proposal goes to the supervisors (replacing an open one); a supervisor's applies at once."""
    now = runtime.now()
    scope = scope_of(runtime, actor)
    with runtime.db.write() as session:
        customer = queries.visible_customer(session=session, scope=scope, customer_id=customer_id)
        if customer is None:
            raise InvalidInput({"grade": ("customer_not_found_field", {})})
        team = runtime.team_by_id(customer.team_id)
        lang = team_language(runtime.config, team)
        if may_decide(actor, team.name):  # a supervisor's grade applies at once
            keys = []
            for open_one in queries.open_approvals(session=session, kind="grade", subject_id=customer.id):
                queries.decide_approval(session=session, request_id=open_one.id, state="superseded",
                                        by=actor.user_id, at=now, reason=None)
                session.refresh(open_one)
                message = decided_message(open_one, team=team, lang=lang)
                enqueue(session, message, now=now)
                keys.append(message.key)
            _apply(session, runtime, customer, proposal, proposed_by=actor.user_id, approved_by=actor.user_id, now=now,
                   request_id=None)
            return Proposed(customer=customer, applied=True, replaced=bool(keys), outbox_keys=tuple(keys))
        replaces = bool(queries.open_approvals(session=session, kind="grade", subject_id=customer.id))
        proposal_record: dict[str, Any] = {"grade": proposal.grade, "annual_purchase": str(proposal.annual_purchase),
                         "potential": proposal.potential, "reason": proposal.reason, "suggested": proposal.suggested,
                         "from_grade": customer.grade}
        payload = {
            "number": customer.number, "company": customer.company, "replaces": replaces,
            "proposal": proposal_record,
            "fields": [
                ["f_grade_change", f"{customer.grade or '—'} → {proposal.grade}", False],
                ["f_annual_purchase", f"{proposal.annual_purchase:,.0f} CNY", False],
                ["f_potential", f"{proposal.potential}/5", False],
                ["f_suggested_grade", proposal.suggested + (" :warning:" if proposal.suggested != proposal.grade
                                                            else ""), False],
                ["f_reason", proposal.reason or "", False],
            ],
        }
        opened = open_request(session, kind="grade", subject_type="customer", subject_id=customer.id, team=team,
                              team_id=customer.team_id, requester=actor.user_id, payload=payload, late=False,
                              now=now, lang=lang)
        keys = [opened.message_key] + [f"approval:{old.id}:decided" for old in opened.superseded]
        queries.audit(session=session, actor=actor.user_id, action="grade.propose", entity=customer, at=now,
                      after=proposal_record)
    return Proposed(customer=customer, applied=False, replaced=replaces, outbox_keys=tuple(keys))


def _apply(session: Session, runtime: Runtime, customer: Customer, proposal: GradeProposal | dict[str, Any], *,
           proposed_by: str, approved_by: str, now: datetime, request_id: int | None) -> None:
    values: dict[str, Any] = proposal if isinstance(proposal, dict) else {
        "grade": proposal.grade, "annual_purchase": str(proposal.annual_purchase), "potential": proposal.potential,
        "reason": proposal.reason, "suggested": proposal.suggested}
    session.add(GradeChange(
        customer_id=customer.id, from_grade=customer.grade, to_grade=values["grade"],
        suggested_grade=values.get("suggested"), annual_purchase=Decimal(values["annual_purchase"]),
        potential=values["potential"], reason=values.get("reason"), proposed_by=proposed_by,
        approved_by=approved_by, decided_at=now, approval_request_id=request_id,
    ))
    before = {"grade": customer.grade}
    customer.grade = values["grade"]
    customer.annual_purchase = Decimal(values["annual_purchase"])
    customer.potential = values["potential"]
    customer.updated_at = now
    cadence.recompute(runtime, customer)  # the new grade's cadence applies from now on
    queries.audit(session=session, actor=approved_by, action="grade.apply", entity=customer, at=now, before=before,
                  after={"grade": customer.grade})


def apply_grade_decision(session: Session, runtime: Runtime, request: ApprovalRequest, now: datetime) -> list[Outgoing]:
    """Approved: the grade applies (history keeps who and on which figures). Either way the rep hears."""
    customer = queries.get_customer(session=session, customer_id=request.subject_id)
    assert customer is not None
    proposal = request.payload["proposal"]
    if request.state == "approved":
        _apply(session, runtime, customer, proposal, proposed_by=request.requester_id, approved_by=request.decided_by or "",
               now=now, request_id=request.id)
    team = runtime.team_by_id(customer.team_id)
    lang = user_language(runtime, request.requester_id, team, session=session)
    text = t(f"dm_grade_{request.state}", lang, number=escape(customer.number), company=escape(customer.company),
             grade=proposal["grade"], user=request.decided_by, reason=escape(request.reason or ""))
    return [Outgoing(key=f"approval:{request.id}:dm", channel=request.requester_id, text=text)]


def create_regrade_items(runtime: Runtime, now: datetime) -> int:
    """At the start of each quarter (team time) every graded customer gets a re-evaluation item.

    Called by the scheduler; any call in the first ``regrade_window_days`` of a quarter creates
    the quarter's items it has not created yet (a run missed during downtime is caught up),
    for customers graded before the quarter began. Returns how many were created.
    """
    created = 0
    for team in runtime.config.teams:
        zone = ZoneInfo(team.timezone)
        today = now.astimezone(zone).date()
        start_day = quarter_start(today)
        if (today - start_day).days >= team.policy.grades.regrade_window_days:
            continue
        start = datetime.combine(start_day, time(0, 0), zone)
        due = datetime.combine(start_day, time(9, 0), zone)
        label = quarter_label(start_day)
        with runtime.db.write(background=True) as session:
            for customer in queries.graded_customers_of_team(session=session, team_id=runtime.team_ids[team.name],
                                                             graded_before=start):
                created += queries.insert_ignoring_conflict(session, DueItem, {
                    "key": f"regrade:{customer.id}:{label}", "customer_id": customer.id, "owner_id": customer.owner_id,
                    "kind": "regrade", "due_at": due, "note": label, "created_at": now,
                })
    return created

