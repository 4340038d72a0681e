"""Grade proposals (DOMAIN §5) and deciding approval requests: one open proposal per customer,
one decision per request, and only a supervisor of the team or an admin decides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.policy import GradePolicy
from bot.errors import AlreadyDecided, InvalidInput, NotAuthorized
from bot.services import decisions, grades
from storage.models import ApprovalRequest, AuditEntry, GradeChange
from tests.services.support import ADMIN, REP, REP2, REPW, STRANGER, SUP, SUPW, Env


def proposal(grade: str = "B", amount: str = "250000", potential: int = 3, reason: str | None = None) -> (
        grades.GradeProposal):
    return grades.parse_proposal({"grade": grade, "annual_purchase": amount, "potential": str(potential),
                                  "reason": reason}, GradePolicy())


def grade_requests(env: Env) -> list[ApprovalRequest]:
    return env.rows(ApprovalRequest, ApprovalRequest.kind == "grade")


def registration(env: Env, owner: str = REP, company: str = "Decide Ltd") -> ApprovalRequest:
    saved = env.lead(owner, company)
    [request] = env.rows(ApprovalRequest, ApprovalRequest.subject_id == saved.customer_id,
                         ApprovalRequest.kind == "registration")
    return request


def test_a_reps_proposal_waits_for_a_supervisor(env: Env) -> None:
    customer_id = env.lead(REP, "Graded Ltd").customer_id
    proposed = grades.propose(env.runtime, actor=env.actor(REP), customer_id=customer_id, proposal=proposal())
    assert (proposed.applied, proposed.replaced) == (False, False)
    [request] = grade_requests(env)
    assert (request.state, request.requester_id, request.payload["proposal"]["grade"]) == ("pending", REP, "B")
    assert env.customer(customer_id).grade is None
    assert f"approval:{request.id}:post" in env.outbox()


def test_a_new_proposal_replaces_the_open_one(env: Env) -> None:
    customer_id = env.lead(REP, "Graded Ltd").customer_id
    grades.propose(env.runtime, actor=env.actor(REP), customer_id=customer_id, proposal=proposal("B"))
    again = grades.propose(env.runtime, actor=env.actor(REP), customer_id=customer_id,
                           proposal=proposal("A", reason="big plans"))
    assert again.replaced is True
    first, second = grade_requests(env)
    assert (first.state, second.state) == ("superseded", "pending")
    assert second.payload["proposal"]["grade"] == "A"
    # The first request's channel message loses its buttons.
    assert f"approval:{first.id}:decided" in env.outbox()
    with pytest.raises(AlreadyDecided):
        decisions.decide(env.runtime, actor_id=SUP, request_id=first.id, decision="approved", reason=None)


@pytest.mark.parametrize("decider", [SUP, ADMIN])
def test_a_deciders_own_grade_applies_at_once_and_closes_the_open_proposal(env: Env, decider: str) -> None:
    customer_id = env.lead(REP, "Graded Ltd").customer_id
    grades.propose(env.runtime, actor=env.actor(REP), customer_id=customer_id, proposal=proposal("B"))
    applied = grades.propose(env.runtime, actor=env.actor(decider), customer_id=customer_id,
                             proposal=proposal("C", amount="60000"))
    assert (applied.applied, applied.replaced) == (True, True)
    assert [r.state for r in grade_requests(env)] == ["superseded"]
    customer = env.customer(customer_id)
    assert (customer.grade, customer.annual_purchase, customer.potential) == ("C", Decimal("60000"), 3)
    [change] = env.rows(GradeChange)
    assert (change.from_grade, change.to_grade, change.proposed_by, change.approved_by) == (None, "C", decider, decider)


def test_approving_a_proposal_applies_the_grade_and_tells_the_rep(env: Env) -> None:
    customer_id = env.lead(REP, "Graded Ltd").customer_id
    grades.propose(env.runtime, actor=env.actor(REP), customer_id=customer_id, proposal=proposal("B"))
    [request] = grade_requests(env)
    _, keys = decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision="approved", reason=None)
    assert env.customer(customer_id).grade == "B"
    [change] = env.rows(GradeChange)
    assert (change.proposed_by, change.approved_by, change.approval_request_id) == (REP, SUP, request.id)
    assert env.outbox(f"approval:{request.id}:dm")[f"approval:{request.id}:dm"].channel == REP
    assert set(keys) == {f"approval:{request.id}:decided", f"approval:{request.id}:dm"}


def test_a_proposal_for_a_hidden_customer_is_not_found(env: Env) -> None:
    customer_id = env.lead(REP, "Graded Ltd").customer_id
    with pytest.raises(InvalidInput) as raised:
        grades.propose(env.runtime, actor=env.actor(REP2), customer_id=customer_id, proposal=proposal())
    assert raised.value.errors == {"grade": ("customer_not_found_field", {})}
    assert grade_requests(env) == []


@pytest.mark.parametrize(("decision", "reason"), [("approved", None), ("needs_info", "which plant?"),
                                                  ("rejected", "duplicate")])
def test_a_repeated_decision_decides_once(env: Env, decision: str, reason: str | None) -> None:
    request = registration(env)
    decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision=decision, reason=reason)
    with pytest.raises(AlreadyDecided) as raised:
        decisions.decide(env.runtime, actor_id=ADMIN, request_id=request.id, decision="approved", reason=None)
    assert (raised.value.state, raised.value.decided_by) == (decision, SUP)
    [decided] = env.rows(ApprovalRequest)
    assert (decided.state, decided.decided_by, decided.reason) == (decision, SUP, reason)
    assert env.count(AuditEntry, AuditEntry.action.startswith("approval.")) == 1
    assert env.customer(request.subject_id).registration == decision


@pytest.mark.parametrize(("user", "allowed"), [(SUP, True), (ADMIN, True), (REP, False), (REP2, False),
                                               (SUPW, False), (REPW, False), (STRANGER, False)])
def test_only_a_supervisor_of_the_team_or_an_admin_decides(env: Env, user: str, allowed: bool) -> None:
    request = registration(env)
    if allowed:
        decisions.check_may_decide(env.runtime, actor_id=user, request_id=request.id, decision="approved")
        decisions.decide(env.runtime, actor_id=user, request_id=request.id, decision="approved", reason=None)
        assert env.customer(request.subject_id).registration == "approved"
        return
    with pytest.raises(NotAuthorized):
        decisions.check_may_decide(env.runtime, actor_id=user, request_id=request.id, decision="approved")
    with pytest.raises(NotAuthorized):
        decisions.decide(env.runtime, actor_id=user, request_id=request.id, decision="approved", reason=None)
    [still] = env.rows(ApprovalRequest)
    assert (still.state, still.decided_by) == ("pending", None)
    assert env.customer(request.subject_id).registration == "pending"


@pytest.mark.parametrize("decision", ["needs_info", "rejected"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_needs_info_and_reject_need_a_reason(env: Env, decision: str, reason: str | None) -> None:
    request = registration(env)
    with pytest.raises(InvalidInput) as raised:
        decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision=decision, reason=reason)
    assert raised.value.errors == {"reason": ("err_required", {})}
    assert env.rows(ApprovalRequest)[0].state == "pending"


def test_needs_info_sends_the_rep_a_button_to_complete_the_lead(env: Env) -> None:
    request = registration(env)
    decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision="needs_info", reason="which plant?")
    dm = env.outbox(f"approval:{request.id}:dm")[f"approval:{request.id}:dm"]
    assert dm.channel == REP
    assert "which plant?" in dm.payload["text"]
    buttons = [e for b in dm.payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["value"] for b in buttons] == [str(request.subject_id)]


def test_needs_info_is_only_for_registrations(env: Env) -> None:
    """A grade proposal's message offers Approve and Reject only: a forged "Needs info" changes nothing."""
    customer_id = env.lead(REP, "Graded Ltd").customer_id
    grades.propose(env.runtime, actor=env.actor(REP), customer_id=customer_id, proposal=proposal())
    [request] = grade_requests(env)
    with pytest.raises(NotAuthorized):
        decisions.check_may_decide(env.runtime, actor_id=SUP, request_id=request.id, decision="needs_info")
    with pytest.raises(NotAuthorized):
        decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision="needs_info", reason="why?")
    [still] = grade_requests(env)
    assert (still.state, still.decided_by) == ("pending", None)
    assert env.count(AuditEntry, AuditEntry.action.startswith("approval.")) == 0
