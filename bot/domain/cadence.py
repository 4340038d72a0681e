"""The cadence engine (DOMAIN §6, §7): when a customer is next due and why, and the deadline
rules that turn into reminders and alerts. Pure: no Slack, no database.

Cadence dates are days in the team's time zone: a customer contacted on some day is due
``days`` later at 09:00, moved to the next working day (weekends and the team's holidays
skipped). A planned next step earlier than that wins. A lead nobody has contacted yet is due
``first_contact_hours`` after it was assigned (or, where the policy says so, at the same time
of day ``first_contact_working_days`` working days later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import add_working_days, next_working_day, working_hours_between
from bot.domain.policy import AlertPolicy, CadencePolicy, DeadlinePolicy

DUE_HOUR = time(9, 0)
OFF_CADENCE = ("churned",)


@dataclass(frozen=True)
class CustomerFacts:
    grade: str | None
    status: str
    paused: bool
    assigned_at: datetime
    last_contact_at: datetime | None
    last_stage: str | None
    next_step_at: datetime | None


@dataclass(frozen=True)
class Due:
    at: datetime
    reason: str  # first_contact | key_stage | cadence | next_step
    days: int | None = None


def cadence_days(facts: CustomerFacts, policy: CadencePolicy) -> tuple[int | None, str]:
    """Days between contacts for this customer, and why: a key stage, its status, its grade."""
    if facts.last_stage in policy.key_stages and facts.status not in ("won", "maintaining"):
        return policy.key_stage_days, "key_stage"
    if facts.status in policy.days_by_status:
        return policy.days_by_status[facts.status], "cadence"
    if facts.grade is None:
        return policy.ungraded_days, "cadence"
    return policy.days_by_grade.get(facts.grade), "cadence"


def next_due(facts: CustomerFacts, policy: CadencePolicy, *, tz: str, holidays: str | None) -> Due | None:
    """The next due instant and its reason, or None (paused, churned, or a D customer with no step)."""
    if facts.paused or facts.status in OFF_CADENCE:
        return None
    zone = ZoneInfo(tz)
    candidates: list[Due] = []
    if facts.last_contact_at is None:
        candidates.append(Due(first_contact_deadline(facts.assigned_at, policy, tz=tz, holidays=holidays),
                              "first_contact"))
    else:
        days, reason = cadence_days(facts, policy)
        if days is not None:
            day = next_working_day(facts.last_contact_at.astimezone(zone).date() + timedelta(days=days), holidays)
            candidates.append(Due(datetime.combine(day, DUE_HOUR, zone), reason, days))
    if facts.next_step_at is not None:
        candidates.append(Due(facts.next_step_at, "next_step"))
    return min(candidates, key=lambda due: due.at) if candidates else None


def first_contact_deadline(assigned_at: datetime, policy: CadencePolicy, *, tz: str, holidays: str | None) -> datetime:
    if policy.first_contact_working_days:
        local = assigned_at.astimezone(ZoneInfo(tz))
        day = add_working_days(local.date(), policy.first_contact_working_days, holidays)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), ZoneInfo(tz))
    return assigned_at + timedelta(hours=policy.first_contact_hours)


def deadline_stage(deadline: datetime, now: datetime, policy: DeadlinePolicy, *, grace: bool = True,
                   tz: str | None = None, holidays: str | None = None) -> str | None:
    """A passed deadline with nothing logged: ``remind`` the rep, then ``escalate`` to the
    supervisors ``escalate_after_hours`` later (DOMAIN §7).

    A planned next step gets ``next_step_grace_hours`` to be logged before the reminder
    (``grace``); a first-contact deadline already is the grace, so its reminder comes at once.
    With ``tz`` the hours are counted on working days only (weekends and ``holidays`` do not
    use up the grace): a step due Friday 09:00 is reminded Monday 09:00, escalated Tuesday 09:00.
    """
    if tz is None:
        overdue_hours = (now - deadline).total_seconds() / 3600
    else:
        overdue_hours = working_hours_between(deadline, now, tz=tz, country=holidays)
        if now < deadline:
            overdue_hours = -1.0
    waited = policy.next_step_grace_hours if grace else 0
    if overdue_hours >= waited + policy.escalate_after_hours:
        return "escalate"
    if overdue_hours >= waited:
        return "remind"
    return None


def long_silence(grade: str | None, last_contact_at: datetime | None, assigned_at: datetime, now: datetime,
                 policy: AlertPolicy) -> bool:
    """An A customer with no contact for more than ``a_silence_days`` days (长期失联)."""
    if grade != "A":
        return False
    return now - (last_contact_at or assigned_at) > timedelta(days=policy.a_silence_days)


def over_contacted(grade: str | None, followups_this_month: int, policy: AlertPolicy) -> bool:
    """A D customer followed up more than the policy allows in a calendar month (过度骚扰)."""
    return grade == "D" and followups_this_month > policy.d_max_followups_per_month


def objection_overdue(raised_at: datetime, now: datetime, policy: DeadlinePolicy) -> bool:
    return now - raised_at >= timedelta(hours=policy.objection_answer_hours)


def digest_time(local_now: datetime) -> bool:
    """The daily due list goes out from 09:00 local time on."""
    return local_now.timetz().replace(tzinfo=None) >= DUE_HOUR
