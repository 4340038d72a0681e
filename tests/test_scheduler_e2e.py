"""Scheduled duties at chosen instants, with the fake Slack: who gets what, once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.scheduler import run_once
from bot.services.duties import run_duties
from storage.models import Customer, OutboxMessage
from tests.conftest import Bot
from tests.factories import log_followup, make_customer, set_grade
from tests.slackdriver import SlackDriver

REP, OTHER_REP, REPW, SUPERVISOR = "U0REP1", "U0REP2", "U0REPW", "U0SUPEAST"
# Monday 23 Nov 2026: 09:00 in Shanghai is 01:00 UTC; 09:00 in Los Angeles is 17:00 UTC.
MONDAY_0900_SHANGHAI = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
MONDAY_0900_LA = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def dms(slack: SlackDriver, user: str) -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == user and c.ok]


def digests(slack: SlackDriver, user: str) -> list[Any]:
    return [c for c in dms(slack, user) if c.args["text"].startswith("Your follow-ups")]


def posts(slack: SlackDriver, channel: str, words: str) -> list[Any]:
    return [c for c in slack.fake.calls_to("chat.postMessage")
            if c.args["channel"] == channel and words in c.args["text"] and c.ok]


def run_at(bot: Bot, instant: datetime) -> dict[str, int]:
    bot.clock.set(instant)
    decided, _ = run_once(bot.runtime)
    return decided


def snooze_from_monday_due_list(slack: SlackDriver, bot: Bot) -> dict[str, Any]:
    """Monday 09:00's due list reaches REP, who clicks Snooze on it: the modal that opens."""
    run_at(bot, MONDAY_0900_SHANGHAI)
    digest = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == REP and
                                 a["text"].startswith("Your follow-ups"))[0]
    return slack.click_to_open(digest.args["blocks"], "due_snooze", user=REP, channel="DU0REP1",
                               message_ts=digest.response["ts"])


@pytest.fixture
def book(bot: Bot, slack: SlackDriver) -> dict[str, int]:
    """REP1 (Shanghai): one overdue, one due today, one in 2 days, one next week. REPW (Los Angeles): one overdue."""
    start = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    bot.clock.set(start)
    ids = {
        "overdue": make_customer(bot, REP, "Overdue Co"),
        "today": make_customer(bot, REP, "Today Co"),
        "soon": make_customer(bot, REP, "Soon Co"),
        "later": make_customer(bot, REP, "Later Co"),
        "west": make_customer(bot, REPW, "West Co", industry="Information Technology"),
    }
    for name in ids:
        set_grade(bot, ids[name], "B")  # weekly
    log_followup(bot, REP, ids["overdue"], at=datetime(2026, 11, 12, 2, tzinfo=UTC))   # due Thu 19 Nov
    log_followup(bot, REP, ids["today"], at=datetime(2026, 11, 16, 2, tzinfo=UTC))     # due Mon 23 Nov
    log_followup(bot, REP, ids["soon"], at=datetime(2026, 11, 18, 2, tzinfo=UTC))      # due Wed 25 Nov
    log_followup(bot, REP, ids["later"], at=datetime(2026, 11, 22, 2, tzinfo=UTC))     # due Sun 29 → Mon 30 Nov
    log_followup(bot, REPW, ids["west"], at=datetime(2026, 11, 10, 20, tzinfo=UTC))
    slack.fake.reset()
    return ids


def test_daily_due_lists_go_at_nine_in_each_reps_time_zone(slack: SlackDriver, bot: Bot, book: dict) -> None:
    run_at(bot, MONDAY_0900_SHANGHAI - timedelta(minutes=1))
    assert digests(slack, REP) == []
    run_at(bot, MONDAY_0900_SHANGHAI)
    [digest] = digests(slack, REP)
    text = str(digest.args["blocks"])
    assert "Overdue* (1)" in text and "Due today* (1)" in text and "Next 3 days* (1)" in text
    assert text.index("Overdue Co") < text.index("Today Co") < text.index("Soon Co") and "Later Co" not in text
    assert "B · Lead" in text and "every 7 days for grade B" in text
    assert [e["text"]["text"] for b in digest.args["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Log follow-up", "Snooze"] * 3
    assert digests(slack, OTHER_REP) == [], "nothing due: no DM"
    assert digests(slack, REPW) == [], "Sunday evening in Los Angeles"
    run_at(bot, MONDAY_0900_SHANGHAI + timedelta(hours=3))
    assert len(digests(slack, REP)) == 1, "one digest a day"
    run_at(bot, MONDAY_0900_LA)
    [west] = digests(slack, REPW)
    assert "West Co" in str(west.args["blocks"])
    assert not [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] in (SUPERVISOR, "U0ADMIN")]


