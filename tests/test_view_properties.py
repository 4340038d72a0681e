"""Every modal of the product, submitted with anything at all in its fields (issue 10).

Each modal is opened the way a user opens it (a command, or a button on a message the bot posted).
Hypothesis then takes a submission that succeeds and replaces some of its inputs (one, several or
all) with arbitrary text — control characters, NUL, huge strings, ``²``/``①``, mrkdwn such as
``<!channel>``, only whitespace — or an arbitrary choice, and submits it over signed HTTP.
"typed": what Slack's client can send (listed options, real dates, text up to the input's
``max_length``); "forged": also unlisted options, text in pickers, huge numbers and text.

The answer must be HTTP 200 and either a success (an empty body or a view update) or
``response_action: errors`` naming only input blocks of that view; once the outbox is delivered,
no Slack call may have been refused and the bot must have logged no error. One opened modal serves
until a submission succeeds (the data changed); then the database is wiped and the modal reopened.
``FOUND`` keeps what the property found, and the values issue 10 names, as plain cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.services.outbox import drain
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import Reply, SlackDriver
from tests.test_churn_e2e import drifting as make_drifting  # noqa: F401 - a fixture's function, called directly
from tests.test_churn_e2e import raised
from tests.test_deals_e2e import WON
from tests.test_exactly_once_e2e import fresh
from tests.test_lead_e2e import lead_values
from tests.test_scheduler_e2e import MONDAY_0900_SHANGHAI, run_at

REP, SUPERVISOR = "U0REP1", "U0SUPEAST"
Opened = tuple[dict[str, Any], str]  # the modal as Slack stored it, and who submits it

# Opening each modal -------------------------------------------------------------------------------


def _command(text: str) -> Callable[[SlackDriver, Bot], Opened]:
    def open_(slack: SlackDriver, bot: Bot) -> Opened:
        make_customer(bot, REP, "Acme Ltd")
        return slack.open_modal("/followup", text, user=REP), REP
    return open_


def _channel_post(slack: SlackDriver, words: str) -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST" and words in
                               str(a.get("blocks") or a["text"]))[-1]


def _button(post: Any, slack: SlackDriver, action: str, user: str) -> Opened:
    return slack.click_to_open(post.args["blocks"], action, user=user, message_ts=post.response["ts"]), user


def _submitted(slack: SlackDriver, command: str, values: dict[str, Any]) -> None:
    reply = slack.submit(slack.open_modal("/followup", command, user=REP), values, user=REP)
    assert reply.status == 200 and "errors" not in reply.body, reply.body


def _issue(action: str) -> Callable[[SlackDriver, Bot], Opened]:
    def open_(slack: SlackDriver, bot: Bot) -> Opened:
        make_customer(bot, REP, "Acme Ltd")
        _submitted(slack, "issue CL2026001", {"category": "billing", "severity": "normal", "description": "Twice"})
        return _button(_channel_post(slack, "IS-2026-0001"), slack, action, SUPERVISOR)
    return open_


def _deal_comment(slack: SlackDriver, bot: Bot) -> Opened:
    make_customer(bot, REP, "Acme Ltd")
    _submitted(slack, "won CL2026001", WON)
    return _button(_channel_post(slack, WON["contract_number"]), slack, "deal_comment", SUPERVISOR)


def _review(action: str) -> Callable[[SlackDriver, Bot], Opened]:
    def open_(slack: SlackDriver, bot: Bot) -> Opened:
        reply = slack.submit(slack.open_modal("/lead", user=REP), lead_values(bot), user=REP)
        assert reply.status == 200 and "errors" not in reply.body, reply.body
        review = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST")[0]
        return _button(review, slack, action, SUPERVISOR)
    return open_


def _complete_lead(slack: SlackDriver, bot: Bot) -> Opened:
    reason_view, _ = _review("approval_needs_info")(slack, bot)
    reply = slack.submit(reason_view, {"reason": "Contact email, please"}, user=SUPERVISOR)
    assert reply.status == 200 and not reply.body, reply.body
    dm = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "lead_complete"
                             in str(a.get("blocks")))[0]
    return slack.click_to_open(dm.args["blocks"], "lead_complete", user=REP, channel="DU0REP1"), REP


def _followup_at(stage: str, field: str) -> Callable[[SlackDriver, Bot], Opened]:
    """The Log follow-up modal once a stage is chosen: the stage's own fields have appeared."""
    def open_(slack: SlackDriver, bot: Bot) -> Opened:
        view, user = _command("CL2026001")(slack, bot)
        chosen = {"customer": input_blocks(view)["customer"]["element"]["initial_option"]["value"], "stage": stage}
        reply = slack.act_in_view(view, "stage", chosen, user=user)
        assert reply.status == 200, reply
        slack.updated_view(view["id"], containing=f"'block_id': '{field}'")
        return slack.fake.views[view["id"]], user
    return open_


