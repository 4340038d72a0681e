"""Complaints and issues (DOMAIN §12): the deadline by kind and severity, responding, resolving."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import InvalidInput, NotAuthorized, NotFound
from bot.services import issues
from storage.models import Issue
from tests.services.support import ADMIN, REP, REP2, REPW, STRANGER, SUP, SUPW, Env, call, new_key

DEADLINES = [
    pytest.param(True, "normal", "response", 2, id="complaint"),
    pytest.param(True, "complex", "response", 2, id="complex-complaint-still-2h-response"),
    pytest.param(False, "normal", "response", 24, id="normal-issue"),
    pytest.param(False, "complex", "solution", 48, id="complex-issue"),
]


def report(env: Env, customer_id: int, *, by: str = REP, complaint: bool = False, severity: str = "normal",
           key: str | None = None) -> issues.Reported:
    data = issues.parse_issue_form({"category": "quality", "severity": severity,
                                    "complaint": ["complaint"] if complaint else [], "description": "Broken parts"})
    return issues.report(env.runtime, actor=env.actor(by), customer_id=customer_id, data=data,
                         request_key=key or new_key("issue"))


@pytest.fixture
def customer_id(env: Env) -> int:
    return env.lead(REP, "Issue Ltd").customer_id


@pytest.mark.parametrize(("complaint", "severity", "kind", "hours"), DEADLINES)
def test_the_deadline_follows_kind_and_severity(env: Env, customer_id: int, complaint: bool, severity: str,
                                                kind: str, hours: int) -> None:
    reported = report(env, customer_id, complaint=complaint, severity=severity)
    [issue] = env.rows(Issue)
    assert (issue.complaint, issue.severity, issue.deadline_kind) == (complaint, severity, kind)
    assert issue.deadline_at == env.now + timedelta(hours=hours)
    assert issue.number == "IS-2026-0001"
    outbox = env.outbox(f"issue:{issue.id}:")
    assert set(reported.outbox_keys) == set(outbox)
    assert {m.channel for m in outbox.values()} == {"C0EAST", REP}


def test_a_retried_report_is_recorded_once(env: Env, customer_id: int) -> None:
    first = report(env, customer_id, key="view:V3")
    again = report(env, customer_id, key="view:V3")
    assert (again.issue.id, again.outbox_keys) == (first.issue.id, ())
    assert env.count(Issue) == 1


@pytest.mark.parametrize("reporter", [REP2, REPW, SUPW])
def test_an_issue_on_a_hidden_customer_is_not_found(env: Env, customer_id: int, reporter: str) -> None:
    with pytest.raises(NotFound):
        report(env, customer_id, by=reporter)
    assert env.count(Issue) == 0


def test_respond_then_resolve(env: Env, customer_id: int) -> None:
    report(env, customer_id, complaint=True)
    [issue] = env.rows(Issue)
    responded_at = env.now + timedelta(minutes=30)
    env.clock.set(responded_at)
    call(issues.respond, env.runtime, actor_id=SUP, issue_id=issue.id)
    env.clock.advance(3600)
    call(issues.resolve, env.runtime, actor_id=REP, issue_id=issue.id, resolution="  replaced the parts  ",
         satisfaction="4")
    [done] = env.rows(Issue)
    # The first response stays the supervisor's; the resolution is the owner's.
    assert (done.responded_at, done.responded_by) == (responded_at, SUP)
    assert (done.resolved_at, done.resolved_by) == (responded_at + timedelta(hours=1), REP)
    assert (done.resolution, done.satisfaction) == ("replaced the parts", 4)


def test_resolving_counts_as_the_response_when_there_was_none(env: Env, customer_id: int) -> None:
    report(env, customer_id)
    [issue] = env.rows(Issue)
    call(issues.resolve, env.runtime, actor_id=REP, issue_id=issue.id, resolution="fixed", satisfaction="5")
    [done] = env.rows(Issue)
    assert (done.responded_at, done.responded_by) == (env.now, REP)


@pytest.mark.parametrize("again", ["respond", "resolve"])
def test_a_resolved_issue_is_closed(env: Env, customer_id: int, again: str) -> None:
    report(env, customer_id)
    [issue] = env.rows(Issue)
    call(issues.resolve, env.runtime, actor_id=REP, issue_id=issue.id, resolution="fixed", satisfaction="5")
    env.clock.advance(60)
    with pytest.raises(NotAuthorized) as raised:
        if again == "respond":
            call(issues.respond, env.runtime, actor_id=SUP, issue_id=issue.id)
        else:
            call(issues.resolve, env.runtime, actor_id=SUP, issue_id=issue.id, resolution="other", satisfaction="1")
    assert raised.value.key == "issue_already_resolved"
    [done] = env.rows(Issue)
    assert (done.resolved_by, done.resolution, done.satisfaction) == (REP, "fixed", 5)


@pytest.mark.parametrize(("resolution", "satisfaction", "fields"), [
    ("", "3", {"resolution"}), ("   ", "3", {"resolution"}), ("fixed", None, {"satisfaction"}),
    ("fixed", "6", {"satisfaction"}), ("fixed", "0", {"satisfaction"}), (None, "x", {"resolution", "satisfaction"}),
])
def test_resolving_needs_a_resolution_and_a_satisfaction_score(env: Env, customer_id: int, resolution: str | None,
                                                               satisfaction: str | None, fields: set[str]) -> None:
    report(env, customer_id)
    [issue] = env.rows(Issue)
    with pytest.raises(InvalidInput) as raised:
        call(issues.resolve, env.runtime, actor_id=REP, issue_id=issue.id, resolution=resolution,
             satisfaction=satisfaction)
    assert set(raised.value.errors) == fields
    assert env.rows(Issue)[0].resolved_at is None


@pytest.mark.parametrize(("user", "allowed"), [(REP, True), (SUP, True), (ADMIN, True), (REP2, False),
                                               (REPW, False), (SUPW, False), (STRANGER, False)])
def test_the_owner_a_supervisor_of_the_team_or_an_admin_handles_an_issue(env: Env, customer_id: int, user: str,
                                                                          allowed: bool) -> None:
    report(env, customer_id)
    [issue] = env.rows(Issue)
    if allowed:
        issues.check_may_handle(env.runtime, actor_id=user, issue_id=issue.id)
        call(issues.respond, env.runtime, actor_id=user, issue_id=issue.id)
        assert env.rows(Issue)[0].responded_by == user
        return
    with pytest.raises(NotAuthorized):
        issues.check_may_handle(env.runtime, actor_id=user, issue_id=issue.id)
    with pytest.raises(NotAuthorized):
        call(issues.respond, env.runtime, actor_id=user, issue_id=issue.id)
    assert env.rows(Issue)[0].responded_at is None


def test_an_unknown_issue_is_not_found(env: Env) -> None:
    with pytest.raises(NotFound):
        call(issues.respond, env.runtime, actor_id=SUP, issue_id=999_999)
