"""Deciding an approval request of any kind: one entry point, kind-specific effects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import AlreadyDecided, InvalidInput, NotAuthorized, NotFound
from bot.runtime import Runtime
from bot.services import grades, handover, leads
from bot.services.approvals import DECISIONS, decided_message
from bot.services.directory import resolve_actor, team_language
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import require_decider
from bot.views.approvals import REASON_MAX_LENGTH
from storage import queries
from storage.models import ApprovalRequest

Effect = Callable[[Session, Runtime, ApprovalRequest, datetime], list[Outgoing]]

# What a decision does to its subject, per kind of request.
EFFECTS: dict[str, Effect] = {
    "registration": leads.apply_registration_decision,
    "grade": grades.apply_grade_decision,
    "handover": handover.apply_handover_decision,
}
NEEDS_REASON = {"needs_info", "rejected"}
# "Needs info" sends a lead back to its rep; a grade or a handover is approved or rejected.
OFFERED: dict[str, tuple[str, ...]] = {"registration": DECISIONS, "grade": ("approved", "rejected"),
                                       "handover": ("approved", "rejected")}


def _require_offered(request: ApprovalRequest, decision: str) -> None:
    """A decision its message never offered comes from a forged click: out of date, nothing changes."""
    if decision not in OFFERED[request.kind]:
        raise NotAuthorized("stale_button")


def check_may_decide(runtime: Runtime, *, actor_id: str, request_id: int, decision: str) -> ApprovalRequest:
    """Raise NotAuthorized/NotFound/AlreadyDecided before we open a reason modal."""
    with runtime.db.read() as session:
        request = queries.get_approval(session=session, request_id=request_id)
        if request is None:
            raise NotFound("already_decided")
    require_decider(resolve_actor(runtime.config, actor_id), runtime.team_by_id(request.team_id).name)
    _require_offered(request, decision)
    if request.state != "pending":
        raise AlreadyDecided(request.state, request.decided_by, request.decided_at)
    return request


def decide(
    runtime: Runtime, *, actor_id: str, request_id: int, decision: str, reason: str | None
) -> tuple[ApprovalRequest, list[str]]:
    """Decide once; returns the request and the outbox keys to deliver after answering the user."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    reason = (reason or "").strip() or None
    if decision in NEEDS_REASON and not reason:
        raise InvalidInput({"reason": ("err_required", {})})
    if reason is not None and len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput({"reason": ("err_too_long", {"limit": REASON_MAX_LENGTH})})
    now = runtime.now()
    with runtime.db.write() as session:
        request = queries.get_approval(session=session, request_id=request_id)
        if request is None:
            raise NotFound("already_decided")
        team = runtime.team_by_id(request.team_id)
        require_decider(resolve_actor(runtime.config, actor_id), team.name)
        _require_offered(request, decision)
        if not queries.decide_approval(session=session, request_id=request_id, state=decision, by=actor_id,
                                       at=now, reason=reason):
            session.refresh(request)
            raise AlreadyDecided(request.state, request.decided_by, request.decided_at)
        session.refresh(request)
        queries.audit(session=session, actor=actor_id, action=f"approval.{decision}", entity=request, at=now,
                      after={"reason": reason})
        outgoing = [decided_message(request, team=team, lang=team_language(runtime.config, team))]
        outgoing += EFFECTS[request.kind](session, runtime, request, now)
        for message in outgoing:
            enqueue(session, message, now=now)
    return request, [m.key for m in outgoing]
