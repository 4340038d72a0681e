"""A user's language is known on their very first request: the profile is asked of Slack before the
acknowledgement (bounded to a second), and the team's language stands in only when Slack fails."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from slack_sdk import WebClient

from bot.services.directory import FIRST_PROFILE_TIMEOUT, first_profile
from storage import queries
from tests.conftest import Bot
from tests.slackdriver import SlackDriver

ZH_REP = "U0REP2"  # East China, whose team speaks English (the file's default)
ZH_STRANGER = "U0ZHOUTSIDER"


@pytest.fixture
def zh_rep(slack: SlackDriver) -> Iterator[str]:
    slack.fake.add_user(ZH_REP, tz="Asia/Shanghai", locale="zh-CN")
    try:
        yield ZH_REP
    finally:
        slack.fake.add_user(ZH_REP, tz="Asia/Shanghai", locale="en-US")


def users_info_calls(slack: SlackDriver, user: str) -> int:
    return sum(1 for c in slack.fake.calls_to("users.info") if c.args.get("user") == user)


def test_first_lead_of_a_chinese_speaker_is_in_chinese(slack: SlackDriver, bot: Bot, zh_rep: str) -> None:
    with bot.db.read() as session:
        assert queries.get_slack_user(session=session, user_id=zh_rep) is None  # never fetched
    view = slack.open_modal("/lead", user=zh_rep)
    assert view["title"]["text"] == "新线索"
    bot.executor.wait_idle()
    assert users_info_calls(slack, zh_rep) == 1  # kept: the refresh after the ack does not ask again
    with bot.db.read() as session:
        cached = queries.get_slack_user(session=session, user_id=zh_rep)
    assert cached is not None and cached.locale == "zh-CN" and cached.tz == "Asia/Shanghai"


def test_first_help_of_a_chinese_speaker_is_in_chinese(slack: SlackDriver, bot: Bot, zh_rep: str) -> None:
    reply = slack.slash("/followup", "help", user=zh_rep)
    assert reply.status == 200
    assert reply.json["text"].startswith("*我能做什么*")


def test_a_chinese_speaker_in_no_team_is_told_in_chinese(slack: SlackDriver, bot: Bot) -> None:
    slack.fake.add_user(ZH_STRANGER, tz="Asia/Shanghai", locale="zh-CN")
    try:
        for command in ("/lead", "/followup"):
            reply = slack.slash(command, "Acme", user=ZH_STRANGER)
            assert reply.json == {"text": "你还不在任何销售团队中：请联系管理员把你加入团队配置。",
                                  "response_type": "ephemeral"}
    finally:
        del slack.fake.users[ZH_STRANGER]
    bot.executor.wait_idle()
    assert not slack.fake.calls_to("views.open")


def test_when_slack_fails_the_team_language_stands_in(slack: SlackDriver, bot: Bot, zh_rep: str) -> None:
    slack.fake.fail("users.info", status=500)  # the one try before the ack (no retry there)
    reply = slack.slash("/followup", "help", user=zh_rep)
    assert reply.json["text"].startswith("*What I can do*")  # East China's language: English
    bot.executor.wait_idle()
    # The refresh after the ack asked again; the next request is in Chinese.
    assert slack.slash("/followup", "help", user=zh_rep).json["text"].startswith("*我能做什么*")


@pytest.fixture
def silent_slack() -> Iterator[str]:
    """An address that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/api/"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_silent_slack_costs_at_most_the_timeout(silent_slack: str) -> None:
    """users.info before the ack: one try, no retry, given up after FIRST_PROFILE_TIMEOUT."""
    patient = WebClient(token="xoxb-test-token", base_url=silent_slack, timeout=30)  # the usual client
    runtime = SimpleNamespace(slack=patient, profiles={}, now=lambda: None)
    started = time.monotonic()
    assert first_profile(runtime, "U0SLOW") is None  # type: ignore[arg-type]
    assert time.monotonic() - started < FIRST_PROFILE_TIMEOUT + 0.5
    assert runtime.profiles == {}
