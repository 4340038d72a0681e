"""Delivery under Slack's real conditions: per-channel rate limits, bursts of 429, 5xx, channels
the bot is not in. Every message is counted: none lost, none twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.pacing import BURST
from bot.services.outbox import Outgoing, deliver, deliver_keys, drain, enqueue
from storage.models import OutboxMessage
from tests.conftest import Bot
from tests.slackdriver import SlackDriver

CHANNEL, ADMIN, REP = "C0EAST", "U0ADMIN", "U0REP1"


@pytest.fixture
def slack_time(bot: Bot, slack: SlackDriver) -> Any:
    """The fake's rate-limit buckets run on the bot's clock, which the bot's waits move."""
    slack.fake.clock = lambda: bot.clock.now.timestamp()
    yield
    slack.fake.clock = __import__("time").monotonic
    slack.fake.enforce_post_rate(None)


def queue(bot: Bot, messages: list[Outgoing]) -> None:
    with bot.db.write() as session:
        for message in messages:
            enqueue(session, message, now=bot.clock.now)


def escalations(count: int, channel: str = CHANNEL) -> list[Outgoing]:
    return [Outgoing(key=f"escalate:test:{channel}:{n}", channel=channel, text=f"Escalation {n}") for n in range(count)]


def posted_texts(slack: SlackDriver, channel: str) -> Counter[str]:
    return Counter(c.args["text"] for c in slack.fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == channel)


def outbox(bot: Bot) -> list[OutboxMessage]:
    with bot.db.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def refused_inside_retry_after(slack: SlackDriver, times: list[float]) -> int:
    """Posts that reached the fake while a Retry-After it gave for that channel was still running."""
    early = 0
    calls = [c for c in slack.fake.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL]
    blocked_until = None
    for call, at in zip(calls, times, strict=True):
        if blocked_until is not None and at < blocked_until:
            early += 1
        if call.status == 429:
            blocked_until = at + int(call.headers.get("retry-after") or call.response.get("retry_after") or 1)
    return early


def test_thirty_escalations_to_a_rate_limited_channel_all_arrive_once(slack: SlackDriver, bot: Bot,
                                                                      slack_time: Any) -> None:
    slack.fake.enforce_post_rate(per_second=1.0, burst=5)
    queue(bot, escalations(30))
    started = bot.clock.now
    sent = drain(bot.runtime)
    assert sent == 30
    assert posted_texts(slack, CHANNEL) == Counter({f"Escalation {n}": 1 for n in range(30)})
    assert {m.state for m in outbox(bot)} == {"sent"}
    # Paced below Slack's limit: no 429 at all, and about one a second after the burst.
    assert [c.status for c in slack.fake.calls_to("chat.postMessage")].count(429) == 0
    assert timedelta(seconds=25) <= bot.clock.now - started <= timedelta(seconds=40)


def test_bursts_of_429_never_drop_and_nothing_is_posted_inside_retry_after(slack: SlackDriver, bot: Bot,
                                                                           slack_time: Any) -> None:
    slack.fake.rate_limit("chat.postMessage", retry_after=7, times=20)
    stamps: list[float] = []
    original = slack.fake._record

    def record(call: Any) -> None:
        stamps.append(bot.clock.now.timestamp())
        original(call)

    slack.fake._record = record  # type: ignore[method-assign]
    try:
        queue(bot, escalations(5))
        drain(bot.runtime, max_wait=timedelta(hours=1))
    finally:
        slack.fake._record = original  # type: ignore[method-assign]
    assert posted_texts(slack, CHANNEL) == Counter({f"Escalation {n}": 1 for n in range(5)})
    messages = outbox(bot)
    assert {m.state for m in messages} == {"sent"} and {m.attempts for m in messages} == {0}, "a 429 is no failure"
    assert [c.status for c in slack.fake.calls_to("chat.postMessage")].count(429) == 20
    assert refused_inside_retry_after(slack, stamps) == 0


