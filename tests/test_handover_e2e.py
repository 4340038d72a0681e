"""Handover end to end (DOMAIN §11, PRODUCT "Handover"): `/followup handover @from @to`, the Handover
modal, approval in the supervisor channel, the transfer; refusals that store nothing; a deactivated
account drafting its handover; and `/followup` text as Slack escapes it (``should_escape: true``).

Every slash command here is sent the way Slack sends it for /followup: ``tests.slackdriver`` escapes
what the user typed (``@U0REP1`` → ``<@U0REP1|u0rep1>``, ``R&D`` → ``R&amp;D`` …).
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services.duties import daily_due_lists, weekly_digests
from bot.services.handover import deactivation_drafts, handed_over_awaiting_contact
from bot.services.outbox import drain
from storage.models import (
    ApprovalRequest,
    AuditEntry,
    Customer,
    DueItem,
    FollowUp,
    Handover,
    Issue,
    OutboxMessage,
    OwnershipChange,
)
from tests.conftest import DEFAULT_NOW, Bot
from tests.factories import log_followup, make_customer
from tests.slackdriver import TEAM, Reply, SlackDriver, slack_escaped

REP, REP2, SUP, REPW, SUPW, ADMIN = "U0REP1", "U0REP2", "U0SUPEAST", "U0REPW", "U0SUPWEST", "U0ADMIN"
PRIVATE = ("+86 138", "contact@example.com", "8000")


@pytest.fixture
def book(bot: Bot) -> dict[str, int]:
    """REP owns three customers (the first with a planned step, a due item, an open issue and a
    warning), REP2 one."""
    ids = {name: make_customer(bot, REP, name) for name in ("Acme Ltd", "Beta Co", "Gamma GmbH")}
    ids["Delta Inc"] = make_customer(bot, REP2, "Delta Inc")
    acme = ids["Acme Ltd"]
    log_followup(bot, REP, acme, at=bot.clock.now - timedelta(minutes=30),
                 next_step_at=bot.clock.now + timedelta(days=2), next_step="Send the quotation")
    with bot.db.write() as session:
        session.add(DueItem(key=f"regrade:{acme}:2026Q4", customer_id=acme, owner_id=REP, kind="regrade",
                            due_at=bot.clock.now + timedelta(days=1), note="2026Q4", created_at=bot.clock.now))
        session.add(Issue(number="IS-2026-0001", customer_id=acme, category="billing", complaint=True,
                          severity="normal", description="Invoice twice", reported_by=REP,
                          reported_at=bot.clock.now, deadline_kind="response",
                          deadline_at=bot.clock.now + timedelta(hours=2)))
        session.get(Customer, acme).warning = True  # type: ignore[union-attr]
    return ids


def owners(bot: Bot) -> dict[str, str]:
    with bot.db.read() as session:
        return dict(session.execute(select(Customer.number, Customer.owner_id)).all())


def count(bot: Bot, model: Any, *where: Any) -> int:
    bot.executor.wait_idle()
    with bot.db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def channel_posts(slack: SlackDriver, words: str, channel: str = "C0EAST") -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == channel and words in json.dumps(c.args.get("blocks") or c.args["text"])]


def wait_post(slack: SlackDriver, words: str, channel: str = "C0EAST") -> Any:
    return slack.fake.wait_for("chat.postMessage", predicate=lambda a: a.get("channel") == channel and words in
                               json.dumps(a.get("blocks") or a["text"], ensure_ascii=False))[-1]


def dms_to(slack: SlackDriver, user: str) -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.args.get("channel") in (user, f"D{user}")]


def request_handover(slack: SlackDriver, text: str = "handover @U0REP1 @U0REP2", user: str = SUP,
                     reason: str = "Leaving the company") -> tuple[dict[str, Any], Reply]:
    view = slack.open_modal("/followup", text, user=user)
    return view, slack.submit(view, {"reason": reason, "effective": "2026-11-23"}, user=user)


def concurrent_clicks(slack: SlackDriver, post: Any, users: tuple[str, ...]) -> list[Reply]:
    barrier = threading.Barrier(len(users))
    replies: list[Reply] = []

    def click(user: str) -> None:
        barrier.wait()
        replies.append(slack.click(post.args["blocks"], "approval_approve", user=user, message_ts=post.response["ts"]))

    threads = [threading.Thread(target=click, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return replies


def test_a_supervisor_hands_over_every_customer_after_approval(slack: SlackDriver, bot: Bot,
                                                               book: dict[str, int]) -> None:
    view = slack.open_modal("/followup", "handover @U0REP1 @U0REP2", user=SUP)
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    for number in ("CL2026001", "CL2026002", "CL2026003"):
        assert number in shown, number
    assert "CL2026004" not in shown  # REP2's own customer is not part of it
    for fact in ("Wang Wei", "next step", "due items: 1", "open issues: 1", ":warning: warning",
                 "every one of them (3) moves to <@U0REP2>"):
        assert fact in shown, fact
    assert not any(private in shown for private in PRIVATE)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["reason", "effective"]
    assert view["blocks"][-1]["element"]["initial_date"] == "2026-11-23"

    reply = slack.submit(view, {"reason": "Leaving the company", "effective": "2026-11-23"}, user=SUP)
    assert (reply.status, reply.body) == (200, "")
    assert "sent to the supervisors' channel for approval" in slack.fake.wait_for("response_url")[0].args["text"]
    post = wait_post(slack, "Handover request")
    text = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "<@U0REP1> → <@U0REP2>" in text and "Leaving the company" in text and "3 (CL2026001" in text
    assert not any(private in text for private in PRIVATE)
    bot.executor.wait_idle()
    assert set(owners(bot).values()) == {REP, REP2} and owners(bot)["CL2026001"] == REP  # nothing moved yet
    assert count(bot, OwnershipChange) == 0

    replies = concurrent_clicks(slack, post, (SUP, ADMIN))
    assert [r.status for r in replies] == [200, 200]
    slack.fake.wait_for("response_url", count=2)  # the losing click is told who decided
    bot.executor.wait_idle()
    assert len(slack.fake.calls_to("chat.update")) == 1 and "Approved" in str(slack.fake.calls_to("chat.update"))
    assert count(bot, OwnershipChange) == 3 and count(bot, AuditEntry, AuditEntry.action == "handover.apply") == 1
    assert owners(bot) == {"CL2026001": REP2, "CL2026002": REP2, "CL2026003": REP2, "CL2026004": REP2}
    with bot.db.read() as session:
        history = session.scalars(select(OwnershipChange)).all()
        assert {(h.from_owner, h.to_owner, h.effective_on.isoformat()) for h in history} == {
            (REP, REP2, "2026-11-23")}
        assert {h.approved_by for h in history} <= {SUP, ADMIN} and len({h.approved_by for h in history}) == 1
        assert session.scalar(select(DueItem.owner_id)) == REP2
        assert session.scalar(select(FollowUp.next_step_owner)) == REP2
        assert session.scalar(select(Handover.state)) == "approved"
    successor = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP2
                                    and "handover" in a["text"])[0].args["text"]
    assert "CL2026001, CL2026002, CL2026003" in successor
    assert "approved the handover of your customers to <@U0REP2>" in slack.fake.wait_for(
        "chat.postMessage", predicate=lambda a: a["channel"] == REP and "handover" in a["text"])[0].args["text"]

    # The successor sees and is reminded of everything; the leaver sees nothing.
    assert "Acme Ltd" in str(slack.slash("/followup", "show CL2026001", user=REP2).json["blocks"])
    assert slack.slash("/followup", "show CL2026001", user=REP).json["text"] == (
        "No customer you can see matches “CL2026001”.")
    assert "Acme Ltd" not in json.dumps(slack.slash("/followup", "find Acme", user=REP).json)
    bot.clock.set(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday 09:00 in Shanghai
    daily_due_lists(bot.runtime, bot.clock.now)
    drain(bot.runtime, max_wait=timedelta(minutes=5))
    digest = [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == REP2
              and "CL2026002" in json.dumps(c.args.get("blocks"))]
    assert digest and all(n in json.dumps(digest[-1].args["blocks"]) for n in ("CL2026001", "CL2026003"))
    assert not [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == REP
                and "CL2026001" in json.dumps(c.args.get("blocks"))]
    awaiting = handed_over_awaiting_contact(bot.runtime, now=bot.clock.now, successor=REP2)
    assert [a.number for a in awaiting] == ["CL2026001", "CL2026002", "CL2026003"]


def test_a_rejected_handover_moves_nothing(slack: SlackDriver, bot: Bot, book: dict[str, int]) -> None:
    request_handover(slack)
    post = wait_post(slack, "Handover request")
    reason = slack.click_to_open(post.args["blocks"], "approval_reject", user=SUP, message_ts=post.response["ts"])
    assert slack.submit(reason, {"reason": "REP2 is on leave"}, user=SUP).body == ""
    bot.executor.wait_idle()
    assert owners(bot)["CL2026001"] == REP and count(bot, OwnershipChange) == 0
    with bot.db.read() as session:
        assert session.scalar(select(Handover.state)) == "rejected"


REFUSALS = [
    (REP, "handover @U0REP1 @U0REP2", "Only a supervisor or an admin can hand customers over"),
    (SUPW, "handover @U0REP1 @U0REP2", "<@U0REP1> owns no customers you can hand over"),
    (SUP, "handover @U0REP1 @U0REPW", "<@U0REPW> cannot take over: the successor must be an active member of East"),
    (SUP, "handover @U0REP1 @U0NOBODY7", "<@U0NOBODY7> cannot take over"),
    (SUP, "handover @U0NOBODY7 @U0REP2", "<@U0NOBODY7> owns no customers you can hand over"),
    (SUP, "handover @U0REP1 @U0REP1", "<@U0REP1> cannot take over their own customers"),
    ("U0STRANGER", "handover @U0REP1 @U0REP2", "ask an admin to add you"),
    (SUP, "handover U0REP1 U0REP2", "Usage: `/followup handover @from @to`"),
    (SUP, "handover @U0REP1", "Usage: `/followup handover @from @to`"),
    (SUP, "handover @U0REP1 @U0REP2 CL2026004", "Not customers of <@U0REP1> in this team: CL2026004"),
    (SUP, "handover @U0REP1 @U0REP2 <!channel>", "is not a customer number"),
]


@pytest.mark.parametrize(("user", "text", "answer"), REFUSALS, ids=[f"{u}:{t}" for u, t, _ in REFUSALS])
def test_refusals_are_one_line_and_store_nothing(slack: SlackDriver, bot: Bot, book: dict[str, int], user: str,
                                                 text: str, answer: str) -> None:
    before = owners(bot)
    reply = slack.slash("/followup", text, user=user)
    assert reply.status == 200 and reply.json["response_type"] == "ephemeral"
    assert answer in reply.json["text"] and "\n" not in reply.json["text"]
    assert "<!channel>" not in reply.json["text"]
    bot.executor.wait_idle()
    assert not slack.fake.calls_to("views.open")
    assert count(bot, Handover) == 0 and count(bot, OwnershipChange) == 0
    assert count(bot, ApprovalRequest, ApprovalRequest.kind == "handover") == 0
    assert owners(bot) == before


def test_a_refusal_when_the_modal_is_submitted_stores_nothing(slack: SlackDriver, bot: Bot,
                                                              book: dict[str, int]) -> None:
    view = slack.open_modal("/followup", "handover @U0REP1 @U0REP2", user=SUP)
    forged = json.loads(view["private_metadata"]) | {"to_user": "U0REPW"}
    reply = slack.submit({**view, "private_metadata": json.dumps(forged)}, {"reason": "x", "effective": "2026-11-23"},
                         user=SUP)
    assert reply.json["response_action"] == "errors" and "successor must be" in reply.json["errors"]["reason"]
    reply = slack.submit(view, {"reason": "", "effective": "2027-06-01"}, user=SUP)
    assert set(reply.json["errors"]) == {"reason", "effective"}
    assert count(bot, Handover) == 0 and count(bot, ApprovalRequest, ApprovalRequest.kind == "handover") == 0


def test_a_partial_handover_moves_only_the_named_customers(slack: SlackDriver, bot: Bot,
                                                           book: dict[str, int]) -> None:
    view, reply = request_handover(slack, "handover @U0REP1 @U0REP2 CL2026002, CL2026003")
    shown = json.dumps(view["blocks"])
    assert "Only these customers (2)" in shown and "CL2026001" not in shown
    post = wait_post(slack, "Handover request")
    slack.click(post.args["blocks"], "approval_approve", user=SUP, message_ts=post.response["ts"])
    bot.executor.wait_idle()
    assert owners(bot) == {"CL2026001": REP, "CL2026002": REP2, "CL2026003": REP2, "CL2026004": REP2}
    with bot.db.read() as session:
        assert session.scalar(select(DueItem.owner_id)) == REP  # Acme's item stays with Acme's owner


def test_the_list_of_a_rep_with_many_customers_is_cut_and_says_all_move(slack: SlackDriver, bot: Bot) -> None:
    from bench.handover import add_customers

    with bot.db.write() as session:
        add_customers(session, bot.runtime, owner=REP, team_id=bot.runtime.team_ids["East China"], count=2000,
                      followups_each=0, now=bot.clock.now)
    started = time.perf_counter()
    view = slack.open_modal("/followup", "handover @U0REP1 @U0REP2", user=SUP)
    assert time.perf_counter() - started < 3
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert len(view["blocks"]) <= 100 and "Listed: 100 of 2,000" in shown and "All 2,000 move" in shown
    assert "every one of them (2,000)" in shown


# Deactivation -------------------------------------------------------------------------------------------------


def user_change(slack: SlackDriver, user: str, *, deleted: bool, event_id: str) -> Reply:
    profile = {**slack.fake.users[user], "deleted": deleted}
    return slack.event({"type": "user_change", "user": profile, "cache_ts": int(time.time()),
                        "event_ts": f"{time.time():.6f}"}, event_id=event_id)


def choose_successor(slack: SlackDriver, post: Any, successor: str, *, user: str = SUP) -> Reply:
    block = next(b for b in post.args["blocks"] if b.get("type") == "actions")
    payload = {
        "type": "block_actions", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": post.response["ts"], "channel_id": "C0EAST"},
        "trigger_id": slack.fake.issue_trigger_id(), "channel": {"id": "C0EAST"},
        "message": {"type": "message", "ts": post.response["ts"], "blocks": post.args["blocks"]},
        "response_url": slack.fake.new_response_url(),
        "actions": [{"type": "users_select", "action_id": "handover_successor", "block_id": block["block_id"],
                     "selected_user": successor, "action_ts": str(time.time())}],
    }
    return slack.post_payload(payload)


@pytest.fixture
def deactivated(slack: SlackDriver, bot: Bot, book: dict[str, int]) -> Any:
    slack.fake.add_user(REP, deleted=True)
    try:
        yield REP
    finally:
        slack.fake.add_user(REP, tz="Asia/Shanghai")


def test_a_deactivated_rep_gets_one_draft_and_a_successor_makes_it_a_request(
        slack: SlackDriver, bot: Bot, deactivated: str) -> None:
    before = dms_to(slack, REP)  # the lead confirmations of the setup, sent while the account was active
    for event_id in ("Ev1", "Ev1", "Ev2"):  # Slack's retry, then the same change reported again
        assert user_change(slack, REP, deleted=True, event_id=event_id).status == 200
    draft = wait_post(slack, "Handover needed")
    bot.executor.wait_idle()
    assert deactivation_drafts(bot.runtime, bot.clock.now) == 0  # the duty finds the draft there
    drain(bot.runtime, max_wait=timedelta(seconds=5))
    assert len(channel_posts(slack, "Handover needed")) == 1
    body = json.dumps(draft.args["blocks"])
    assert "<@U0REP1>'s Slack account is deactivated" in body and "*Customers:* 3" in body
    assert '"type": "users_select"' in body
    assert owners(bot)["CL2026001"] == REP

    assert choose_successor(slack, draft, REPW).status == 200  # outside the team: refused, nothing stored
    assert "successor must be an active member" in slack.fake.wait_for("response_url")[-1].args["text"]
    assert count(bot, ApprovalRequest, ApprovalRequest.kind == "handover") == 0
    assert choose_successor(slack, draft, REP2, user=REP2).status == 200  # a rep may not choose
    assert "Only a supervisor or an admin" in slack.fake.wait_for("response_url", count=2)[-1].args["text"]

    assert choose_successor(slack, draft, REP2).status == 200
    post = wait_post(slack, "Handover request")
    assert "Slack account deactivated" in json.dumps(post.args["blocks"])
    pending = slack.fake.wait_for("chat.update", predicate=lambda a: a["ts"] == draft.response["ts"])[-1].args
    assert "chose <@U0REP2> as successor" in json.dumps(pending["blocks"]) and "users_select" not in str(pending)
    assert owners(bot)["CL2026001"] == REP  # nothing moves before approval
    slack.click(post.args["blocks"], "approval_approve", user=SUP, message_ts=post.response["ts"])
    slack.fake.wait_for("chat.update", predicate=lambda a: a["ts"] == draft.response["ts"]
                        and "Handed over to" in json.dumps(a["blocks"]))
    bot.executor.wait_idle()
    assert {owners(bot)[n] for n in ("CL2026001", "CL2026002", "CL2026003")} == {REP2}

    # No DM of any kind reaches the deactivated account, whatever is decided for them.
    bot.clock.set(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    daily_due_lists(bot.runtime, bot.clock.now)
    with bot.db.write() as session:  # even a DM queued by mistake is refused by the outbox
        session.add(OutboxMessage(key="test:dm-to-the-leaver", method="chat.postMessage", channel=REP,
                                  payload={"text": "hello"}, state="pending", attempts=0, created_at=DEFAULT_NOW,
                                  not_before=DEFAULT_NOW))
    drain(bot.runtime, max_wait=timedelta(minutes=5))
    assert dms_to(slack, REP) == before
    with bot.db.read() as session:
        assert session.scalar(select(OutboxMessage.state).where(OutboxMessage.key == "test:dm-to-the-leaver")) == (
            "skipped")


def test_reactivation_cancels_an_undecided_draft(slack: SlackDriver, bot: Bot, deactivated: str) -> None:
    user_change(slack, REP, deleted=True, event_id="Ev1")
    draft = wait_post(slack, "Handover needed")
    slack.fake.add_user(REP, tz="Asia/Shanghai")
    user_change(slack, REP, deleted=False, event_id="Ev2")
    update = slack.fake.wait_for("chat.update", predicate=lambda a: a["ts"] == draft.response["ts"])[-1].args
    assert "Cancelled: <@U0REP1>'s account is active again" in json.dumps(update["blocks"])
    assert "users_select" not in json.dumps(update["blocks"])
    bot.executor.wait_idle()
    with bot.db.read() as session:
        assert session.scalar(select(Handover.state)) == "cancelled"
    assert choose_successor(slack, draft, REP2).status == 200
    assert "already decided or cancelled" in slack.fake.wait_for("response_url")[-1].args["text"]
    assert owners(bot)["CL2026001"] == REP and count(bot, ApprovalRequest, ApprovalRequest.kind == "handover") == 0


def test_the_duty_finds_a_deactivation_through_users_info(slack: SlackDriver, bot: Bot, deactivated: str) -> None:
    before = dms_to(slack, REP)
    bot.clock.set(DEFAULT_NOW + timedelta(days=1))  # the cached profile is stale: users.info is asked
    assert deactivation_drafts(bot.runtime, bot.clock.now) == 1
    assert deactivation_drafts(bot.runtime, bot.clock.now) == 0
    drain(bot.runtime, max_wait=timedelta(seconds=5))
    assert len(channel_posts(slack, "Handover needed")) == 1
    assert dms_to(slack, REP) == before


def test_a_forged_picker_is_out_of_date(slack: SlackDriver, bot: Bot, deactivated: str) -> None:
    user_change(slack, REP, deleted=True, event_id="Ev1")
    draft = wait_post(slack, "Handover needed")
    forged = {**draft.args, "blocks": [{**b, "block_id": "handover_draft_abc"} if b.get("type") == "actions" else b
                                       for b in draft.args["blocks"]]}
    post = type("Post", (), {"args": forged, "response": draft.response})()
    assert choose_successor(slack, post, REP2).status == 200
    assert "out of date" in slack.fake.wait_for("response_url")[-1].args["text"]
    assert count(bot, ApprovalRequest, ApprovalRequest.kind == "handover") == 0


# /followup text as Slack escapes it -----------------------------------------------------------------------------


def test_quick_entry_keeps_what_the_user_typed(slack: SlackDriver, bot: Bot) -> None:
    make_customer(bot, REP, "Acme Ltd")
    typed = ("CL2026001 called about R&D, <5 units, see http://x.io/a?b=1&c=2 and ask @U0ADMIN; "
             "next: call back tomorrow")
    assert "R&amp;D" in slack_escaped(typed) and "<@U0ADMIN|u0admin>" in slack_escaped(typed)
    reply = slack.slash("/followup", typed, user=REP)
    assert reply.status == 200
    bot.executor.wait_idle()
    with bot.db.read() as session:
        notes = session.scalar(select(FollowUp.notes))
    assert notes == "called about R&D, <5 units, see http://x.io/a?b=1&c=2 and ask @u0admin"
    confirmation = json.dumps(slack.fake.wait_for("response_url")[0].args, ensure_ascii=False)
    card = json.dumps(slack.slash("/followup", "show CL2026001", user=REP).json, ensure_ascii=False)
    assert "R&amp;D, &lt;5 units" in card and "@u0admin" in card
    for shown in (confirmation, card):  # the owner's mention is the bot's own; nothing typed became markup
        assert "<@U0ADMIN" not in shown and "<!" not in shown and "<http" not in shown


def test_find_and_pause_see_what_the_user_typed(slack: SlackDriver, bot: Bot) -> None:
    make_customer(bot, REP, "R&D <Labs> Ltd")
    found = slack.slash("/followup", "find R&D <Labs>", user=REP).json
    assert "R&amp;D &lt;Labs&gt; Ltd" in json.dumps(found["blocks"])
    paused = slack.slash("/followup", "pause CL2026001 budget <frozen> & @here", user=REP).json["text"]
    assert "budget &lt;frozen&gt; &amp; @here" in paused and "<!here>" not in paused
    with bot.db.read() as session:
        assert session.scalar(select(Customer.pause_reason)) == "budget <frozen> & @here"


# Four weeks of attention, and "needs a new owner" on the supervisor's Home ----------------------------


def approve_handover(slack: SlackDriver, bot: Bot) -> None:
    request_handover(slack)
    post = wait_post(slack, "Handover request")
    slack.click(post.args["blocks"], "approval_approve", user=SUP, message_ts=post.response["ts"])
    bot.executor.wait_idle()
    assert owners(bot)["CL2026001"] == REP2


def weekly_at(slack: SlackDriver, bot: Bot, monday_0900_shanghai: datetime) -> tuple[str, dict[str, str]]:
    """Run the weekly digest at that Monday; the team digest's text and each successor DM's text."""
    before = len(slack.fake.calls_to("chat.postMessage"))
    bot.clock.set(monday_0900_shanghai)
    weekly_digests(bot.runtime, bot.clock.now)
    drain(bot.runtime, max_wait=timedelta(minutes=5))
    posts = slack.fake.calls_to("chat.postMessage")[before:]
    team = "".join(json.dumps(p.args.get("blocks"), ensure_ascii=False) for p in posts if p.args["channel"] == "C0EAST")
    dms = {p.args["channel"]: json.dumps(p.args.get("blocks"), ensure_ascii=False) for p in posts
           if p.args["channel"].startswith("U") and "Handed over to you" in p.args["text"]}
    return team, dms


def handed_over_lines(text: str) -> list[str]:
    return re.findall(r"\*(CL\d+)\* [^\n]*? <@U0REP1> → <@U0REP2>", text)


def test_four_weeks_the_digests_list_handed_over_customers_not_yet_contacted(
        slack: SlackDriver, bot: Bot, book: dict[str, int]) -> None:
    approve_handover(slack, bot)  # effective Monday 2026-11-23
    team, dms = weekly_at(slack, bot, datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    assert "Handed over, not contacted yet by the successor:* 3" in team
    assert handed_over_lines(team) == ["CL2026001", "CL2026002", "CL2026003"]
    assert list(dms) == [REP2] and all(n in dms[REP2] for n in ("CL2026001", "CL2026002", "CL2026003"))
    assert not any(private in team + dms[REP2] for private in PRIVATE)

    log_followup(bot, REP2, book["Acme Ltd"], at=bot.clock.now + timedelta(hours=1))
    team, dms = weekly_at(slack, bot, datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    assert "not contacted yet by the successor:* 2" in team and handed_over_lines(team) == ["CL2026002", "CL2026003"]
    assert "CL2026001" not in dms[REP2]
    assert "CL2026002" in dms[REP2] and "CL2026003" in dms[REP2]

    again, repeated = weekly_at(slack, bot, datetime(2026, 12, 7, 1, 0, tzinfo=UTC))  # the duty runs twice
    assert again == "" and repeated == {}

    team, dms = weekly_at(slack, bot, datetime(2026, 12, 28, 1, 0, tzinfo=UTC))  # four weeks are over
    assert "Handed over" not in team and dms == {}


def test_customers_of_a_deactivated_rep_need_a_new_owner_on_the_supervisors_home(
        slack: SlackDriver, bot: Bot, deactivated: str) -> None:
    assert user_change(slack, REP, deleted=True, event_id="EvHome").status == 200
    wait_post(slack, "Handover needed")

    def home_of(user: str) -> str:
        before = len(slack.fake.calls_to("views.publish"))
        slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
                    event_id=f"EvHome{user}{before}")
        return json.dumps(slack.fake.wait_for("views.publish", count=before + 1)[-1].args["view"], ensure_ascii=False)

    home = home_of(SUP)
    assert "Needs a new owner:* 3" in home and all(n in home for n in ("CL2026001", "CL2026002", "CL2026003"))
    assert "CL2026004" not in home.split("Needs a new owner")[1].split("Showing")[0]
    assert "Needs a new owner" not in home_of(SUPW)  # the other team's supervisor
    assert "Needs a new owner" not in home_of(REP2)  # a rep
