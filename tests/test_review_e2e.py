"""Registration review from the supervisor channel: who may decide, once, and what the rep is told."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from storage import queries
from storage.models import ApprovalRequest, AuditEntry
from tests.conftest import Bot
from tests.slackdriver import SlackDriver
from tests.test_lead_e2e import (
    ADMIN,
    OTHER_REP,
    REP,
    SUPERVISOR,
    WEST_SUPERVISOR,
    customers,
    lead_values,
    register_lead,
    review_message,
)


def requests(bot: Bot) -> list[ApprovalRequest]:
    with bot.db.read() as session:
        return list(session.scalars(select(ApprovalRequest).order_by(ApprovalRequest.id)))


def pending_review(slack: SlackDriver, bot: Bot, **overrides: Any) -> tuple[list[dict[str, Any]], str]:
    register_lead(slack, bot, **overrides)
    review = review_message(slack)
    ts = slack.fake.calls_to("chat.postMessage")[0].response["ts"]
    return review["blocks"], ts


def ephemeral_replies(slack: SlackDriver) -> list[str]:
    return [c.args.get("text", "") for c in slack.fake.calls_to("response_url")]


@pytest.mark.parametrize("intruder", [REP, OTHER_REP, WEST_SUPERVISOR, "U0STRANGER"])
def test_only_the_teams_supervisors_may_decide(slack: SlackDriver, bot: Bot, intruder: str) -> None:
    blocks, ts = pending_review(slack, bot)
    for action in ("approval_approve", "approval_needs_info", "approval_reject"):
        assert slack.click(blocks, action, user=intruder, message_ts=ts).status == 200
    refusals = slack.fake.wait_for("response_url", count=3)
    for refusal in refusals:
        assert refusal.args["response_type"] == "ephemeral"
        assert refusal.args["replace_original"] is False
        assert "Only a supervisor of East China or an admin can decide this" in refusal.args["text"]
    bot.executor.wait_idle()
    assert [r.state for r in requests(bot)] == ["pending"]
    assert customers(bot)[0].registration == "pending"
    assert not slack.fake.calls_to("views.open")[1:], "no reason modal for someone who may not decide"
    assert not slack.fake.calls_to("chat.update")


def test_an_admin_may_decide(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot)
    slack.click(blocks, "approval_approve", user=ADMIN, message_ts=ts)
    slack.fake.wait_for("chat.update")
    assert requests(bot)[0].decided_by == ADMIN


def test_clicking_approve_twice_gives_one_decision(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot)
    slack.click(blocks, "approval_approve", user=SUPERVISOR, message_ts=ts)
    slack.click(blocks, "approval_approve", user=SUPERVISOR, message_ts=ts)
    refusal = slack.fake.wait_for("response_url")[0]
    assert "Already decided: approved by <@U0SUPEAST>" in refusal.args["text"]
    bot.executor.wait_idle()
    assert len(slack.fake.calls_to("chat.update")) == 1
    assert len([c for c in slack.fake.calls_to("chat.postMessage") if "approved by" in c.args["text"]]) == 1
    with bot.db.read() as session:
        assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "approval.approved")).all()) == 1


def test_two_deciders_at_once_give_one_decision(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot)
    with ThreadPoolExecutor(max_workers=8) as pool:
        clickers = [SUPERVISOR, ADMIN] * 4
        replies = list(pool.map(lambda u: slack.click(blocks, "approval_approve", user=u, message_ts=ts), clickers))
    assert all(r.status == 200 for r in replies)
    slack.fake.wait_for("response_url", count=7)
    bot.executor.wait_idle()
    [request] = requests(bot)
    assert request.state == "approved" and request.decided_by in (SUPERVISOR, ADMIN)
    assert len(slack.fake.calls_to("chat.update")) == 1


def test_needs_info_then_the_rep_completes_and_resubmits(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot, email=None, phone="021 5555 0100")
    slack.click(blocks, "approval_needs_info", user=SUPERVISOR, message_ts=ts)
    reason_view = slack.opened_view(2)
    assert reason_view["title"]["text"] == "Needs info"

    empty = slack.submit(reason_view, {"reason": "  "}, user=SUPERVISOR)
    assert empty.json == {"response_action": "errors", "errors": {"reason": "This field is required."}}
    assert requests(bot)[0].state == "pending"

    done = slack.submit(reason_view, {"reason": "Contact email, please"}, user=SUPERVISOR)
    assert done.status == 200 and not done.body
    update = slack.fake.wait_for("chat.update")[0].args
    assert "Asked for more information" in str(update["blocks"]) and "Contact email, please" in str(update["blocks"])
    dm = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "more information"
                             in a["text"])[0].args
    assert customers(bot)[0].registration == "needs_info"

    # The rep completes the lead from the DM button: the modal comes back filled in.
    slack.click(dm["blocks"], "lead_complete", user=REP, channel="DU0REP1")
    view = slack.opened_view(3)
    assert view["title"]["text"] == "Complete lead"
    assert "Contact email, please" in str(view["blocks"])
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert initial["company"] == "Acme Ltd" and initial["phone"] == "021 5555 0100"

    reply = slack.submit(view, lead_values(bot, email="wang@acme.example"), user=REP)
    assert reply.json["response_action"] == "update"
    assert "CL2026001" in str(slack.updated_view(view["id"], containing="CL2026001"))
    second = slack.fake.wait_for("chat.postMessage", count=2, predicate=lambda a: a["channel"] == "C0EAST")[-1]
    assert "Resubmitted with more information" in str(second.args["blocks"])
    assert [r.state for r in requests(bot)] == ["needs_info", "pending"]
    with bot.db.read() as session:
        customer = queries.get_customer(session=session, customer_id=customers(bot)[0].id)
        assert customer is not None
        assert (customer.registration, customer.contacts[0].email) == ("pending", "wang@acme.example")
    with bot.db.read() as session:
        trail = session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.complete")).one()
    assert trail.before["email"] is None and trail.after["email"] == "wang@acme.example"


def test_someone_else_cannot_complete_the_lead(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot)
    slack.click(blocks, "approval_needs_info", user=SUPERVISOR, message_ts=ts)
    reason_view = slack.opened_view(2)
    slack.submit(reason_view, {"reason": "Budget?"}, user=SUPERVISOR)
    dm = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "Budget" in a["text"])
    slack.click(dm[0].args["blocks"], "lead_complete", user=OTHER_REP)
    refusal = slack.fake.wait_for("response_url")[0]
    assert "Only the owner of this lead can complete it" in refusal.args["text"]
    assert len(slack.fake.calls_to("views.open")) == 2


def test_reject_needs_a_reason_and_frees_the_company_name(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot)
    slack.click(blocks, "approval_reject", user=SUPERVISOR, message_ts=ts)
    reason_view = slack.opened_view(2)
    assert reason_view["title"]["text"] == "Reject lead"
    assert slack.submit(reason_view, {"reason": None}, user=SUPERVISOR).json["response_action"] == "errors"
    slack.submit(reason_view, {"reason": "Need unrelated to our business"}, user=SUPERVISOR)
    dm = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "rejected" in a["text"])
    assert "Need unrelated to our business" in dm[0].args["text"]
    update = slack.fake.wait_for("chat.update")[0].args
    assert "Rejected" in str(update["blocks"])
    assert customers(bot)[0].registration == "rejected"
    # The company can be registered again (by anyone), under a new number.
    register_lead(slack, bot, user=OTHER_REP)
    assert [c.number for c in customers(bot)] == ["CL2026001", "CL2026002"]


def test_deciding_after_someone_else_in_the_reason_modal_is_refused(slack: SlackDriver, bot: Bot) -> None:
    blocks, ts = pending_review(slack, bot)
    slack.click(blocks, "approval_reject", user=SUPERVISOR, message_ts=ts)
    reason_view = slack.opened_view(2)
    slack.click(blocks, "approval_approve", user=ADMIN, message_ts=ts)
    slack.fake.wait_for("chat.update")
    answer = slack.submit(reason_view, {"reason": "Too small"}, user=SUPERVISOR).json
    assert "Already decided: approved by <@U0ADMIN>" in answer["errors"]["reason"]
    assert requests(bot)[0].state == "approved"


def test_a_retried_submission_creates_one_customer(slack: SlackDriver, bot: Bot) -> None:
    view = slack.open_modal("/lead", user=REP)
    first = slack.submit(view, lead_values(bot), user=REP)
    slack.updated_view(view["id"], containing="CL2026001")
    retry = slack.submit(view, lead_values(bot), user=REP,
                         headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.json["response_action"] == retry.json["response_action"] == "update"
    assert "CL2026001" in str(retry.json["view"]), "the retry is told what the first one did"
    assert len(customers(bot)) == 1
    bot.executor.wait_idle()
    assert len([c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == "C0EAST"]) == 1


def test_concurrent_submissions_get_distinct_numbers(slack: SlackDriver, bot: Bot) -> None:
    view = slack.open_modal("/lead", user=REP)

    def submit(i: int) -> Any:
        user = (REP, OTHER_REP)[i % 2]
        return slack.submit({**view, "id": f"VCONCURRENT{i}"}, lead_values(bot, company=f"Company {i}"), user=user)

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(submit, range(40)))
    assert all(r.json["response_action"] == "update" for r in replies)
    bot.executor.wait_idle()
    numbers = sorted(c.number for c in customers(bot))
    assert numbers == [f"CL2026{i:03d}" for i in range(1, 41)]


def test_the_sequence_grows_past_999(slack: SlackDriver, bot: Bot) -> None:
    from storage.models import NumberSequence

    with bot.db.write() as session:
        session.add(NumberSequence(key="CL2026#", last=999))
    register_lead(slack, bot)
    assert customers(bot)[0].number == "CL20261000"


def test_review_message_is_retried_after_a_rate_limit(slack: SlackDriver, bot: Bot) -> None:
    from bot.services.outbox import deliver_due
    from storage.models import OutboxMessage

    slack.fake.rate_limit("chat.postMessage", retry_after=30, times=1)
    register_lead(slack, bot)
    bot.executor.wait_idle()
    with bot.db.read() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "C0EAST")).one()
    assert waiting.state == "pending" and "429" in waiting.last_error
    assert deliver_due(bot.runtime) == 0, "Retry-After not yet passed"
    from datetime import timedelta

    bot.clock.set(bot.clock.now + timedelta(seconds=31))
    assert deliver_due(bot.runtime) == 1
    assert slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST")


def test_app_home_shows_what_waits(slack: SlackDriver, bot: Bot) -> None:
    register_lead(slack, bot)
    from storage.models import Customer

    with bot.db.write() as session:
        session.scalars(select(Customer)).one().warning = True
    slack.event({"type": "app_home_opened", "user": SUPERVISOR, "channel": "D0X", "tab": "home"}, event_id="Ev1")
    slack.event({"type": "app_home_opened", "user": SUPERVISOR, "channel": "D0X", "tab": "home"}, event_id="Ev1",
                headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    home = slack.fake.wait_for("views.publish")[0].args
    assert "Approvals waiting for you:* 1" in json.dumps(home["view"])
    assert "Customers in warning:* *CL2026001* Acme Ltd (<@U0REP1>)" in json.dumps(home["view"])
    bot.executor.wait_idle()
    assert len(slack.fake.calls_to("views.publish")) == 1


def test_app_home_for_a_rep(slack: SlackDriver, bot: Bot) -> None:
    from datetime import timedelta

    from tests.factories import log_followup, make_customer

    acme = make_customer(bot, REP, "Acme Ltd")
    log_followup(bot, REP, acme, at=bot.clock.now - timedelta(hours=1))
    slack.slash("/followup", "CL2026001 visited 3 days ago", user=REP)
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    slack.submit(view, {"method": "visit", "notes": "Visit", "when": "3 days ago", "customer": str(acme)}, user=REP)
    make_customer(bot, REP, "Globex")  # never contacted: first contact due tomorrow
    slack.event({"type": "app_home_opened", "user": REP, "channel": "D0X", "tab": "home"}, event_id="Ev2")
    home = json.dumps(slack.fake.wait_for("views.publish")[0].args["view"], ensure_ascii=False)
    assert "My due list:* 0 overdue · 0 today · 1 in the next 3 days" in home
    assert "Customers by status:* Lead 2" in home
    assert "24-h logging this month:* 67% on time (2 of 3)" in home
    assert "Customers in warning" not in home


def test_the_same_company_submitted_at_once_is_registered_once(slack: SlackDriver, bot: Bot) -> None:
    """Checked before the answer and again when stored: the losers of a race are told, in the modal."""
    view = slack.open_modal("/lead", user=REP)

    def submit(i: int) -> Any:
        return slack.submit({**view, "id": f"VRACE{i}"}, lead_values(bot, company="Acme Ltd"), user=(REP, OTHER_REP)[i % 2])

    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(submit, range(10)))
    bot.executor.wait_idle()
    assert len(customers(bot)) == 1
    refused_at_once = [r for r in replies if r.json["response_action"] == "errors"]
    refused_later = [c for c in slack.fake.calls_to("views.update") if "Not registered" in str(c.args["view"])]
    registered = [c for c in slack.fake.calls_to("views.update") if "Lead registered" in str(c.args["view"])]
    assert len(registered) == 1 and len(refused_at_once) + len(refused_later) == 9
    for call in refused_later:
        assert "already registered" in str(call.args["view"])