def test_a_429_on_one_channel_does_not_hold_the_others(slack: SlackDriver, bot: Bot, slack_time: Any) -> None:
    slack.fake.rate_limit("chat.postMessage", retry_after=30, times=1)
    queue(bot, escalations(1) + escalations(3, channel="C0WEST"))
    drain(bot.runtime, max_wait=timedelta(seconds=10))
    assert sum(posted_texts(slack, "C0WEST").values()) == 3
    assert posted_texts(slack, CHANNEL) == Counter(), "still inside its Retry-After"
    drain(bot.runtime)
    assert posted_texts(slack, CHANNEL) == Counter({"Escalation 0": 1})


def test_server_errors_back_off_then_deliver(slack: SlackDriver, bot: Bot, slack_time: Any) -> None:
    slack.fake.fail("chat.postMessage", status=500, times=3)
    queue(bot, escalations(1))
    started = bot.clock.now
    drain(bot.runtime)
    [message] = outbox(bot)
    assert (message.state, message.attempts) == ("sent", 3)
    assert posted_texts(slack, CHANNEL) == Counter({"Escalation 0": 1})
    waited = (bot.clock.now - started).total_seconds()
    assert 1 + 2 + 4 <= waited <= 2 + 4 + 8 + 1, "2 s, 4 s, 8 s, each with jitter down to half"


def test_a_message_failing_for_longer_than_the_bound_is_dropped_and_the_admins_told_once(
        slack: SlackDriver, bot: Bot, slack_time: Any) -> None:
    bot.runtime.give_up_after = timedelta(hours=1)
    try:
        slack.fake.fail("chat.postMessage", status=503, times=10_000)
        queue(bot, escalations(2))
        drain(bot.runtime, max_wait=timedelta(hours=1, minutes=20))  # back-off is capped at 10 minutes
        escalation_states = {m.key: (m.state, m.last_error) for m in outbox(bot) if m.key.startswith("escalate")}
        assert {state for state, _ in escalation_states.values()} == {"dropped"}
        assert all("HTTP 503" in reason and "failing for" in reason for _, reason in escalation_states.values())
        slack.fake.reset()
        drain(bot.runtime)
    finally:
        bot.runtime.give_up_after = timedelta(hours=6)
    [notice] = [c for c in slack.fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == ADMIN]
    assert "dropped" in notice.args["text"] and "outbox list --dropped" in notice.args["text"]


def test_a_refusal_for_good_is_dropped_with_its_reason(slack: SlackDriver, bot: Bot) -> None:
    slack.fake.fail_with("chat.postMessage", "invalid_blocks", times=1)
    queue(bot, escalations(1))
    drain(bot.runtime)
    [escalation] = [m for m in outbox(bot) if m.key.startswith("escalate")]
    assert (escalation.state, escalation.last_error) == ("dropped", "HTTP 200: invalid_blocks")


def test_a_channel_without_the_bot_tells_the_rep_and_the_admins_and_waits(slack: SlackDriver, bot: Bot) -> None:
    from tests.test_lead_e2e import lead_values

    slack.fake.fail_with("chat.postMessage", "not_in_channel", times=1)
    view = slack.open_modal("/lead", user=REP)
    assert slack.submit(view, lead_values(bot), user=REP).status == 200
    bot.executor.wait_idle()
    drain(bot.runtime, max_wait=timedelta(minutes=1))
    dms = [c for c in slack.fake.calls_to("chat.postMessage") if c.ok]
    [rep_notice] = [c for c in dms if c.args["channel"] == REP and "could not be reached" in c.args["text"]]
    assert "<#C0EAST>" in rep_notice.args["text"] and "an admin has been told" in rep_notice.args["text"]
    [admin_notice] = [c for c in dms if c.args["channel"] == ADMIN]
    assert "/invite @followup" in admin_notice.args["text"] and "<#C0EAST>" in admin_notice.args["text"]
    [review] = [m for m in outbox(bot) if m.key.endswith(":post")]
    assert (review.state, review.last_error) == ("pending", "HTTP 200: not_in_channel")
    # Once the bot is in the channel (the injected refusals are used up), the review goes, once.
    bot.clock.advance(11 * 60)
    drain(bot.runtime)
    reviews = [c for c in slack.fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == CHANNEL]
    assert len(reviews) == 1 and "Acme Ltd" in str(reviews[0].args["blocks"])
    assert len([c for c in slack.fake.calls_to("chat.postMessage") if c.ok and c.args["channel"] == ADMIN]) == 1


