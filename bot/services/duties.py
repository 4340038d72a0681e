"""The scheduled duties (DOMAIN §6, §7, §9, §13): each is a function of ``(runtime, now)``.

A duty decides what should be said at ``now`` and queues it in the outbox under a key naming
the duty, the recipient, the customer and the period, so running a duty twice, in two
processes at once, or again after downtime never says the same thing twice. It returns how
many messages it queued. Delivery is the outbox's job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.config import TeamConfig
from bot.domain.cadence import (
    deadline_stage,
    digest_time,
    first_contact_deadline,
    long_silence,
    objection_overdue,
    over_contacted,
)
from bot.domain.calendar import is_working_day
from bot.domain.dates import format_when
from bot.i18n import Lang, t
from bot.runtime import Runtime
from bot.services import churn, grades, handover, reports
from bot.services.directory import team_language, user_profiles
from bot.services.duelist import iter_due_lists
from bot.services.isolation import isolated
from bot.services.outbox import Outgoing, enqueue, held_for_working_time
from bot.views.blocks import Block, actions, button, escape, section
from bot.views.digest import ATTENTION, Overdue, RepWeek, weekly_digest
from bot.views.duelist import due_list_message
from bot.views.ids import LOG_FOLLOWUP
from storage import queries
from storage.models import Customer, DueItem

OBJECTION_LOOKBACK = timedelta(days=30)
QUEUE_CHUNK = 500  # messages a fan-out duty queues per transaction


@dataclass(frozen=True)
class Duty:
    id: str
    run: Callable[[Runtime, datetime], int]


def _lang(runtime: Runtime, team: TeamConfig) -> Lang:
    return team_language(runtime.config, team)


def _when(at: datetime, team: TeamConfig, lang: Lang) -> str:
    return format_when(at, tz=team.timezone, lang=lang)


def _queue(runtime: Runtime, messages: list[Outgoing], now: datetime, *, skipped: Sequence[str] = ()) -> int:
    """Queue decided messages in one transaction, each held over its recipient's day off;
    returns how many were new."""
    if not messages and not skipped:
        return 0
    with runtime.db.write(background=True) as session:
        new = 0
        for message in messages:
            new += enqueue(session, held_for_working_time(session, runtime, message, now=now), now=now)
        for key in skipped:
            enqueue(session, Outgoing(key=key, channel="-", text=""), now=now, skip=True)
    return new


# Daily due lists -----------------------------------------------------------------------------------


def daily_due_lists(runtime: Runtime, now: datetime) -> int:
    """09:00 in each rep's own time zone, on the team's working days: one digest, or nothing if nothing is due.

    Reps whose Slack account is deactivated get nothing (Slack would accept the message silently);
    their supervisor channel gets the handover draft once (``handover.deactivation_drafts``).
    """
    members = {user: team for team in runtime.config.teams for user in [*team.reps, *team.supervisors]}
    profiles = user_profiles(runtime, list(members), now=now)
    candidates: dict[str, str] = {}
    for user, team in members.items():
        tz = profiles[user].tz or team.timezone
        local = now.astimezone(ZoneInfo(tz))
        if is_working_day(local.date(), team.holidays) and digest_time(local):
            candidates[f"digest:{user}:{local.date().isoformat()}"] = user
    with runtime.db.read() as session:
        done = set(queries.existing_outbox_keys(session=session, keys=list(candidates)))
    todo = {key: who for key, who in candidates.items() if key not in done}
    key_of = {user: key for key, user in todo.items()}
    skipped = [key for key, user in todo.items() if profiles[user].deleted]
    owners = {user: profiles[user].tz or members[user].timezone for user in todo.values()
              if not profiles[user].deleted}
    # Streamed: the lists are read a few hundred reps at a time and their messages queued every
    # QUEUE_CHUNK, so 10,000 reps never hold every list or every message in memory at once.
    queued = 0
    messages: list[Outgoing] = []
    for due in iter_due_lists(runtime, owners=owners, now=now):
        user = due.owner_id
        if due.empty:
            skipped.append(key_of[user])
            continue
        with isolated("daily-due-lists", f"the due list of {user}"):
            lang = profiles[user].lang or _lang(runtime, members[user])
            day_text = format_when(now, tz=owners[user], lang=lang).split(",")[0]
            text, blocks = due_list_message(lang, due, tz=owners[user], day=day_text)
            messages.append(Outgoing(key=key_of[user], channel=user, text=text, blocks=blocks))
        if len(messages) + len(skipped) >= QUEUE_CHUNK:
            queued += _queue(runtime, messages, now, skipped=skipped)
            messages, skipped = [], []
    return queued + _queue(runtime, messages, now, skipped=skipped)


# Deadlines and escalations -------------------------------------------------------------------------


def deadline_reminders(runtime: Runtime, now: datetime) -> int:
    """Next steps and first contacts past their deadline: remind the rep, then tell the supervisors."""
    messages: list[Outgoing] = []
    shortest = min(t.policy.deadlines.next_step_grace_hours for t in runtime.config.teams)
    first = min(t.policy.cadence.first_contact_hours for t in runtime.config.teams)
    with runtime.db.read() as session:
        steps = queries.missed_next_steps(session=session, before=now - timedelta(hours=shortest))
        uncontacted = queries.never_contacted(session=session, assigned_before=now - timedelta(hours=min(first, 24)))
    for customer in steps:
        with isolated("deadlines", f"the next step of customer {customer.id}"):
            messages.extend(_next_step_messages(runtime, customer, now))
    for customer in uncontacted:
        with isolated("deadlines", f"the first contact of customer {customer.id}"):
            messages.extend(_first_contact_messages(runtime, customer, now))
    return _queue(runtime, messages, now)


def _next_step_messages(runtime: Runtime, customer: Customer, now: datetime) -> list[Outgoing]:
    """A planned step not logged within its grace (working hours): the rep, then the supervisors."""
    team = runtime.team_by_id(customer.team_id)
    assert customer.next_step_at is not None
    stage = deadline_stage(customer.next_step_at, now, team.policy.deadlines, tz=team.timezone,
                           holidays=team.holidays)
    messages: list[Outgoing] = []
    if stage is not None:
        lang = _lang(runtime, team)
        values = {"number": escape(customer.number), "company": escape(customer.company), "owner": customer.owner_id,
                  "step": escape(customer.next_step or "—"), "when": _when(customer.next_step_at, team, lang),
                  "hours": int((now - customer.next_step_at).total_seconds() // 3600)}
        period = customer.next_step_at.isoformat()
        messages.append(_rep_reminder(customer, f"remind:next_step:{customer.id}:{period}",
                                      t("remind_next_step", lang, **values), lang))
        if stage == "escalate":
            messages.append(Outgoing(key=f"escalate:next_step:{customer.id}:{period}", channel=team.supervisor_channel,
                                     text=t("escalate_next_step", lang, **values)))
    return messages


def _first_contact_messages(runtime: Runtime, customer: Customer, now: datetime) -> list[Outgoing]:
    """A lead not contacted by its first-contact deadline: the rep at once, the supervisors later."""
    team = runtime.team_by_id(customer.team_id)
    policy = team.policy
    deadline = first_contact_deadline(customer.created_at, policy.cadence, tz=team.timezone, holidays=team.holidays)
    stage = deadline_stage(deadline, now, policy.deadlines, grace=False, tz=team.timezone, holidays=team.holidays)
    if stage is None:
        return []
    lang = _lang(runtime, team)
    limit = (t("limit_working_days", lang, days=policy.cadence.first_contact_working_days)
             if policy.cadence.first_contact_working_days else
             t("limit_hours", lang, hours=policy.cadence.first_contact_hours))
    values = {"number": escape(customer.number), "company": escape(customer.company), "owner": customer.owner_id,
              "when": _when(deadline, team, lang), "assigned": _when(customer.created_at, team, lang),
              "limit": limit}
    messages = [_rep_reminder(customer, f"remind:first_contact:{customer.id}",
                              t("remind_first_contact", lang, **values), lang)]
    if stage == "escalate":
        messages.append(Outgoing(key=f"escalate:first_contact:{customer.id}", channel=team.supervisor_channel,
                                 text=t("escalate_first_contact", lang, **values)))
    return messages


def _rep_reminder(customer: Customer, key: str, text: str, lang: Lang) -> Outgoing:
    blocks = [section(text), actions(f"remind_{customer.id}",
                                     button(t("log_followup", lang), LOG_FOLLOWUP, str(customer.id), "primary"))]
    return Outgoing(key=key, channel=customer.owner_id, text=text, blocks=blocks)


# Alerts ------------------------------------------------------------------------------------------------


def alerts(runtime: Runtime, now: datetime) -> int:
    """Long silence of A customers, over-contact of D customers, objections left unanswered.

    Queued every QUEUE_CHUNK messages (a million customers can make a hundred thousand alerts)."""
    queued = 0
    messages: list[Outgoing] = []

    def queue_full() -> None:
        nonlocal queued, messages
        if len(messages) >= QUEUE_CHUNK:
            queued += _queue(runtime, messages, now)
            messages = []

    shortest = min(t.policy.alerts.a_silence_days for t in runtime.config.teams)
    with runtime.db.read() as session:
        silent = queries.silent_customers(session=session, grade="A", since=now - timedelta(days=shortest))
    for customer in silent:
        queue_full()
        with isolated("alerts", f"the silence of customer {customer.id}"):
            team = runtime.team_by_id(customer.team_id)
            if not long_silence(customer.grade, customer.last_contact_at, customer.created_at, now, team.policy.alerts):
                continue
            lang = _lang(runtime, team)
            last = customer.last_contact_at
            values = {"number": escape(customer.number), "company": escape(customer.company), "owner": customer.owner_id,
                      "last": _when(last, team, lang) if last else t("never", lang),
                      "days": (now - (last or customer.created_at)).days, "limit": team.policy.alerts.a_silence_days}
            messages.append(Outgoing(key=f"alert:a_silence:{customer.id}:{last.isoformat() if last else 'never'}",
                                     channel=team.supervisor_channel, text=t("alert_a_silence", lang, **values)))
    for team in runtime.config.teams:
        zone = ZoneInfo(team.timezone)
        local = now.astimezone(zone)
        month_start = datetime.combine(local.date().replace(day=1), time(0, 0), zone)
        with runtime.db.read() as session:
            counts = queries.followup_counts_since(session=session, team_id=runtime.team_ids[team.name], grade="D",
                                                   since=month_start, until=now)
        lang = _lang(runtime, team)
        for customer, count in counts:
            queue_full()
            with isolated("alerts", f"the contacts of customer {customer.id}"):
                if not over_contacted(customer.grade, count, team.policy.alerts):
                    continue
                values = {"number": escape(customer.number), "company": escape(customer.company), "owner": customer.owner_id,
                          "count": count, "month": local.strftime("%Y-%m"), "limit": team.policy.alerts.d_max_followups_per_month}
                text = t("alert_over_contact", lang, **values)
                period = local.strftime("%Y-%m")
                messages.append(Outgoing(key=f"alert:over_contact:{customer.id}:{period}:rep", channel=customer.owner_id,
                                         text=text))
                messages.append(Outgoing(key=f"alert:over_contact:{customer.id}:{period}:channel",
                                         channel=team.supervisor_channel, text=text))
    with runtime.db.read() as session:
        objections = queries.unanswered_objections(session=session, since=now - OBJECTION_LOOKBACK, until=now)
    for followup, customer in objections:
        queue_full()
        with isolated("alerts", f"the objection of follow-up {followup.id}"):
            team = runtime.team_by_id(customer.team_id)
            if not objection_overdue(followup.occurred_at, now, team.policy.deadlines):
                continue
            lang = _lang(runtime, team)
            text = t("remind_objection", lang, number=escape(customer.number), company=escape(customer.company),
                     when=_when(followup.occurred_at, team, lang), objection=escape((followup.objection or "")[:300]),
                     hours=team.policy.deadlines.objection_answer_hours)
            messages.append(_rep_reminder(customer, f"remind:objection:{followup.id}", text, lang))
    return queued + _queue(runtime, messages, now)


# Weekly supervisor digest --------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """The week a digest looks back on (team time), and the instant it is made."""

    start: datetime
    end: datetime
    now: datetime


# Sections other features add to a team's weekly digest, after the reps and the handed-over
# customers not yet contacted (PRODUCT.md "Handover"): each is called as
# ``section(runtime, team, week, lang)`` and returns blocks, each within Slack's limits (long lists
# through ``bot.views.lists.packed_sections``, cut lists with a count of the rest). The digest is
# split over as many messages as the blocks need.
WeeklySection = Callable[[Runtime, TeamConfig, Week, Lang], list[Block]]
WEEKLY_SECTIONS: tuple[WeeklySection, ...] = ()


def weekly_digests(runtime: Runtime, now: datetime) -> int:
    """Monday 09:00 team time: per rep (every one of them), last week's follow-ups, late logs, overdue,
    missed steps, over-contact; then the oldest overdue customers, the rest counted.

    A digest longer than one message goes as several (parts 2, 3 … under keys ending ``:2``, ``:3``),
    queued together in one transaction; a team whose first part is already queued is left alone,
    so a rerun sends none of them again even if the team grew in between.
    """
    messages: list[Outgoing] = []
    for team in runtime.config.teams:
        zone = ZoneInfo(team.timezone)
        local = now.astimezone(zone)
        if local.weekday() != 0 or not digest_time(local):
            continue
        key = f"weekly:{team.name}:{local.date().isoformat()}"
        with runtime.db.read() as session:
            if queries.existing_outbox_keys(session=session, keys=[key]):
                continue
        with isolated("weekly-digest", f"the digest of {team.name}"):
            week_end = datetime.combine(local.date(), time(0, 0), zone)
            week = Week(start=week_end - timedelta(days=7), end=week_end, now=now)
            # Read once for the team's digest and for each successor's own reminder.
            awaiting = handover.handed_over_awaiting_contact(runtime, now=now, team_ids=[runtime.team_ids[team.name]])
            for part, (text, blocks) in enumerate(_weekly_digest(runtime, team, week, awaiting), start=1):
                messages.append(Outgoing(key=key if part == 1 else f"{key}:{part}", channel=team.supervisor_channel,
                                         text=text, blocks=blocks))
            messages.extend(handover.successor_reminders(runtime, awaiting, week_end=week_end, now=now,
                                                         lang=_lang(runtime, team)))
    return _queue(runtime, messages, now)


def _weekly_digest(runtime: Runtime, team: TeamConfig, week: Week,
                   awaiting: list[handover.AwaitingContact]) -> list[tuple[str, list[Block]]]:
    now = week.now
    team_id = runtime.team_ids[team.name]
    month_start = datetime.combine(now.astimezone(ZoneInfo(team.timezone)).date().replace(day=1), time(0, 0),
                                   ZoneInfo(team.timezone))
    with runtime.db.read() as session:  # counted in SQL: a team may have tens of thousands overdue
        logged = queries.followup_stats(session=session, team_id=team_id, since=week.start, until=week.end)
        overdue_by = queries.overdue_by_owner(session=session, team_id=team_id, now=now)
        oldest = queries.oldest_overdue(session=session, team_id=team_id, now=now, limit=ATTENTION)
        missed_by = queries.missed_steps_by_owner(session=session, team_id=team_id, before=now - timedelta(
            hours=team.policy.deadlines.next_step_grace_hours))
        over = queries.followup_counts_since(session=session, team_id=team_id, grade="D", since=month_start,
                                             until=now)
    lang = _lang(runtime, team)
    over_by = Counter(c.owner_id for c, n in over if over_contacted("D", n, team.policy.alerts))
    reps = []
    for rep in [*team.reps, *[s for s in team.supervisors if s not in team.reps]]:
        count, late = logged.get(rep, (0, 0))
        reps.append(RepWeek(user=rep, logged=count, late=late, overdue=overdue_by.get(rep, 0),
                            missed=missed_by.get(rep, 0), over=over_by[rep]))
    named = [Overdue(number=c.number, company=c.company, owner=c.owner_id, since=_when(c.next_due_at or now, team, lang))
             for c in oldest]
    extra = [*handover.awaiting_section(awaiting, lang),
             *(block for add in WEEKLY_SECTIONS for block in add(runtime, team, week, lang))]
    return weekly_digest(lang, team=team.name, day=week.start.date().isoformat(), reps=reps, overdue=named,
                         overdue_total=sum(overdue_by.values()), extra=extra)


# Due items -----------------------------------------------------------------------------------------


def reactivations(runtime: Runtime, now: datetime) -> int:
    """A paused customer's reactivation item that came due schedules the next quarter's."""
    created = 0
    with runtime.db.write(background=True) as session:
        for item, customer in queries.due_reactivations(session=session, now=now):
            team = runtime.team_by_id(customer.team_id)
            zone = ZoneInfo(team.timezone)
            nxt = item.due_at.astimezone(zone).date() + relativedelta(months=team.policy.cadence.paused_reactivation_months)
            due = datetime.combine(nxt, time(9, 0), zone)
            created += queries.insert_ignoring_conflict(session, DueItem, {
                "key": f"reactivation:{customer.id}:{nxt.isoformat()}", "customer_id": customer.id,
                "owner_id": customer.owner_id, "kind": "reactivation", "due_at": due, "note": item.note,
                "created_at": now,
            })
            queries.close_older_due_items(session=session, customer_id=customer.id, kind="reactivation",
                                          before=item.due_at, at=now, resolution="next_quarter")
    return created


def issue_deadlines(runtime: Runtime, now: datetime) -> int:
    """A complaint or issue past its deadline: the supervisor channel is told, once."""
    messages: list[Outgoing] = []
    with runtime.db.read() as session:
        overdue = queries.overdue_issues(session=session, now=now)
    for issue, customer in overdue:
        with isolated("issue-deadlines", f"issue {issue.id}"):
            team = runtime.team_by_id(customer.team_id)
            lang = _lang(runtime, team)
            policy = team.policy.issues
            text = t("escalate_issue", lang, kind=t("issue_complaint" if issue.complaint else "issue_issue", lang),
                     number=issue.number, customer=escape(customer.number), company=escape(customer.company),
                     owner=customer.owner_id,
                     what=t(f"issue_what_{issue.deadline_kind}", lang), when=_when(issue.deadline_at, team, lang),
                     reported=_when(issue.reported_at, team, lang), complaint=policy.complaint_response_hours,
                     normal=policy.normal_response_hours, complex=policy.complex_solution_hours)
            messages.append(Outgoing(key=f"escalate:issue:{issue.id}:{issue.deadline_kind}",
                                     channel=team.supervisor_channel, text=text))
    return _queue(runtime, messages, now)


DUTIES = (
    Duty("daily-due-lists", daily_due_lists),
    Duty("deadlines", deadline_reminders),
    Duty("alerts", alerts),
    Duty("weekly-digest", weekly_digests),
    Duty("quarterly-regrade", grades.create_regrade_items),
    Duty("reactivation", reactivations),
    Duty("issue-deadlines", issue_deadlines),
    Duty("churn-warnings", churn.churn_duty),
    Duty("repurchase", churn.repurchase_items),
    Duty("handover-drafts", handover.deactivation_drafts),
    Duty("monthly-report", reports.monthly_reports),
)


def run_duties(runtime: Runtime, now: datetime) -> dict[str, int]:
    """Run every duty once at ``now`` (each is idempotent); returns what each decided. A duty that
    fails is logged with an id and the others still run."""
    decided: dict[str, int] = {}
    for duty in DUTIES:
        decided[duty.id] = 0
        with isolated(duty.id, "the duty"):
            decided[duty.id] = duty.run(runtime, now)
    return decided
