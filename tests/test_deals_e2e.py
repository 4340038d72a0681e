"""Won / lost deal reviews, the supervisor's comment, pause and resume — end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Customer, Deal, DueItem, StatusChange
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver

REP, OTHER_REP, SUPERVISOR = "U0REP1", "U0REP2", "U0SUPEAST"
WON = {"contract_number": "HT-2026-118", "amount": "380,000", "signed_on": "2026-11-20",
       "expected_payment_on": "2026-12-20", "success_factors": ["need_match", "customised_solution"],
       "improvement": "Bring the engineer to the first demo"}


@pytest.fixture
def acme(bot: Bot) -> int:
    return make_customer(bot, REP, "Acme Ltd")


def deals(bot: Bot) -> list[Deal]:
    with bot.db.read() as session:
        return list(session.scalars(select(Deal).order_by(Deal.id)))


def customer(bot: Bot, customer_id: int) -> Customer:
    with bot.db.read() as session:
        found = session.get(Customer, customer_id)
        assert found is not None
        return found


def review(slack: SlackDriver) -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST"
                               and "Deal" in a["text"])[0]


def test_won(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    assert view["title"]["text"] == "Deal won"
    reply = slack.submit(view, WON, user=REP)
    assert reply.status == 200 and reply.body == ""
    [deal] = deals(bot)
    assert (deal.outcome, deal.contract_number, deal.amount, deal.signed_on) == ("won", "HT-2026-118", 380_000,
                                                                                  date(2026, 11, 20))
    assert deal.deal_cycle_days == 0 and deal.success_factors == ["need_match", "customised_solution"]
    assert customer(bot, acme).status == "maintaining"
    with bot.db.read() as session:
        steps = [(s.from_status, s.to_status) for s in session.scalars(
            select(StatusChange).where(StatusChange.customer_id == acme).order_by(StatusChange.id))]
        revisits = [(i.kind, i.due_at, i.owner_id) for i in session.scalars(select(DueItem).order_by(DueItem.due_at))]
    assert steps[-2:] == [("lead", "won"), ("won", "maintaining")]
    nine = datetime(2026, 1, 1, 1, 0, tzinfo=UTC).timetz()
    assert revisits == [
        ("revisit_first", datetime.combine(date(2026, 12, 1), nine), REP),  # 7 working days after 20 Nov
        ("revisit_1m", datetime.combine(date(2026, 12, 20), nine), REP),
        ("revisit_3m", datetime.combine(date(2027, 2, 20), nine), REP),
        ("review_half_year", datetime.combine(date(2027, 5, 20), nine), REP),
    ]
    post = review(slack)
    text = str(post.args["blocks"])
    for shown in ("Deal won: CL2026001 · Acme Ltd", "HT-2026-118 · 380,000.00 CNY", "Need match, Customised solution",
                  "Bring the engineer", "0 days"):
        assert shown in text, shown
    assert "won. Revisits are due on 2026-12-01, 2026-12-20" in slack.fake.wait_for("response_url")[0].args["text"]


def test_lost(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "lost CL2026001", user=REP)
    slack.submit(view, {"failure_reasons": ["competitor", "price_objection"], "failure_detail": "报价更低的竞品"},
                 user=REP)
    [deal] = deals(bot)
    assert deal.outcome == "lost" and deal.failure_reasons == ["competitor", "price_objection"]
    found = customer(bot, acme)
    assert found.status == "churned" and found.next_due_at is None
    with bot.db.read() as session:
        last = session.scalars(select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert last.to_status == "churned" and "competitor" in last.reason
    assert "Competitor, Price objection — 报价更低的竞品" in str(review(slack).args["blocks"])


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"amount": "-380000"}, {"amount": "positive amount"}),
        ({"amount": "a lot"}, {"amount": "positive amount"}),
        ({"amount": "0"}, {"amount": "positive amount"}),
        ({"signed_on": "2026-11-24"}, {"signed_on": "in the future"}),
        ({"expected_payment_on": "2026-11-01"}, {"expected_payment_on": "before the signing date"}),
        ({"contract_number": None, "success_factors": []},
         {"contract_number": "required", "success_factors": "at least one"}),
    ],
)
def test_bad_won_input(slack: SlackDriver, bot: Bot, acme: int, values: dict, errors: dict) -> None:
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    answer = slack.submit(view, {**WON, **values}, user=REP).json
    assert answer["response_action"] == "errors" and set(answer["errors"]) == set(errors)
    for field, words in errors.items():
        assert words in answer["errors"][field]
    assert deals(bot) == [] and customer(bot, acme).status == "lead"


def test_lost_needs_a_reason(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "lost CL2026001", user=REP)
    answer = slack.submit(view, {"failure_reasons": []}, user=REP).json
    assert answer == {"response_action": "errors", "errors": {"failure_reasons": "Pick at least one."}}


def test_a_retried_review_is_recorded_once(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    slack.submit(view, WON, user=REP)
    slack.submit(view, WON, user=REP, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert len(deals(bot)) == 1


def test_the_supervisor_comments_and_a_rep_cannot(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    slack.submit(view, WON, user=REP)
    post = review(slack)
    slack.click(post.args["blocks"], "deal_comment", user=REP, message_ts=post.response["ts"])
    assert "Only a supervisor of East China" in slack.fake.wait_for("response_url", count=2)[1].args["text"]
    slack.click(post.args["blocks"], "deal_comment", user=SUPERVISOR, message_ts=post.response["ts"])
    comment_view = slack.opened_view(2)
    assert slack.submit(comment_view, {"comment": " "}, user=SUPERVISOR).json["response_action"] == "errors"
    slack.submit(comment_view, {"comment": "Good work on the decision chain"}, user=SUPERVISOR)
    update = slack.fake.wait_for("chat.update")[0].args
    assert update["ts"] == post.response["ts"] and "Good work on the decision chain" in str(update["blocks"])
    assert slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "commented" in a["text"])
    assert deals(bot)[0].supervisor_comment == "Good work on the decision chain"


def test_pause_needs_a_reason(slack: SlackDriver, bot: Bot, acme: int) -> None:
    reply = slack.slash("/followup", "pause CL2026001", user=REP).json
    assert reply["text"] == "Say why: `/followup pause CL2026001 <reason>`."
    assert customer(bot, acme).paused is False


def test_pause_and_resume(slack: SlackDriver, bot: Bot, acme: int) -> None:
    reply = slack.slash("/followup", "pause CL2026001 budget frozen until next year", user=REP).json
    assert "is paused (budget frozen until next year)" in reply["text"] and "Tue 23 Feb 2027, 09:00" in reply["text"]
    found = customer(bot, acme)
    assert found.paused and found.pause_reason == "budget frozen until next year" and found.paused_at == bot.clock.now
    with bot.db.read() as session:
        [item] = session.scalars(select(DueItem)).all()
    assert (item.kind, item.due_at) == ("reactivation", datetime(2027, 2, 23, 1, 0, tzinfo=UTC))
    assert "is back in your follow-ups" in slack.slash("/followup", "resume CL2026001", user=REP).json["text"]
    with bot.db.read() as session:
        [item] = session.scalars(select(DueItem)).all()
    assert item.done_at == bot.clock.now and item.resolution == "resumed"
    assert customer(bot, acme).paused is False
    assert slack.slash("/followup", "resume CL2026001", user=REP).json["text"] == "CL2026001 is not paused."


@pytest.mark.parametrize("word", ["won", "lost", "grade", "pause", "resume"])
def test_hidden_customers_read_as_missing(slack: SlackDriver, bot: Bot, acme: int, word: str) -> None:
    text = slack.slash("/followup", f"{word} CL2026001 because", user=OTHER_REP).json["text"]
    assert text == "No customer you can see matches “CL2026001”."
    assert slack.slash("/followup", word, user=OTHER_REP).json["text"] == f"Which customer? `/followup {word} CL2026001`."