def test_work_after_an_ack_hands_a_paced_channel_to_the_background_instead_of_sleeping(
        slack: SlackDriver, bot: Bot, slack_time: Any) -> None:
    """A listener thread that slept on a busy channel would make the next requests miss Slack's 3 s."""
    woken: list[bool] = []

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"a listener thread slept {seconds} s")

    queue(bot, escalations(BURST + 3))
    ids = [m.id for m in outbox(bot)]
    sleep = bot.runtime.sleep
    bot.runtime.wake_delivery, bot.runtime.sleep = lambda: woken.append(True), no_sleep
    try:
        assert deliver(bot.runtime, ids) == BURST
    finally:
        bot.runtime.wake_delivery, bot.runtime.sleep = None, sleep
    assert woken == [True]
    assert [m.state for m in outbox(bot)] == ["sent"] * BURST + ["pending"] * 3
    assert drain(bot.runtime) == 3  # what the background delivery then does
    assert posted_texts(slack, CHANNEL) == Counter({f"Escalation {n}": 1 for n in range(BURST + 3)})


def test_work_after_an_ack_does_not_claim_a_message_whose_channel_is_paced(
        slack: SlackDriver, bot: Bot, slack_time: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """After its burst a channel is paced: the next answer's message goes to the background delivery
    without being claimed (claiming it would only find the channel busy), a DM elsewhere goes at once."""
    import bot.services.outbox as outbox_service

    queue(bot, escalations(BURST + 1) + [Outgoing(key="dm:test", channel=REP, text="A DM")])
    assert deliver_keys(bot.runtime, [f"escalate:test:{CHANNEL}:{n}" for n in range(BURST)]) == BURST
    claims: list[list[int] | None] = []
    claim = outbox_service._claim
    monkeypatch.setattr(outbox_service, "_claim", lambda runtime, *, ids: claims.append(ids) or claim(runtime, ids=ids))
    woken: list[bool] = []
    monkeypatch.setattr(bot.runtime, "wake_delivery", lambda: woken.append(True))
    assert deliver_keys(bot.runtime, [f"escalate:test:{CHANNEL}:{BURST}", "dm:test"]) == 1
    paced, dm = (m for m in outbox(bot) if m.key in (f"escalate:test:{CHANNEL}:{BURST}", "dm:test"))
    assert claims == [[dm.id]] and woken == [True]
    assert (paced.state, paced.claimed_by, dm.state) == ("pending", None, "sent")


def test_an_edit_decided_before_its_post_is_recorded_goes_with_the_post(slack: SlackDriver, bot: Bot) -> None:
    """A click on a record's message can come while its post is on its way (Slack has it, we have not
    recorded its ts yet): the click's edit waits, and whoever records the post sends the edit at once,
    editing exactly that message."""
    queue(bot, [Outgoing(key="issue:77:post", channel=CHANNEL, text="Complaint IS-77"),
                Outgoing(key="issue:77:update:1", channel=CHANNEL, text="Complaint IS-77, responded",
                         method="chat.update", edits="issue:77:post")])
    deliver_keys(bot.runtime, ["issue:77:update:1"])  # the click's own delivery: its post is not recorded
    assert slack.fake.calls_to("chat.update") == []
    deliver_keys(bot.runtime, ["issue:77:post"])  # the post's delivery records it, then sends the edit
    [post] = [c for c in slack.fake.calls_to("chat.postMessage") if c.ok and c.args["text"] == "Complaint IS-77"]
    [edit] = [c for c in slack.fake.calls_to("chat.update") if c.ok]
    assert (edit.args["channel"], edit.args["ts"], edit.args["text"]) == (
        CHANNEL, post.response["ts"], "Complaint IS-77, responded")
    assert {m.key: m.state for m in outbox(bot)} == {"issue:77:post": "sent", "issue:77:update:1": "sent"}


def test_an_edit_of_a_post_that_never_went_is_dropped_with_its_reason(slack: SlackDriver, bot: Bot) -> None:
    queue(bot, [Outgoing(key="issue:78:update:1", channel=CHANNEL, text="responded", method="chat.update",
                         edits="issue:78:post")])
    drain(bot.runtime, max_wait=timedelta(seconds=30))
    assert slack.fake.calls_to("chat.update") == []
    [edit] = outbox(bot)
    assert (edit.state, edit.last_error) == ("dropped", "the message to edit was never posted")


def test_an_edit_decided_while_its_post_is_in_flight_still_edits_that_post(slack: SlackDriver, bot: Bot,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """No edit was waiting when the morning's drain claimed the post, so its mark looks for none;
    the edit decided while Slack had the post goes out with the next claim, editing exactly that
    message."""
    import bot.services.outbox as outbox_service

    queue(bot, [Outgoing(key="issue:79:post", channel=CHANNEL, text="Complaint IS-79")])
    call = outbox_service._call

    def post_then_click(client: Any, message: Any) -> Any:
        response = call(client, message)
        if message.key == "issue:79:post":
            queue(bot, [Outgoing(key="issue:79:update:1", channel=CHANNEL, text="Complaint IS-79, responded",
                                 method="chat.update", edits="issue:79:post")])
        return response

    monkeypatch.setattr(outbox_service, "_call", post_then_click)
    assert drain(bot.runtime, max_wait=timedelta(seconds=30)) == 2
    [post] = [c for c in slack.fake.calls_to("chat.postMessage") if c.ok]
    [edit] = [c for c in slack.fake.calls_to("chat.update") if c.ok]
    assert (edit.args["channel"], edit.args["ts"], edit.args["text"]) == (
        CHANNEL, post.response["ts"], "Complaint IS-79, responded")


def test_a_batch_whose_lease_is_half_gone_gives_the_rest_back(slack: SlackDriver, bot: Bot,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack slow to answer: once half the claim's lease has passed, the messages not yet posted go
    back (another process could take them once it runs out) and are claimed again; none twice."""
    import bot.services.outbox as outbox_service

    users = [f"U0SLOW{n}" for n in range(4)]
    for user in users:
        slack.fake.add_user(user)
    queue(bot, [Outgoing(key=f"dm:slow:{user}", channel=user, text=f"Due list {user}") for user in users])
    call = outbox_service._call

    def slow(client: Any, message: Any) -> Any:
        bot.clock.advance((outbox_service.LEASE / 2).total_seconds() + 1)
        return call(client, message)

    claims: list[int] = []
    claim = outbox_service._claim

    def counted(runtime: Any, *, ids: Any) -> Any:
        claimed = claim(runtime, ids=ids)
        claims.append(len(claimed))
        return claimed

    monkeypatch.setattr(outbox_service, "_call", slow)
    monkeypatch.setattr(outbox_service, "_claim", counted)
    assert drain(bot.runtime, max_wait=timedelta(minutes=10)) == 4
    assert claims[:4] == [4, 3, 2, 1]  # each claim posts one, then its lease is half gone
    assert Counter(c.args["channel"] for c in slack.fake.calls_to("chat.postMessage") if c.ok) == Counter(users)
    assert {m.state for m in outbox(bot)} == {"sent"}
