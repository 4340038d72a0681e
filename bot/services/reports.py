"""The monthly report (DOMAIN §13): figures from SQL aggregates, the text summary and the charts.

Who sees what follows ``bot.services.permissions``: a rep gets their own figures (the customers
they own, the follow-ups they logged), a supervisor their teams', an admin every team's, one
section per team. The figures are defined in ``bot.domain.reports``; here they are counted in the
database (``storage.report_queries``), a team at a time, in the team's time zone.

The monthly duty posts the previous month's report to each team's supervisor channel on the first
working day of the month at 09:00 team time, through the outbox: the summary as a message
(``report:<team>:<YYYY-MM>:summary``) and the charts as one ``files.upload`` outbox message
(``report:<team>:<YYYY-MM>:charts``, the PNGs in its payload), each under a unique key, so running
the duty twice, in two processes, or again later that month decides nothing new, and delivery sends
each at most once like every other outbox message.
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import TeamConfig
from bot.domain import reports as figures
from bot.domain.calendar import next_working_day
from bot.domain.reports import Average, DealsWon, Dims, Month, Rate, TeamFigures
from bot.errors import UserFacingError
from bot.i18n import Lang
from bot.runtime import Runtime
from bot.services.directory import Actor, team_language
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import require_member
from bot.views.charts import Chart, report_charts
from bot.views.reports import report_messages
from storage import queries
from storage import report_queries as rq
from storage.report_queries import ReportScope

REPORT_HOUR = time(9, 0)


@dataclass(frozen=True)
class Section:
    """One part of a report: a team (``rep`` None) or one rep's own customers in their team."""

    team: TeamConfig
    rep: str | None = None


def sections_for(runtime: Runtime, actor: Actor) -> list[Section]:
    """What a person's report covers: an admin every team, a supervisor their teams, a rep their
    own figures in each team they are a rep of."""
    require_member(actor)
    if actor.is_admin:
        return [Section(team) for team in runtime.config.teams]
    found = [Section(runtime.config.team(name)) for name in actor.supervises]
    for membership in runtime.config.memberships.get(actor.user_id, []):
        if membership.role == "rep":
            found.append(Section(runtime.config.team(membership.team), rep=actor.user_id))
    return found


def _scope(runtime: Runtime, section: Section) -> ReportScope:
    return ReportScope(team_ids=(runtime.team_ids[section.team.name],), owner=section.rep)


def choose_month(runtime: Runtime, actor: Actor, text: str) -> tuple[Month, list[Section]]:
    """The month asked for (``YYYY-MM``; empty: the last full month in the person's first team's
    time zone) and the sections that have figures for it. Refused with one sentence when the text
    is no month, the month is still to come, or every team it covers did not exist yet."""
    sections = sections_for(runtime, actor)
    now = runtime.now()
    home_tz = sections[0].team.timezone if sections else "UTC"
    text = text.strip()
    month = figures.parse_month(text) if text else figures.last_full_month(now, home_tz)
    if month is None:
        raise UserFacingError("report_bad_month", text=text[:40])
    problems: list[str] = []
    kept: list[Section] = []
    with runtime.db.read() as session:
        for section in sections:
            zone = section.team.zone
            first = rq.first_record(session=session, scope=_scope(runtime, section))
            problem = figures.month_problem(month, today=now.astimezone(zone).date(),
                                            first_record=first.astimezone(zone).date() if first else None)
            if problem is None:
                kept.append(section)
            else:
                problems.append(problem)
    if not kept:
        key = "report_future_month" if "report_future_month" in problems else "report_before_team"
        raise UserFacingError(key, month=str(month))
    return month, kept


def team_figures(runtime: Runtime, section: Section, month: Month, *, session: Session | None = None) -> TeamFigures:
    """Every figure of one section's month, counted in the database."""
    return figures_for(runtime, [section], month, session=session)[0]


