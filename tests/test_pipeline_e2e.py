"""One request pipeline: what a click or a modal may touch, and what a malformed one gets.

- The message a click updates is the one the database says carries the record (posted by the
  bot), never the ``container`` channel/ts of the click nor a channel/ts in a modal's
  ``private_metadata``: a forged one updates nobody else's message.
- A malformed button value or ``private_metadata`` (not JSON, keys missing, wrong types, ids out
  of range) gets HTTP 200 and a clear answer — an ephemeral "out of date" for a button, a field
  error for a modal — never a 500, and nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select

from storage.models import Base
from tests.conftest import DEFAULT_NOW, Bot
from tests.slackdriver import SlackDriver
from tests.test_deals_e2e import WON
from tests.test_exactly_once_e2e import _alert, _issue_message, _registration, channel_post, customer
from tests.test_lead_e2e import lead_values

REP, SUPERVISOR = "U0REP1", "U0SUPEAST"
# Tables a request from Slack may touch without acting: its delivery claim, the user's profile.
BOOKKEEPING = {"processed_requests", "slack_users", "slack_rate_limits", "app_state"}
HUGE = 99999999999999999999


def victim_message(slack: SlackDriver) -> tuple[str, str]:
    """Somebody else's message in another channel: a forged click or modal names it."""
    client = WebClient(token="xoxb-test-token", base_url=slack.fake.url)
    posted = client.chat_postMessage(channel="C0GENERAL", text="Lunch at noon, everyone?")
    return posted["channel"], posted["ts"]


def rows(bot: Bot) -> dict[str, int]:
    bot.executor.wait_idle()
    with bot.db.read() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables if t.name not in BOOKKEEPING}


def updated_messages(slack: SlackDriver) -> list[tuple[str, str]]:
    return [(c.args["channel"], c.args["ts"]) for c in slack.fake.calls_to("chat.update")]


# Forged targets ----------------------------------------------------------------------------------------


def won_review(slack: SlackDriver, bot: Bot) -> Any:
    customer(bot)
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    assert slack.submit(view, WON, user=REP).status == 200
    return channel_post(slack, "HT-2026-118")


def test_a_forged_container_on_acknowledge_updates_only_the_alert(slack: SlackDriver, bot: Bot) -> None:
    post = _alert(slack, bot)
    channel, ts = victim_message(slack)
    assert slack.click(post.args["blocks"], "churn_ack", user=SUPERVISOR, channel=channel, message_ts=ts).status == 200
    slack.fake.wait_for("chat.update")
    bot.executor.wait_idle()
    assert updated_messages(slack) == [("C0EAST", post.response["ts"])]
    assert "Acknowledged by <@U0SUPEAST>" in str(slack.fake.messages[("C0EAST", post.response["ts"])]["blocks"])
    assert slack.fake.messages[(channel, ts)]["text"] == "Lunch at noon, everyone?"


def test_a_forged_container_on_responded_updates_only_the_issue(slack: SlackDriver, bot: Bot) -> None:
    message = _issue_message(slack, bot)
    channel, ts = victim_message(slack)
    reply = slack.click(message.args["blocks"], "issue_responded", user=SUPERVISOR, channel=channel, message_ts=ts)
    assert reply.status == 200
    slack.fake.wait_for("chat.update")
    bot.executor.wait_idle()
    assert updated_messages(slack) == [("C0EAST", message.response["ts"])]
    assert slack.fake.messages[(channel, ts)]["text"] == "Lunch at noon, everyone?"


def test_a_forged_container_on_comment_updates_only_the_review(slack: SlackDriver, bot: Bot) -> None:
    post = won_review(slack, bot)
    channel, ts = victim_message(slack)
    view = slack.click_to_open(post.args["blocks"], "deal_comment", user=SUPERVISOR, channel=channel, message_ts=ts)
    assert slack.submit(view, {"comment": "Good work"}, user=SUPERVISOR).body == ""
    slack.fake.wait_for("chat.update")
    bot.executor.wait_idle()
    assert updated_messages(slack) == [("C0EAST", post.response["ts"])]
    assert slack.fake.messages[(channel, ts)]["text"] == "Lunch at noon, everyone?"


def _forge(view: dict[str, Any], channel: str, ts: str) -> dict[str, Any]:
    meta = json.loads(view["private_metadata"])
    return {**view, "private_metadata": json.dumps({**meta, "channel": channel, "ts": ts})}


def _issue_resolve(slack: SlackDriver, bot: Bot) -> tuple[Any, dict[str, Any], dict[str, Any], str]:
    message = _issue_message(slack, bot)
    view = slack.click_to_open(message.args["blocks"], "issue_resolved", user=SUPERVISOR,
                               message_ts=message.response["ts"])
    return message, view, {"resolution": "Refunded", "satisfaction": "4"}, SUPERVISOR


