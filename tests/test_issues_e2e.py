"""Complaints and issues: deadlines by severity, escalation when missed, Responded / Resolved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.scheduler import run_once
from storage.models import Issue
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver

REP, OTHER_REP, SUPERVISOR, WEST_SUPERVISOR = "U0REP1", "U0REP2", "U0SUPEAST", "U0SUPWEST"


@pytest.fixture
def acme(bot: Bot) -> int:
    return make_customer(bot, REP, "Acme Ltd")


def report(slack: SlackDriver, values: dict[str, Any], user: str = REP) -> Any:
    view = slack.open_modal("/followup", "issue CL2026001", user=user)
    return slack.submit(view, values, user=user)


def issues(bot: Bot) -> list[Issue]:
    with bot.db.read() as session:
        return list(session.scalars(select(Issue).order_by(Issue.id)))


def channel_message(slack: SlackDriver, number: str) -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST"
                               and number in a["text"])[0]


def escalations(slack: SlackDriver) -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if "missed its deadline" in c.args["text"]]


@pytest.mark.parametrize(
    ("values", "kind", "hours"),
    [
        ({"category": "quality", "complaint": ["complaint"], "severity": "normal"}, "response", 2),
        ({"category": "logistics", "complaint": [], "severity": "normal"}, "response", 24),
        ({"category": "billing", "complaint": [], "severity": "complex"}, "solution", 48),
    ],
)
def test_deadlines_by_severity_and_escalation_when_missed(slack: SlackDriver, bot: Bot, acme: int, values: dict,
                                                           kind: str, hours: int) -> None:
    reply = report(slack, {**values, "description": "Damaged boxes on delivery"})
    assert reply.status == 200 and reply.body == ""
    [issue] = issues(bot)
    assert issue.number == "IS-2026-0001" and issue.deadline_kind == kind
    assert issue.deadline_at == bot.clock.now + timedelta(hours=hours)
    message = channel_message(slack, "IS-2026-0001")
    assert [e["text"]["text"] for b in message.args["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Responded", "Resolved"]
    assert slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "IS-2026-0001"
                               in a["text"])
    start = bot.clock.now
    bot.clock.set(start + timedelta(hours=hours) - timedelta(minutes=1))
    run_once(bot.runtime)
    assert escalations(slack) == []
    bot.clock.set(start + timedelta(hours=hours))
    run_once(bot.runtime)
    run_once(bot.runtime)
    [escalation] = escalations(slack)
    assert escalation.args["channel"] == "C0EAST" and "IS-2026-0001" in escalation.args["text"]
    assert "owner <@U0REP1>" in escalation.args["text"]


def test_no_escalation_when_answered_in_time(slack: SlackDriver, bot: Bot, acme: int) -> None:
    report(slack, {"category": "quality", "complaint": ["complaint"], "severity": "normal", "description": "Broken"})
    message = channel_message(slack, "IS-2026-0001")
    bot.clock.set(bot.clock.now + timedelta(hours=1))
    slack.click(message.args["blocks"], "issue_responded", user=REP, message_ts=message.response["ts"])
    update = slack.fake.wait_for("chat.update")[0].args
    assert update["ts"] == message.response["ts"] and "Responded by <@U0REP1>" in str(update["blocks"])
    assert [e["text"]["text"] for b in update["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Resolved"]
    bot.clock.set(bot.clock.now + timedelta(hours=30))
    run_once(bot.runtime)
    assert escalations(slack) == []


def test_a_complex_issue_needs_a_solution_not_just_a_response(slack: SlackDriver, bot: Bot, acme: int) -> None:
    report(slack, {"category": "quality", "severity": "complex", "description": "Line stops"})
    message = channel_message(slack, "IS-2026-0001")
    slack.click(message.args["blocks"], "issue_responded", user=REP, message_ts=message.response["ts"])
    slack.fake.wait_for("chat.update")
    bot.clock.set(bot.clock.now + timedelta(hours=48))
    run_once(bot.runtime)
    assert len(escalations(slack)) == 1 and "a solution was due" in escalations(slack)[0].args["text"]


def test_resolve_with_the_customers_satisfaction(slack: SlackDriver, bot: Bot, acme: int) -> None:
    report(slack, {"category": "billing", "severity": "normal", "description": "Invoice twice"})
    message = channel_message(slack, "IS-2026-0001")
    slack.click(message.args["blocks"], "issue_resolved", user=SUPERVISOR, message_ts=message.response["ts"])
    view = slack.opened_view(2)
    answer = slack.submit(view, {"resolution": "", "satisfaction": None}, user=SUPERVISOR).json
    assert set(answer["errors"]) == {"resolution", "satisfaction"}
    slack.submit(view, {"resolution": "Refunded the duplicate", "satisfaction": "4"}, user=SUPERVISOR)
    update = slack.fake.wait_for("chat.update")[0].args
    assert "Resolved* by <@U0SUPEAST>" in str(update["blocks"]) and "4/5" in str(update["blocks"])
    assert not [b for b in update["blocks"] if b["type"] == "actions"]
    [issue] = issues(bot)
    assert (issue.resolution, issue.satisfaction, issue.responded_by) == ("Refunded the duplicate", 4, SUPERVISOR)


@pytest.mark.parametrize("intruder", [OTHER_REP, WEST_SUPERVISOR])
def test_only_the_owner_or_a_supervisor_handles_it(slack: SlackDriver, bot: Bot, acme: int, intruder: str) -> None:
    report(slack, {"category": "quality", "severity": "normal", "description": "Broken"})
    message = channel_message(slack, "IS-2026-0001")
    slack.click(message.args["blocks"], "issue_responded", user=intruder, message_ts=message.response["ts"])
    slack.click(message.args["blocks"], "issue_resolved", user=intruder, message_ts=message.response["ts"])
    refusals = slack.fake.wait_for("response_url", count=3)[1:]
    assert all("Only the customer's owner or a supervisor of East China" in r.args["text"] for r in refusals)
    bot.executor.wait_idle()
    assert issues(bot)[0].responded_at is None and len(slack.fake.calls_to("views.open")) == 1


def test_bad_input_and_numbers(slack: SlackDriver, bot: Bot, acme: int) -> None:
    answer = report(slack, {"category": None, "severity": "normal", "description": " "}).json
    assert set(answer["errors"]) == {"category", "description"}
    report(slack, {"category": "other", "severity": "normal", "description": "One"})
    report(slack, {"category": "other", "severity": "normal", "description": "Two"})
    assert [i.number for i in issues(bot)] == ["IS-2026-0001", "IS-2026-0002"]


def test_report_issue_from_the_card_and_hidden_customers(slack: SlackDriver, bot: Bot, acme: int) -> None:
    card = slack.slash("/followup", "show CL2026001", user=REP).json
    slack.click(card["blocks"], "issue_report", user=REP, channel="C0GENERAL")
    assert slack.opened_view(1)["title"]["text"] == "Complaint / issue"
    assert slack.slash("/followup", "issue CL2026001", user=OTHER_REP).json["text"] == \
        "No customer you can see matches “CL2026001”."


def test_a_retried_report_is_recorded_once(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "issue CL2026001", user=REP)
    values = {"category": "other", "severity": "normal", "description": "Once"}
    slack.submit(view, values, user=REP)
    slack.submit(view, values, user=REP, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert len(issues(bot)) == 1