def figures_for(runtime: Runtime, sections: list[Section], month: Month, *,
                session: Session | None = None) -> list[TeamFigures]:
    """Every figure of each section's month. Teams that share a time zone and a grace are counted
    together, one statement per figure grouped by team (an admin's ten teams cost what one does);
    a rep's own figures are counted on their own."""
    if session is None:
        with runtime.db.read() as own:
            return figures_for(runtime, sections, month, session=own)
    groups: dict[tuple[str, int, str | None], list[int]] = {}
    for index, section in enumerate(sections):
        key = (section.team.timezone, section.team.policy.deadlines.next_step_grace_hours, section.rep)
        groups.setdefault(key, []).append(index)
    found: dict[int, TeamFigures] = {}
    for members in groups.values():
        counted = _count(runtime, session, [sections[i] for i in members], month)
        found |= dict(zip(members, counted, strict=True))
    return [found[i] for i in range(len(sections))]


def _count(runtime: Runtime, session: Session, sections: list[Section], month: Month) -> list[TeamFigures]:
    """The figures of sections that share a time zone, a grace and an owner (None: whole teams)."""
    team = sections[0].team
    now = runtime.now()
    start, month_end = figures.month_bounds(month, team.timezone)
    end = min(month_end, now)
    partial = end < month_end
    ids = [runtime.team_ids[s.team.name] for s in sections]
    scope = ReportScope(team_ids=tuple(ids), owner=sections[0].rep)
    window: dict[str, Any] = {"session": session, "scope": scope, "start": start, "end": end}

    def by_team(rows: list[Any]) -> dict[int, list[Any]]:
        split: dict[int, list[Any]] = {team_id: [] for team_id in ids}
        for (team_id, dims), *rest in rows:
            split[team_id].append((dims, *rest))
        return split

    def rates(rows: list[Any]) -> dict[int, dict[Dims, Rate]]:
        return {team_id: {dims: Rate(part, whole) for dims, whole, part in found}
                for team_id, found in by_team(rows).items()}

    new_rows = by_team(rq.new_customers(**window))
    by_status: dict[int, Counter[str]] = {i: Counter() for i in ids}
    by_grade: dict[int, Counter[str | None]] = {i: Counter() for i in ids}
    ranks: dict[int, Counter[tuple[int | None, int | None]]] = {i: Counter() for i in ids}
    for team_id, grade, _s0, s1, r0, r1, n in rq.snapshot(**window).rows:
        if s1 is not None:
            by_status[team_id][s1] += n
            if s1 != "churned":
                by_grade[team_id][grade] += n
        ranks[team_id][(r0, r1)] += n
    deals: dict[int, dict[Dims, DealsWon]] = {i: {} for i in ids}
    last = min(month.last_day, end.astimezone(team.zone).date())
    for (team_id, dims), amount, cycle in rq.deals_won(session=session, scope=scope, first=month.first_day, last=last):
        one = DealsWon(1, amount if amount is not None else Decimal(0), int(amount is not None), (cycle,))
        deals[team_id][dims] = deals[team_id].get(dims, figures.NO_DEALS) + one
    churned: dict[int, list[datetime]] = {i: [] for i in ids}
    for team_id, at in rq.churn_steps(**window):
        churned[team_id].append(at)
    churn, saved = rates(rq.churn(**window)), rates(rq.warnings_closed(**window))
    repurchase = rates(rq.repurchases(session=session, scope=scope, first=month.first_day, last=month.last_day))
    on_time = rates(rq.on_time(**window, grace_hours=team.policy.deadlines.next_step_grace_hours))
    logging, issues = rates(rq.logging(**window)), rates(rq.issue_timeliness(**window))
    satisfaction = {team_id: {dims: Average(Decimal(total), count) for dims, total, count in found}
                    for team_id, found in by_team(rq.satisfaction(**window)).items()}
    counted = []
    for section, team_id in zip(sections, ids, strict=True):
        report = TeamFigures(
            team=section.team.name, tz=section.team.timezone, month=month, start=start, end=end, partial=partial,
            rep=section.rep, new=dict(Counter(dims for dims, _ in new_rows[team_id])),
            new_by_week=figures.by_week((at for _, at in new_rows[team_id]), (start, month_end)),
            churned_by_week=figures.by_week(churned[team_id], (start, month_end)),
            by_status=dict(by_status[team_id]), by_grade=dict(by_grade[team_id]),
            funnel=figures.funnel_from_ranks(ranks[team_id]), deals=deals[team_id], churn=churn[team_id],
            saved=saved[team_id], repurchase=repurchase[team_id], on_time=on_time[team_id],
            logging=logging[team_id], issues=issues[team_id], satisfaction=satisfaction[team_id],
        )
        names = rq.real_names(session=session, user_ids=report.reps())
        counted.append(TeamFigures(**{**report.__dict__, "names": names}))
    return counted


