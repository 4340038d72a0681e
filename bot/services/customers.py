"""Finding customers someone may see (type-ahead, find, show); who sees which is ``permissions.scope_of``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.followups import fold, looks_like_number
from bot.errors import NotFound
from bot.runtime import Runtime
from bot.services.directory import Actor, resolve_actor
from bot.services.permissions import scope_of
from storage import queries
from storage import search as indexed
from storage.models import Customer, FollowUp
from storage.queries import CustomerScope

OPTIONS_LIMIT = 100  # Slack's limit for an external select
FIND_LIMIT = 20


def _query(runtime: Runtime, actor: Actor, text: str) -> tuple[str, CustomerScope] | None:
    """What a search looks for (folded) and among whose customers; None when nothing was typed."""
    folded = fold(text)
    return (folded, scope_of(runtime, actor)) if folded else None


def search(runtime: Runtime, actor: Actor, text: str, *, limit: int = OPTIONS_LIMIT) -> list[Customer]:
    if (query := _query(runtime, actor, text)) is None:
        return []
    with runtime.db.read() as session:
        return indexed.search_customers(session=session, scope=query[1], folded=query[0], limit=limit)


FIND_COUNT_CAP = 1000  # find counts its matches up to here ("more than 1,000")


@dataclass(frozen=True)
class Found:
    """The first ``FIND_LIMIT`` matches of a find, and how many there are (at most ``FIND_COUNT_CAP``)."""

    customers: list[Customer]
    total: int
    capped: bool


def find(runtime: Runtime, actor: Actor, text: str) -> Found:
    """``/followup find``: the best matches, counted, so that a cut list says how many it leaves out."""
    if (query := _query(runtime, actor, text)) is None:
        return Found([], 0, False)
    with runtime.db.read() as session:
        ids = indexed.search_ids(session=session, scope=query[1], folded=query[0], limit=FIND_COUNT_CAP + 1)
        by_id = queries.customers_by_ids(session=session, customer_ids=ids[:FIND_LIMIT])
    return Found([by_id[i] for i in ids[:FIND_LIMIT]], min(len(ids), FIND_COUNT_CAP), len(ids) > FIND_COUNT_CAP)


def options(runtime: Runtime, actor: Actor, text: str) -> list[indexed.Option]:
    """The customer picker's type-ahead: what ``search`` finds, as options (at most Slack's 100)."""
    if (query := _query(runtime, actor, text)) is None:
        return []
    with runtime.db.read() as session:
        return indexed.search_options(session=session, scope=query[1], folded=query[0], limit=OPTIONS_LIMIT)


def customer_options(runtime: Runtime, *, actor_id: str, query: str) -> list[indexed.Option]:
    """``options`` for a Slack user (none for someone outside the teams)."""
    actor = resolve_actor(runtime.config, actor_id)
    return [] if actor is None else options(runtime, actor, query)


def resolve(runtime: Runtime, actor: Actor, reference: str, *, with_contacts: bool = True) -> list[Customer]:
    """A customer by number, else by name: one match, several, or none (hidden looks like none).

    ``with_contacts=False``: a customer found by its number comes without its contacts (the
    caller never reads them)."""
    reference = reference.strip()
    scope = scope_of(runtime, actor)
    with runtime.db.read() as session:
        if looks_like_number(reference):
            found = indexed.visible_by_number(session=session, scope=scope, number=reference,
                                              with_contacts=with_contacts)
            if found is not None:
                return [found]
        matches = indexed.search_customers(session=session, scope=scope, folded=fold(reference), limit=FIND_LIMIT)
    exact = [c for c in matches if fold(c.company) == fold(reference) or c.number.lower() == reference.lower()]
    return exact[:1] if len(exact) == 1 else matches


def visible(runtime: Runtime, actor: Actor, customer_id: int) -> Customer:
    with runtime.db.read() as session:
        customer = queries.visible_customer(session=session, scope=scope_of(runtime, actor), customer_id=customer_id)
    if customer is None:
        raise NotFound("customer_not_found", reference=str(customer_id))
    return customer


CARD_HISTORY = 10  # follow-ups on a customer card; the rest are counted (all of them are in the export)


@dataclass(frozen=True)
class Card:
    customer: Customer
    followups: list[FollowUp]  # the newest CARD_HISTORY
    total_followups: int
    now: datetime


def card(runtime: Runtime, actor: Actor, reference: str) -> Card:
    matches = resolve(runtime, actor, reference)
    if len(matches) != 1:
        raise NotFound("customer_not_found", reference=reference)
    with runtime.db.read() as session:
        followups = queries.recent_followups(session=session, customer_id=matches[0].id, limit=CARD_HISTORY)
        total = (len(followups) if len(followups) < CARD_HISTORY
                 else queries.count_followups(session=session, customer_id=matches[0].id))
    return Card(customer=matches[0], followups=followups, total_followups=total, now=runtime.now())
