"""Logging a follow-up (DOMAIN §7): status only moves forward, the 24-hour late mark, who may log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import InvalidInput
from storage.models import AuditEntry, FollowUp, StatusChange
from tests.services.support import ADMIN, REP, REP2, REPW, SUP, SUPW, Env

# Stages logged one after the other → the customer's status, and the steps kept in its history.
FUNNEL = [
    pytest.param([None], "lead", [], id="no-stage-leaves-status"),
    pytest.param(["initial_contact"], "interested", ["interested"], id="first-contact"),
    pytest.param(["initial_contact", "needs_analysis", "proposal"], "negotiating",
                 ["interested", "needs_confirmed", "negotiating"], id="step-by-step"),
    pytest.param(["closing"], "intent_confirmed", ["intent_confirmed"], id="jump-forward"),
    pytest.param(["negotiation", "needs_analysis"], "negotiating", ["negotiating"], id="never-back"),
    pytest.param(["closing", "initial_contact", "proposal"], "intent_confirmed", ["intent_confirmed"],
                 id="never-back-twice"),
    pytest.param(["proposal", "negotiation"], "negotiating", ["negotiating"], id="same-status-no-new-step"),
    pytest.param(["after_sales"], "lead", [], id="after-sales-only-for-won"),
]


@pytest.mark.parametrize(("stages", "status", "history"), FUNNEL)
def test_status_only_moves_forward(env: Env, stages: list[str | None], status: str, history: list[str]) -> None:
    customer_id = env.lead(REP, "Funnel Ltd").customer_id
    for stage in stages:
        env.clock.advance(3600)
        env.followup(REP, customer_id, stage=stage)
    assert env.customer(customer_id).status == status
    steps = env.rows(StatusChange, StatusChange.customer_id == customer_id)
    assert [s.to_status for s in steps] == ["lead", *history]
    assert env.rows(FollowUp)[-1].status_after == status


@pytest.mark.parametrize(("hours_ago", "late"), [(0, False), (23, False), (24, False), (24.5, True), (72, True)])
def test_a_follow_up_logged_more_than_24_hours_after_it_happened_is_late(env: Env, hours_ago: float,
                                                                         late: bool) -> None:
    customer_id = env.lead(REP, "Late Ltd", acquired=env.now - timedelta(days=5)).customer_id
    logged = env.followup(REP, customer_id, at=env.now - timedelta(hours=hours_ago))
    assert logged.followup.late is late
    [row] = env.rows(FollowUp)
    assert row.late is late


def test_logging_moves_last_contact_and_keeps_an_audit_entry(env: Env) -> None:
    customer_id = env.lead(REP, "Contact Ltd", acquired=env.now - timedelta(days=3)).customer_id
    earlier = env.now - timedelta(days=2)
    env.followup(REP, customer_id, at=env.now - timedelta(hours=1))
    env.followup(REP, customer_id, at=earlier)  # logged later, happened earlier: last contact stays
    assert env.customer(customer_id).last_contact_at == env.now - timedelta(hours=1)
    assert [a.action for a in env.rows(AuditEntry, AuditEntry.entity_type == "followups")] == [
        "followup.create", "followup.create"]


def test_a_retried_request_logs_once(env: Env) -> None:
    customer_id = env.lead(REP, "Retry Ltd").customer_id
    first = env.followup(REP, customer_id, stage="initial_contact", key="view:V9")
    again = env.followup(REP, customer_id, stage="initial_contact", key="view:V9")
    assert again.followup.id == first.followup.id
    assert env.count(FollowUp) == 1
    assert env.count(StatusChange, StatusChange.to_status == "interested") == 1


# Who may log on REP's customer: the owner, the team's supervisor, an admin; hidden reads as missing.
@pytest.mark.parametrize(("author", "allowed"), [(REP, True), (SUP, True), (ADMIN, True), (REP2, False),
                                                 (REPW, False), (SUPW, False)])
def test_who_may_log_on_a_customer(env: Env, author: str, allowed: bool) -> None:
    customer_id = env.lead(REP, "Owned Ltd").customer_id
    if allowed:
        env.followup(author, customer_id, stage="initial_contact")
        assert env.customer(customer_id).status == "interested"
        return
    with pytest.raises(InvalidInput) as raised:
        env.followup(author, customer_id, stage="initial_contact")
    assert raised.value.errors == {"customer": ("customer_not_found_field", {})}
    assert env.count(FollowUp) == 0
    assert env.customer(customer_id).status == "lead"


def test_a_contact_within_a_day_of_the_planned_step_completes_it(env: Env) -> None:
    customer_id = env.lead(REP, "Next Step Ltd").customer_id
    planned = env.now + timedelta(days=3)
    env.followup(REP, customer_id, next_step="demo", next_step_at=planned)
    assert (env.customer(customer_id).next_step_at, env.customer(customer_id).next_step) == (planned, "demo")
    env.clock.set(planned - timedelta(days=2))
    env.followup(REP, customer_id)  # two days early: not the step
    assert env.customer(customer_id).next_step_at == planned
    env.clock.set(planned - timedelta(hours=20))
    env.followup(REP, customer_id)  # within the day before it: the step happened
    assert (env.customer(customer_id).next_step_at, env.customer(customer_id).next_step) == (None, None)
