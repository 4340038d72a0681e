"""Requests Slack sends and their edges: signatures, strangers, unknown subcommands, languages."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from storage.models import Customer, ProcessedRequest
from tests.conftest import Bot
from tests.slackdriver import SlackDriver, sign
from tests.test_lead_e2e import REP, customers, lead_values


def submission_body(slack: SlackDriver, bot: Bot) -> str:
    view = slack.open_modal("/lead", user=REP)
    from tests.slackdriver import state_values

    payload = {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": REP},
               "view": {**view, "state": {"values": state_values(view, lead_values(bot))}}}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: sign(body, secret="not-our-secret"), id="forged"),
        pytest.param(lambda body: sign(body, timestamp=int(time.time()) - 600), id="stale"),
        pytest.param(lambda body: {}, id="unsigned"),
        pytest.param(lambda body: {**sign(body), "X-Slack-Signature": "v0=" + "0" * 64}, id="tampered"),
    ],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(slack: SlackDriver, bot: Bot, headers) -> None:
    body = submission_body(slack, bot)
    with bot.db.read() as session:
        before = session.scalar(select(func.count()).select_from(ProcessedRequest))  # the signed /lead
    reply = slack.post(body, "application/x-www-form-urlencoded", headers=headers(body), signed=False)
    assert reply.status == 401
    bot.executor.wait_idle()
    assert customers(bot) == []
    with bot.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedRequest)) == before


def test_a_body_changed_after_signing_is_refused(slack: SlackDriver, bot: Bot) -> None:
    body = submission_body(slack, bot)
    headers = sign(body)
    reply = slack.post(body.replace("Acme", "Evil"), "application/x-www-form-urlencoded", headers=headers, signed=False)
    assert reply.status == 401
    assert customers(bot) == []


@pytest.mark.parametrize("command", ["/lead", "/followup"])
def test_someone_in_no_team_is_told_in_one_sentence(slack: SlackDriver, bot: Bot, command: str) -> None:
    reply = slack.slash(command, "Acme", user="U0STRANGER")
    assert reply.json == {
        "text": "You are not in any sales team yet: ask an admin to add you to the teams file.",
        "response_type": "ephemeral",
    }
    bot.executor.wait_idle()
    assert not slack.fake.calls_to("views.open")
    with bot.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_unknown_subcommand(slack: SlackDriver, bot: Bot) -> None:
    reply = slack.slash("/followup", "frobnicate CL2026001", user=REP)
    assert reply.json["response_type"] == "ephemeral"
    assert reply.json["text"] == "I don't know `/followup frobnicate`. Try `/followup help`."


def test_help(slack: SlackDriver, bot: Bot) -> None:
    reply = slack.slash("/followup", "help", user=REP)
    assert "/lead" in reply.json["text"] and reply.json["response_type"] == "ephemeral"


def test_chinese_speakers_get_chinese(slack: SlackDriver, bot: Bot) -> None:
    slack.fake.add_user("U0REP2", tz="Asia/Shanghai", locale="zh-CN")
    try:
        view = slack.open_modal("/lead", user="U0REP2")  # the first command already (tests/test_language_e2e.py)
        assert view["title"]["text"] == "新线索"
        labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
        assert "Company 企业全称" in labels and "Acquired 信息获取时间" in labels
        answer = slack.submit(view, lead_values(bot, email="bad", phone=None), user="U0REP2").json
        assert answer["errors"]["email"] == "邮箱格式不正确（name@example.com）。"
    finally:
        slack.fake.add_user("U0REP2", tz="Asia/Shanghai", locale="en-US")


def test_healthz(bot: Bot) -> None:
    import urllib.request

    with urllib.request.urlopen(bot.url.replace("/slack/events", "/healthz"), timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True, "database": "ok"}


def test_modal_is_opened_before_anything_slow(slack: SlackDriver, bot: Bot) -> None:
    """The trigger id is used first; users.info (slow, rate-limited) comes before it only on a
    user's very first request (one try bounded to a second, for their language)."""
    slack.open_modal("/lead", user=REP)
    bot.executor.wait_idle()
    methods = [c.method for c in slack.fake.calls if c.method in ("views.open", "users.info")]
    assert methods == ["users.info", "views.open"]
    bot.runtime.profiles.clear()  # forgotten by the process, still fresh in the database
    slack.open_modal("/lead", user=REP)
    bot.executor.wait_idle()
    methods = [c.method for c in slack.fake.calls if c.method in ("views.open", "users.info")]
    assert methods == ["users.info", "views.open", "views.open"]


def test_expired_trigger_ids_fail_loudly(slack: SlackDriver, bot: Bot) -> None:
    """Our fake rejects a trigger id after 3 s, as Slack does: the bot's views.open fails and is logged."""
    form = slack.command_form("/lead", "", user=REP)
    slack.fake.trigger_ttl = 0.0
    try:
        assert slack.post_form(form).status == 200
        failed = slack.fake.wait_for_any("views.open")[0]
        assert failed.response == {"ok": False, "error": "expired_trigger_id"}
    finally:
        slack.fake.trigger_ttl = 3.0
    bot.executor.wait_idle()
    internal = slack.fake.wait_for("response_url")[0].args["text"]
    assert "Something went wrong on our side (error id" in internal
