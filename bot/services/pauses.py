"""Pausing follow-up when a customer says "not now" (DOMAIN §4, §6): off the due lists, back once a quarter."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.errors import InvalidInput, NotFound
from bot.runtime import Runtime
from bot.services import cadence, customers
from bot.services.directory import Actor
from storage import queries
from storage.models import DueItem


def pause(runtime: Runtime, *, actor: Actor, reference: str, reason: str) -> tuple[Any, datetime]:
    """Pause follow-up ("not now", DOMAIN §4): off the due lists, back once a quarter."""
    if not reason.strip():
        raise InvalidInput({"reason": ("err_pause_reason", {})})
    now = runtime.now()
    matches = customers.resolve(runtime, actor, reference)
    if len(matches) != 1:
        raise NotFound("customer_not_found", reference=reference)
    with runtime.db.write() as session:
        customer = queries.get_customer(session=session, customer_id=matches[0].id)
        assert customer is not None
        team = runtime.team_by_id(customer.team_id)
        zone = ZoneInfo(team.timezone)
        back_on = now.astimezone(zone).date() + relativedelta(months=team.policy.cadence.paused_reactivation_months)
        back_at = datetime.combine(back_on, time(9, 0), zone)
        customer.paused, customer.pause_reason, customer.paused_at = True, reason.strip()[:2000], now
        cadence.recompute(runtime, customer)
        queries.insert_ignoring_conflict(session, DueItem, {
            "key": f"reactivation:{customer.id}:{now.isoformat()}", "customer_id": customer.id,
            "owner_id": customer.owner_id, "kind": "reactivation", "due_at": back_at, "note": reason.strip()[:500],
            "created_at": now,
        })
        queries.audit(session=session, actor=actor.user_id, action="customer.pause", entity=customer, at=now,
                      after={"reason": reason.strip()})
    return customer, back_at


def resume(runtime: Runtime, *, actor: Actor, reference: str) -> Any:
    now = runtime.now()
    matches = customers.resolve(runtime, actor, reference)
    if len(matches) != 1:
        raise NotFound("customer_not_found", reference=reference)
    with runtime.db.write() as session:
        customer = queries.get_customer(session=session, customer_id=matches[0].id)
        assert customer is not None
        if not customer.paused:
            raise InvalidInput({"reason": ("err_not_paused", {"number": customer.number})})
        customer.paused, customer.paused_at = False, None
        cadence.recompute(runtime, customer)
        queries.close_due_items(session=session, customer_id=customer.id, kind="reactivation", at=now,
                                by=actor.user_id, resolution="resumed")
        queries.audit(session=session, actor=actor.user_id, action="customer.resume", entity=customer, at=now)
    return customer
