"""The figures App Home shows (PRODUCT.md): for a rep their own, for a supervisor their teams'."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.runtime import Runtime
from bot.services.directory import Actor, user_timezone
from bot.services.duelist import DueList, due_lists
from bot.services.permissions import scope_of
from storage import queries


@dataclass(frozen=True)
class Compliance:
    logged: int
    on_time: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.logged) if self.logged else None


@dataclass(frozen=True)
class HomeSummary:
    in_team: bool
    tz: str = "UTC"
    due: DueList | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)
    compliance: Compliance | None = None
    my_pending: int = 0
    to_decide: int | None = None  # None for someone who decides nothing
    in_warning: list[tuple[str, str, str]] = field(default_factory=list)  # number, company, owner


def first_delivery(runtime: Runtime, *, event_id: str | None) -> bool:
    """False when Slack retries an event we already handled."""
    if not event_id:
        return True
    with runtime.db.write() as session:
        return queries.claim_request_key(session=session, key=f"event:{event_id}", at=runtime.now())


def summary(runtime: Runtime, actor: Actor | None) -> HomeSummary:
    if actor is None:
        return HomeSummary(in_team=False)
    now = runtime.now()
    tz = user_timezone(runtime, actor)
    scope = scope_of(runtime, actor)
    month_start = datetime.combine(now.astimezone(ZoneInfo(tz)).date().replace(day=1), time(0), ZoneInfo(tz))
    due = due_lists(runtime, owners={actor.user_id: tz}, now=now)[actor.user_id]
    deciding = actor.is_admin or actor.is_supervisor
    with runtime.db.read() as session:
        by_status, by_grade = queries.customer_counts(session=session, scope=scope)
        logged, late = queries.compliance(session=session, scope=scope, author=None if deciding else actor.user_id,
                                          since=month_start, until=now)
        mine = queries.count_pending_approvals(session=session, requester=actor.user_id)
        to_decide = warnings = None
        if deciding:
            team_ids = None if actor.is_admin else [runtime.team_ids[name] for name in actor.supervises]
            to_decide = queries.count_pending_approvals(session=session, team_ids=team_ids)
            warnings = [(c.number, c.company, c.owner_id) for c in queries.customers_in_warning(session=session,
                                                                                                scope=scope)]
    return HomeSummary(in_team=True, tz=tz, due=due, by_status=by_status, by_grade=by_grade,
                       compliance=Compliance(logged=logged, on_time=logged - late), my_pending=mine,
                       to_decide=to_decide, in_warning=warnings or [])