def _comment(slack: SlackDriver, bot: Bot) -> tuple[Any, dict[str, Any], dict[str, Any], str]:
    post = won_review(slack, bot)
    view = slack.click_to_open(post.args["blocks"], "deal_comment", user=SUPERVISOR, message_ts=post.response["ts"])
    return post, view, {"comment": "Good work"}, SUPERVISOR


def _churn_modal(action: str, values: dict[str, Any]) -> Callable[[SlackDriver, Bot], Any]:
    def opened(slack: SlackDriver, bot: Bot) -> tuple[Any, dict[str, Any], dict[str, Any], str]:
        post = _alert(slack, bot)
        view = slack.click_to_open(post.args["blocks"], action, user=REP, message_ts=post.response["ts"])
        return post, view, values, REP
    return opened


FORGEABLE_MODALS: dict[str, Callable[[SlackDriver, Bot], Any]] = {
    "resolve issue": _issue_resolve, "deal comment": _comment,
    "plan retention": _churn_modal("churn_plan", {"actions": "Visit with the engineer", "date": "2026-12-25"}),
    "mark churned": _churn_modal("churn_mark", {"reason": "Moved to a competitor"}),
}


@pytest.mark.parametrize("modal", FORGEABLE_MODALS)
def test_forged_metadata_channel_and_ts_update_only_the_records_message(slack: SlackDriver, bot: Bot,
                                                                        modal: str) -> None:
    post, view, values, user = FORGEABLE_MODALS[modal](slack, bot)
    channel, ts = victim_message(slack)
    assert slack.submit(_forge(view, channel, ts), values, user=user).body == ""
    slack.fake.wait_for("chat.update")
    bot.executor.wait_idle()
    assert updated_messages(slack) == [("C0EAST", post.response["ts"])]
    assert slack.fake.messages[(channel, ts)]["text"] == "Lunch at noon, everyone?"


# Malformed button values ---------------------------------------------------------------------------------

BUTTONS = ("approval_approve", "approval_needs_info", "approval_reject", "lead_complete", "followup_log",
           "followup_edit", "grade_propose", "issue_report", "due_snooze", "churn_plan", "churn_ack", "churn_mark",
           "issue_responded", "issue_resolved", "deal_comment")
BAD_VALUES = ("abc", "", None, str(HUGE), "-5", "0", "1.5", "1e3", '{"id": 1}', "١٢")


def button_blocks(action_id: str, value: str | None) -> list[dict[str, Any]]:
    element: dict[str, Any] = {"type": "button", "action_id": action_id,
                               "text": {"type": "plain_text", "text": "Go"}}
    if value is not None:
        element["value"] = value
    return [{"type": "actions", "block_id": "b1", "elements": [element]}]


@pytest.mark.parametrize("action_id", BUTTONS)
def test_a_malformed_button_value_is_out_of_date(slack: SlackDriver, bot: Bot, action_id: str) -> None:
    customer(bot)
    before = rows(bot)
    for n, value in enumerate(BAD_VALUES, start=1):
        reply = slack.click(button_blocks(action_id, value), action_id, user=SUPERVISOR)
        assert reply.status == 200, (value, reply)
        answer = slack.fake.wait_for("response_url", count=n)[n - 1].args
        assert "out of date" in answer["text"], (value, answer)
        assert answer.get("response_type") == "ephemeral" and answer.get("replace_original") is False
    assert rows(bot) == before
    assert not slack.fake.calls_to("views.open") and not slack.fake.calls_to("chat.update")


# Malformed private_metadata --------------------------------------------------------------------------------

Opened = tuple[dict[str, Any], dict[str, Any], str]


def _reason(slack: SlackDriver, bot: Bot) -> Opened:
    post = _registration(slack, bot)
    view = slack.click_to_open(post.args["blocks"], "approval_reject", user=SUPERVISOR, message_ts=post.response["ts"])
    return view, {"reason": "Duplicate of an old account"}, SUPERVISOR


def _command_modal(text: str, values: Callable[[Bot, int], dict[str, Any]], command: str = "/followup"
                   ) -> Callable[[SlackDriver, Bot], Opened]:
    def opened(slack: SlackDriver, bot: Bot) -> Opened:
        acme = customer(bot)
        return slack.open_modal(command, text, user=REP), values(bot, acme), REP
    return opened


def _snooze(slack: SlackDriver, bot: Bot) -> Opened:
    from tests.test_scheduler_e2e import snooze_from_monday_due_list

    bot.clock.set(DEFAULT_NOW - timedelta(days=20))
    customer(bot)
    view = snooze_from_monday_due_list(slack, bot)
    return view, {"until": "3d", "reason": "Customer travelling"}, REP


def _from_post(post: Callable[[SlackDriver, Bot], Any], action: str, values: dict[str, Any], user: str
               ) -> Callable[[SlackDriver, Bot], Opened]:
    def opened(slack: SlackDriver, bot: Bot) -> Opened:
        message = post(slack, bot)
        view = slack.click_to_open(message.args["blocks"], action, user=user, message_ts=message.response["ts"])
        return view, values, user
    return opened


