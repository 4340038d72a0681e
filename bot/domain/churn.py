"""The churn risk score (DOMAIN §10): pure, explained signal by signal.

Each signal has a strength between 0 and 1; its contribution is strength × its weight (the
policy's points for that signal at full strength). The score is the sum; a customer at or
above the threshold is flagged warning. An alert lists every contributing signal with its
points and its share of the score.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.policy import ChurnPolicy


@dataclass(frozen=True)
class Signals:
    """What is known of a customer's last months (see ``ChurnPolicy.window_days``)."""

    days_since_contact: float | None  # None: never contacted
    cadence_days: int | None  # the grade's cadence; None: no individual cadence
    recent_contacts: int  # in the last window
    previous_contacts: int  # in the window before it
    min_satisfaction: int | None  # lowest satisfaction score in the window
    avg_satisfaction: float | None
    open_complaints: int
    late_complaints: int  # open and past their deadline
    payment_delay_days: int | None  # the largest delay recorded in the window
    competitor_mentioned: bool


@dataclass(frozen=True)
class Contribution:
    signal: str
    points: float
    share: float  # of the whole score


@dataclass(frozen=True)
class Score:
    total: float
    contributions: tuple[Contribution, ...]

    def at_risk(self, policy: ChurnPolicy) -> bool:
        return self.total >= policy.threshold


def strengths(signals: Signals, policy: ChurnPolicy) -> dict[str, float]:
    """How strongly each signal speaks, from 0 (not at all) to 1."""
    cadence = signals.cadence_days or policy.no_cadence_days
    silence = 0.0
    if signals.days_since_contact is not None:
        # Nothing within the cadence; full strength at three cadences of silence.
        silence = _clamp((signals.days_since_contact / cadence - 1) / 2)
    drop = 0.0
    if signals.previous_contacts >= 2:
        drop = _clamp(1 - signals.recent_contacts / signals.previous_contacts)
    satisfaction = 0.0
    if signals.min_satisfaction is not None and signals.min_satisfaction <= 2:
        satisfaction = 1.0
    elif signals.avg_satisfaction is not None and signals.avg_satisfaction <= 3:
        satisfaction = 0.5
    complaints = 1.0 if signals.late_complaints else (0.6 if signals.open_complaints else 0.0)
    payment = _clamp((signals.payment_delay_days or 0) / policy.payment_delay_full_days)
    return {"silence": silence, "frequency_drop": drop, "low_satisfaction": satisfaction, "complaints": complaints,
            "payment_delay": payment, "competitor": 1.0 if signals.competitor_mentioned else 0.0}


def churn_score(signals: Signals, policy: ChurnPolicy) -> Score:
    points = {name: round(strength * policy.weights.get(name, 0), 1)
              for name, strength in strengths(signals, policy).items()}
    total = round(sum(points.values()), 1)
    contributions = tuple(
        Contribution(name, value, round(value / total, 3) if total else 0.0)
        for name, value in sorted(points.items(), key=lambda item: -item[1]) if value > 0
    )
    return Score(total=total, contributions=contributions)


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))
