"""`/followup report [YYYY-MM]` and the monthly duty end to end: answered at once, the summary and the
PNG charts arrive in the user's DM (files_upload_v2), each person gets exactly their scope, bad months
get one sentence, and the duty posts the previous month to each supervisor channel once."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from app.scheduler import run_once
from bot.services import followups
from bot.services.directory import resolve_actor
from bot.services.followups import FollowUpInput
from tests.conftest import Bot
from tests.factories import log_followup, make_customer
from tests.slackdriver import SlackDriver

REP, OTHER_REP, WEST_REP, SUPERVISOR, WEST_SUPERVISOR, ADMIN = (
    "U0REP1", "U0REP2", "U0REPW", "U0SUPEAST", "U0SUPWEST", "U0ADMIN")
PNG = b"\x89PNG\r\n\x1a\n"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE, EMAIL = "+86 138 0013 8000", "contact@example.com"  # every factory customer's contact details


@pytest.fixture
def october(bot: Bot) -> None:
    """October 2026: REP acquires 2 customers, OTHER_REP 3, WEST_REP 4; a few follow-ups, one logged late."""
    bot.clock.set(datetime(2026, 10, 12, 2, tzinfo=UTC))
    counts = {REP: 2, OTHER_REP: 3, WEST_REP: 4}
    ids: dict[str, list[int]] = {}
    for owner, count in counts.items():
        for n in range(count):
            industry = "Information Technology" if owner == WEST_REP else "Manufacturing"
            ids.setdefault(owner, []).append(make_customer(bot, owner, f"{owner} Company {n}", industry=industry))
    log_followup(bot, REP, ids[REP][0], stage="initial_contact", satisfaction=4)
    bot.clock.set(datetime(2026, 10, 14, 2, tzinfo=UTC))
    late = FollowUpInput(customer_id=ids[REP][1], method="phone", occurred_at=bot.clock.now - timedelta(hours=30), stage=None,
                         notes="late call")  # logged now, 30 h after the call: late
    followups.log_followup(bot.runtime, actor=resolve_actor(bot.runtime.config, REP), data=late,  # type: ignore[arg-type]
                           request_key="e2e:late", tz="Asia/Shanghai")
    log_followup(bot, OTHER_REP, ids[OTHER_REP][0], stage="needs_analysis")
    bot.clock.set(datetime(2026, 11, 23, 2, tzinfo=UTC))


def ask(slack: SlackDriver, bot: Bot, user: str, text: str = "") -> tuple[str, list[dict[str, Any]],
                                                                          list[dict[str, Any]]]:
    """Type `/followup report …`; returns the answer, the DM posts and the files shared."""
    posts, files = len(slack.fake.calls_to("chat.postMessage")), len(slack.fake.files)
    reply = slack.slash("/followup", f"report {text}".strip(), user=user)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    bot.executor.wait_idle()
    new_posts = [c.args for c in slack.fake.calls_to("chat.postMessage")[posts:]]
    return reply.json["text"], new_posts, slack.fake.files[files:]


def shown(posts: list[dict[str, Any]]) -> str:
    return json.dumps(posts, ensure_ascii=False)


def check_png(shared: dict[str, Any]) -> None:
    content = shared["content"]
    assert content.startswith(PNG), shared["name"]
    with Image.open(io.BytesIO(content)) as image:
        image.verify()
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and image.size[0] >= 600 and image.size[1] >= 400


@pytest.mark.parametrize(("user", "present", "absent", "new"), [
    (REP, ["East China", "your own figures"], ["West Coast", OTHER_REP, WEST_REP, SUPERVISOR, "*By rep*"], "2"),
    (SUPERVISOR, ["East China", f"<@{REP}>", f"<@{OTHER_REP}>"], ["West Coast", WEST_REP], "5"),
    (WEST_SUPERVISOR, ["West Coast", f"<@{WEST_REP}>"], ["East China", REP, OTHER_REP], "4"),
    (ADMIN, ["East China", "West Coast", f"<@{REP}>", f"<@{WEST_REP}>"], [], None),
])
def test_each_person_gets_exactly_their_scope_by_dm(slack: SlackDriver, bot: Bot, october: None, user: str,
                                                    present: list[str], absent: list[str], new: str | None) -> None:
    answer, posts, files = ask(slack, bot, user)
    assert answer == "Building your report for 2026-10; it will arrive by DM in a moment."
    assert posts and all(p["channel"] == slack.fake.dm_channel_id(user) for p in posts)
    text = shown(posts)
    assert "Monthly report · 2026-10" in text
    for needle in present:
        assert needle in text, needle
    for needle in absent:
        assert needle not in text, needle
    if new is not None:
        assert f"*New customers:* {new}" in text
    else:
        assert text.count("*New customers:*") == 2  # one section per team
        assert "*New customers:* 5" in text and "*New customers:* 4" in text
    assert len(files) == 4 and all(f["channel"] == slack.fake.dm_channel_id(user) for f in files)
    for shared in files:
        check_png(shared)
    for secret in (PHONE, EMAIL, "budget", "Budget"):
        assert secret not in text
        assert all(secret.encode() not in f["content"] for f in files)


def test_the_reps_own_numbers(slack: SlackDriver, bot: Bot, october: None) -> None:
    _, posts, _ = ask(slack, bot, REP, "2026-10")
    text = shown(posts)
    assert "*24-h logging:* 50% (1 of 2)" in text  # one of REP's two follow-ups was logged 30 h late
    assert "*Satisfaction:* 4.0 (1 score)" in text


@pytest.mark.parametrize(("text", "answer"), [
    ("Oct", "`Oct` is not a month: type `/followup report 2026-10` (YYYY-MM), or nothing for last month."),
    ("2026-13", "`2026-13` is not a month"),
    ("2026-12", "2026-12 has not happened yet: there is no report for it."),
    ("2026-01", "There is no report for 2026-01: your team has no customers from before then."),
])
def test_bad_months_get_one_sentence_and_nothing_else(slack: SlackDriver, bot: Bot, october: None, text: str,
                                                      answer: str) -> None:
    reply, posts, files = ask(slack, bot, SUPERVISOR, text)
    assert reply.startswith(answer) and "\n" not in reply
    assert posts == [] and files == []


def test_someone_outside_every_team_gets_no_report(slack: SlackDriver, bot: Bot, october: None) -> None:
    reply, posts, files = ask(slack, bot, "U0STRANGER")
    assert "not in any sales team" in reply
    assert posts == [] and files == []


def test_a_chinese_report_draws_its_chinese_labels(slack: SlackDriver, bot: Bot, october: None) -> None:
    slack.fake.add_user(SUPERVISOR, tz="Asia/Shanghai", locale="zh-CN")
    bot.runtime.locales.clear()
    try:
        reply, posts, files = ask(slack, bot, SUPERVISOR)
    finally:
        slack.fake.add_user(SUPERVISOR, tz="Asia/Shanghai")
    assert reply.startswith("正在生成 2026-10 的月度报告")
    assert "月度报告 · 2026-10" in shown(posts) and "*新增客户：* 5" in shown(posts)
    assert len(files) == 4 and files[0]["title"].startswith("转化漏斗")
    for shared in files:
        check_png(shared)


def test_the_monthly_duty_posts_to_each_supervisor_channel_once(slack: SlackDriver, bot: Bot, october: None) -> None:
    morning = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)  # 1 Nov 2026 is a Sunday: Monday the 2nd
    slack.fake.reset()
    for _ in range(2):  # `followup-bot jobs run` twice
        bot.clock.set(morning + timedelta(minutes=1))
        decided, _ = run_once(bot.runtime, morning + timedelta(minutes=1))
    channel_posts = [c.args for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0EAST"
                     and "Monthly report" in c.args["text"]]
    assert len(channel_posts) == 1
    text = shown(channel_posts)
    assert "East China" in text and "*New customers:* 5" in text and "West Coast" not in text
    charts = [f for f in slack.fake.files if f["channel"] == "C0EAST"]
    assert len(charts) == 4
    for shared in charts:
        check_png(shared)
    assert not [f for f in slack.fake.files if f["channel"] == "C0WEST"]  # not yet 09:00 in Los Angeles
    for secret in (PHONE, EMAIL):
        assert secret not in text