def _handover(slack: SlackDriver, bot: Bot) -> Opened:
    customer(bot)
    view = slack.open_modal("/followup", "handover @U0REP1 @U0REP2", user=SUPERVISOR)
    return view, {"reason": "Leaving the company", "effective": "2026-11-23"}, SUPERVISOR


# Each modal: how to open it, and its id keys (an id key of a modal that may lack it is optional).
MODALS: dict[str, tuple[Callable[[SlackDriver, Bot], Opened], tuple[str, ...], bool]] = {
    "reason": (_reason, ("request_id",), True),
    "lead": (_command_modal("", lambda bot, _: lead_values(bot, company="Beta Ltd"), "/lead"), ("customer_id",),
             False),
    "follow-up": (_command_modal("CL2026001", lambda _, acme: {"customer": str(acme), "method": "phone",
                                                                "notes": "Called Wang"}), ("followup_id",), False),
    "grade": (_command_modal("grade CL2026001", lambda *_: {"grade": "B", "annual_purchase": "250,000",
                                                            "potential": "3"}), ("customer_id",), True),
    "won": (_command_modal("won CL2026001", lambda *_: WON), ("customer_id",), True),
    "issue": (_command_modal("issue CL2026001", lambda *_: {"category": "billing", "severity": "normal",
                                                            "description": "Invoice twice"}), ("customer_id",), True),
    "snooze": (_snooze, ("customer_id",), True),
    "resolve issue": (_from_post(_issue_message, "issue_resolved", {"resolution": "Refunded", "satisfaction": "4"},
                                 SUPERVISOR), ("issue_id",), True),
    "deal comment": (_from_post(lambda slack, bot: won_review(slack, bot), "deal_comment", {"comment": "Good work"},
                                SUPERVISOR), ("deal_id",), True),
    "plan retention": (_from_post(_alert, "churn_plan", {"actions": "Visit", "date": "2026-12-25"}, REP),
                       ("alert_id",), True),
    "mark churned": (_from_post(_alert, "churn_mark", {"reason": "Moved to a competitor"}, REP), ("alert_id",), True),
    "handover": (_handover, ("from_user", "to_user"), True),
}


def malformed(meta: dict[str, Any], id_keys: tuple[str, ...], required: bool) -> list[str]:
    cases = ["not json {", "[]", '"text"', "null"]
    for key in id_keys:
        for bad in ("abc", HUGE, -5, 0, 1.5, [1], {"id": 1}, True):
            cases.append(json.dumps({**meta, key: bad}))
        if required:
            cases.append(json.dumps({k: v for k, v in meta.items() if k != key}))
    return cases


@pytest.mark.parametrize("modal", MODALS)
def test_malformed_metadata_is_a_field_error_and_writes_nothing(slack: SlackDriver, bot: Bot, modal: str) -> None:
    opener, id_keys, required = MODALS[modal]
    view, values, user = opener(slack, bot)
    meta = json.loads(view["private_metadata"] or "{}")
    extra = ([json.dumps({**meta, "decision": "approve-all"})] if modal == "reason" else
             [json.dumps({**meta, "outcome": "maybe"})] if modal == "won" else [])
    before = rows(bot)
    for bad in malformed(meta, id_keys, required) + extra:
        reply = slack.submit({**view, "private_metadata": bad}, values, user=user)
        assert reply.status == 200, (bad, reply)
        assert reply.json and reply.json["response_action"] == "errors", (bad, reply.body)
        assert any("out of date" in message for message in reply.json["errors"].values()), (bad, reply.json)
        assert rows(bot) == before, bad


@pytest.mark.parametrize("value", ["abc", str(HUGE), "-1", "0"])
def test_a_malformed_customer_choice_is_a_field_error(slack: SlackDriver, bot: Bot, value: str) -> None:
    customer(bot)
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    before = rows(bot)
    reply = slack.submit(view, {"customer": value, "method": "phone", "notes": "Called Wang"}, user=REP)
    assert reply.status == 200 and reply.json["response_action"] == "errors" and "customer" in reply.json["errors"]
    assert rows(bot) == before


@pytest.mark.parametrize(("command", "block_id", "values"), [
    ("grade CL2026001", "annual_purchase", {"annual_purchase": "100"}),
    ("CL2026001", "stage", {"stage": "demo"}),
])
def test_malformed_metadata_in_a_modal_that_refreshes_itself(slack: SlackDriver, bot: Bot, command: str,
                                                              block_id: str, values: dict[str, Any]) -> None:
    customer(bot)
    view = slack.open_modal("/followup", command, user=REP)
    before = rows(bot)
    for bad in ("not json {", json.dumps({"customer_id": HUGE, "followup_id": HUGE}),
                json.dumps({"customer_id": "abc", "followup_id": -1})):
        assert slack.act_in_view({**view, "private_metadata": bad}, block_id, values, user=REP).status == 200
    assert rows(bot) == before
