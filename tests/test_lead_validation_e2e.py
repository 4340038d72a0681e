"""Bad input on the New lead modal is answered inside the modal, and nothing is stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import ApprovalRequest, Customer, OutboxMessage
from tests.conftest import Bot
from tests.slackdriver import SlackDriver
from tests.test_lead_e2e import REP, customers, lead_values, register_lead


def nothing_stored(bot: Bot) -> bool:
    with bot.db.read() as session:
        return all(
            session.scalar(select(func.count()).select_from(model)) == 0
            for model in (Customer, ApprovalRequest, OutboxMessage)
        )


def submit(slack: SlackDriver, bot: Bot, **overrides: Any) -> dict[str, Any]:
    view = slack.open_modal("/lead", user=REP)
    reply = slack.submit(view, lead_values(bot, **overrides), user=REP)
    assert reply.status == 200
    return reply.json


BAD_INPUT = [
    pytest.param({"company": None}, {"company": "This field is required."}, id="company missing"),
    pytest.param({"company": "   "}, {"company": "This field is required."}, id="company blank"),
    pytest.param({"industry": None, "need": None, "source": None, "intent": None, "contact_name": None},
                 {"industry": "required", "need": "required", "source": "required", "intent": "required",
                  "contact_name": "required"}, id="several required"),
    pytest.param({"phone": None, "email": None}, {"phone": "at least one way to reach"}, id="no contact method"),
    pytest.param({"email": "wang(at)acme"}, {"email": "not an email address"}, id="bad email"),
    pytest.param({"phone": "call me maybe"}, {"phone": "not a phone number"}, id="phone letters"),
    pytest.param({"phone": "12345"}, {"phone": "not a phone number"}, id="phone too short"),
    pytest.param({"phone": "+86 1380013800012345"}, {"phone": "not a phone number"}, id="phone too long"),
    pytest.param({"company": "A" * 201}, {"company": "under 200 characters"}, id="company too long"),
    pytest.param({"need": "x" * 2001}, {"need": "under 2000 characters"}, id="need too long"),
    pytest.param({"source": "carrier_pigeon"}, {"source": "required"}, id="unknown source"),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD_INPUT)
def test_bad_input_is_answered_in_the_modal(slack: SlackDriver, bot: Bot, overrides: dict, expected: dict) -> None:
    answer = submit(slack, bot, **overrides)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == set(expected)
    for field, words in expected.items():
        assert words in answer["errors"][field]
    assert nothing_stored(bot)


def test_acquisition_in_the_future_is_refused(slack: SlackDriver, bot: Bot) -> None:
    answer = submit(slack, bot, acquired=int((bot.clock.now + timedelta(hours=2)).timestamp()))
    assert answer == {"response_action": "errors", "errors": {"acquired": "This time is in the future."}}
    assert nothing_stored(bot)


def test_a_lead_obtained_more_than_24h_ago_is_marked_late(slack: SlackDriver, bot: Bot) -> None:
    register_lead(slack, bot, acquired=int((bot.clock.now - timedelta(hours=30)).timestamp()))
    review = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST")[0].args
    assert "Late:* submitted 30 h after acquisition (limit 24 h)" in str(review["blocks"])
    with bot.db.read() as session:
        assert session.scalars(select(ApprovalRequest.late)).one() is True


def test_a_lead_within_24h_is_not_late(slack: SlackDriver, bot: Bot) -> None:
    register_lead(slack, bot, acquired=int((bot.clock.now - timedelta(hours=23, minutes=59)).timestamp()))
    review = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST")[0].args
    assert "Late" not in str(review["blocks"])


@pytest.mark.parametrize("variant", ["ACME LIMITED", "  acme  ltd. ", "ＡＣＭＥ有限公司", "Acme Co., Ltd."])
def test_same_company_by_another_rep_names_the_owner_only(slack: SlackDriver, bot: Bot, variant: str) -> None:
    register_lead(slack, bot, company="Acme Ltd")
    answer = submit_as(slack, bot, "U0REP2", company=variant)
    assert answer["response_action"] == "errors"
    message = answer["errors"]["company"]
    assert "<@U0REP1>" in message
    assert "CL2026001" not in message and "Manufacturing" not in message
    assert len(customers(bot)) == 1


def test_same_company_by_its_owner_names_the_number(slack: SlackDriver, bot: Bot) -> None:
    register_lead(slack, bot, company="Acme Ltd")
    answer = submit(slack, bot, company="acme limited")
    assert "already registered as CL2026001, and it is yours" in answer["errors"]["company"]
    assert len(customers(bot)) == 1


def test_same_company_across_teams_is_also_caught(slack: SlackDriver, bot: Bot) -> None:
    register_lead(slack, bot, company="Acme Ltd")
    answer = submit_as(slack, bot, "U0REPW", company="ACME Limited")
    assert "<@U0REP1>" in answer["errors"]["company"]


def submit_as(slack: SlackDriver, bot: Bot, user: str, **overrides: Any) -> dict[str, Any]:
    view = slack.open_modal("/lead", user=user)
    return slack.submit(view, lead_values(bot, **overrides), user=user).json
