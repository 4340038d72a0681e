"""Snoozing a due customer from the due list: 1 day, 3 days or next week, with a reason, recorded."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.services.directory import Actor
from bot.services.permissions import scope_of
from storage import queries
from storage.models import Customer

CHOICES = ("1d", "3d", "week")


def snooze_until(choice: str, now: datetime, tz: str) -> datetime:
    """09:00 local, one or three days on, or next Monday."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    if choice == "week":
        day = today + timedelta(days=7 - today.weekday())
    else:
        day = today + timedelta(days=1 if choice == "1d" else 3)
    return datetime.combine(day, time(9, 0), zone)


def snooze(runtime: Runtime, *, actor: Actor, customer_id: int, choice: str | None, reason: str | None,
           tz: str) -> tuple[Customer, datetime]:
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if choice not in CHOICES:
        errors["until"] = ("err_required", {})
    if not (reason or "").strip():
        errors["reason"] = ("err_required", {})
    elif len(reason or "") > 500:
        errors["reason"] = ("err_too_long", {"limit": 500})
    if errors:
        raise InvalidInput(errors)
    assert choice is not None and reason is not None
    now = runtime.now()
    until = snooze_until(choice, now, tz)
    scope = scope_of(runtime, actor)
    with runtime.db.write() as session:
        customer = queries.visible_customer(session=session, scope=scope, customer_id=customer_id)
        if customer is None:
            raise InvalidInput({"until": ("customer_not_found_field", {})})
        before = customer.snoozed_until
        customer.snoozed_until = until
        queries.audit(session=session, actor=actor.user_id, action="customer.snooze", entity=customer, at=now,
                      before={"snoozed_until": before.isoformat() if before else None},
                      after={"snoozed_until": until.isoformat(), "choice": choice, "reason": reason.strip()})
    return customer, until
