"""Every write surface, delivered twice at the same moment (a Slack retry racing the original).

Each case runs its scenario twice on a fresh database: once with the final request delivered
once, once with it delivered twice concurrently. Both copies must get HTTP 200 and the same
answer, and what the bot did — every row in every table, every successful Slack call by method
and channel — must be exactly what the single delivery did.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.pacing import Pacer
from bot.services.directory import sync_directory
from bot.services.outbox import drain
from storage.models import Base
from tests.conftest import DEFAULT_NOW, Bot, wipe
from tests.factories import make_customer
from tests.slackdriver import Reply, SlackDriver
from tests.test_churn_e2e import drifting as make_drifting  # noqa: F401 - a fixture's function, called directly
from tests.test_churn_e2e import raised
from tests.test_deals_e2e import WON
from tests.test_lead_e2e import lead_values

REP, SUPERVISOR = "U0REP1", "U0SUPEAST"
Act = Callable[[], Any]


def customer(bot: Bot) -> int:
    return make_customer(bot, REP, "Acme Ltd")


def review(slack: SlackDriver) -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST")[0]


def channel_post(slack: SlackDriver, words: str) -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST" and words in
                               str(a.get("blocks") or a["text"]))[-1]


# Scenarios: the setup runs once, the returned act is the request delivered once or twice ----------------


def new_lead(slack: SlackDriver, bot: Bot) -> Act:
    view = slack.open_modal("/lead", user=REP)
    return lambda: slack.submit(view, lead_values(bot), user=REP)


def log_followup_modal(slack: SlackDriver, bot: Bot) -> Act:
    acme = customer(bot)
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    return lambda: slack.submit(view, {"customer": str(acme), "method": "phone", "notes": "Called Wang about the ERP"},
                                user=REP)


def quick_entry(slack: SlackDriver, bot: Bot) -> Act:
    customer(bot)
    return lambda: slack.slash("/followup", "CL2026001 called Wang, wants demo; next: send proposal next Wednesday",
                               user=REP)


def propose_grade(slack: SlackDriver, bot: Bot) -> Act:
    customer(bot)
    view = slack.open_modal("/followup", "grade CL2026001", user=REP)
    return lambda: slack.submit(view, {"grade": "B", "annual_purchase": "250,000", "potential": "3"}, user=REP)


def won(slack: SlackDriver, bot: Bot) -> Act:
    customer(bot)
    view = slack.open_modal("/followup", "won CL2026001", user=REP)
    return lambda: slack.submit(view, WON, user=REP)


def lost(slack: SlackDriver, bot: Bot) -> Act:
    customer(bot)
    view = slack.open_modal("/followup", "lost CL2026001", user=REP)
    return lambda: slack.submit(view, {"failure_reasons": ["competitor"], "failure_detail": "cheaper"}, user=REP)


def report_issue(slack: SlackDriver, bot: Bot) -> Act:
    customer(bot)
    view = slack.open_modal("/followup", "issue CL2026001", user=REP)
    return lambda: slack.submit(view, {"category": "billing", "severity": "normal", "description": "Twice"}, user=REP)


def _issue_message(slack: SlackDriver, bot: Bot) -> Any:
    report_issue(slack, bot)()
    return channel_post(slack, "IS-2026-0001")


def issue_responded(slack: SlackDriver, bot: Bot) -> Act:
    message = _issue_message(slack, bot)
    return lambda: slack.click(message.args["blocks"], "issue_responded", user=SUPERVISOR,
                               message_ts=message.response["ts"])


def issue_resolved(slack: SlackDriver, bot: Bot) -> Act:
    message = _issue_message(slack, bot)
    view = slack.click_to_open(message.args["blocks"], "issue_resolved", user=SUPERVISOR,
                               message_ts=message.response["ts"])
    return lambda: slack.submit(view, {"resolution": "Refunded", "satisfaction": "4"}, user=SUPERVISOR)


def deal_comment(slack: SlackDriver, bot: Bot) -> Act:
    won(slack, bot)()
    post = channel_post(slack, "HT-2026-118")
    view = slack.click_to_open(post.args["blocks"], "deal_comment", user=SUPERVISOR, message_ts=post.response["ts"])
    return lambda: slack.submit(view, {"comment": "Good work"}, user=SUPERVISOR)


def _registration(slack: SlackDriver, bot: Bot) -> Any:
    new_lead(slack, bot)()
    return review(slack)


def approve(slack: SlackDriver, bot: Bot) -> Act:
    post = _registration(slack, bot)
    return lambda: slack.click(post.args["blocks"], "approval_approve", user=SUPERVISOR,
                               message_ts=post.response["ts"])


def _modal_from(message: Callable[[SlackDriver, Bot], Any], action: str, values: dict[str, Any], *,
                user: str) -> Callable[[SlackDriver, Bot], Act]:
    """A scenario: the button ``action`` on the message ``message`` makes opens a modal; the act submits it."""
    def scenario(slack: SlackDriver, bot: Bot) -> Act:
        post = message(slack, bot)
        view = slack.click_to_open(post.args["blocks"], action, user=user, message_ts=post.response["ts"])
        return lambda: slack.submit(view, values, user=user)
    return scenario


def _alert(slack: SlackDriver, bot: Bot) -> Any:
    make_drifting.__wrapped__(bot)  # type: ignore[attr-defined]
    return raised(slack, bot)


def acknowledge(slack: SlackDriver, bot: Bot) -> Act:
    post = _alert(slack, bot)
    return lambda: slack.click(post.args["blocks"], "churn_ack", user=SUPERVISOR, message_ts=post.response["ts"])


def snooze(slack: SlackDriver, bot: Bot) -> Act:
    from tests.test_scheduler_e2e import snooze_from_monday_due_list

    bot.clock.set(DEFAULT_NOW - timedelta(days=20))
    customer(bot)
    view = snooze_from_monday_due_list(slack, bot)
    return lambda: slack.submit(view, {"until": "3d", "reason": "Customer travelling"}, user=REP)


SURFACES: dict[str, Callable[[SlackDriver, Bot], Act]] = {
    "new lead": new_lead, "log follow-up": log_followup_modal, "quick entry": quick_entry,
    "propose grade": propose_grade, "won": won, "lost": lost, "report issue": report_issue,
    "issue responded": issue_responded, "resolve issue": issue_resolved, "deal comment": deal_comment,
    "approve": approve,
    "needs info": _modal_from(_registration, "approval_needs_info", {"reason": "Which plant?"}, user=SUPERVISOR),
    "reject": _modal_from(_registration, "approval_reject", {"reason": "Duplicate of an old account"},
                          user=SUPERVISOR),
    "acknowledge": acknowledge,
    "plan retention": _modal_from(_alert, "churn_plan", {"actions": "Visit with the engineer", "date": "2026-12-25"},
                                  user=REP),
    "mark churned": _modal_from(_alert, "churn_mark", {"reason": "Moved to a competitor"}, user=REP),
    "snooze": snooze,
}


# Running a scenario ------------------------------------------------------------------------------------


def fresh(bot: Bot, slack: SlackDriver) -> None:
    bot.executor.wait_idle()
    wipe(bot.db)
    bot.runtime.locales.clear()
    bot.runtime.pacer = Pacer()
    sync_directory(bot.runtime)
    slack.fake.reset()
    bot.clock.set(DEFAULT_NOW)


def delivered_twice(slack: SlackDriver, act: Act) -> list[Reply]:
    """Run ``act`` with its one request posted by two threads at the same moment."""
    replies: list[Reply] = []
    original = slack.post
    barrier = threading.Barrier(2)

    def post_twice(body: str, content_type: str, **kwargs: Any) -> Reply:
        def one() -> None:
            barrier.wait()
            replies.append(original(body, content_type, **kwargs))

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        return replies[0]

    slack.post = post_twice  # type: ignore[method-assign]
    try:
        act()
    finally:
        slack.post = original  # type: ignore[method-assign]
    return replies


def outcome(bot: Bot, slack: SlackDriver, since: int) -> tuple[dict[str, int], Counter[tuple[str, str]]]:
    """Rows per table, and the successful Slack calls since index ``since`` by method and target."""
    bot.executor.wait_idle()
    drain(bot.runtime, max_wait=timedelta(minutes=5))
    with bot.db.read() as session:
        rows = {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables}
    calls = Counter((c.method, str(c.args.get("channel") or ("a view" if c.args.get("view_id") else "")))
                    for c in slack.fake.calls[since:] if c.ok and c.method != "users.info")  # a read
    return rows, calls


@pytest.mark.parametrize("surface", list(SURFACES))
def test_a_submission_delivered_twice_at_once_acts_once(slack: SlackDriver, bot: Bot, surface: str) -> None:
    results = []
    for twice in (False, True):
        fresh(bot, slack)
        act = SURFACES[surface](slack, bot)
        bot.executor.wait_idle()
        since = len(slack.fake.calls)
        if twice:
            replies = delivered_twice(slack, act)
            assert [r.status for r in replies] == [200, 200], [r.body for r in replies]
            assert replies[0].body == replies[1].body, "the copy gets the first one's answer"
        else:
            reply = act()
            assert reply.status == 200 and '"errors"' not in reply.body, reply.body
        results.append(outcome(bot, slack, since))
    (rows_once, calls_once), (rows_twice, calls_twice) = results
    assert rows_twice == rows_once
    assert calls_twice == calls_once
