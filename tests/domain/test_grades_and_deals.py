"""Grades (DOMAIN §5), deals and after-sales (§8, §9), calendars: table tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.calendar import add_working_days, is_working_day, quarter_label, quarter_start
from bot.domain.deals import after_sales_schedule, deal_cycle_days
from bot.domain.grades import grade_for_purchase, suggest_grade
from bot.domain.policy import AfterSalesPolicy, GradePolicy
from bot.services.grades import parse_amount

POLICY = GradePolicy()


@pytest.mark.parametrize(
    ("purchase", "grade"),
    [(0, "D"), (49_999, "D"), (50_000, "C"), (199_999, "C"), (200_000, "B"), (499_999, "B"), (500_000, "A"),
     (10_000_000, "A"), (Decimal("49999.99"), "D")],
)
def test_grade_thresholds(purchase: int, grade: str) -> None:
    assert grade_for_purchase(purchase, POLICY) == grade
    assert suggest_grade(purchase, 3, POLICY) == grade


@pytest.mark.parametrize(("purchase", "potential", "grade"), [
    (49_999, 5, "C"), (499_999, 5, "A"), (500_000, 5, "A"), (199_999, 4, "C"), (49_999, None, "D"),
])
def test_a_top_potential_suggests_one_grade_higher(purchase: int, potential: int | None, grade: str) -> None:
    assert suggest_grade(purchase, potential, POLICY) == grade


def test_policy_thresholds_and_potential_rule_are_configurable() -> None:
    policy = GradePolicy(a_min=1_000_000, b_min=300_000, c_min=100_000, potential_raises_at=None)
    assert [suggest_grade(p, 5, policy) for p in (99_999, 100_000, 300_000, 1_000_000)] == ["D", "C", "B", "A"]


@pytest.mark.parametrize(("text", "amount"), [
    ("250000", 250_000), ("250,000", 250_000), ("¥250000", 250_000), ("25万", 250_000), ("250k", 250_000),
    ("1.5m", 1_500_000), ("38万元", 380_000), (" 12 000 ", 12_000), ("0", 0),
])
def test_amounts(text: str, amount: int) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["-5", "abc", "", None, "12.3.4", "1e5", "NaN", "五万"])
def test_not_amounts(text: str | None) -> None:
    assert parse_amount(text) is None


def test_deal_cycle() -> None:
    assert deal_cycle_days(date(2026, 9, 1), date(2026, 11, 23)) == 83
    assert deal_cycle_days(date(2026, 11, 23), date(2026, 11, 23)) == 0


@pytest.mark.parametrize(
    ("delivered", "country", "first_revisit"),
    [
        (date(2026, 11, 23), "CN", date(2026, 12, 2)),   # Monday + 7 working days
        (date(2026, 11, 20), None, date(2026, 12, 1)),   # Friday, weekends only
        (date(2026, 9, 28), "CN", date(2026, 10, 13)),  # National Day week and the make-up Saturday 10 Oct
        (date(2026, 12, 23), "US", date(2027, 1, 5)),   # Christmas and New Year's Day
    ],
)
def test_after_sales_revisits(delivered: date, country: str | None, first_revisit: date) -> None:
    schedule = dict(after_sales_schedule(delivered, country=country, policy=AfterSalesPolicy()))
    assert schedule["revisit_first"] == first_revisit
    assert schedule["revisit_1m"].month == (delivered.month % 12) + 1
    assert list(schedule) == ["revisit_first", "revisit_1m", "revisit_3m", "review_half_year"]


def test_month_ends_clamp() -> None:
    schedule = dict(after_sales_schedule(date(2027, 1, 31), country=None, policy=AfterSalesPolicy()))
    assert schedule["revisit_1m"] == date(2027, 2, 28) and schedule["revisit_3m"] == date(2027, 4, 30)


@pytest.mark.parametrize(("day", "country", "working"), [
    (date(2026, 10, 1), "CN", False), (date(2026, 10, 10), "CN", True), (date(2026, 10, 11), "CN", False),
    (date(2026, 11, 26), "US", False), (date(2026, 11, 26), "CN", True), (date(2026, 11, 28), None, False),
])
def test_working_days(day: date, country: str | None, working: bool) -> None:
    assert is_working_day(day, country) is working


def test_add_working_days_over_a_weekend() -> None:
    assert add_working_days(date(2026, 11, 27), 1, None) == date(2026, 11, 30)


@pytest.mark.parametrize(("day", "start", "label"), [
    (date(2026, 1, 1), date(2026, 1, 1), "2026Q1"), (date(2026, 3, 31), date(2026, 1, 1), "2026Q1"),
    (date(2026, 4, 1), date(2026, 4, 1), "2026Q2"), (date(2026, 12, 31), date(2026, 10, 1), "2026Q4"),
])
def test_quarters(day: date, start: date, label: str) -> None:
    assert quarter_start(day) == start and quarter_label(day) == label
