"""The churn risk score, signal by signal and together (DOMAIN §10)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.domain.churn import Signals, churn_score
from bot.domain.policy import ChurnPolicy

POLICY = ChurnPolicy()
QUIET = Signals(days_since_contact=3, cadence_days=7, recent_contacts=6, previous_contacts=6, min_satisfaction=5,
                avg_satisfaction=5.0, open_complaints=0, late_complaints=0, payment_delay_days=None,
                competitor_mentioned=False)


def score(**changes: object) -> tuple[float, dict[str, float]]:
    result = churn_score(dataclasses.replace(QUIET, **changes), POLICY)
    return result.total, {c.signal: c.points for c in result.contributions}


def test_a_healthy_customer_scores_zero() -> None:
    assert score() == (0, {})


@pytest.mark.parametrize(
    ("changes", "signal", "points"),
    [
        ({"days_since_contact": 7}, None, 0),               # exactly the cadence: fine
        ({"days_since_contact": 14}, "silence", 12.5),      # twice the cadence: half strength
        ({"days_since_contact": 21}, "silence", 25),        # three times: full
        ({"days_since_contact": 60}, "silence", 25),        # capped
        ({"days_since_contact": 120, "cadence_days": None}, "silence", 4.2),  # no cadence: against 90 days
        ({"recent_contacts": 3}, "frequency_drop", 10),     # half the previous 90 days
        ({"recent_contacts": 0}, "frequency_drop", 20),
        ({"recent_contacts": 0, "previous_contacts": 1}, None, 0),  # too little history to call it a drop
        ({"min_satisfaction": 2, "avg_satisfaction": 3.5}, "low_satisfaction", 20),
        ({"min_satisfaction": 3, "avg_satisfaction": 3.0}, "low_satisfaction", 10),
        ({"open_complaints": 1}, "complaints", 9),
        ({"open_complaints": 1, "late_complaints": 1}, "complaints", 15),
        ({"payment_delay_days": 30}, "payment_delay", 5),
        ({"payment_delay_days": 90}, "payment_delay", 10),
        ({"competitor_mentioned": True}, "competitor", 10),
    ],
)
def test_each_signal_alone(changes: dict, signal: str | None, points: float) -> None:
    total, parts = score(**changes)
    assert total == points
    assert parts == ({signal: points} if signal else {})


def test_signals_together_and_their_shares() -> None:
    result = churn_score(dataclasses.replace(QUIET, days_since_contact=21, recent_contacts=0, competitor_mentioned=True,
                                             min_satisfaction=1), POLICY)
    assert result.total == 75
    assert [(c.signal, c.points, c.share) for c in result.contributions] == [
        ("silence", 25, 0.333), ("frequency_drop", 20, 0.267), ("low_satisfaction", 20, 0.267),
        ("competitor", 10, 0.133)]
    assert result.at_risk(POLICY)


@pytest.mark.parametrize(("days", "at_risk"), [(20, False), (21, True)])
def test_the_threshold(days: int, at_risk: bool) -> None:
    # Silence 20 days on a weekly cadence: 23.2 points; 21 days: 25. With no contact this window (20)
    # and an open complaint (9): 52.2 below a threshold of 54, 54 at it (at or above is at risk).
    result = churn_score(dataclasses.replace(QUIET, days_since_contact=days, recent_contacts=0, open_complaints=1,
                                             payment_delay_days=0), ChurnPolicy(threshold=54))
    assert result.at_risk(ChurnPolicy(threshold=54)) is at_risk


def test_never_contacted_is_not_silence() -> None:
    assert score(days_since_contact=None) == (0, {})


def test_weights_and_threshold_are_policy() -> None:
    policy = ChurnPolicy(weights={"competitor": 60}, threshold=60)
    result = churn_score(dataclasses.replace(QUIET, competitor_mentioned=True, days_since_contact=30), policy)
    assert result.total == 60 and result.at_risk(policy)