def test_no_digest_on_a_public_holiday(slack: SlackDriver, bot: Bot, book: dict) -> None:
    run_at(bot, datetime(2027, 1, 1, 1, 0, tzinfo=UTC))  # New Year's Day in China, 09:00
    assert digests(slack, REP) == []
    run_at(bot, datetime(2027, 1, 4, 1, 0, tzinfo=UTC))  # Monday after
    assert len(digests(slack, REP)) == 1


def test_the_buttons_of_the_digest(slack: SlackDriver, bot: Bot, book: dict) -> None:
    run_at(bot, MONDAY_0900_SHANGHAI)
    blocks = digests(slack, REP)[0].args["blocks"]
    slack.click(blocks, "followup_log", user=REP, channel="DU0REP1")
    view = slack.opened_view(1)
    assert view["blocks"][0]["element"]["initial_option"]["value"] == str(book["overdue"])
    slack.click(blocks, "due_snooze", user=REP, channel="DU0REP1")
    snooze = slack.opened_view(2)
    assert slack.submit(snooze, {"until": "3d", "reason": ""}, user=REP).json["errors"] == {
        "reason": "This field is required."}
    slack.submit(snooze, {"until": "3d", "reason": "Customer travelling"}, user=REP)
    assert "Snoozed *CL2026001* · Overdue Co until Thu 26 Nov 2026, 09:00" in slack.fake.wait_for(
        "response_url")[0].args["text"]
    reply = slack.slash("/followup", "due", user=REP).json
    assert "Overdue Co" not in str(reply["blocks"]) and "Today Co" in str(reply["blocks"])


def test_followup_due_command(slack: SlackDriver, bot: Bot, book: dict) -> None:
    bot.clock.set(MONDAY_0900_SHANGHAI)
    reply = slack.slash("/followup", "due", user=REP).json
    assert reply["response_type"] == "ephemeral" and "Overdue* (1)" in str(reply["blocks"])
    assert "Nothing due" in str(slack.slash("/followup", "due", user=OTHER_REP).json["blocks"])


def test_long_lists_are_summarised_within_slacks_limits(slack: SlackDriver, bot: Bot) -> None:
    bot.clock.set(datetime(2026, 11, 10, 2, tzinfo=UTC))
    for i in range(30):
        make_customer(bot, REP, f"Client {i:02d}")  # never contacted: first contact overdue
    slack.fake.reset()
    run_at(bot, MONDAY_0900_SHANGHAI)
    [digest] = digests(slack, REP)
    assert len(digest.args["blocks"]) <= 50
    assert "and 15 more. Type `/followup due`" in str(digest.args["blocks"])


def test_deactivated_reps_get_nothing_and_their_supervisors_are_told_once(slack: SlackDriver, bot: Bot,
                                                                           book: dict) -> None:
    slack.fake.add_user(REP, tz="Asia/Shanghai", deleted=True)
    try:
        run_at(bot, MONDAY_0900_SHANGHAI)
        run_at(bot, MONDAY_0900_SHANGHAI + timedelta(days=1, hours=1))
    finally:
        slack.fake.add_user(REP, tz="Asia/Shanghai")
    assert digests(slack, REP) == []
    [draft] = posts(slack, "C0EAST", "U0REP1")  # told once: the handover draft (bot.services.handover)
    assert "Handover needed" in draft.args["text"]
    assert "<@U0REP1>'s Slack account is deactivated" in str(draft.args["blocks"]) and "*Customers:* 4" in str(
        draft.args["blocks"])
    assert "users_select" in str(draft.args["blocks"])


def test_next_step_chain_reminds_then_escalates(slack: SlackDriver, bot: Bot, book: dict) -> None:
    """The 24-hour grace and the 24 hours to escalation count working days: a step due Friday 15:00
    is reminded Monday 15:00 and escalated Tuesday 15:00, never on the weekend."""
    step = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # Friday 15:00 Shanghai
    log_followup(bot, REP, book["later"], at=datetime(2026, 11, 19, 2, tzinfo=UTC), next_step_at=step,
                 next_step="send proposal")
    slack.fake.reset()
    for saturday_or_sunday in (step + timedelta(hours=24), step + timedelta(hours=48)):
        run_at(bot, saturday_or_sunday)
    run_at(bot, step + timedelta(hours=71, minutes=59))
    assert not [c for c in dms(slack, REP) if "passed" in c.args["text"]]
    run_at(bot, step + timedelta(hours=72))  # Monday 15:00
    [reminder] = [c for c in dms(slack, REP) if "passed" in c.args["text"]]
    assert "“send proposal”, due Fri 20 Nov 2026, 15:00" in reminder.args["text"]
    run_at(bot, step + timedelta(hours=95))
    assert posts(slack, "C0EAST", "Missed next step") == []
    run_at(bot, step + timedelta(hours=96))  # Tuesday 15:00
    [escalation] = posts(slack, "C0EAST", "Missed next step")
    assert "owner <@U0REP1>" in escalation.args["text"] and "Rule: a planned next step" in escalation.args["text"]
    run_at(bot, step + timedelta(hours=108))
    assert len(posts(slack, "C0EAST", "Missed next step")) == 1
    assert len([c for c in dms(slack, REP) if "passed" in c.args["text"]]) == 1