def _alert(action: str) -> Callable[[SlackDriver, Bot], Opened]:
    def open_(slack: SlackDriver, bot: Bot) -> Opened:
        make_drifting.__wrapped__(bot)  # type: ignore[attr-defined]
        return _button(raised(slack, bot), slack, action, REP)
    return open_


def _snooze(slack: SlackDriver, bot: Bot) -> Opened:
    bot.clock.set(MONDAY_0900_SHANGHAI - timedelta(days=20))  # a customer due by Monday's list
    make_customer(bot, REP, "Acme Ltd")
    run_at(bot, MONDAY_0900_SHANGHAI)
    digest = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and
                                 a["text"].startswith("Your follow-ups"))[0]
    view = slack.click_to_open(digest.args["blocks"], "due_snooze", user=REP, channel="DU0REP1",
                               message_ts=digest.response["ts"])
    return view, REP


def _customer_choice(bot: Bot, view: dict[str, Any]) -> dict[str, Any]:
    return {"customer": input_blocks(view)["customer"]["element"]["initial_option"]["value"], "method": "phone",
            "notes": "Called Wang about the ERP"}


@dataclass(frozen=True)
class Modal:
    open: Callable[[SlackDriver, Bot], Opened]
    # A submission that succeeds (each example replaces some of its fields, or all of them).
    valid: Callable[[Bot, dict[str, Any]], dict[str, Any]]


def _fixed(values: dict[str, Any]) -> Callable[[Bot, dict[str, Any]], dict[str, Any]]:
    return lambda bot, view: values


MODALS: dict[str, Modal] = {
    "new lead": Modal(lambda slack, bot: (slack.open_modal("/lead", user=REP), REP),
                      lambda bot, view: lead_values(bot)),
    "log follow-up": Modal(_command("CL2026001"), _customer_choice),
    "log follow-up, needs analysis": Modal(_followup_at("needs_analysis", "budget_range"),
                                           lambda bot, view: {**_customer_choice(bot, view), "stage": "needs_analysis"}),
    "log follow-up, negotiation": Modal(_followup_at("negotiation", "objection"),
                                        lambda bot, view: {**_customer_choice(bot, view), "stage": "negotiation"}),
    "log follow-up, closing": Modal(_followup_at("closing", "payment_delay_days"),
                                    lambda bot, view: {**_customer_choice(bot, view), "stage": "closing"}),
    "propose grade": Modal(_command("grade CL2026001"),
                           _fixed({"grade": "B", "annual_purchase": "250,000", "potential": "3"})),
    "won": Modal(_command("won CL2026001"), _fixed(WON)),
    "lost": Modal(_command("lost CL2026001"), _fixed({"failure_reasons": ["competitor"], "failure_detail": "cheaper"})),
    "report issue": Modal(_command("issue CL2026001"),
                          _fixed({"category": "billing", "severity": "normal", "description": "Twice"})),
    "resolve issue": Modal(_issue("issue_resolved"), _fixed({"resolution": "Refunded", "satisfaction": "4"})),
    "comment": Modal(_deal_comment, _fixed({"comment": "Good work"})),
    "complete lead": Modal(_complete_lead, lambda bot, view: lead_values(bot)),
    "needs info": Modal(_review("approval_needs_info"), _fixed({"reason": "Which plant?"})),
    "reject": Modal(_review("approval_reject"), _fixed({"reason": "Duplicate of an old account"})),
    "plan retention": Modal(_alert("churn_plan"), _fixed({"actions": "Visit with the engineer", "date": "2026-12-25"})),
    "mark churned": Modal(_alert("churn_mark"), _fixed({"reason": "Moved to a competitor"})),
    "snooze": Modal(_snooze, _fixed({"until": "3d", "reason": "Customer travelling"})),
}

