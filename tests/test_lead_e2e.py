"""`/lead` to decision, end to end: signed requests to the real app, the fake Slack Web API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage.models import ApprovalRequest, Customer
from tests.conftest import Bot
from tests.slackdriver import SlackDriver

REP, OTHER_REP, SUPERVISOR, WEST_SUPERVISOR, ADMIN = "U0REP1", "U0REP2", "U0SUPEAST", "U0SUPWEST", "U0ADMIN"


def lead_values(bot: Bot, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "company": "Acme Ltd", "industry": "Manufacturing", "company_size": "200 staff",
        "contact_name": "Wang Wei", "contact_title": "Purchasing manager", "phone": "+86 138 0013 8000",
        "email": "wang@acme.example", "need": "Replace the ERP", "pain_points": "Slow month-end close",
        "source": "trade_show", "acquired": int((bot.clock.now - timedelta(hours=3)).timestamp()),
        "intent": "high", "tags": ["high_intent"],
    }
    values.update(overrides)
    return values


def register_lead(slack: SlackDriver, bot: Bot, user: str = REP, **overrides: Any) -> dict[str, Any]:
    """Submit a New lead; returns the modal as it ends up (with the customer number)."""
    view = slack.open_modal("/lead", user=user)
    reply = slack.submit(view, lead_values(bot, **overrides), user=user)
    assert reply.status == 200 and reply.json["response_action"] == "update", reply
    return slack.updated_view(view["id"], containing="Lead registered")


def review_message(slack: SlackDriver, channel: str = "C0EAST", count: int = 1) -> dict[str, Any]:
    call = slack.fake.wait_for("chat.postMessage", count=count, predicate=lambda a: a["channel"] == channel)[-1]
    return call.args


def customers(bot: Bot) -> list[Customer]:
    with bot.db.read() as session:
        return list(session.scalars(select(Customer).order_by(Customer.id)))


def test_lead_from_command_to_approval(slack: SlackDriver, bot: Bot) -> None:
    view = slack.open_modal("/lead", "Acme Ltd", user=REP)
    assert view["title"]["text"] == "New lead"
    company = next(b for b in view["blocks"] if b["block_id"] == "company")
    assert company["element"]["initial_value"] == "Acme Ltd"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    for label in ("Company", "Industry", "Company size", "Main business", "Contact name", "Contact title",
                  "Phone", "Email", "Need", "Pain points", "Source", "Acquired", "Intent", "Tags"):
        assert label in labels

    reply = slack.submit(view, lead_values(bot), user=REP)
    assert reply.json["response_action"] == "update"
    assert "Registering *Acme Ltd*" in str(reply.json["view"]["blocks"])
    confirmation = slack.updated_view(view["id"], containing="CL2026001")["blocks"][0]["text"]["text"]
    assert "CL2026001" in confirmation and "Acme Ltd" in confirmation

    review = review_message(slack)
    text = str(review["blocks"])
    for shown in ("CL2026001", "Acme Ltd", "Manufacturing", "Replace the ERP", "Trade show", "High", REP):
        assert shown in text
    for private in ("138", "wang@acme.example", "Wang Wei"):
        assert private not in text
    buttons = [e["text"]["text"] for b in review["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Approve", "Needs info", "Reject"]
    slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "CL2026001" in a["text"])

    posted = slack.fake.calls_to("chat.postMessage")[0].response
    reply = slack.click(review["blocks"], "approval_approve", user=SUPERVISOR, message_ts=posted["ts"])
    assert reply.status == 200
    update = slack.fake.wait_for("chat.update")[0].args
    assert update["ts"] == posted["ts"] and update["channel"] == "C0EAST"
    decided = str(update["blocks"])
    assert "Approved" in decided and SUPERVISOR in decided and "Mon 23 Nov 2026, 10:00" in decided
    assert not [b for b in update["blocks"] if b["type"] == "actions"]
    dm = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "approved" in a["text"])
    assert "CL2026001" in dm[0].args["text"]

    [customer] = customers(bot)
    assert (customer.number, customer.registration, customer.owner_id) == ("CL2026001", "approved", REP)
    with bot.db.read() as session:
        request = session.scalars(select(ApprovalRequest)).one()
    assert (request.state, request.decided_by, request.decided_at) == ("approved", SUPERVISOR, bot.clock.now)
    assert request.message_ts == posted["ts"]


def test_numbers_follow_the_team_format(slack: SlackDriver, bot: Bot) -> None:
    register_lead(slack, bot, user="U0REPW", industry="Information Technology", company="Globex")
    register_lead(slack, bot, user="U0REPW", industry="Retail Trade", company="Initech", region="sf")
    assert [c.number for c in customers(bot)] == ["LA-IT-2026-001", "SF-RT-2026-001"]


def test_a_modal_closed_before_the_number_comes_is_fine(slack: SlackDriver, bot: Bot) -> None:
    """The rep closes the modal at once: the lead is still registered and the DM carries the number."""
    view = slack.open_modal("/lead", user=REP)
    slack.fake.close_view(view["id"])
    reply = slack.submit(view, lead_values(bot), user=REP)
    assert reply.json["response_action"] == "update"
    slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "CL2026001" in a["text"])
    assert slack.fake.wait_for_any("views.update")[0].response["error"] == "not_found"
    bot.executor.wait_idle()
    assert not [c for c in slack.fake.calls_to("response_url") if "went wrong" in c.args.get("text", "")]
    assert [c.number for c in customers(bot)] == ["CL2026001"]