def test_a_follow_up_in_time_stops_the_chain(slack: SlackDriver, bot: Bot, book: dict) -> None:
    step = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    log_followup(bot, REP, book["later"], at=datetime(2026, 11, 19, 2, tzinfo=UTC), next_step_at=step)
    run_at(bot, step + timedelta(hours=25))
    log_followup(bot, REP, book["later"], at=step + timedelta(hours=26))
    run_at(bot, step + timedelta(hours=49))
    assert posts(slack, "C0EAST", "Missed next step") == []


def test_uncontacted_lead_chain(slack: SlackDriver, bot: Bot) -> None:
    """A lead of Friday 10:00 is due for contact Saturday 10:00: the reminder waits for Monday 09:00
    (no scheduled DM on a weekend); the escalation comes 24 working hours after the deadline."""
    bot.clock.set(datetime(2026, 11, 20, 2, tzinfo=UTC))
    make_customer(bot, REP, "Fresh Lead")
    slack.fake.reset()
    run_at(bot, datetime(2026, 11, 21, 1, 59, tzinfo=UTC))
    run_at(bot, datetime(2026, 11, 21, 2, 0, tzinfo=UTC))  # Saturday 10:00: decided, held
    run_at(bot, datetime(2026, 11, 22, 2, 0, tzinfo=UTC))  # Sunday
    assert not [c for c in dms(slack, REP) if "has not been contacted" in c.args["text"]]
    assert posts(slack, "C0EAST", "First contact missed") == []
    run_at(bot, datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Monday 09:00 brings what the weekend held
    assert len([c for c in dms(slack, REP) if "has not been contacted" in c.args["text"]]) == 1
    assert posts(slack, "C0EAST", "First contact missed") == []
    run_at(bot, datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # Tuesday 00:00: 24 working hours
    [escalation] = posts(slack, "C0EAST", "First contact missed")
    assert "Rule: first contact within 24 h of assignment" in escalation.args["text"]
    assert len([c for c in dms(slack, REP) if "has not been contacted" in c.args["text"]]) == 1


@pytest.mark.parametrize(("days", "alerted"), [(14, False), (15, True)])
def test_a_customers_long_silence(slack: SlackDriver, bot: Bot, book: dict, days: int, alerted: bool) -> None:
    set_grade(bot, book["today"], "A")
    now = datetime(2026, 11, 16, 2, tzinfo=UTC) + timedelta(days=days)
    run_at(bot, now)
    run_at(bot, now)
    found = posts(slack, "C0EAST", "Long silence")
    assert len(found) == (1 if alerted else 0)
    if alerted:
        assert f"({days} days ago)" in found[0].args["text"] and "grade A" in found[0].args["text"]


def test_d_customers_over_contact(slack: SlackDriver, bot: Bot, book: dict) -> None:
    set_grade(bot, book["soon"], "D")
    log_followup(bot, REP, book["soon"], at=datetime(2026, 11, 9, 2, tzinfo=UTC))  # with the 18th: 2 in November
    run_at(bot, MONDAY_0900_SHANGHAI)

    def warnings() -> list[Any]:
        return [c for c in slack.fake.calls_to("chat.postMessage") if "Over-contact" in c.args["text"]]

    assert warnings() == []
    log_followup(bot, REP, book["soon"], at=datetime(2026, 11, 23, 3, tzinfo=UTC))  # the third
    run_at(bot, MONDAY_0900_SHANGHAI + timedelta(hours=4))
    run_at(bot, MONDAY_0900_SHANGHAI + timedelta(hours=8))
    assert sorted(c.args["channel"] for c in warnings()) == ["C0EAST", REP]
    assert "3 follow-ups in 2026-11 (limit 2)" in warnings()[0].args["text"]

def test_unanswered_objections(slack: SlackDriver, bot: Bot, book: dict) -> None:
    raised = datetime(2026, 11, 22, 2, tzinfo=UTC)
    log_followup(bot, REP, book["today"], at=raised, objection="Too expensive")
    log_followup(bot, REP, book["soon"], at=raised, objection="No budget")
    log_followup(bot, REP, book["soon"], at=raised + timedelta(hours=3), answer="Phased payment")
    run_at(bot, raised + timedelta(hours=23))
    assert not [c for c in dms(slack, REP) if "objection" in c.args["text"]]
    run_at(bot, raised + timedelta(hours=24))
    [reminder] = [c for c in dms(slack, REP) if "objection" in c.args["text"]]
    assert "Today Co" in reminder.args["text"] and "Too expensive" in reminder.args["text"]


def test_weekly_supervisor_digest(slack: SlackDriver, bot: Bot, book: dict) -> None:
    run_at(bot, MONDAY_0900_SHANGHAI - timedelta(minutes=5))
    assert posts(slack, "C0EAST", "Weekly follow-up check") == []
    run_at(bot, MONDAY_0900_SHANGHAI)
    run_at(bot, MONDAY_0900_SHANGHAI + timedelta(hours=2))
    [digest] = posts(slack, "C0EAST", "Weekly follow-up check")
    text = str(digest.args["blocks"])
    assert "<@U0REP1>: 3 follow-ups logged · 0 late · 1 overdue · 0 missed next steps" in text
    assert "<@U0REP2>: 0 follow-ups logged" in text
    assert "Overdue Co" in text
    assert posts(slack, "C0WEST", "Weekly follow-up check") == []
    run_at(bot, MONDAY_0900_LA)
    assert len(posts(slack, "C0WEST", "Weekly follow-up check")) == 1


def test_jobs_run_twice_sends_once(slack: SlackDriver, bot: Bot, book: dict) -> None:
    first = run_at(bot, MONDAY_0900_SHANGHAI)
    sent = len(slack.fake.calls_to("chat.postMessage"))
    second = run_at(bot, MONDAY_0900_SHANGHAI)
    assert first["daily-due-lists"] == 1 and second == {k: 0 for k in second}
    assert len(slack.fake.calls_to("chat.postMessage")) == sent


def test_a_crash_between_deciding_and_sending_loses_nothing(slack: SlackDriver, bot: Bot, book: dict) -> None:
    bot.clock.set(MONDAY_0900_SHANGHAI)
    run_duties(bot.runtime, MONDAY_0900_SHANGHAI)  # decided and committed; the process dies here
    assert digests(slack, REP) == []
    with bot.db.read() as session:
        assert session.scalars(select(OutboxMessage.state).where(
            OutboxMessage.key == "digest:U0REP1:2026-11-23")).all() == ["pending"]
    run_at(bot, MONDAY_0900_SHANGHAI + timedelta(minutes=5))  # the restarted process
    assert len(digests(slack, REP)) == 1


def test_rate_limits_and_errors_mid_fan_out_deliver_everything_once(slack: SlackDriver, bot: Bot,
                                                                    book: dict) -> None:
    bot.clock.set(datetime(2026, 11, 10, 2, tzinfo=UTC))
    for user in (OTHER_REP, SUPERVISOR):
        make_customer(bot, user, f"{user} Co")
    slack.fake.reset()
    bot.clock.set(MONDAY_0900_SHANGHAI)
    run_duties(bot.runtime, MONDAY_0900_SHANGHAI)
    slack.fake.rate_limit("chat.postMessage", retry_after=7, times=1)
    slack.fake.fail("chat.postMessage", status=500, times=2)
    decided, sent = run_once(bot.runtime)
    assert bot.clock.now >= MONDAY_0900_SHANGHAI + timedelta(seconds=7), "waited Retry-After"
    for user in (REP, OTHER_REP, SUPERVISOR):
        assert len([c for c in dms(slack, user) if "Your follow-ups" in c.args["text"]]) == 1, user
    statuses = [c.status for c in slack.fake.calls_to("chat.postMessage")]
    assert statuses.count(429) == 1 and statuses.count(500) == 2
    with bot.db.read() as session:
        assert set(session.scalars(select(OutboxMessage.state))) <= {"sent", "skipped"}


def test_two_processes_at_once_send_each_message_once(slack: SlackDriver, bot: Bot, book: dict) -> None:
    """Two runs racing (on PostgreSQL, two real transactions; on SQLite, serialised writes)."""
    bot.clock.set(MONDAY_0900_SHANGHAI)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            run_once(bot.runtime)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    keys = [c.args["channel"] + c.args["text"][:40] for c in slack.fake.calls_to("chat.postMessage") if c.ok]
    assert len(keys) == len(set(keys)) and any(k.startswith(REP) for k in keys)


def test_paused_customers_leave_the_due_list(slack: SlackDriver, bot: Bot, book: dict) -> None:
    bot.clock.set(datetime(2026, 11, 20, 2, tzinfo=UTC))
    slack.slash("/followup", "pause CL2026001 not now", user=REP)
    run_at(bot, MONDAY_0900_SHANGHAI)
    assert "Overdue Co" not in str(digests(slack, REP)[0].args["blocks"])
    with bot.db.read() as session:
        assert session.get(Customer, book["overdue"]).next_due_at is None
