"""Won and lost: the deal review, the after-sales revisits, and the supervisor's comment (DOMAIN §8, §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.deals import FAILURE_REASONS, SUCCESS_FACTORS, after_sales_schedule, deal_cycle_days
from bot.errors import InvalidInput, NotFound
from bot.i18n import t
from bot.runtime import Runtime
from bot.services import cadence, churn
from bot.services.directory import Actor, resolve_actor, team_language
from bot.services.grades import parse_amount
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import require_decider, scope_of
from bot.views.blocks import escape
from bot.views.deals import deal_message
from storage import queries
from storage.models import Deal, DueItem

Errors = dict[str, tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class DealInput:
    outcome: str
    contract_number: str | None = None
    amount: Decimal | None = None
    signed_on: date | None = None
    expected_payment_on: date | None = None
    delivered_on: date | None = None
    contract_ends_on: date | None = None
    success_factors: tuple[str, ...] = ()
    failure_reasons: tuple[str, ...] = ()
    failure_detail: str | None = None
    improvement: str | None = None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def parse_deal_form(outcome: str, values: dict[str, Any], *, today: date) -> DealInput:
    """Check the won / lost modal; every problem at its field."""
    clean: dict[str, Any] = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
    errors: Errors = {}
    for field, limit in (("contract_number", 60), ("failure_detail", 2000), ("improvement", 2000)):
        if clean.get(field) and len(clean[field]) > limit:
            errors[field] = ("err_too_long", {"limit": limit})
    if outcome == "lost":
        reasons = tuple(r for r in clean.get("failure_reasons") or [] if r in FAILURE_REASONS)
        if not reasons:
            errors["failure_reasons"] = ("err_pick_one", {})
        if errors:
            raise InvalidInput(errors)
        return DealInput(outcome="lost", failure_reasons=reasons, failure_detail=clean.get("failure_detail"),
                         improvement=clean.get("improvement"))
    if not clean.get("contract_number"):
        errors["contract_number"] = ("err_required", {})
    amount = parse_amount(clean.get("amount"))
    if not clean.get("amount"):
        errors["amount"] = ("err_required", {})
    elif amount is None or amount <= 0:
        errors["amount"] = ("err_amount", {})
    signed = _date(clean.get("signed_on"))
    if signed is None:
        errors["signed_on"] = ("err_required", {})
    elif signed > today:
        errors["signed_on"] = ("err_future_date", {})
    payment = _date(clean.get("expected_payment_on"))
    if payment is not None and signed is not None and payment < signed:
        errors["expected_payment_on"] = ("err_before_signing", {})
    delivered = _date(clean.get("delivered_on"))
    if delivered is not None and signed is not None and delivered < signed:
        errors["delivered_on"] = ("err_before_signing", {})
    ends = _date(clean.get("contract_ends_on"))
    if ends is not None and signed is not None and ends < signed:
        errors["contract_ends_on"] = ("err_before_signing", {})
    factors = tuple(f for f in clean.get("success_factors") or [] if f in SUCCESS_FACTORS)
    if not factors:
        errors["success_factors"] = ("err_pick_one", {})
    if errors:
        raise InvalidInput(errors)
    return DealInput(outcome="won", contract_number=clean["contract_number"], amount=amount, signed_on=signed,
                     expected_payment_on=payment, delivered_on=delivered or signed, contract_ends_on=ends,
                     success_factors=factors,
                     improvement=clean.get("improvement"))


@dataclass(frozen=True)
class Recorded:
    deal: Deal
    number: str
    company: str
    revisits: list[tuple[str, date]]
    outbox_keys: tuple[str, ...]


def record_deal(runtime: Runtime, *, actor: Actor, customer_id: int, data: DealInput, request_key: str) -> Recorded:
    """Won: status won, then maintaining, and the after-sales revisits are due. Lost: churned, with the reason."""
    now = runtime.now()
    scope = scope_of(runtime, actor)
    with runtime.db.write() as session:
        customer = queries.visible_customer(session=session, scope=scope, customer_id=customer_id)
        if customer is None:
            raise NotFound("customer_not_found", reference=str(customer_id))
        first = queries.claim_request_key(session=session, key=request_key, at=now)
        existing = None if first else queries.deal_by_request_key(session=session, key=request_key)
        if existing is not None:
            return Recorded(deal=existing, number=customer.number, company=customer.company, revisits=[],
                            outbox_keys=())
        team = runtime.team_by_id(customer.team_id)
        zone = ZoneInfo(team.timezone)
        today = now.astimezone(zone).date()
        closed_on = data.signed_on if data.outcome == "won" and data.signed_on else today
        acquired_on = customer.acquired_at.astimezone(zone).date()
        deal = Deal(
            customer_id=customer.id, outcome=data.outcome, contract_number=data.contract_number, amount=data.amount,
            signed_on=data.signed_on, expected_payment_on=data.expected_payment_on, delivered_on=data.delivered_on,
            contract_ends_on=data.contract_ends_on,
            closed_on=closed_on, deal_cycle_days=deal_cycle_days(acquired_on, closed_on),
            success_factors=list(data.success_factors), failure_reasons=list(data.failure_reasons),
            failure_detail=data.failure_detail, improvement=data.improvement, recorded_by=actor.user_id,
            recorded_at=now, request_key=request_key, channel=team.supervisor_channel,
        )
        session.add(deal)
        session.flush()
        revisits: list[tuple[str, date]] = []
        if data.outcome == "won":
            for status in ("won", "maintaining"):
                if customer.status != status:
                    queries.add_status_change(session=session, customer=customer, to_status=status,
                                              by=actor.user_id, at=now, reason=f"deal {deal.id}")
            assert data.delivered_on is not None
            revisits = after_sales_schedule(data.delivered_on, country=team.holidays, policy=team.policy.after_sales)
            for kind, day in revisits:
                queries.insert_ignoring_conflict(session, DueItem, {
                    "key": f"{kind}:{customer.id}:{deal.id}", "customer_id": customer.id,
                    "owner_id": customer.owner_id, "kind": kind,
                    "due_at": datetime.combine(day, time(9, 0), zone), "note": f"deal {deal.id}",
                    "created_at": now,
                })
        else:
            reason = ", ".join(data.failure_reasons) + (f": {data.failure_detail}" if data.failure_detail else "")
            queries.add_status_change(session=session, customer=customer, to_status="churned", by=actor.user_id,
                                      at=now, reason=reason)
            churn.close_on_deal(session, customer, outcome="churned", reason=reason, by=actor.user_id, now=now)
            churn.archive(session, customer, reason=reason, by=actor.user_id, now=now)
        if data.outcome == "won":
            churn.close_on_deal(session, customer, outcome="repurchase", reason=f"deal {deal.contract_number}",
                                by=actor.user_id, now=now)
        customer.updated_at = now
        cadence.recompute(runtime, customer)
        queries.audit(session=session, actor=actor.user_id, action=f"deal.{data.outcome}", entity=deal, at=now)
        lang = team_language(runtime.config, team)
        text, blocks = deal_message(deal=deal, number=customer.number, company=customer.company,
                                    owner=customer.owner_id, lang=lang)
        message = Outgoing(key=f"deal:{deal.id}:post", channel=team.supervisor_channel, text=text, blocks=blocks,
                           on_behalf_of=actor.user_id)
        enqueue(session, message, now=now)
    return Recorded(deal=deal, number=customer.number, company=customer.company, revisits=revisits,
                    outbox_keys=(message.key,))


def check_may_comment(runtime: Runtime, *, actor_id: str, deal_id: int) -> Deal:
    with runtime.db.read() as session:
        deal = session.get(Deal, deal_id)
        customer = queries.get_customer(session=session, customer_id=deal.customer_id) if deal else None
    if deal is None or customer is None:
        raise NotFound("deal_not_found")
    require_decider(resolve_actor(runtime.config, actor_id), runtime.team_by_id(customer.team_id).name)
    return deal


def comment(runtime: Runtime, *, actor_id: str, deal_id: int, remark: str | None) -> tuple[str, ...]:
    """The supervisor's remark on a deal review; the review's channel message shows it (the one the
    database says was posted for it: never a message the request names)."""
    remark = (remark or "").strip()
    if not remark:
        raise InvalidInput({"comment": ("err_required", {})})
    if len(remark) > 2000:
        raise InvalidInput({"comment": ("err_too_long", {"limit": 2000})})
    now = runtime.now()
    with runtime.db.write() as session:
        deal = session.get(Deal, deal_id)
        customer = queries.get_customer(session=session, customer_id=deal.customer_id) if deal else None
        if deal is None or customer is None:
            raise NotFound("deal_not_found")
        team = runtime.team_by_id(customer.team_id)
        require_decider(resolve_actor(runtime.config, actor_id), team.name)
        deal.supervisor_comment, deal.comment_by, deal.comment_at = remark, actor_id, now
        queries.audit(session=session, actor=actor_id, action="deal.comment", entity=deal, at=now,
                      after={"comment": remark})
        text, blocks = deal_message(deal=deal, number=customer.number, company=customer.company,
                                    owner=customer.owner_id, lang=team_language(runtime.config, team))
        keys: list[str] = []
        message = Outgoing(key=f"deal:{deal.id}:comment:{now.isoformat()}", channel=team.supervisor_channel,
                           text=text, blocks=blocks, method="chat.update", edits=f"deal:{deal.id}:post")
        enqueue(session, message, now=now)
        keys.append(message.key)
        rep_text = t("dm_deal_comment", team_language(runtime.config, team), number=escape(customer.number),
                     company=escape(customer.company), user=actor_id, comment=escape(remark))
        dm = Outgoing(key=f"deal:{deal.id}:comment-dm:{now.isoformat()}", channel=customer.owner_id, text=rep_text)
        enqueue(session, dm, now=now)
    return (*keys, dm.key)
