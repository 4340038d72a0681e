"""Working-time rules for scheduled messages (DOMAIN §7) and the pacing of posts: pure, table-driven."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.cadence import deadline_stage
from bot.domain.calendar import working_hours_between, working_time
from bot.domain.policy import DeadlinePolicy
from bot.pacing import Pacer
from bot.services.outbox import backoff, scope_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("start", "end", "hours"), [
    (local(2026, 11, 20, 9), local(2026, 11, 20, 15), 6),        # within Friday
    (local(2026, 11, 20, 9), local(2026, 11, 21, 9), 15),        # Friday 09:00 → Saturday: the weekend counts nothing
    (local(2026, 11, 20, 9), local(2026, 11, 23, 9), 24),        # → Monday 09:00: 24 working hours
    (local(2026, 11, 21, 10), local(2026, 11, 22, 23), 0),       # all weekend
    (local(2026, 9, 30, 12), local(2026, 10, 8, 12), 24),        # National Day week: 30 Sep 12 h + 8 Oct 12 h
    (local(2026, 11, 23, 9), local(2026, 11, 23, 8), 0),         # end before start
])
def test_working_hours_between(start: datetime, end: datetime, hours: float) -> None:
    assert working_hours_between(start, end, tz="Asia/Shanghai", country="CN") == pytest.approx(hours)


@pytest.mark.parametrize(("at", "held_until"), [
    (local(2026, 11, 23, 9), None),                              # Monday: sent at once
    (local(2026, 11, 21, 9), local(2026, 11, 23, 9)),            # Saturday → Monday 09:00
    (local(2026, 11, 22, 23, 30), local(2026, 11, 23, 9)),       # Sunday night → Monday 09:00
    (local(2026, 10, 1, 10), local(2026, 10, 8, 9)),             # National Day week (1–7 Oct) → 8 Oct 09:00
])
def test_scheduled_messages_wait_for_the_next_working_day(at: datetime, held_until: datetime | None) -> None:
    assert working_time(at, tz="Asia/Shanghai", country="CN") == held_until


def test_working_time_in_the_recipients_own_zone() -> None:
    """Friday 17:00 in Los Angeles is Saturday 09:00 in Shanghai: a Los Angeles rep is not held."""
    friday_la = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert working_time(friday_la, tz="America/Los_Angeles", country="US") is None
    assert working_time(friday_la, tz="Asia/Shanghai", country="CN") == local(2026, 11, 23, 9)


POLICY = DeadlinePolicy()
STEP = local(2026, 11, 20, 9)  # Friday 09:00


@pytest.mark.parametrize(("now", "stage"), [
    (local(2026, 11, 21, 9), None),                              # Saturday: 15 working hours
    (local(2026, 11, 23, 8, 59), None),
    (local(2026, 11, 23, 9), "remind"),                          # Monday 09:00: 24 working hours
    (local(2026, 11, 24, 8, 59), "remind"),
    (local(2026, 11, 24, 9), "escalate"),                        # Tuesday 09:00: 48
    (local(2026, 11, 19, 9), None),                              # before the step
])
def test_next_step_grace_counts_working_days(now: datetime, stage: str | None) -> None:
    assert deadline_stage(STEP, now, POLICY, tz="Asia/Shanghai", holidays="CN") == stage


def test_without_a_calendar_the_grace_is_plain_hours() -> None:
    assert deadline_stage(STEP, STEP + timedelta(hours=24), POLICY) == "remind"


def test_pacing_allows_a_short_burst_then_one_a_second() -> None:
    pacer, start = Pacer(burst=3, per_second=1.0), datetime(2026, 11, 23, tzinfo=UTC)
    assert [pacer.take("channel:C1", start) for _ in range(4)] == [True, True, True, False]
    assert pacer.take("channel:C2", start), "other channels are not held"
    assert "channel:C1" in pacer.busy(start)
    assert pacer.next_free(start) == start + timedelta(seconds=1)
    assert pacer.take("channel:C1", start + timedelta(seconds=1))
    assert not pacer.take("channel:C1", start + timedelta(seconds=1.5))


def test_a_429_holds_the_scope_until_retry_after() -> None:
    pacer, start = Pacer(), datetime(2026, 11, 23, tzinfo=UTC)
    pacer.hold("channel:C1", start + timedelta(seconds=30))
    assert not pacer.take("channel:C1", start + timedelta(seconds=29))
    assert pacer.next_free(start) == start + timedelta(seconds=30)
    assert pacer.take("channel:C1", start + timedelta(seconds=30))


@pytest.mark.parametrize(("method", "channel", "scope"), [
    ("chat.postMessage", "C1", "channel:C1"),
    ("chat.update", "C1", "method:chat.update"),
])
def test_what_a_429_blocks(method: str, channel: str, scope: str) -> None:
    assert scope_of(method, channel) == scope


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 1, 2), (2, 2, 4), (3, 4, 8), (12, 300, 600), (40, 300, 600)])
def test_backoff_is_exponential_with_jitter_and_capped(attempts: int, low: float, high: float) -> None:
    rng = random.Random(attempts)
    waits = [backoff(attempts, rng=rng).total_seconds() for _ in range(50)]
    assert all(low <= w <= high for w in waits) and len(set(waits)) > 1
