"""The cadence engine, row by row of DOMAIN §6, with its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.cadence import (
    CustomerFacts,
    deadline_stage,
    digest_time,
    first_contact_deadline,
    long_silence,
    next_due,
    objection_overdue,
    over_contacted,
)
from bot.domain.policy import AlertPolicy, CadencePolicy, DeadlinePolicy

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
POLICY = CadencePolicy()


def facts(**changes: object) -> CustomerFacts:
    base = dict(grade="B", status="interested", paused=False, assigned_at=datetime(2026, 10, 1, 2, tzinfo=UTC),
                last_contact_at=datetime(2026, 11, 16, 10, 0, tzinfo=SH), last_stage=None, next_step_at=None)
    base.update(changes)
    return CustomerFacts(**base)  # type: ignore[arg-type]


def at(y: int, m: int, d: int, h: int = 9, zone: ZoneInfo = SH) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=zone)


@pytest.mark.parametrize(
    ("grade", "last_contact", "expected", "reason"),
    [
        # Monday 16 Nov contact: A and C every 14 days, B weekly.
        ("A", at(2026, 11, 16, 10), at(2026, 11, 30), "cadence"),
        ("B", at(2026, 11, 16, 10), at(2026, 11, 23), "cadence"),
        ("C", at(2026, 11, 16, 10), at(2026, 11, 30), "cadence"),
        (None, at(2026, 11, 16, 10), at(2026, 11, 30), "cadence"),
        # Friday 20 Nov + 7 = Friday 27 Nov; + 14 = Friday 4 Dec: working days, unchanged.
        ("B", at(2026, 11, 20, 17), at(2026, 11, 27), "cadence"),
        # Saturday contact + 7 = Saturday: moved to Monday.
        ("B", at(2026, 11, 21, 11), at(2026, 11, 30), "cadence"),
        # Across National Day: 24 Sep + 7 = 1 Oct, a holiday week; 8 Oct is the first working day.
        ("B", at(2026, 9, 24, 10), at(2026, 10, 8), "cadence"),
        # 3 Oct (Saturday, holiday) + 7 = 10 Oct, a make-up working Saturday in China.
        ("B", at(2026, 10, 3, 10), at(2026, 10, 10), "cadence"),
    ],
)
def test_cadence_by_grade(grade: str | None, last_contact: datetime, expected: datetime, reason: str) -> None:
    due = next_due(facts(grade=grade, last_contact_at=last_contact), POLICY, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and (due.at, due.reason) == (expected, reason)


def test_d_customers_have_no_individual_cadence() -> None:
    assert next_due(facts(grade="D"), POLICY, tz="Asia/Shanghai", holidays="CN") is None


def test_d_customers_still_have_their_planned_next_step() -> None:
    step = at(2026, 11, 25, 15)
    due = next_due(facts(grade="D", next_step_at=step), POLICY, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and (due.at, due.reason) == (step, "next_step")


@pytest.mark.parametrize("stage", ["proposal", "negotiation"])
def test_key_stages_are_daily(stage: str) -> None:
    # Friday contact in a key stage: due the next working day, Monday.
    due = next_due(facts(grade="C", last_stage=stage, status="negotiating", last_contact_at=at(2026, 11, 20, 16)),
                   POLICY, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and (due.at, due.reason) == (at(2026, 11, 23), "key_stage")


def test_friday_to_monday_across_a_weekend_and_a_public_holiday() -> None:
    # US: Friday 22 May 2026 + 1 (key stage) → Saturday → Monday 25 May is Memorial Day → Tuesday.
    due = next_due(facts(last_stage="proposal", last_contact_at=at(2026, 5, 22, 16, NY)), POLICY,
                   tz="America/New_York", holidays="US")
    assert due is not None and due.at == at(2026, 5, 26, 9, NY)


def test_an_earlier_next_step_wins_a_later_one_does_not() -> None:
    earlier, later = at(2026, 11, 18, 15), at(2026, 12, 10, 15)
    due = next_due(facts(next_step_at=earlier), POLICY, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and (due.at, due.reason) == (earlier, "next_step")
    due = next_due(facts(next_step_at=later), POLICY, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and (due.at, due.reason) == (at(2026, 11, 23), "cadence")


@pytest.mark.parametrize(("changes", "due"), [({"paused": True}, None), ({"status": "churned"}, None)])
def test_paused_and_churned_customers_are_not_due(changes: dict, due: None) -> None:
    assert next_due(facts(next_step_at=at(2026, 11, 18), **changes), POLICY, tz="Asia/Shanghai", holidays="CN") is due


def test_first_contact_within_24_hours_of_assignment() -> None:
    assigned = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    due = next_due(facts(assigned_at=assigned, last_contact_at=None), POLICY, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and (due.at, due.reason) == (assigned + timedelta(hours=24), "first_contact")


def test_first_contact_within_3_working_days_where_the_policy_says_so() -> None:
    policy = CadencePolicy(first_contact_working_days=3)
    assigned = at(2026, 11, 20, 16)  # Friday 16:00 → Wednesday 16:00
    assert first_contact_deadline(assigned, policy, tz="Asia/Shanghai", holidays="CN") == at(2026, 11, 25, 16)


def test_other_seeds_cadences_are_policy() -> None:
    seed_003 = CadencePolicy(days_by_grade={"A": 7, "B": 14, "C": 30, "D": None})
    due = next_due(facts(grade="C"), seed_003, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and due.at == at(2026, 12, 16)
    seed_002 = CadencePolicy(days_by_status={"maintaining": 14, "lead": 30})
    due = next_due(facts(grade="B", status="maintaining"), seed_002, tz="Asia/Shanghai", holidays="CN")
    assert due is not None and due.at == at(2026, 11, 30)


def test_a_time_zone_west_of_utc() -> None:
    """09:00 in Los Angeles is 17:00 UTC the same day; 09:00 in Auckland is the previous UTC day."""
    due = next_due(facts(last_contact_at=datetime(2026, 11, 17, 2, 0, tzinfo=UTC)), POLICY,
                   tz="America/Los_Angeles", holidays="US")
    # 17 Nov 02:00 UTC is 16 Nov 18:00 in Los Angeles: + 7 days = Monday 23 Nov 09:00 PST = 17:00 UTC.
    assert due is not None and due.at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    due = next_due(facts(last_contact_at=datetime(2026, 11, 16, 2, 0, tzinfo=UTC)), POLICY,
                   tz="Pacific/Auckland", holidays="NZ")
    assert due is not None and due.at == datetime(2026, 11, 22, 20, 0, tzinfo=UTC)


NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("days", "alert"), [(13, False), (14, False), (14.01, True), (15, True)])
def test_a_customers_long_silence(days: float, alert: bool) -> None:
    assert long_silence("A", NOW - timedelta(days=days), NOW, NOW, AlertPolicy()) is alert
    assert long_silence("B", NOW - timedelta(days=days), NOW, NOW, AlertPolicy()) is False


def test_a_customer_never_contacted_counts_from_assignment() -> None:
    assert long_silence("A", None, NOW - timedelta(days=15), NOW, AlertPolicy())


@pytest.mark.parametrize(("grade", "count", "alert"), [("D", 2, False), ("D", 3, True), ("C", 5, False)])
def test_over_contact(grade: str, count: int, alert: bool) -> None:
    assert over_contacted(grade, count, AlertPolicy()) is alert


@pytest.mark.parametrize(("hours", "stage"), [(0, None), (23.9, None), (24, "remind"), (47.9, "remind"),
                                              (48, "escalate"), (100, "escalate")])
def test_deadline_chain(hours: float, stage: str | None) -> None:
    assert deadline_stage(NOW - timedelta(hours=hours), NOW, DeadlinePolicy()) == stage


@pytest.mark.parametrize(("hours", "overdue"), [(23, False), (24, True)])
def test_objections_are_answered_within_24_hours(hours: int, overdue: bool) -> None:
    assert objection_overdue(NOW - timedelta(hours=hours), NOW, DeadlinePolicy()) is overdue


@pytest.mark.parametrize(("local", "ready"), [(at(2026, 11, 23, 8), False), (at(2026, 11, 23, 9), True),
                                              (at(2026, 11, 23, 23), True)])
def test_digest_time(local: datetime, ready: bool) -> None:
    assert digest_time(local) is ready


@pytest.mark.parametrize(("hours", "stage"), [(0, "remind"), (23.9, "remind"), (24, "escalate")])
def test_first_contact_deadlines_remind_at_once(hours: float, stage: str) -> None:
    assert deadline_stage(NOW - timedelta(hours=hours), NOW, DeadlinePolicy(), grace=False) == stage
