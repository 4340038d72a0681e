"""Churn warnings end to end: one alert when a customer drifts into risk, its buttons, outcomes, archive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.churn import churn_duty, repurchase_items
from bot.services.outbox import deliver_due
from storage.models import ChurnAlert, ChurnArchive, Customer, Deal, DueItem
from tests.conftest import Bot
from tests.factories import log_followup, make_customer, set_grade
from tests.slackdriver import SlackDriver

REP, OTHER_REP, SUPERVISOR, REPW = "U0REP1", "U0REP2", "U0SUPEAST", "U0REPW"
LAST = datetime(2026, 9, 1, 2, tzinfo=UTC)


@pytest.fixture
def drifting(bot: Bot) -> int:
    """A weekly (B) customer contacted 6 times last quarter, once this quarter (a cheaper quote came up)."""
    bot.clock.set(datetime(2026, 3, 1, 2, tzinfo=UTC))
    customer_id = make_customer(bot, REP, "Drift Co")
    set_grade(bot, customer_id, "B")
    for weeks in range(6):
        log_followup(bot, REP, customer_id, at=LAST - timedelta(days=100 + 7 * weeks))
    log_followup(bot, REP, customer_id, at=LAST, notes="They have a cheaper quote from a competitor")
    return customer_id


def alerts(bot: Bot) -> list[ChurnAlert]:
    with bot.db.read() as session:
        return list(session.scalars(select(ChurnAlert).order_by(ChurnAlert.id)))


def score_at(bot: Bot, instant: datetime) -> int:
    bot.clock.set(instant)
    decided = churn_duty(bot.runtime, instant)
    deliver_due(bot.runtime)
    return decided


def alert_posts(slack: SlackDriver) -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.args["text"].startswith("Churn warning")]


def raised(slack: SlackDriver, bot: Bot) -> Any:
    score_at(bot, LAST + timedelta(days=21))
    [post] = alert_posts(slack)
    return post


def test_drifting_into_warning_gives_exactly_one_alert(slack: SlackDriver, bot: Bot, drifting: int) -> None:
    for day in (10, 20):
        assert score_at(bot, LAST + timedelta(days=day)) == 0
    assert alert_posts(slack) == []
    assert score_at(bot, LAST + timedelta(days=21)) == 1
    for day in (22, 25, 30):
        assert score_at(bot, LAST + timedelta(days=day)) == 0
    [post] = alert_posts(slack)
    assert post.args["channel"] == "C0EAST"
    text = str(post.args["blocks"])
    for shown in ("Owner <@U0REP1>", "grade B", "Lead", "Risk score:* 51.7 (threshold 50)",
                  "Silence longer than the grade's cadence: 25 points (48%)",
                  "Fewer contacts than in the previous 90 days: 16.7 points (32%)",
                  "Competitor mentioned: 10 points (19%)", "last contact Tue 1 Sep 2026"):
        assert shown in text, shown
    assert [e["text"]["text"] for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Plan retention", "Acknowledge", "Mark churned"]
    with bot.db.read() as session:
        assert session.get(Customer, drifting).warning is True
    assert len(alerts(bot)) == 1


@pytest.mark.parametrize("intruder", [OTHER_REP, REPW, "U0SUPWEST"])
def test_only_the_owner_or_a_supervisor_acts_on_it(slack: SlackDriver, bot: Bot, drifting: int, intruder: str) -> None:
    post = raised(slack, bot)
    for action in ("churn_ack", "churn_plan", "churn_mark"):
        slack.click(post.args["blocks"], action, user=intruder, message_ts=post.response["ts"])
    refusals = slack.fake.wait_for("response_url", count=3)
    assert all("Only the customer's owner or a supervisor of East China" in r.args["text"] for r in refusals)
    bot.executor.wait_idle()
    assert alerts(bot)[0].acknowledged_at is None and not slack.fake.calls_to("views.open")[1:]


def test_acknowledge(slack: SlackDriver, bot: Bot, drifting: int) -> None:
    post = raised(slack, bot)
    slack.click(post.args["blocks"], "churn_ack", user=SUPERVISOR, message_ts=post.response["ts"])
    slack.click(post.args["blocks"], "churn_ack", user=SUPERVISOR, message_ts=post.response["ts"])
    update = slack.fake.wait_for("chat.update")[0].args
    assert update["ts"] == post.response["ts"] and "Acknowledged by <@U0SUPEAST>" in str(update["blocks"])
    assert alerts(bot)[0].acknowledged_by == SUPERVISOR


def test_plan_retention_becomes_a_due_item(slack: SlackDriver, bot: Bot, drifting: int) -> None:
    post = raised(slack, bot)
    slack.click(post.args["blocks"], "churn_plan", user=REP, message_ts=post.response["ts"])
    view = slack.opened_view(1)
    assert set(slack.submit(view, {"actions": "", "date": "2026-09-01"}, user=REP).json["errors"]) == {"actions",
                                                                                                        "date"}
    slack.submit(view, {"actions": "Visit with the engineer, revised offer", "date": "2026-09-25"}, user=REP)
    with bot.db.read() as session:
        [item] = session.scalars(select(DueItem).where(DueItem.kind == "retention")).all()
    assert (item.owner_id, item.due_at) == (REP, datetime(2026, 9, 25, 1, 0, tzinfo=UTC))
    assert "Retention plan* by <@U0REP1>" in str(slack.fake.wait_for("chat.update")[0].args["blocks"])


def test_mark_churned_needs_a_reason_and_archives(slack: SlackDriver, bot: Bot, drifting: int) -> None:
    post = raised(slack, bot)
    slack.click(post.args["blocks"], "churn_mark", user=SUPERVISOR, message_ts=post.response["ts"])
    view = slack.opened_view(1)
    assert slack.submit(view, {"reason": " "}, user=SUPERVISOR).json == {
        "response_action": "errors", "errors": {"reason": "This field is required."}}
    assert slack.submit(view, {"reason": "Moved to the competitor's cheaper plan"}, user=SUPERVISOR).body == ""
    retry = slack.submit(view, {"reason": "again"}, user=SUPERVISOR,
                         headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}).json
    assert retry["errors"]["reason"] == "This warning is closed."
    with bot.db.read() as session:
        customer = session.get(Customer, drifting)
        archived = session.scalars(select(ChurnArchive)).all()
    assert customer.status == "churned" and not customer.warning and customer.next_due_at is None
    [entry] = archived
    assert (entry.number, entry.reason, entry.recorded_by) == ("CL2026001", "Moved to the competitor's cheaper plan",
                                                               SUPERVISOR)
    assert entry.duration_days == (LAST + timedelta(days=21) - customer.acquired_at).days
    [alert] = alerts(bot)
    assert (alert.outcome, alert.closed_by) == ("churned", SUPERVISOR)
    assert "Outcome:* churned" in str(slack.fake.wait_for("chat.update")[0].args["blocks"])


def test_falling_back_below_the_threshold_unflags_with_a_note_in_the_thread(slack: SlackDriver, bot: Bot,
                                                                             drifting: int) -> None:
    post = raised(slack, bot)
    log_followup(bot, REP, drifting, at=LAST + timedelta(days=22), satisfaction=5)
    score_at(bot, LAST + timedelta(days=23))
    note = slack.fake.wait_for("chat.postMessage", predicate=lambda a: "no longer flagged" in a["text"])[0].args
    assert note["thread_ts"] == post.response["ts"] and note["channel"] == "C0EAST"
    [alert] = alerts(bot)
    assert alert.outcome == "retained" and alert.closed_at is not None
    with bot.db.read() as session:
        assert session.get(Customer, drifting).warning is False
    score_at(bot, LAST + timedelta(days=24))
    assert len(alert_posts(slack)) == 1


def test_a_won_deal_ends_the_warning_as_repurchase(slack: SlackDriver, bot: Bot, drifting: int) -> None:
    raised(slack, bot)
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    slack.submit(view, {"contract_number": "HT-9", "amount": "100000", "signed_on": "2026-09-20",
                        "success_factors": ["relationship"]}, user=REP)
    [alert] = alerts(bot)
    assert alert.outcome == "repurchase"


def test_repurchase_opportunities(slack: SlackDriver, bot: Bot) -> None:
    bot.clock.set(datetime(2025, 12, 1, 2, tzinfo=UTC))
    happy = make_customer(bot, REP, "Happy Co")
    lukewarm = make_customer(bot, REP, "Lukewarm Co")
    for customer_id, score in ((happy, 5), (lukewarm, 3)):
        view = slack.open_modal("/followup", f"won CL202500{customer_id}", user=REP)
        slack.submit(view, {"contract_number": f"HT-{customer_id}", "amount": "50000", "signed_on": "2025-12-01",
                            "success_factors": ["need_match"]}, user=REP)
        log_followup(bot, REP, customer_id, at=datetime(2026, 6, 1, 2, tzinfo=UTC), satisfaction=score,
                     stage="after_sales")
    assert repurchase_items(bot.runtime, datetime(2026, 10, 31, 2, tzinfo=UTC)) == 0, "40 days before the end"
    assert repurchase_items(bot.runtime, datetime(2026, 11, 2, 2, tzinfo=UTC)) == 1
    assert repurchase_items(bot.runtime, datetime(2026, 11, 3, 2, tzinfo=UTC)) == 0, "once"
    with bot.db.read() as session:
        [item] = session.scalars(select(DueItem).where(DueItem.kind == "repurchase")).all()
        deal = session.scalars(select(Deal).where(Deal.customer_id == happy)).one()
    assert item.customer_id == happy and item.note == "2026-12-01" and deal.contract_ends_on is None
    assert item.due_at.date() == date(2026, 11, 1)
