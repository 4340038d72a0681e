"""A team's policy: every number of DOMAIN.md as an overridable default.

Teams override any key in the teams file under ``policy:``; unknown keys are refused so that a
typo does not silently fall back to the default.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CadencePolicy(_Strict):
    """Days between follow-ups per grade (None: no individual follow-up) and related rules."""

    days_by_grade: dict[str, int | None] = Field(default_factory=lambda: {"A": 14, "B": 7, "C": 14, "D": None})
    # Overrides by lifecycle status, for seeds that set cadence by stage of the relationship
    # (002: deal customers every 2 weeks → {maintaining: 14}; prospects monthly → {lead: 30}).
    days_by_status: dict[str, int] = Field(default_factory=dict)
    ungraded_days: int = 14
    key_stages: tuple[str, ...] = ("proposal", "negotiation")
    key_stage_days: int = 1
    first_contact_hours: int = 24
    # 001 lets a team give new leads 3 working days instead of 24 hours.
    first_contact_working_days: int | None = None
    paused_reactivation_months: int = 3


class DeadlinePolicy(_Strict):
    registration_hours: int = 24
    log_within_hours: int = 24
    next_step_grace_hours: int = 24
    escalate_after_hours: int = 24
    objection_answer_hours: int = 24


class GradePolicy(_Strict):
    """Annual purchase thresholds in CNY: at or above the figure earns the grade."""

    a_min: int = 500_000
    b_min: int = 200_000
    c_min: int = 50_000
    # A potential score (1-5) at or above this suggests one grade higher than the purchase alone.
    potential_raises_at: int | None = 5
    # Re-grade items are created in the first days of a quarter (catching up after downtime).
    regrade_window_days: int = 7


class AfterSalesPolicy(_Strict):
    """Revisits after a deal (DOMAIN §9)."""

    first_revisit_working_days: int = 7
    revisit_months: tuple[int, ...] = (1, 3)
    review_months: int = 6


class AlertPolicy(_Strict):
    a_silence_days: int = 14
    d_max_followups_per_month: int = 2


class ChurnPolicy(_Strict):
    """The churn risk score (DOMAIN §10): weights of the signals (points at full strength) and the
    threshold at which a customer is flagged warning."""

    weights: dict[str, int] = Field(default_factory=lambda: {
        "silence": 25, "frequency_drop": 20, "low_satisfaction": 20, "complaints": 15, "payment_delay": 10,
        "competitor": 10,
    })
    threshold: int = 50
    window_days: int = 90
    no_cadence_days: int = 90  # silence is measured against this for customers without a cadence (D)
    payment_delay_full_days: int = 60
    competitor_keywords: tuple[str, ...] = ("competitor", "cheaper", "switching", "another vendor", "竞品",
                                            "竞争对手", "报价更低", "更便宜", "换供应商")


class IssuePolicy(_Strict):
    """Complaint and issue deadlines (DOMAIN §12)."""

    complaint_response_hours: int = 2
    normal_response_hours: int = 24
    complex_solution_hours: int = 48


class RepurchasePolicy(_Strict):
    contract_months: int = 12  # a won contract's term when no end date is given
    days_before_end: int = 30
    min_satisfaction: int = 4


class Policy(_Strict):
    cadence: CadencePolicy = Field(default_factory=CadencePolicy)
    deadlines: DeadlinePolicy = Field(default_factory=DeadlinePolicy)
    grades: GradePolicy = Field(default_factory=GradePolicy)
    alerts: AlertPolicy = Field(default_factory=AlertPolicy)
    after_sales: AfterSalesPolicy = Field(default_factory=AfterSalesPolicy)
    churn: ChurnPolicy = Field(default_factory=ChurnPolicy)
    issues: IssuePolicy = Field(default_factory=IssuePolicy)
    repurchase: RepurchasePolicy = Field(default_factory=RepurchasePolicy)