@dataclass(frozen=True)
class Built:
    month: Month
    messages: list[tuple[str, list[dict[str, object]]]]
    charts: list[Chart]


def build(runtime: Runtime, actor: Actor, month: Month, sections: list[Section], lang: Lang) -> Built:
    """The report of ``month`` for these sections: Block Kit messages and PNG charts."""
    teams = figures_for(runtime, sections, month)
    return Built(month=month, messages=report_messages(lang, teams), charts=report_charts(lang, teams))


# The monthly duty ------------------------------------------------------------------------------------


def report_due(team: TeamConfig, now: datetime) -> Month | None:
    """The month whose report is due in ``team``'s channel at ``now``: the previous month, on the
    month's first working day (the team's holiday calendar) from 09:00 team time to the day's end
    (a scheduler down at 09:00 catches up that day, like the daily due lists); else None."""
    local = now.astimezone(ZoneInfo(team.timezone))
    month = Month.of(local.date())
    first = next_working_day(month.first_day, team.holidays)
    return month.previous if local.date() == first and local.time() >= REPORT_HOUR else None


def report_keys(team: TeamConfig, month: Month) -> tuple[str, str]:
    return f"report:{team.name}:{month}:summary", f"report:{team.name}:{month}:charts"


def monthly_reports(runtime: Runtime, now: datetime) -> int:
    """Each team's previous month to its supervisor channel, once (outbox keys per team and month)."""
    due = {team.name: month for team in runtime.config.teams if (month := report_due(team, now)) is not None}
    if not due:
        return 0
    wanted = {key: name for name, month in due.items() for key in report_keys(runtime.config.team(name), month)}
    with runtime.db.read() as session:
        done = set(queries.existing_outbox_keys(session=session, keys=list(wanted)))
    queued = 0
    for name, month in due.items():
        team = runtime.config.team(name)
        summary_key, charts_key = report_keys(team, month)
        if summary_key in done and charts_key in done:
            continue
        lang = team_language(runtime.config, team)
        with runtime.db.read() as session:
            first = rq.first_record(session=session, scope=_scope(runtime, Section(team)))
            if first is None or Month.of(first.astimezone(team.zone).date()) > month:
                continue  # the team had no customer yet that month: nothing to report
            team_month = team_figures(runtime, Section(team), month, session=session)
        messages = report_messages(lang, [team_month])
        charts = report_charts(lang, [team_month])
        with runtime.db.write(background=True) as session:
            for index, (text, blocks) in enumerate(messages):
                key = summary_key if index == 0 else f"{summary_key}:{index + 1}"
                queued += enqueue(session, Outgoing(key=key, channel=team.supervisor_channel, text=text,
                                                    blocks=blocks), now=now)
            queued += enqueue(session, charts_message(charts_key, team.supervisor_channel, charts, text=messages[0][0]),
                              now=now)
    return queued


def charts_message(key: str, channel: str, charts: list[Chart], *, text: str) -> Outgoing:
    """The charts as one outbox message of method ``files.upload`` (files_upload_v2 on delivery)."""
    files = [{"filename": c.filename, "title": c.title, "content": base64.b64encode(c.png).decode("ascii")}
             for c in charts]
    return Outgoing(key=key, channel=channel, text=text, method="files.upload", files=files)