# What a user (or someone forging a payload) may put in each field ----------------------------------

HOSTILE = [
    "", " ", "\t\n \u3000", "\x00", "a\x00b", "\x07\x1b[31m\x7f", "\u202eevil", "\ufeff", "²", "①", "٣", "１２３",
    "²⁵", "Ⅻ", "<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>", "<#C0EAST>", "<http://evil.example|click>",
    "*bold* _it_ ~s~ `code` ```block```", "&amp; &lt; &gt;", "-1", "0", "1e9", "99999999999999999999999", "NaN",
    "inf", "2026-02-30", "0000-00-00", "tomorrow 9am", "25万", "¥250,000", "CL2026001", "🙂", "字" * 3,
]
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),  # every code point but surrogates: control characters and NUL included
    st.lists(pieces, min_size=2, max_size=6).map("".join),
    st.tuples(st.sampled_from(["x", "²", "\x00", "<!channel>", "字", " "]), st.integers(500, 6000)).map(
        lambda p: p[0] * p[1]),  # huge
)
# What Slack's pickers can send (any day a user can pick), and what only a forged payload holds.
DATES = st.dates(date(1900, 1, 1), date(2200, 12, 31))
TIMESTAMPS = st.one_of(st.integers(0, 7_258_118_400), st.just(1_795_399_200))
FORGED_NUMBERS = st.one_of(st.integers(), st.integers(-(2**70), 2**70)).map(str)


def field_values(element: dict[str, Any], *, forged: bool) -> st.SearchStrategy[Any]:
    """What Slack could send for this input element; ``forged``: also what only a forged payload holds
    (unlisted options, text in a picker, huge numbers)."""
    kind = element["type"]
    listed = [o["value"] for o in element.get("options", [])]
    listed += [o["value"] for group in element.get("option_groups", []) for o in group["options"]]
    if element.get("initial_option"):
        listed.append(element["initial_option"]["value"])
    choice: st.SearchStrategy[Any] = st.sampled_from(listed) if listed else st.nothing()
    junk: st.SearchStrategy[Any] = st.one_of(TEXT.filter(bool), FORGED_NUMBERS) if forged else st.nothing()
    if kind in ("static_select", "radio_buttons", "external_select"):
        return st.one_of(st.none(), choice, junk)
    if kind in ("checkboxes", "multi_static_select"):
        return st.lists(st.one_of(choice, junk), max_size=5, unique=True)
    if kind == "datepicker":
        return st.one_of(st.none(), DATES.map(date.isoformat), junk)
    if kind == "datetimepicker":
        return st.one_of(st.none(), TIMESTAMPS, junk)
    if kind == "users_select":
        return st.one_of(st.none(), st.sampled_from([REP, SUPERVISOR, "U0STRANGER"]), junk)
    # Text inputs: anything at all is a user's typing, up to the length Slack's client lets through.
    limit = None if forged else element.get("max_length")
    return st.one_of(st.none(), TEXT.map(lambda text: text[:limit]) if limit else TEXT)


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view.get("blocks", []) if b.get("type") == "input"}


# The property ------------------------------------------------------------------------------------------


def check_answer(reply: Reply, view: dict[str, Any]) -> None:
    assert reply.status == 200, (reply.status, reply.body[:500])
    if not reply.body:
        return
    answer = reply.json
    assert answer.get("response_action") in ("update", "errors"), answer
    if answer["response_action"] == "errors":
        errors = answer["errors"]
        assert errors and set(errors) <= set(input_blocks(view)), (errors, list(input_blocks(view)))
        assert all(isinstance(m, str) and m.strip() for m in errors.values()), errors


