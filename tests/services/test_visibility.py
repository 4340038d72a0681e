"""Who sees which customer: a rep their own, a supervisor their team's, an admin everyone's;
a hidden customer reads exactly like a missing one."""

from __future__ import annotations

import pytest

from bot.errors import NotFound
from bot.services import customers, decisions
from storage.models import ApprovalRequest
from tests.services.support import ADMIN, REP, REP2, REPW, SUP, SUPW, Env

# viewer → the owners whose customers they see (East: REP, REP2, supervised by SUP; West: REPW, by SUPW).
SEES = {
    REP: {REP},
    REP2: {REP2},
    REPW: {REPW},
    SUP: {REP, REP2, SUP},
    SUPW: {REPW},
    ADMIN: {REP, REP2, REPW, SUP},
}
OWNERS = (REP, REP2, REPW, SUP)


@pytest.fixture
def book(env: Env) -> dict[str, int]:
    """One customer per owner, named after them."""
    return {owner: env.lead(owner, f"Visible {owner} Ltd").customer_id for owner in OWNERS}


@pytest.mark.parametrize("viewer", list(SEES))
def test_visible_by_id(env: Env, book: dict[str, int], viewer: str) -> None:
    seen = set()
    for owner, customer_id in book.items():
        try:
            customers.visible(env.runtime, env.actor(viewer), customer_id)
        except NotFound as exc:
            assert exc.key == "customer_not_found"
        else:
            seen.add(owner)
    assert seen == SEES[viewer]


@pytest.mark.parametrize("viewer", list(SEES))
def test_search_and_find_by_name_or_number(env: Env, book: dict[str, int], viewer: str) -> None:
    actor = env.actor(viewer)
    found = {c.owner_id for c in customers.search(env.runtime, actor, "visible")}
    assert found == SEES[viewer]
    for owner, customer_id in book.items():
        number = env.customer(customer_id).number
        by_number = [c.id for c in customers.resolve(env.runtime, actor, number)]
        by_name = [c.id for c in customers.resolve(env.runtime, actor, f"Visible {owner} Ltd")]
        expected = [customer_id] if owner in SEES[viewer] else []
        assert (by_number, by_name) == (expected, expected), owner


def test_a_hidden_customer_reads_like_a_missing_one(env: Env, book: dict[str, int]) -> None:
    with pytest.raises(NotFound) as hidden:
        customers.visible(env.runtime, env.actor(REP2), book[REP])
    with pytest.raises(NotFound) as missing:
        customers.visible(env.runtime, env.actor(REP2), 999_999)
    assert (hidden.value.key, hidden.value.values.keys()) == (missing.value.key, missing.value.values.keys())


@pytest.mark.parametrize("viewer", [REP, SUP, ADMIN])
def test_a_rejected_lead_is_hidden_from_everyone(env: Env, book: dict[str, int], viewer: str) -> None:
    [request] = env.rows(ApprovalRequest, ApprovalRequest.subject_id == book[REP])
    decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision="rejected", reason="fake")
    with pytest.raises(NotFound):
        customers.visible(env.runtime, env.actor(viewer), book[REP])
    assert customers.resolve(env.runtime, env.actor(viewer), env.customer(book[REP]).number) == []


# Handover (DOMAIN §11): viewer → the owners whose customers they may hand over, to a member of the
# owner's team. Only supervisors of the team and admins, and never more than they see.
HANDS_OVER = {REP: set(), REP2: set(), REPW: set(), SUP: {REP, REP2, SUP}, SUPW: {REPW}, ADMIN: {REP, REP2, REPW, SUP}}
SUCCESSOR = {REP: REP2, REP2: REP, SUP: REP, REPW: SUPW}


@pytest.mark.parametrize("viewer", list(SEES))
def test_who_may_hand_over_whose_customers(env: Env, book: dict[str, int], viewer: str) -> None:
    from bot.errors import NotAuthorized
    from bot.services import handover

    allowed = set()
    for owner in OWNERS:
        try:
            plan = handover.prepare(env.runtime, actor=env.actor(viewer), from_user=owner, to_user=SUCCESSOR[owner])
        except NotAuthorized:
            continue
        assert [row.id for row in plan.rows] == [book[owner]]
        allowed.add(owner)
    assert allowed == HANDS_OVER[viewer]
    assert allowed <= SEES[viewer]
