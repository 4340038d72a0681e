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
