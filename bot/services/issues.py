"""Complaints and issues with response deadlines (DOMAIN §12)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import TeamConfig
from bot.domain.dates import format_when
from bot.errors import InvalidInput, NotAuthorized, NotFound
from bot.i18n import t
from bot.runtime import Runtime
from bot.services.directory import Actor, resolve_actor, team_language
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import require_owner_or_decider, scope_of
from bot.views.blocks import escape
from bot.views.issues import issue_message
from storage import queries
from storage.models import Customer, Issue

CATEGORIES = ("quality", "logistics", "after_sales", "billing", "other")
SEVERITIES = ("normal", "complex")


@dataclass(frozen=True)
class IssueInput:
    category: str
    complaint: bool
    severity: str
    description: str


def parse_issue_form(values: dict[str, Any]) -> IssueInput:
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if values.get("category") not in CATEGORIES:
        errors["category"] = ("err_required", {})
    if values.get("severity") not in SEVERITIES:
        errors["severity"] = ("err_required", {})
    description = (values.get("description") or "").strip()
    if not description:
        errors["description"] = ("err_required", {})
    elif len(description) > 3000:
        errors["description"] = ("err_too_long", {"limit": 3000})
    if errors:
        raise InvalidInput(errors)
    return IssueInput(category=values["category"], complaint="complaint" in (values.get("complaint") or []),
                      severity=values["severity"], description=description)


def deadline_of(data: IssueInput, reported_at: datetime, team: TeamConfig) -> tuple[str, datetime]:
    """Complaint: a response within 2 h; normal: a response within 24 h; complex: a solution within 48 h."""
    policy = team.policy.issues
    if data.complaint:
        return "response", reported_at + timedelta(hours=policy.complaint_response_hours)
    if data.severity == "complex":
        return "solution", reported_at + timedelta(hours=policy.complex_solution_hours)
    return "response", reported_at + timedelta(hours=policy.normal_response_hours)


@dataclass(frozen=True)
class Reported:
    issue: Issue
    customer: Customer
    outbox_keys: tuple[str, ...]


def report(runtime: Runtime, *, actor: Actor, customer_id: int, data: IssueInput, request_key: str) -> Reported:
    now = runtime.now()
    scope = scope_of(runtime, actor)
    with runtime.db.read() as session:
        customer = queries.visible_customer(session=session, scope=scope, customer_id=customer_id)
        existing = queries.issue_by_request_key(session=session, key=request_key)
    if customer is None:
        raise NotFound("customer_not_found", reference=str(customer_id))
    if existing is not None:
        return Reported(issue=existing, customer=customer, outbox_keys=())
    team = runtime.team_by_id(customer.team_id)
    year = now.astimezone(team.zone).year
    with runtime.db.write() as session:
        number = f"IS-{year}-{queries.next_sequence(session=session, key=f'IS{year}#'):04d}"
    kind, deadline = deadline_of(data, now, team)
    with runtime.db.write() as session:
        if not queries.claim_request_key(session=session, key=request_key, at=now):
            # A concurrent copy of this request got here first (it waited for it to commit).
            earlier = queries.issue_by_request_key(session=session, key=request_key)
            assert earlier is not None
            return Reported(issue=earlier, customer=customer, outbox_keys=())
        issue = Issue(number=number, customer_id=customer.id, category=data.category, complaint=data.complaint,
                      severity=data.severity, description=data.description, reported_by=actor.user_id,
                      reported_at=now, deadline_kind=kind, deadline_at=deadline, request_key=request_key,
                      channel=team.supervisor_channel)
        session.add(issue)
        session.flush()
        queries.audit(session=session, actor=actor.user_id, action="issue.report", entity=issue, at=now)
        lang = team_language(runtime.config, team)
        text, blocks = issue_message(issue=issue, customer=customer, lang=lang, tz=team.timezone)
        post = Outgoing(key=f"issue:{issue.id}:post", channel=team.supervisor_channel, text=text, blocks=blocks,
                        on_behalf_of=actor.user_id)
        owner_text = t("issue_dm_owner", lang, number=issue.number, customer=escape(customer.number),
                       company=escape(customer.company), user=actor.user_id,
                       deadline=_deadline_text(issue, team, lang))
        dm = Outgoing(key=f"issue:{issue.id}:owner", channel=customer.owner_id, text=owner_text, blocks=blocks)
        enqueue(session, post, now=now)
        enqueue(session, dm, now=now)
    return Reported(issue=issue, customer=customer, outbox_keys=(post.key, dm.key))


def _deadline_text(issue: Issue, team: TeamConfig, lang: str) -> str:
    return t(f"issue_deadline_{issue.deadline_kind}", lang, when=format_when(issue.deadline_at, tz=team.timezone,
                                                                             lang=lang))


def _authorized(runtime: Runtime, actor_id: str, customer: Customer) -> None:
    team = runtime.team_by_id(customer.team_id)
    require_owner_or_decider(resolve_actor(runtime.config, actor_id), customer, team.name, refusal="issue_not_yours")


def check_may_handle(runtime: Runtime, *, actor_id: str, issue_id: int) -> tuple[Issue, Customer]:
    with runtime.db.read() as session:
        issue = session.get(Issue, issue_id)
        customer = queries.get_customer(session=session, customer_id=issue.customer_id) if issue else None
    if issue is None or customer is None:
        raise NotFound("issue_not_found")
    _authorized(runtime, actor_id, customer)
    return issue, customer


def respond(runtime: Runtime, *, actor_id: str, issue_id: int) -> tuple[str, ...]:
    return _close(runtime, actor_id=actor_id, issue_id=issue_id, resolution=None, satisfaction=None)


def resolve(runtime: Runtime, *, actor_id: str, issue_id: int, resolution: str | None,
            satisfaction: str | None) -> tuple[str, ...]:
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if not (resolution or "").strip():
        errors["resolution"] = ("err_required", {})
    if str(satisfaction) not in {"1", "2", "3", "4", "5"}:
        errors["satisfaction"] = ("err_required", {})
    if errors:
        raise InvalidInput(errors)
    return _close(runtime, actor_id=actor_id, issue_id=issue_id, resolution=(resolution or "").strip()[:3000],
                  satisfaction=int(str(satisfaction)))


def _close(runtime: Runtime, *, actor_id: str, issue_id: int, resolution: str | None,
           satisfaction: int | None) -> tuple[str, ...]:
    """Responded (``resolution`` None) or Resolved; the issue's channel message shows it (the one the
    database says was posted for it: never a message the request names)."""
    now = runtime.now()
    with runtime.db.write() as session:
        issue = session.get(Issue, issue_id)
        customer = queries.get_customer(session=session, customer_id=issue.customer_id) if issue else None
        if issue is None or customer is None:
            raise NotFound("issue_not_found")
        _authorized(runtime, actor_id, customer)
        if issue.resolved_at is not None:
            raise NotAuthorized("issue_already_resolved", number=issue.number)
        if issue.responded_at is None:
            issue.responded_at, issue.responded_by = now, actor_id
        if resolution is not None:
            issue.resolved_at, issue.resolved_by = now, actor_id
            issue.resolution, issue.satisfaction = resolution, satisfaction
        queries.audit(session=session, actor=actor_id, action="issue.resolve" if resolution else "issue.respond",
                      entity=issue, at=now)
        team = runtime.team_by_id(customer.team_id)
        text, blocks = issue_message(issue=issue, customer=customer, lang=team_language(runtime.config, team),
                                     tz=team.timezone)
        update = Outgoing(key=f"issue:{issue.id}:update:{now.isoformat()}", channel=team.supervisor_channel,
                          text=text, blocks=blocks, method="chat.update", edits=f"issue:{issue.id}:post")
        enqueue(session, update, now=now)
    return (update.key,)
