"""Deals won or lost and what follows them (DOMAIN §8, §9)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from bot.domain.calendar import add_working_days
from bot.domain.policy import AfterSalesPolicy

SUCCESS_FACTORS = ("need_match", "price_advantage", "decision_chain", "customised_solution", "relationship", "other")
FAILURE_REASONS = ("price_objection", "competitor", "unclear_need", "budget", "no_decision", "other")


def deal_cycle_days(acquired_on: date, closed_on: date) -> int:
    """Days from acquiring the lead to signing (or losing) it."""
    return max((closed_on - acquired_on).days, 0)


def after_sales_schedule(delivered_on: date, *, country: str | None, policy: AfterSalesPolicy) -> list[tuple[str, date]]:
    """Revisit within N working days of delivery, then at 1 and 3 months, and a half-year review."""
    visits = [("revisit_first", add_working_days(delivered_on, policy.first_revisit_working_days, country))]
    visits += [(f"revisit_{m}m", delivered_on + relativedelta(months=m)) for m in policy.revisit_months]
    visits.append(("review_half_year", delivered_on + relativedelta(months=policy.review_months)))
    return visits
