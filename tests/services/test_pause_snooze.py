"""Pausing and resuming follow-up (DOMAIN §4, §6) and snoozing a due customer."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput, NotFound
from bot.services import pauses, snooze
from storage.models import AuditEntry, Customer, DueItem
from tests.services.support import ADMIN, REP, REP2, REPW, SUP, SUPW, TZ, Env

SHANGHAI = ZoneInfo(TZ)


@pytest.fixture
def customer(env: Env) -> Customer:
    return env.customer(env.lead(REP, "Pause Ltd").customer_id)


@pytest.mark.parametrize("reference", ["CL2026001", "cl2026001", "Pause Ltd", "pause ltd"])
def test_pausing_takes_the_customer_off_the_lists_until_a_quarter_later(env: Env, customer: Customer,
                                                                         reference: str) -> None:
    _, back_at = pauses.pause(env.runtime, actor=env.actor(REP), reference=reference, reason=" not now ")
    assert back_at == datetime(2027, 2, 23, 9, tzinfo=SHANGHAI)
    paused = env.customer(customer.id)
    assert (paused.paused, paused.pause_reason, paused.paused_at) == (True, "not now", env.now)
    assert paused.next_due_at is None
    [item] = env.rows(DueItem, DueItem.kind == "reactivation")
    assert (item.customer_id, item.owner_id, item.due_at, item.done_at) == (customer.id, REP, back_at, None)


@pytest.mark.parametrize("reason", ["", "   "])
def test_pausing_needs_a_reason(env: Env, customer: Customer, reason: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        pauses.pause(env.runtime, actor=env.actor(REP), reference=customer.number, reason=reason)
    assert raised.value.errors == {"reason": ("err_pause_reason", {})}
    assert env.customer(customer.id).paused is False


@pytest.mark.parametrize("user", [REP2, REPW, SUPW])
def test_a_hidden_customer_cannot_be_paused_or_resumed(env: Env, customer: Customer, user: str) -> None:
    with pytest.raises(NotFound):
        pauses.pause(env.runtime, actor=env.actor(user), reference=customer.number, reason="not now")
    with pytest.raises(NotFound):
        pauses.resume(env.runtime, actor=env.actor(user), reference=customer.number)
    assert env.customer(customer.id).paused is False


def test_resuming_puts_the_customer_back_and_closes_the_reactivation_item(env: Env, customer: Customer) -> None:
    pauses.pause(env.runtime, actor=env.actor(REP), reference=customer.number, reason="not now")
    env.clock.advance(86400)
    pauses.resume(env.runtime, actor=env.actor(SUP), reference=customer.number)
    resumed = env.customer(customer.id)
    assert (resumed.paused, resumed.paused_at) == (False, None)
    assert resumed.next_due_at is not None
    [item] = env.rows(DueItem, DueItem.kind == "reactivation")
    assert (item.done_at, item.done_by, item.resolution) == (env.now, SUP, "resumed")
    assert [a.action for a in env.rows(AuditEntry, AuditEntry.entity_type == "customers")][-2:] == [
        "customer.pause", "customer.resume"]


def test_resuming_a_customer_that_is_not_paused_says_so(env: Env, customer: Customer) -> None:
    with pytest.raises(InvalidInput) as raised:
        pauses.resume(env.runtime, actor=env.actor(REP), reference=customer.number)
    assert raised.value.errors == {"reason": ("err_not_paused", {"number": "CL2026001"})}


# Monday 23 Nov 2026 10:00 in Shanghai is Sunday 22 Nov 18:00 in Los Angeles.
SNOOZES = [
    pytest.param("1d", TZ, datetime(2026, 11, 24, 9, tzinfo=SHANGHAI), id="one-day"),
    pytest.param("3d", TZ, datetime(2026, 11, 26, 9, tzinfo=SHANGHAI), id="three-days"),
    pytest.param("week", TZ, datetime(2026, 11, 30, 9, tzinfo=SHANGHAI), id="next-monday"),
    pytest.param("week", "America/Los_Angeles", datetime.combine(datetime(2026, 11, 23), time(9),
                                                                 ZoneInfo("America/Los_Angeles")),
                 id="next-monday-is-tomorrow-on-sunday"),
]


@pytest.mark.parametrize(("choice", "tz", "until"), SNOOZES)
def test_snooze_until_09_00_local(env: Env, customer: Customer, choice: str, tz: str, until: datetime) -> None:
    _, snoozed = snooze.snooze(env.runtime, actor=env.actor(REP), customer_id=customer.id, choice=choice,
                               reason="on holiday", tz=tz)
    assert snoozed == until
    assert env.customer(customer.id).snoozed_until == until
    [entry] = env.rows(AuditEntry, AuditEntry.action == "customer.snooze")
    assert entry.after == {"snoozed_until": until.isoformat(), "choice": choice, "reason": "on holiday"}


@pytest.mark.parametrize(("choice", "reason", "fields"), [
    (None, "on holiday", {"until": "err_required"}),
    ("2d", "on holiday", {"until": "err_required"}),
    ("1d", "", {"reason": "err_required"}),
    ("1d", " \n ", {"reason": "err_required"}),
    ("1d", "x" * 501, {"reason": "err_too_long"}),
    (None, None, {"until": "err_required", "reason": "err_required"}),
])
def test_snooze_needs_a_choice_and_a_short_reason(env: Env, customer: Customer, choice: str | None,
                                                  reason: str | None, fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        snooze.snooze(env.runtime, actor=env.actor(REP), customer_id=customer.id, choice=choice, reason=reason, tz=TZ)
    assert {k: v[0] for k, v in raised.value.errors.items()} == fields
    assert env.customer(customer.id).snoozed_until is None


@pytest.mark.parametrize(("user", "allowed"), [(REP, True), (SUP, True), (ADMIN, True), (REP2, False),
                                               (SUPW, False)])
def test_snoozing_someone_elses_customer(env: Env, customer: Customer, user: str, allowed: bool) -> None:
    if allowed:
        snooze.snooze(env.runtime, actor=env.actor(user), customer_id=customer.id, choice="1d", reason="later", tz=TZ)
        assert env.customer(customer.id).snoozed_until is not None
        return
    with pytest.raises(InvalidInput) as raised:
        snooze.snooze(env.runtime, actor=env.actor(user), customer_id=customer.id, choice="1d", reason="later", tz=TZ)
    assert raised.value.errors == {"until": ("customer_not_found_field", {})}
    assert env.customer(customer.id).snoozed_until is None
