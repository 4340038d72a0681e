"""Property: no text typed after `/followup CL…` crashes the bot or writes a half record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.domain.followups import parse_quick_entry
from storage.models import FollowUp
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
WORDS = st.sampled_from([
    "called", "Wang", "wants", "demo", ";", "；", "next:", "下一步：", "next step:", "via email", "via visit",
    "通过微信", "tomorrow", "明天下午", "下周三", "next Wednesday 3pm", "in 3 days", "yesterday", "3月12日",
    "send proposal", "发方案", ",", "，", "\n", "😀", "%", "_", "'", '"', "<@U0REP2>", "CL2026001",
])
ENTRY = st.one_of(st.text(max_size=120), st.lists(WORDS, max_size=12).map(" ".join))


@given(text=ENTRY)
@settings(max_examples=300, deadline=None)
def test_parsing_never_raises_and_reports_what_it_cannot_read(text: str) -> None:
    entry = parse_quick_entry(text, now=NOW, tz="Asia/Shanghai")
    if not entry.problems:
        assert entry.notes.strip()
        assert entry.next_step_at is None or entry.next_step_at.when.tzinfo is not None


@pytest.fixture
def acme(bot: Bot) -> int:
    return make_customer(bot, "U0REP1", "Acme Ltd")


@given(text=ENTRY)
@example(text="\x00")  # PostgreSQL refuses NUL in text: found by this test
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_bot_logs_a_whole_record_or_nothing(slack: SlackDriver, bot: Bot, acme: int, text: str) -> None:
    """The fixtures run once for all examples: the customer stays, follow-ups accumulate."""
    with bot.db.read() as session:
        before = session.scalar(select(func.count()).select_from(FollowUp))
    slack.fake.reset()
    reply = slack.slash("/followup", f"CL2026001 {text}", user="U0REP1")
    assert reply.status == 200
    bot.executor.wait_idle()
    with bot.db.read() as session:
        rows = list(session.scalars(select(FollowUp).order_by(FollowUp.id.desc()).limit(2)))
        after = session.scalar(select(func.count()).select_from(FollowUp))
    answered = [c.args.get("text", "") for c in slack.fake.calls_to("response_url")]
    assert not any("Something went wrong" in a for a in answered), answered
    if after == before:
        # Not logged: the modal opened prefilled, or the text was only the customer.
        assert slack.fake.calls_to("views.open"), (text, answered)
    else:
        assert after == before + 1
        logged = rows[0]
        assert logged.customer_id == acme and logged.author_id == "U0REP1"
        assert logged.notes and logged.method and logged.occurred_at == bot.clock.now
        if logged.next_step_at is not None:
            assert logged.next_step and logged.next_step_at >= bot.clock.now.replace(hour=0)
        assert "Logged a" in answered[0]
