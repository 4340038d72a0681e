"""What service tests share: the test's runtime and clock, and data made through the services."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select

from bot.runtime import Runtime
from bot.services import leads
from bot.services.directory import Actor, resolve_actor
from bot.services.followups import FollowUpInput, Logged, log_followup
from bot.services.leads import LeadInput, LeadSaved
from storage.models import Base, Customer, OutboxMessage
from tests.conftest import Clock

REP, REP2, SUP, REPW, SUPW, ADMIN, STRANGER = (
    "U0REP1", "U0REP2", "U0SUPEAST", "U0REPW", "U0SUPWEST", "U0ADMIN", "U0STRANGER")
TZ = "Asia/Shanghai"
M = TypeVar("M", bound=Base)
R = TypeVar("R")
_keys = itertools.count(1)


def new_key(what: str = "test") -> str:
    return f"{what}:{next(_keys)}"


@dataclass
class Env:
    runtime: Runtime
    clock: Clock
    connection: Connection

    @property
    def now(self) -> datetime:
        return self.clock.now

    def actor(self, user: str) -> Actor:
        actor = resolve_actor(self.runtime.config, user)
        assert actor is not None, user
        return actor

    def lead_input(self, company: str, **overrides: Any) -> LeadInput:
        values: dict[str, Any] = {
            "company": company, "industry": "Manufacturing", "contact_name": "Wang Wei", "phone": "+86 138 0013 8000",
            "email": "contact@example.com", "need": "ERP", "source": "website",
            "acquired": self.now - timedelta(hours=1), "intent": "medium", **overrides,
        }
        return LeadInput(**values)

    def lead(self, owner: str, company: str, *, key: str | None = None, **overrides: Any) -> LeadSaved:
        return leads.submit_lead(self.runtime, actor=self.actor(owner), lead=self.lead_input(company, **overrides),
                                 request_key=key or new_key("lead"))

    def followup(self, author: str, customer_id: int, *, stage: str | None = None, at: datetime | None = None,
                 key: str | None = None, **fields: Any) -> Logged:
        data = FollowUpInput(customer_id=customer_id, method="phone", occurred_at=at or self.now, stage=stage,
                             notes=fields.pop("notes", "call"), **fields)
        return log_followup(self.runtime, actor=self.actor(author), data=data, request_key=key or new_key("followup"),
                            tz=TZ)

    def customer(self, customer_id: int) -> Customer:
        with self.runtime.db.read() as session:
            customer = session.get(Customer, customer_id)
            assert customer is not None
            return customer

    def rows(self, model: type[M], *where: Any) -> list[M]:
        with self.runtime.db.read() as session:
            return list(session.scalars(select(model).where(*where).order_by(model.id)))  # type: ignore[attr-defined]

    def count(self, model: type[Base], *where: Any) -> int:
        with self.runtime.db.read() as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def outbox(self, prefix: str = "") -> dict[str, OutboxMessage]:
        """Queued messages by key (only those whose key starts with ``prefix``)."""
        with self.runtime.db.read() as session:
            messages = session.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix, autoescape=True)))
            return {m.key: m for m in messages}


def call(service: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Call a service that may still take the client's ``channel``/``ts`` (issue 10 removes them:
    the message to update is the one the database says carries the record); none is given."""
    if "channel" in inspect.signature(service).parameters:
        kwargs = {"channel": None, "ts": None, **kwargs}
    return service(*args, **kwargs)
