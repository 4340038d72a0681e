"""The approval machinery shared by every kind (registration, grade, handover …).

A request is opened with a display payload, posted to the team's supervisor channel through
the outbox, and decided once: the decision is a conditional UPDATE, so of two racing clicks or
a double click exactly one wins and the other is told who decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.config import TeamConfig
from bot.i18n import Lang
from bot.services.outbox import Outgoing, enqueue
from bot.views.approvals import approval_message
from storage import queries
from storage.models import ApprovalRequest

DECISIONS = ("approved", "needs_info", "rejected")


@dataclass(frozen=True)
class Opened:
    request: ApprovalRequest
    message_key: str
    superseded: list[ApprovalRequest]


def open_request(
    session: Session, *, kind: str, subject_type: str, subject_id: int, team: TeamConfig, team_id: int,
    requester: str, payload: dict[str, Any], late: bool, now: datetime, lang: Lang, new_subject: bool = False,
) -> Opened:
    """Open a request (replacing any open one of the same kind and subject) and queue its message.

    Two requests opened at once for one subject queue on a lock, so exactly one stays pending.
    ``new_subject``: the subject was created in this transaction, so no other transaction can see
    it, let alone have a request open for it: no lock, no look for one to replace."""
    superseded: list[ApprovalRequest] = []
    if not new_subject:
        queries.serialize_on(session=session, name=f"approval:{kind}:{subject_id}")
        superseded = queries.open_approvals(session=session, kind=kind, subject_id=subject_id)
    for old in superseded:
        queries.decide_approval(session=session, request_id=old.id, state="superseded", by=requester, at=now,
                                reason=None)
    request = ApprovalRequest(
        kind=kind, subject_type=subject_type, subject_id=subject_id, team_id=team_id, requester_id=requester,
        payload=payload, state="pending", late=late, created_at=now, channel=team.supervisor_channel,
    )
    session.add(request)
    session.flush()
    text, blocks = approval_message(request_id=request.id, kind=kind, requester=requester, payload=payload,
                                    lang=lang, tz=team.timezone)
    key = f"approval:{request.id}:post"
    enqueue(session, Outgoing(key=key, channel=team.supervisor_channel, text=text, blocks=blocks,
                              carries_approval_request=request.id, on_behalf_of=requester), now=now)
    for old in superseded:
        session.refresh(old)
        enqueue(session, decided_message(old, team=team, lang=lang), now=now)
    return Opened(request=request, message_key=key, superseded=superseded)


def decided_message(request: ApprovalRequest, *, team: TeamConfig, lang: Lang) -> Outgoing:
    """The chat.update that replaces a request's buttons with its decision."""
    text, blocks = approval_message(
        request_id=request.id, kind=request.kind, requester=request.requester_id, payload=request.payload,
        lang=lang, tz=team.timezone, state=request.state, decided_by=request.decided_by,
        decided_at=request.decided_at, reason=request.reason,
    )
    return Outgoing(key=f"approval:{request.id}:decided", channel=team.supervisor_channel, text=text,
                    blocks=blocks, method="chat.update", updates_approval_request=request.id)
