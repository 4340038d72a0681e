"""Grades A/B/C/D (DOMAIN §5): the grade the thresholds suggest."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.policy import GradePolicy

GRADES = ("A", "B", "C", "D")


def grade_for_purchase(annual_purchase: Decimal | int | float, policy: GradePolicy) -> str:
    """At or above a threshold earns the grade: 500,000 is A, 499,999 is B (DOMAIN §5)."""
    if annual_purchase >= policy.a_min:
        return "A"
    if annual_purchase >= policy.b_min:
        return "B"
    if annual_purchase >= policy.c_min:
        return "C"
    return "D"


# The potential score's choices (1-5: industry outlook, growth, room to expand), as the form sends them.
POTENTIALS = ("1", "2", "3", "4", "5")


def suggest_grade(annual_purchase: Decimal | int | float, potential: int | None, policy: GradePolicy) -> str:
    """Value and potential together: the purchase grade, one grade higher when the potential
    reaches the policy's ``potential_raises_at`` (5 by default; None turns it off)."""
    grade = grade_for_purchase(annual_purchase, policy)
    if potential is not None and policy.potential_raises_at is not None and potential >= policy.potential_raises_at:
        return GRADES[max(GRADES.index(grade) - 1, 0)]
    return grade
