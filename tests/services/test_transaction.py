"""The fixture's promise: what a service commits stays inside the test's transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Customer, NumberSequence
from tests.services.support import REP, Env


def test_a_committed_write_is_invisible_outside_the_test_transaction(env: Env) -> None:
    saved = env.lead(REP, "Rollback Proof Ltd")
    assert env.customer(saved.customer_id).company == "Rollback Proof Ltd"
    with env.runtime.db.engine.connect() as other:  # a connection of its own, outside the test's transaction
        assert other.scalar(select(func.count()).select_from(Customer)) == 0
        assert other.scalar(select(func.count()).select_from(NumberSequence)) == 0


def test_each_test_starts_from_the_same_empty_database(env: Env) -> None:
    # Both tests number their first lead 001: the other's sequence was rolled back (whichever ran first).
    assert env.count(Customer) == 0
    assert env.lead(REP, "Second Test Ltd").number == "CL2026001"


def test_an_error_inside_a_write_rolls_back_only_that_write(env: Env) -> None:
    kept = env.lead(REP, "Kept Ltd")
    with pytest.raises(RuntimeError), env.runtime.db.write() as session:
        customer = session.get(Customer, kept.customer_id)
        assert customer is not None
        customer.company = "Changed Ltd"
        session.flush()
        raise RuntimeError("the use case fails half-way")
    assert env.customer(kept.customer_id).company == "Kept Ltd"
    assert env.lead(REP, "After The Error Ltd").number == "CL2026002"
