"""Test data made through the services, as the bot itself would make it."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from bot.services import leads
from bot.services.directory import resolve_actor
from bot.services.leads import LeadInput
from bot.services.outbox import deliver_keys
from tests.conftest import Bot

_keys = itertools.count(1)


def make_customer(bot: Bot, owner: str, company: str, *, contact: str = "Wang Wei", industry: str = "Manufacturing",
                  **extra: Any) -> int:
    actor = resolve_actor(bot.runtime.config, owner)
    assert actor is not None
    lead = LeadInput(company=company, industry=industry, contact_name=contact, phone="+86 138 0013 8000",
                     email="contact@example.com", need="ERP", source="website",
                     acquired=bot.clock.now - timedelta(hours=1), intent="medium", **extra)
    saved = leads.submit_lead(bot.runtime, actor=actor, lead=lead, request_key=f"factory:{next(_keys)}")
    deliver_keys(bot.runtime, saved.outbox_keys)  # the registration review reaches the channel, as in real use
    return saved.customer_id


def log_followup(bot: Bot, author: str, customer_id: int, *, at: Any = None, stage: str | None = None,
                 next_step_at: Any = None, next_step: str | None = None, objection: str | None = None,
                 answer: str | None = None, notes: str = "call", satisfaction: int | None = None) -> None:
    """A follow-up that happened at ``at`` and was logged then (the clock is moved there and back)."""
    from bot.services.followups import FollowUpInput
    from bot.services.followups import log_followup as log

    actor = resolve_actor(bot.runtime.config, author)
    assert actor is not None
    when = at or bot.clock.now
    saved, bot.clock.now = bot.clock.now, when
    try:
        data = FollowUpInput(customer_id=customer_id, method="phone", occurred_at=when, stage=stage, notes=notes,
                             satisfaction=satisfaction,
                             next_step=next_step or ("next" if next_step_at else None), next_step_at=next_step_at,
                             objection=objection, objection_answer=answer)
        log(bot.runtime, actor=actor, data=data, request_key=f"factory:{next(_keys)}", tz="Asia/Shanghai")
    finally:
        bot.clock.now = saved


def set_grade(bot: Bot, customer_id: int, grade: str) -> None:
    from bot.services import cadence
    from storage.models import Customer

    with bot.db.write() as session:
        customer = session.get(Customer, customer_id)
        customer.grade = grade
        cadence.recompute(bot.runtime, customer)
