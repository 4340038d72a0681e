"""Who may do what: every access rule, in one place.

Services call these before they write (and before they show what a write would change), whatever
surface the request came from — a button, a modal, a command, an import or an export. A refusal is
``NotAuthorized`` (or ``NotFound`` where telling would leak that the record exists); the request
pipeline turns it into the user's answer.
"""

from __future__ import annotations

from bot.config import TeamConfig
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


def require_handover_starter(actor: Actor | None) -> Actor:
    """Handovers are started by a supervisor (of the rep's team: see ``require_handover``) or an admin."""
    actor = require_member(actor)
    if not (actor.is_admin or actor.supervises):
        raise NotAuthorized("handover_not_allowed")
    return actor


def require_handover(actor: Actor | None, *, from_user: str, to_user: str, team: TeamConfig | None,
                     successor_deactivated: bool) -> Actor:
    """A supervisor of the team or an admin hands ``from_user``'s customers in ``team`` (None: they own
    none there that the actor may hand over) to ``to_user``, an active member of the same team."""
    actor = require_handover_starter(actor)
    if from_user == to_user:
        raise NotAuthorized("handover_same_person", user=from_user)
    if team is None:
        raise NotAuthorized("handover_nothing", user=from_user)
    if not may_decide(actor, team.name):
        raise NotAuthorized("not_authorized_decide", team=team.name)
    if to_user not in (*team.reps, *team.supervisors) or successor_deactivated:
        raise NotAuthorized("handover_successor_not_in_team", user=to_user, team=team.name)
    return actor
