"""The figures App Home shows."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime import Runtime
from bot.services.directory import Actor
from storage import queries


@dataclass(frozen=True)
class HomeSummary:
    in_team: bool
    my_pending: int
    to_decide: int | None  # None for someone who decides nothing


def first_delivery(runtime: Runtime, *, event_id: str | None) -> bool:
    """False when Slack retries an event we already handled."""
    if not event_id:
        return True
    with runtime.db.write() as session:
        return queries.claim_request_key(session=session, key=f"event:{event_id}", at=runtime.now())


def summary(runtime: Runtime, actor: Actor | None) -> HomeSummary:
    if actor is None:
        return HomeSummary(in_team=False, my_pending=0, to_decide=None)
    with runtime.db.read() as session:
        mine = queries.count_pending_approvals(session=session, requester=actor.user_id)
        to_decide = None
        if actor.is_admin or actor.is_supervisor:
            team_ids = None if actor.is_admin else [runtime.team_ids[name] for name in actor.supervises]
            to_decide = queries.count_pending_approvals(session=session, team_ids=team_ids)
    return HomeSummary(in_team=True, my_pending=mine, to_decide=to_decide)
