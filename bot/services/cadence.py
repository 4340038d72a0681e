"""Keeping each customer's next due date current with the cadence engine.

The due date depends only on the customer's facts and the team's policy, so it is computed
when those change (a follow-up, a grade, a pause, a deal) and stored: the daily due lists are
then one indexed query. When the policy in the teams file changes, every customer is
recomputed on start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.domain.cadence import CustomerFacts, cadence_days, next_due
from bot.runtime import Runtime
from storage import queries
from storage.models import Customer

FINGERPRINT_KEY = "cadence_policy"


def facts_of(customer: Customer) -> CustomerFacts:
    return CustomerFacts(
        grade=customer.grade, status=customer.status, paused=customer.paused, assigned_at=customer.created_at,
        last_contact_at=customer.last_contact_at, last_stage=customer.last_stage, next_step_at=customer.next_step_at,
    )


def recompute(runtime: Runtime, customer: Customer) -> None:
    """Set ``next_due_at`` and ``due_reason`` from the customer's facts (call inside the changing transaction)."""
    team = runtime.team_by_id(customer.team_id)
    due = None
    if customer.registration != "rejected":
        due = next_due(facts_of(customer), team.policy.cadence, tz=team.timezone, holidays=team.holidays)
    customer.next_due_at = due.at if due else None
    customer.due_reason = due.reason if due else None


def policy_fingerprint(runtime: Runtime) -> str:
    parts = {t.name: [t.timezone, t.holidays, t.policy.cadence.model_dump(mode="json")] for t in runtime.config.teams}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def recompute_all_if_policy_changed(runtime: Runtime, *, batch: int = 2000) -> int:
    """On start: when the cadence policy differs from the one the stored dates came from, redo them all."""
    fingerprint = policy_fingerprint(runtime)
    with runtime.db.read() as session:
        if queries.get_state(session=session, key=FINGERPRINT_KEY) == fingerprint:
            return 0
    done = recompute_all(runtime, batch=batch)
    with runtime.db.write(background=True) as session:
        queries.set_state(session=session, key=FINGERPRINT_KEY, value=fingerprint)
    return done


def recompute_all(runtime: Runtime, *, batch: int = 2000) -> int:
    done, after = 0, 0
    while True:
        with runtime.db.write(background=True) as session:
            chunk = queries.customers_after(session=session, after_id=after, limit=batch)
            for customer in chunk:
                recompute(runtime, customer)
        if not chunk:
            return done
        done += len(chunk)
        after = chunk[-1].id


def cadence_days_cache(runtime: Runtime) -> Callable[[Any], int | None]:
    """Days between contacts for rows of customers: they depend on team, grade, status and stage
    only, so bulk paths (due lists, churn scoring) compute each combination once."""
    cache: dict[tuple[Any, ...], int | None] = {}

    def days_for(row: Any) -> int | None:
        key = (row.team_id, row.grade, row.status, row.last_stage)
        if key not in cache:
            facts = CustomerFacts(grade=row.grade, status=row.status, paused=False, assigned_at=datetime.min,
                                  last_contact_at=None, last_stage=row.last_stage, next_step_at=None)
            cache[key] = cadence_days(facts, runtime.team_by_id(row.team_id).policy.cadence)[0]
        return cache[key]

    return days_for
