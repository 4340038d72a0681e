"""Hostile text in every field that reaches a channel or a DM stays text.

Slack parses mrkdwn (section and context text, fields, and the ``text`` fallback of a message) for
``<!channel>``, ``<!here>``, ``<@U…>`` and ``<http…|label>``. A rep who names a lead
``<!channel> <http://evil.example|click>`` must not ping the supervisor channel nor plant a disguised
link in the review. Each scenario submits hostile text through the real surfaces, lets the bot
deliver everything it queued, and reads every mrkdwn text the bot sent anywhere (messages, updates,
DMs, ephemeral answers, modals): the only mentions are the bot's own, of the people involved.
Plain-text objects and input values are not parsed by Slack, so they may show the text as typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services.outbox import drain
from tests.conftest import Bot
from tests.factories import log_followup, make_customer, set_grade
from tests.slackdriver import Reply, SlackDriver
from tests.test_churn_e2e import LAST, alert_posts, score_at
from tests.test_lead_e2e import lead_values
from tests.test_scheduler_e2e import MONDAY_0900_SHANGHAI, run_at, snooze_from_monday_due_list

REP, SUPERVISOR = "U0REP1", "U0SUPEAST"
# Everything Slack would turn into a broadcast, a mention or a link, plus an entity and formatting.
HOSTILE = "<!channel> <!here> <@U0ADMIN> <http://evil.example|click> &amp; *bold*"
BOT_MENTIONS = {REP, "U0REP2", SUPERVISOR}  # the East team, whom the bot itself mentions
FORBIDDEN = ("<!channel", "<!here", "<!everyone", "<http", "<mailto", "<@U0ADMIN", "<#")
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def hostile(tag: str) -> str:
    return f"{tag} {HOSTILE}"


def drifting_hostile(bot: Bot) -> int:
    """A weekly (B) customer with a hostile name contacted often last quarter, once this quarter."""
    bot.clock.set(datetime(2026, 3, 1, 2, tzinfo=UTC))
    customer_id = make_customer(bot, REP, hostile("Drift"), contact=hostile("Wang"), industry=hostile("Ind"))
    set_grade(bot, customer_id, "B")
    for weeks in range(6):
        log_followup(bot, REP, customer_id, at=LAST - timedelta(days=100 + 7 * weeks), notes=hostile("note"))
    log_followup(bot, REP, customer_id, at=LAST, notes=hostile("competitor cheaper"))
    return customer_id


def acme(bot: Bot) -> int:
    return make_customer(bot, REP, hostile("Acme"), contact=hostile("Wang"), industry=hostile("Ind"))


def posted(slack: SlackDriver, words: str, channel: str = "C0EAST") -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == channel
                               and words in json.dumps(a))[-1]


def ok(reply: Reply) -> Reply:
    assert reply.status == 200 and '"errors"' not in reply.body, reply.body
    return reply


# Scenarios ---------------------------------------------------------------------------------------------


def new_lead(slack: SlackDriver, bot: Bot) -> None:
    view = slack.open_modal("/lead", user=REP)
    fields = ("company", "industry", "company_size", "main_business", "contact_name", "contact_title", "need",
              "pain_points", "region")
    ok(slack.submit(view, lead_values(bot, **{f: hostile(f) for f in fields}), user=REP))


def _review(slack: SlackDriver, bot: Bot) -> Any:
    new_lead(slack, bot)
    bot.executor.wait_idle()
    return posted(slack, "approval_approve")


def approve(slack: SlackDriver, bot: Bot) -> None:
    post = _review(slack, bot)
    ok(slack.click(post.args["blocks"], "approval_approve", user=SUPERVISOR, message_ts=post.response["ts"]))


def _decide(action: str) -> Callable[[SlackDriver, Bot], None]:
    def scenario(slack: SlackDriver, bot: Bot) -> None:
        post = _review(slack, bot)
        view = slack.click_to_open(post.args["blocks"], action, user=SUPERVISOR, message_ts=post.response["ts"])
        ok(slack.submit(view, {"reason": hostile("reason")}, user=SUPERVISOR))
    return scenario


def followup_modal(slack: SlackDriver, bot: Bot) -> None:
    customer = acme(bot)
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    ok(slack.submit(view, {"customer": str(customer), "method": "phone", "notes": hostile("notes"),
                           "feedback": hostile("feedback"), "next_step": hostile("next"),
                           "next_step_date": "2026-12-01"}, user=REP))


def quick_entry(slack: SlackDriver, bot: Bot) -> None:
    acme(bot)
    ok(slack.slash("/followup", f"CL2026001 called {HOSTILE}; next: {HOSTILE} next Wednesday", user=REP))


def show_and_find(slack: SlackDriver, bot: Bot) -> None:
    acme(bot)
    make_customer(bot, REP, hostile("Acme two"))
    log_followup(bot, REP, 1, notes=hostile("history"))
    replies = [ok(slack.slash("/followup", "show CL2026001", user=REP)),
               ok(slack.slash("/followup", "find Acme", user=REP)),
               ok(slack.slash("/followup", f"find {HOSTILE}", user=REP))]
    SHOWN.extend(replies)


def grade(slack: SlackDriver, bot: Bot) -> None:
    acme(bot)
    view = slack.open_modal("/followup", "grade CL2026001", user=REP)
    ok(slack.submit(view, {"grade": "B", "annual_purchase": "250,000", "potential": "3",
                           "reason": hostile("grade reason")}, user=REP))


def won(slack: SlackDriver, bot: Bot) -> None:
    acme(bot)
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    ok(slack.submit(view, {"contract_number": "HT <!here>", "amount": "380,000", "signed_on": "2026-11-20",
                           "success_factors": ["need_match"], "improvement": hostile("improvement")}, user=REP))


def lost(slack: SlackDriver, bot: Bot) -> None:
    acme(bot)
    view = slack.open_modal("/followup", "lost CL2026001", user=REP)
    ok(slack.submit(view, {"failure_reasons": ["competitor"], "failure_detail": hostile("detail"),
                           "improvement": hostile("improvement")}, user=REP))


def deal_comment(slack: SlackDriver, bot: Bot) -> None:
    lost(slack, bot)
    bot.executor.wait_idle()
    post = posted(slack, "deal_comment")
    view = slack.click_to_open(post.args["blocks"], "deal_comment", user=SUPERVISOR, message_ts=post.response["ts"])
    ok(slack.submit(view, {"comment": hostile("comment")}, user=SUPERVISOR))


def _issue(slack: SlackDriver, bot: Bot) -> Any:
    acme(bot)
    view = slack.open_modal("/followup", "issue CL2026001", user=REP)
    ok(slack.submit(view, {"category": "billing", "severity": "normal", "complaint": ["complaint"],
                           "description": hostile("description")}, user=REP))
    bot.executor.wait_idle()
    return posted(slack, "IS-2026-0001")


def issue(slack: SlackDriver, bot: Bot) -> None:
    post = _issue(slack, bot)
    ok(slack.click(post.args["blocks"], "issue_responded", user=SUPERVISOR, message_ts=post.response["ts"]))
    view = slack.click_to_open(post.args["blocks"], "issue_resolved", user=SUPERVISOR,
                               message_ts=post.response["ts"])
    ok(slack.submit(view, {"resolution": hostile("resolution"), "satisfaction": "2"}, user=SUPERVISOR))


def _alert(slack: SlackDriver, bot: Bot) -> Any:
    drifting_hostile(bot)
    score_at(bot, LAST + timedelta(days=21))
    [post] = alert_posts(slack)
    return post


def churn_plan(slack: SlackDriver, bot: Bot) -> None:
    post = _alert(slack, bot)
    ok(slack.click(post.args["blocks"], "churn_ack", user=SUPERVISOR, message_ts=post.response["ts"]))
    view = slack.click_to_open(post.args["blocks"], "churn_plan", user=REP, message_ts=post.response["ts"])
    ok(slack.submit(view, {"actions": hostile("plan"), "date": "2026-12-25"}, user=REP))


def churned(slack: SlackDriver, bot: Bot) -> None:
    post = _alert(slack, bot)
    view = slack.click_to_open(post.args["blocks"], "churn_mark", user=REP, message_ts=post.response["ts"])
    ok(slack.submit(view, {"reason": hostile("churned")}, user=REP))


def duties(slack: SlackDriver, bot: Bot) -> None:
    """Due lists, reminders, escalations and alerts name the customer (and the next step) too."""
    bot.clock.set(datetime(2026, 10, 1, 2, tzinfo=UTC))
    customer = acme(bot)
    set_grade(bot, customer, "A")
    log_followup(bot, REP, customer, at=bot.clock.now, next_step=hostile("step"), objection=hostile("objection"),
                 stage="proposal", next_step_at=datetime(2026, 10, 5, 2, tzinfo=UTC))
    for day in (datetime(2026, 10, 9, 1, tzinfo=UTC), datetime(2026, 10, 12, 1, tzinfo=UTC),
                datetime(2026, 11, 2, 1, tzinfo=UTC), MONDAY_0900_SHANGHAI):
        run_at(bot, day)
    new = make_customer(bot, REP, hostile("New"))
    assert new
    run_at(bot, MONDAY_0900_SHANGHAI + timedelta(days=3))


def snooze(slack: SlackDriver, bot: Bot) -> None:
    bot.clock.set(datetime(2026, 11, 3, 2, tzinfo=UTC))
    acme(bot)
    view = snooze_from_monday_due_list(slack, bot)
    ok(slack.submit(view, {"until": "3d", "reason": hostile("snooze")}, user=REP))


SURFACES: dict[str, Callable[[SlackDriver, Bot], None]] = {
    "new lead": new_lead, "approve": approve, "needs info": _decide("approval_needs_info"),
    "reject": _decide("approval_reject"), "follow-up modal": followup_modal, "quick entry": quick_entry,
    "show and find": show_and_find, "grade": grade, "won": won, "lost": lost, "deal comment": deal_comment,
    "issue": issue, "churn plan": churn_plan, "churned": churned, "duties": duties, "snooze": snooze,
}
SHOWN: list[Reply] = []  # direct answers (ack bodies) a scenario wants read too


# Reading what the bot sent --------------------------------------------------------------------------------


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every text Slack parses as mrkdwn inside ``value`` (blocks, a view, a message)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def sent_texts(slack: SlackDriver, since: int) -> list[tuple[str, str]]:
    """(method, text) for every mrkdwn text and message fallback the bot sent since call ``since``."""
    texts: list[tuple[str, str]] = []
    for call in slack.fake.calls[since:]:
        fallback = call.args.get("text")
        if (call.method.startswith("chat.") or call.method == "response_url") and isinstance(fallback, str):
            texts.append((call.method, fallback))
        texts += [(call.method, text) for text in mrkdwn_texts(call.args)]
    for reply in SHOWN:
        body = reply.json if reply.body.startswith("{") else {"text": reply.body}
        texts += [("ack", body.get("text") or "")] + [("ack", text) for text in mrkdwn_texts(body)]
    return texts


def problems(texts: list[tuple[str, str]]) -> list[str]:
    found = []
    for method, text in texts:
        found += [f"{method}: {bad!r} in {text[:300]!r}" for bad in FORBIDDEN if bad in text]
        found += [f"{method}: mention of {user} in {text[:300]!r}" for user in MENTION.findall(text)
                  if user not in BOT_MENTIONS]
    return found


@pytest.fixture(autouse=True)
def _forget_answers() -> Iterator[None]:
    SHOWN.clear()
    yield
    SHOWN.clear()


@pytest.mark.parametrize("surface", list(SURFACES))
def test_hostile_text_reaches_slack_as_text(slack: SlackDriver, bot: Bot, surface: str) -> None:
    since = len(slack.fake.calls)
    SURFACES[surface](slack, bot)
    bot.executor.wait_idle()
    drain(bot.runtime, max_wait=timedelta(minutes=5))
    texts = sent_texts(slack, since)
    assert any("evil.example" in text for _, text in texts), "the scenario's hostile text reached Slack"
    assert problems(texts) == []


@pytest.mark.parametrize("text", [f"show {HOSTILE}", f"grade {HOSTILE}", f"pause {HOSTILE} travelling"])
def test_a_refusal_that_repeats_what_the_user_typed_repeats_it_as_text(slack: SlackDriver, bot: Bot,
                                                                     text: str) -> None:
    answer = slack.slash("/followup", text, user=REP).json["text"]
    assert "&lt;!channel&gt;" in answer
    assert not any(forbidden in answer for forbidden in FORBIDDEN), answer
