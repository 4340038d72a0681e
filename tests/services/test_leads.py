"""Registering a lead (DOMAIN §2, §3): numbering, duplicates by normalised company, the review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput, NotAuthorized
from bot.services import decisions, leads
from bot.services.directory import Actor
from storage.models import ApprovalRequest, Customer, StatusChange
from tests.services.support import ADMIN, REP, REP2, REPW, STRANGER, SUP, Env

# Numbers follow the team's format, in the team's year, one sequence per format and key.
NUMBERING = [
    pytest.param(REP, {}, None, ["CL2026001", "CL2026002", "CL2026003"], id="east-plain-sequence"),
    pytest.param(REPW, {"industry": "Information Technology"}, None, ["LA-IT-2026-001", "LA-IT-2026-002"],
                 id="west-configured-industry-code"),
    pytest.param(REPW, {"industry": "Food Processing", "region": "sf"}, None, ["SF-FP-2026-001"],
                 id="west-lead-region-and-initials"),
    # 31 Dec 17:00 UTC is already 1 Jan 2027 in Shanghai: the team's year counts.
    pytest.param(REP, {}, datetime(2026, 12, 31, 17, tzinfo=UTC), ["CL2027001"], id="east-new-year-in-team-zone"),
]


@pytest.mark.parametrize(("owner", "fields", "now", "expected"), NUMBERING)
def test_numbering(env: Env, owner: str, fields: dict[str, str], now: datetime | None, expected: list[str]) -> None:
    if now is not None:
        env.clock.set(now)
    numbers = [env.lead(owner, f"Numbered {i} Ltd", **fields).number for i in range(len(expected))]
    assert numbers == expected
    assert [c.number for c in env.rows(Customer)] == expected


@pytest.mark.parametrize("again", ["ACME LIMITED", "  acme   ltd. ", "ＡＣＭＥ　Ｌｔｄ", "Acme Co., Ltd."])
def test_the_same_company_registered_again_by_its_owner_names_the_existing_lead(env: Env, again: str) -> None:
    first = env.lead(REP, "Acme Ltd")
    with pytest.raises(InvalidInput) as raised:
        env.lead(REP, again)
    assert raised.value.errors == {"company": ("err_duplicate_own", {"company": "Acme Ltd", "number": first.number})}
    assert env.count(Customer) == 1


@pytest.mark.parametrize("other", [REP2, REPW, SUP])
def test_another_users_company_says_only_whose_it_is(env: Env, other: str) -> None:
    env.lead(REP, "Acme Ltd")
    with pytest.raises(InvalidInput) as raised:
        env.lead(other, "acme")
    assert raised.value.errors == {"company": ("err_duplicate_other", {"owner": REP})}
    assert env.count(Customer) == 1


def test_a_similar_but_different_company_is_no_duplicate(env: Env) -> None:
    env.lead(REP, "Acme Ltd")
    assert env.lead(REP2, "Acme Trading Ltd").number == "CL2026002"


def test_a_rejected_registration_frees_the_company_for_anyone(env: Env) -> None:
    first = env.lead(REP, "Acme Ltd")
    [request] = env.rows(ApprovalRequest)
    decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision="rejected", reason="not a fit")
    again = env.lead(REP2, "ACME Limited")
    assert again.customer_id != first.customer_id
    assert env.customer(first.customer_id).name_key is None


def test_a_retried_submission_returns_the_first_result_and_registers_once(env: Env) -> None:
    first = env.lead(REP, "Retry Ltd", key="view:V1")
    again = env.lead(REP, "Retry Ltd", key="view:V1")
    assert (again.customer_id, again.number) == (first.customer_id, first.number)
    assert env.count(Customer) == 1
    assert env.count(ApprovalRequest) == 1


def test_registration_stores_the_lead_and_queues_its_review_and_the_reps_confirmation(env: Env) -> None:
    saved = env.lead(REP, "Review Ltd")
    customer = env.customer(saved.customer_id)
    assert (customer.owner_id, customer.status, customer.registration) == (REP, "lead", "pending")
    [request] = env.rows(ApprovalRequest)
    assert (request.kind, request.subject_id, request.state, request.channel) == (
        "registration", saved.customer_id, "pending", "C0EAST")
    outbox = env.outbox("approval:")
    assert set(saved.outbox_keys) == set(outbox) == {f"approval:{request.id}:post", f"approval:{request.id}:submitted"}
    assert outbox[f"approval:{request.id}:post"].channel == "C0EAST"
    assert outbox[f"approval:{request.id}:submitted"].channel == REP
    assert [(s.from_status, s.to_status) for s in env.rows(StatusChange)] == [(None, "lead")]


@pytest.mark.parametrize(("hours_ago", "late"), [(1, False), (24, False), (25, True)])
def test_a_lead_registered_more_than_24_hours_after_it_came_in_is_marked_late(env: Env, hours_ago: int,
                                                                              late: bool) -> None:
    env.lead(REP, "Late Or Not Ltd", acquired=env.now - timedelta(hours=hours_ago))
    [request] = env.rows(ApprovalRequest)
    assert request.late is late
    assert (request.payload["late_hours"] is not None) is late


@pytest.mark.parametrize("user", [ADMIN, STRANGER])
def test_only_a_team_member_registers_leads(env: Env, user: str) -> None:
    # The stranger is in no team: an actor of no team (the handler never gets this far for them).
    actor = env.actor(user) if user != STRANGER else Actor(user_id=user, is_admin=False, team=None, supervises=())
    with pytest.raises(NotAuthorized):
        leads.submit_lead(env.runtime, actor=actor, lead=env.lead_input("Nobody's Ltd"), request_key="k")
    assert env.count(Customer) == 0
