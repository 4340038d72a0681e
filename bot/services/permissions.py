"""Who may do what: every access rule, in one place.

Services call these before they write (and before they show what a write would change), whatever
surface the request came from — a button, a modal, a command, an import or an export. A refusal is
``NotAuthorized`` (or ``NotFound`` where telling would leak that the record exists); the request
pipeline turns it into the user's answer.
"""

from __future__ import annotations

from bot.errors import NotAuthorized
from bot.runtime import Runtime
from bot.services.directory import Actor
from storage.models import Customer, FollowUp
from storage.queries import CustomerScope


def require_member(actor: Actor | None) -> Actor:
    """Someone listed in the teams file (a rep, a supervisor or an admin)."""
    if actor is None:
        raise NotAuthorized("not_in_team")
    return actor


def require_team(actor: Actor | None) -> Actor:
    """Someone who owns leads: a member of a team (an admin of no team owns none)."""
    if actor is None or actor.team is None:
        raise NotAuthorized("not_in_team")
    return actor


def may_decide(actor: Actor | None, team_name: str) -> bool:
    """A supervisor of the team, or an admin: decides its approvals, grades directly, comments on deals."""
    return actor is not None and actor.may_decide_for(team_name)


def require_decider(actor: Actor | None, team_name: str) -> Actor:
    if actor is None or not may_decide(actor, team_name):
        raise NotAuthorized("not_authorized_decide", team=team_name)
    return actor


def require_owner_or_decider(actor: Actor | None, customer: Customer, team_name: str, *, refusal: str) -> Actor:
    """The customer's owner, a supervisor of its team, or an admin (churn alerts, issues)."""
    if actor is None or not (actor.user_id == customer.owner_id or may_decide(actor, team_name)):
        raise NotAuthorized(refusal, team=team_name)
    return actor


def require_lead_owner(actor: Actor, customer: Customer | None) -> Customer:
    """Only the rep who registered a lead completes it."""
    if customer is None or customer.owner_id != actor.user_id:
        raise NotAuthorized("not_owner")
    return customer


def require_followup_editor(actor: Actor, followup: FollowUp) -> None:
    """Its author, or a supervisor or admin (who can see its customer: checked with ``scope_of``)."""
    if followup.author_id != actor.user_id and not (actor.is_admin or actor.supervises):
        raise NotAuthorized("followup_not_yours")


def scope_of(runtime: Runtime, actor: Actor) -> CustomerScope:
    """Which customers someone sees: a rep their own, a supervisor their teams', an admin everyone's."""
    if actor.is_admin:
        return CustomerScope(user_id=actor.user_id, everything=True)
    if not actor.supervises:
        return CustomerScope(user_id=actor.user_id)
    return CustomerScope(user_id=actor.user_id, team_ids=tuple(runtime.team_ids[n] for n in actor.supervises))
