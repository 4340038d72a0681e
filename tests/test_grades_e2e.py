"""Grades: propose from Slack, approve or reject from the supervisor channel, quarterly re-grade."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.grades import create_regrade_items
from storage.models import ApprovalRequest, Customer, DueItem, GradeChange
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver

REP, OTHER_REP, SUPERVISOR, WEST_SUPERVISOR, ADMIN = "U0REP1", "U0REP2", "U0SUPEAST", "U0SUPWEST", "U0ADMIN"


@pytest.fixture
def acme(bot: Bot) -> int:
    return make_customer(bot, REP, "Acme Ltd")


def customer(bot: Bot, customer_id: int) -> Customer:
    with bot.db.read() as session:
        found = session.get(Customer, customer_id)
        assert found is not None
        return found


def history(bot: Bot) -> list[GradeChange]:
    with bot.db.read() as session:
        return list(session.scalars(select(GradeChange).order_by(GradeChange.id)))


def grade_requests(bot: Bot) -> list[ApprovalRequest]:
    with bot.db.read() as session:
        return list(session.scalars(select(ApprovalRequest).where(ApprovalRequest.kind == "grade")
                                    .order_by(ApprovalRequest.id)))


def propose(slack: SlackDriver, values: dict[str, Any], user: str = REP, reference: str = "CL2026001") -> Any:
    view = slack.open_modal("/followup", f"grade {reference}", user=user)
    return slack.submit(view, values, user=user)


def channel_posts(slack: SlackDriver, count: int) -> list[Any]:
    return slack.fake.wait_for("chat.postMessage", count=count, predicate=lambda a: a["channel"] == "C0EAST")


def test_propose_then_approve(slack: SlackDriver, bot: Bot, acme: int) -> None:
    reply = propose(slack, {"grade": "B", "annual_purchase": "250,000", "potential": "3"})
    assert reply.status == 200 and reply.body == ""
    assert "Grade B for *CL2026001* · Acme Ltd sent to your supervisors" in slack.fake.wait_for(
        "response_url")[0].args["text"]
    post = channel_posts(slack, 2)[1]
    text = str(post.args["blocks"])
    for shown in ("Grade proposal", "CL2026001", "— → B", "250,000 CNY", "3/5", "Suggested by the thresholds:* B"):
        assert shown in text, shown
    assert customer(bot, acme).grade is None
    slack.click(post.args["blocks"], "approval_approve", user=SUPERVISOR, message_ts=post.response["ts"])
    update = slack.fake.wait_for("chat.update")[0].args
    assert "Approved" in str(update["blocks"]) and update["ts"] == post.response["ts"]
    dm = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "approved grade B"
                             in a["text"])
    assert dm
    found = customer(bot, acme)
    assert (found.grade, found.annual_purchase, found.potential) == ("B", 250_000, 3)
    [change] = history(bot)
    assert (change.from_grade, change.to_grade, change.proposed_by, change.approved_by) == (None, "B", REP, SUPERVISOR)
    assert change.decided_at == bot.clock.now and change.suggested_grade == "B"


def test_propose_then_reject_keeps_the_old_grade(slack: SlackDriver, bot: Bot, acme: int) -> None:
    propose(slack, {"grade": "C", "annual_purchase": "60000", "potential": "2"}, user=SUPERVISOR)
    assert customer(bot, acme).grade == "C"
    propose(slack, {"grade": "A", "annual_purchase": "600000", "potential": "4"})
    post = channel_posts(slack, 2)[1]
    slack.click(post.args["blocks"], "approval_reject", user=SUPERVISOR, message_ts=post.response["ts"])
    reason_view = slack.opened_view(3)
    slack.submit(reason_view, {"reason": "Their budget is frozen this year"}, user=SUPERVISOR)
    slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and "rejected grade A" in a["text"])
    assert customer(bot, acme).grade == "C"
    assert [(h.to_grade, h.proposed_by, h.approved_by) for h in history(bot)] == [("C", SUPERVISOR, SUPERVISOR)]
    assert grade_requests(bot)[0].state == "rejected"


def test_a_supervisor_grades_directly(slack: SlackDriver, bot: Bot, acme: int) -> None:
    propose(slack, {"grade": "A", "annual_purchase": "25万", "potential": "5", "reason": "Strategic account"},
            user=SUPERVISOR)
    assert "is now grade A" in slack.fake.wait_for("response_url")[0].args["text"]
    assert customer(bot, acme).grade == "A" and grade_requests(bot) == []
    [change] = history(bot)
    assert (change.proposed_by, change.approved_by, change.annual_purchase) == (SUPERVISOR, SUPERVISOR, 250_000)


def test_proposing_again_replaces_the_open_proposal(slack: SlackDriver, bot: Bot, acme: int) -> None:
    propose(slack, {"grade": "C", "annual_purchase": "60000", "potential": "2"})
    first = channel_posts(slack, 2)[1]
    propose(slack, {"grade": "B", "annual_purchase": "210000", "potential": "2"})
    second = channel_posts(slack, 3)[2]
    assert "Replaces the earlier open proposal" in str(second.args["blocks"])
    assert "It replaces your earlier open proposal" in slack.fake.wait_for("response_url", count=2)[1].args["text"]
    update = slack.fake.wait_for("chat.update")[0].args
    assert update["ts"] == first.response["ts"] and "Replaced by a newer request" in str(update["blocks"])
    assert [r.state for r in grade_requests(bot)] == ["superseded", "pending"]
    slack.click(first.args["blocks"], "approval_approve", user=SUPERVISOR, message_ts=first.response["ts"])
    assert "Already decided: replaced by a newer request" in slack.fake.wait_for("response_url", count=3)[2].args["text"]
    assert customer(bot, acme).grade is None


def test_two_proposals_at_the_same_moment_leave_one_open(slack: SlackDriver, bot: Bot, acme: int) -> None:
    views = [slack.open_modal("/followup", "grade CL2026001", user=REP) for _ in range(2)]
    barrier = threading.Barrier(2)
    replies: list[Any] = []

    def submit(view: dict[str, Any], grade: str) -> None:
        barrier.wait()
        replies.append(slack.submit(view, {"grade": grade, "annual_purchase": "250,000", "potential": "3",
                                           "reason": "Their budget is frozen"}, user=REP))

    threads = [threading.Thread(target=submit, args=(view, grade)) for view, grade in zip(views, "BC", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [(r.status, r.body) for r in replies] == [(200, ""), (200, "")]
    assert sorted(r.state for r in grade_requests(bot)) == ["pending", "superseded"]


@pytest.mark.parametrize("intruder", [REP, OTHER_REP, WEST_SUPERVISOR])
def test_only_the_teams_supervisors_approve(slack: SlackDriver, bot: Bot, acme: int, intruder: str) -> None:
    propose(slack, {"grade": "B", "annual_purchase": "250000", "potential": "3"})
    post = channel_posts(slack, 2)[1]
    slack.click(post.args["blocks"], "approval_approve", user=intruder, message_ts=post.response["ts"])
    refusal = slack.fake.wait_for("response_url", count=2)[1].args
    assert "Only a supervisor of East China or an admin can decide this" in refusal["text"]
    bot.executor.wait_idle()
    assert customer(bot, acme).grade is None and grade_requests(bot)[0].state == "pending"


def test_double_approval_is_one_decision(slack: SlackDriver, bot: Bot, acme: int) -> None:
    propose(slack, {"grade": "B", "annual_purchase": "250000", "potential": "3"})
    post = channel_posts(slack, 2)[1]
    for user in (SUPERVISOR, ADMIN, SUPERVISOR):
        slack.click(post.args["blocks"], "approval_approve", user=user, message_ts=post.response["ts"])
    slack.fake.wait_for("response_url", count=3)
    bot.executor.wait_idle()
    assert len(history(bot)) == 1 and len(slack.fake.calls_to("chat.update")) == 1


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"grade": "A", "annual_purchase": "100000", "potential": "3"}, {"reason": "The suggested grade is C"}),
        ({"grade": "B", "annual_purchase": "-5", "potential": "3"}, {"annual_purchase": "positive amount"}),
        ({"grade": "B", "annual_purchase": "lots", "potential": "3"}, {"annual_purchase": "positive amount"}),
        ({"grade": None, "annual_purchase": None, "potential": None},
         {"grade": "required", "annual_purchase": "required", "potential": "required"}),
    ],
)
def test_bad_proposals(slack: SlackDriver, bot: Bot, acme: int, values: dict, errors: dict) -> None:
    answer = propose(slack, values).json
    assert answer["response_action"] == "errors" and set(answer["errors"]) == set(errors)
    for field, words in errors.items():
        assert words in answer["errors"][field]
    assert grade_requests(bot) == []


def test_the_suggestion_follows_what_the_rep_types(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "grade CL2026001", user=REP)
    assert "Type the annual purchase" in str(view["blocks"])
    slack.act_in_view(view, "annual_purchase", {"annual_purchase": "499999", "potential": "3", "grade": "A"}, user=REP)
    updated = slack.fake.wait_for("views.update")[0].args["view"]
    suggestion = next(b for b in updated["blocks"] if b.get("block_id") == "grade_suggestion")
    assert "Suggested grade: *B*" in str(suggestion) and "differs from the suggestion" in str(suggestion)
    view = slack.fake.views[view["id"]]
    slack.act_in_view(view, "annual_purchase", {"annual_purchase": "500000", "potential": "3", "grade": "A"}, user=REP)
    updated = slack.fake.wait_for("views.update", count=2)[1].args["view"]
    suggestion = next(b for b in updated["blocks"] if b.get("block_id") == "grade_suggestion")
    assert "Suggested grade: *A*" in str(suggestion) and "differs" not in str(suggestion)


def test_propose_grade_from_the_customer_card(slack: SlackDriver, bot: Bot, acme: int) -> None:
    card = slack.slash("/followup", "show CL2026001", user=REP).json
    slack.click(card["blocks"], "grade_propose", user=REP, channel="C0GENERAL")
    assert slack.opened_view(1)["title"]["text"] == "Propose grade"


def test_a_hidden_customer_cannot_be_graded(slack: SlackDriver, bot: Bot, acme: int) -> None:
    assert slack.slash("/followup", "grade CL2026001", user=OTHER_REP).json["text"] == \
        "No customer you can see matches “CL2026001”."


def graded(bot: Bot, owner: str, company: str, grade: str, at: datetime) -> int:
    customer_id = make_customer(bot, owner, company)
    with bot.db.write() as session:
        session.add(GradeChange(customer_id=customer_id, to_grade=grade, proposed_by=owner, approved_by=owner,
                                decided_at=at))
        session.get(Customer, customer_id).grade = grade
    return customer_id


def test_quarterly_regrade_items_follow_each_teams_time_zone(bot: Bot) -> None:
    autumn = datetime(2026, 10, 15, tzinfo=UTC)
    east = graded(bot, REP, "Acme Ltd", "B", autumn)
    west = graded(bot, "U0REPW", "Globex", "C", autumn)
    graded(bot, REP, "Initech", "A", datetime(2027, 1, 1, 12, tzinfo=UTC))  # graded in the new quarter
    make_customer(bot, REP, "Ungraded Co")
    # 31 Dec 16:30 UTC: already 1 Jan 00:30 in Shanghai, still 31 Dec 08:30 in Los Angeles.
    new_year_in_shanghai = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert create_regrade_items(bot.runtime, new_year_in_shanghai) == 1
    assert create_regrade_items(bot.runtime, new_year_in_shanghai) == 0, "idempotent"
    with bot.db.read() as session:
        items = list(session.scalars(select(DueItem)))
    assert [(i.customer_id, i.owner_id, i.kind, i.note) for i in items] == [(east, REP, "regrade", "2027Q1")]
    assert items[0].due_at == datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    # Eight hours later it is New Year's Day in Los Angeles too.
    assert create_regrade_items(bot.runtime, datetime(2027, 1, 1, 8, 30, tzinfo=UTC)) == 1
    with bot.db.read() as session:
        assert {i.customer_id for i in session.scalars(select(DueItem))} == {east, west}
    # Catch-up within the first week of the quarter, nothing after it.
    assert create_regrade_items(bot.runtime, datetime(2027, 1, 20, tzinfo=UTC)) == 0