def submit_and_check(slack: SlackDriver, bot: Bot, caplog: pytest.LogCaptureFixture, view: dict[str, Any],
                     values: dict[str, Any], *, user: str) -> Reply:
    """Submit; check the answer, then deliver what the bot queued: no error logged, no Slack call refused."""
    caplog.clear()
    since = len(slack.fake.calls)
    reply = slack.submit(view, values, user=user)
    bot.executor.wait_idle()
    check_answer(reply, view)
    drain(bot.runtime, max_wait=timedelta(minutes=5))
    refused = [(c.method, c.response.get("error")) for c in slack.fake.calls[since:] if not c.ok]
    assert not refused, refused
    logged = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not logged, logged
    return reply


def answered_errors(reply: Reply) -> bool:
    return reply.status == 200 and bool(reply.body) and reply.json.get("response_action") == "errors"


@pytest.fixture
def opened() -> dict[str, Any]:
    """The modal the examples of one test submit (a function-scoped fixture lives across examples)."""
    return {}


@pytest.mark.parametrize("forged", [False, True], ids=["typed", "forged"])
@pytest.mark.parametrize("modal", list(MODALS))
@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(data=st.data())
def test_any_submission_gets_http_200_and_a_clear_answer(slack: SlackDriver, bot: Bot, caplog: pytest.LogCaptureFixture,
                                                         opened: dict[str, Any], modal: str,
                                                         forged: bool, data: st.DataObject) -> None:
    if opened.get("dirty", True):  # first example, or the last one changed the data: start again
        fresh(bot, slack)
        view, user = MODALS[modal].open(slack, bot)
        bot.executor.wait_idle()
        opened.update(view=view, user=user, dirty=False)
    view, user = opened["view"], opened["user"]
    blocks = input_blocks(view)
    values = dict(MODALS[modal].valid(bot, view))
    changed = data.draw(st.lists(st.sampled_from(sorted(blocks)), min_size=1, unique=True), label="changed")
    for block_id in changed:
        values[block_id] = data.draw(field_values(blocks[block_id]["element"], forged=forged), label=block_id)
    opened["dirty"] = True
    reply = submit_and_check(slack, bot, caplog, view, values, user=user)
    opened["dirty"] = not answered_errors(reply)
    event(f"answer: {'field errors' if answered_errors(reply) else 'success'}")


# What the property found (forged-acquired-*: HTTP 500; forged-*-reason-huge: a DM Slack refuses; both fixed
# in 22a4782), and the values issue 10 names.
FOUND = [
    pytest.param("log follow-up, closing", {"payment_delay_days": "²"}, id="payment-delay-superscript"),
    pytest.param("log follow-up, closing", {"payment_delay_days": "①"}, id="payment-delay-circled"),
    pytest.param("new lead", {"company": "<!channel> <!here> <http://evil.example|click>"}, id="lead-mrkdwn"),
    pytest.param("new lead", {"acquired": "ab"}, id="forged-acquired-text"),
    pytest.param("new lead", {"acquired": 10**20}, id="forged-acquired-huge"),
    pytest.param("log follow-up", {"customer": "99999999999999999999999"}, id="forged-customer-huge"),
    pytest.param("log follow-up", {"customer": "abc"}, id="forged-customer-text"),
    pytest.param("needs info", {"reason": "<!channel>" * 4000}, id="forged-needs-info-reason-huge"),
    pytest.param("reject", {"reason": "<!channel>" * 4000}, id="forged-reject-reason-huge"),
    pytest.param("mark churned", {"reason": "<" * 30000}, id="forged-churn-reason-huge"),
    pytest.param("comment", {"comment": "<" * 30000}, id="forged-comment-huge"),
]


@pytest.mark.parametrize(("modal", "changed"), FOUND)
def test_found_examples(slack: SlackDriver, bot: Bot, caplog: pytest.LogCaptureFixture, modal: str,
                        changed: dict[str, Any]) -> None:
    view, user = MODALS[modal].open(slack, bot)
    bot.executor.wait_idle()
    submit_and_check(slack, bot, caplog, view, {**MODALS[modal].valid(bot, view), **changed}, user=user)
