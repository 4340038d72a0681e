"""Handing a rep's customers over to a successor (DOMAIN §11, PRODUCT "Handover").

- ``prepare`` checks who may hand over whose customers to whom and returns the handover list (no
  write); ``request`` opens the approval (the same machinery as registrations and grades:
  ``bot.services.approvals.open_request``, kind ``handover``); nothing moves before approval.
- ``apply_handover_decision`` is the approval's effect (``bot.services.decisions.EFFECTS``): on
  approval, inside the decision's own transaction, every customer moves with its open due items
  and planned next step (open issues and churn warnings belong to the customer and follow it), the
  ownership history keeps both owners with who approved and when, the audit log records it, the
  next due dates are recomputed for the successor, and both people are told by DM (the leaver only
  while their account is active).
- A deactivated Slack account (the ``user_change`` event, or the duty that reads ``users.info``)
  gets a handover draft in its team's supervisor channel, once: the rep, their customers and open
  items, and a successor picker; choosing a successor turns it into an ordinary request. Being
  re-activated cancels an undecided draft. No DM ever goes to a deactivated account: the outbox
  refuses them (``bot.services.outbox``), and this module does not even queue one.
- For four weeks after the effective date the successor's handed-over customers not yet contacted
  are listed by ``handed_over_awaiting_contact``; ``customers_needing_new_owner`` lists the
  customers of deactivated reps no handover request covers yet.
"""

from __future__ import annotations

import time as monotonic
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import TeamConfig
from bot.domain.handover import ATTENTION, OpenItems, attention_ends, needs_attention
from bot.errors import InvalidInput, NotAuthorized
from bot.i18n import t
from bot.runtime import Runtime
from bot.services import cadence
from bot.services.approvals import open_request
from bot.services.directory import (
    Actor,
    SlackProfile,
    resolve_actor,
    team_language,
    user_language,
    user_profiles,
)
from bot.services.outbox import Outgoing, enqueue
from bot.services.permissions import may_decide, require_handover, require_handover_starter
from bot.views.blocks import escape, section
from bot.views.handover import awaiting_contact_lines, draft_message
from bot.views.lists import packed_sections
from storage import handover_queries as hq
from storage import queries
from storage.models import ApprovalRequest, Customer, Handover

KIND = "handover"
REASON_MAX_LENGTH = 1000
# How far from today the effective date may be.
EFFECTIVE_WINDOW = timedelta(days=90)
# Numbers named in the channel's request message and in the DMs.
NAMED = 10


@dataclass(frozen=True)
class HandoverList:
    """What a handover would move: the team, both people, and every customer with its open items."""

    team: TeamConfig
    team_id: int
    from_user: str
    to_user: str
    numbers: tuple[str, ...]  # a partial handover's customers; empty: all of them
    rows: list[hq.ListRow]

    @staticmethod
    def items(row: hq.ListRow) -> OpenItems:
        return OpenItems(next_step=row.next_step_at is not None, due_items=row.due_items,
                         open_issues=row.open_issues, warning=row.warning)

    @property
    def totals(self) -> dict[str, int]:
        return {"customers": len(self.rows), "next_steps": sum(r.next_step_at is not None for r in self.rows),
                "due_items": sum(r.due_items for r in self.rows), "open_issues": sum(r.open_issues for r in self.rows),
                "warnings": sum(r.warning for r in self.rows)}

    @property
    def grades(self) -> dict[str, int]:
        return dict(Counter(r.grade or "—" for r in self.rows))


def _today(team: TeamConfig, now: datetime) -> date:
    return now.astimezone(ZoneInfo(team.timezone)).date()


def _deactivated(session: Session, user: str) -> bool:
    return user in queries.deactivated_users(session=session, user_ids=[user])


def _team_of(session: Session, runtime: Runtime, actor: Actor, from_user: str) -> int | None:
    """The team whose customers of ``from_user`` the actor may hand over (the one with most of them)."""
    owned = hq.owned_by_team(session=session, owner=from_user)
    known = set(runtime.team_ids.values())
    candidates = [(count, -team_id, team_id) for team_id, count in owned.items()
                  if team_id in known and may_decide(actor, runtime.team_by_id(team_id).name)]
    return max(candidates)[2] if candidates else None


def _check(session: Session, runtime: Runtime, actor: Actor | None, *, from_user: str, to_user: str,
           numbers: Sequence[str]) -> HandoverList:
    """Every rule of who hands whose customers to whom; the list when they hold (nothing is written)."""
    actor = require_handover_starter(actor)
    team_id = _team_of(session, runtime, actor, from_user) if from_user != to_user else None
    team = runtime.team_by_id(team_id) if team_id is not None else None
    require_handover(actor, from_user=from_user, to_user=to_user, team=team,
                     successor_deactivated=_deactivated(session, to_user))
    assert team is not None and team_id is not None
    if numbers:
        owned = hq.numbers_owned(session=session, owner=from_user, team_id=team_id, numbers=numbers)
        missing = [n for n in numbers if n not in owned]
        if missing:
            raise NotAuthorized("handover_not_theirs", user=from_user, numbers=", ".join(missing[:NAMED]))
    rows = hq.handover_list(session=session, owner=from_user, team_id=team_id, numbers=list(numbers) or None)
    if not rows:
        raise NotAuthorized("handover_nothing", user=from_user)
    return HandoverList(team=team, team_id=team_id, from_user=from_user, to_user=to_user, numbers=tuple(numbers),
                        rows=rows)


def prepare(runtime: Runtime, *, actor: Actor | None, from_user: str, to_user: str,
            numbers: Sequence[str] = ()) -> HandoverList:
    """The handover list for the Handover modal, after every check; nothing is stored."""
    require_handover_starter(actor)  # a rep is refused before anything is read
    with runtime.db.read() as session:
        return _check(session, runtime, actor, from_user=from_user, to_user=to_user, numbers=numbers)


def parse_form(values: dict[str, Any], *, today: date) -> tuple[str, date]:
    """Reason (required) and Effective (a date within 90 days of today) from the modal."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    reason = (values.get("reason") or "").strip()
    if not reason:
        errors["reason"] = ("err_required", {})
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = ("err_too_long", {"limit": REASON_MAX_LENGTH})
    effective: date | None = None
    try:
        effective = date.fromisoformat(values["effective"]) if values.get("effective") else None
    except (TypeError, ValueError):
        effective = None
    if effective is None:
        errors["effective"] = ("err_required", {})
    elif abs(effective - today) > EFFECTIVE_WINDOW:
        errors["effective"] = ("handover_err_effective", {"days": EFFECTIVE_WINDOW.days})
    if errors:
        raise InvalidInput(errors)
    assert effective is not None
    return reason, effective


@dataclass(frozen=True)
class Requested:
    handover_id: int
    request_id: int
    customers: int
    outbox_keys: tuple[str, ...]


def request(runtime: Runtime, *, actor: Actor | None, from_user: str, to_user: str, numbers: Sequence[str],
            values: dict[str, Any]) -> Requested:
    """The Handover modal submitted: checked again, then a request goes to the supervisor channel."""
    require_handover_starter(actor)
    assert actor is not None
    now = runtime.now()
    with runtime.db.write() as session:
        queries.serialize_on(session=session, name=f"handover:{from_user}")
        plan = _check(session, runtime, actor, from_user=from_user, to_user=to_user, numbers=numbers)
        reason, effective = parse_form(values, today=_today(plan.team, now))
        handover = Handover(team_id=plan.team_id, from_user=from_user, to_user=to_user,
                            numbers=list(numbers) or None, reason=reason, effective_on=effective, state="pending",
                            origin="command", requested_by=actor.user_id, created_at=now)
        session.add(handover)
        session.flush()
        opened = _open(session, runtime, handover, plan, requester=actor.user_id, now=now)
        queries.audit(session=session, actor=actor.user_id, action="handover.request", entity=handover, at=now,
                      after={"from": from_user, "to": to_user, "customers": len(plan.rows),
                             "numbers": list(numbers) or None, "effective_on": effective.isoformat()})
    return Requested(handover_id=handover.id, request_id=opened.request.id, customers=len(plan.rows),
                     outbox_keys=(opened.message_key,))


def _open(session: Session, runtime: Runtime, handover: Handover, plan: HandoverList, *, requester: str,
          now: datetime) -> Any:
    """The approval request in the supervisor channel: both people, counts, a few numbers, reason, date.
    Never a phone number, an email or a budget."""
    totals = plan.totals
    named = ", ".join(r.number for r in plan.rows[:NAMED])
    more = len(plan.rows) - NAMED
    payload: dict[str, Any] = {
        "number": "", "company": "",
        "handover": {"from": handover.from_user, "to": handover.to_user, "customers": totals["customers"],
                     "numbers": handover.numbers},
        "fields": [
            ["f_handover_people", [handover.from_user, handover.to_user], "users"],
            ["f_handover_customers", f"{totals['customers']:,} ({named}{f', … +{more:,}' if more > 0 else ''})",
             False],
            ["f_handover_next_steps", f"{totals['next_steps']:,}", False],
            ["f_handover_due_items", f"{totals['due_items']:,}", False],
            ["f_handover_open_issues", f"{totals['open_issues']:,}", False],
            ["f_handover_warnings", f"{totals['warnings']:,}", False],
            ["f_handover_effective", handover.effective_on.isoformat() if handover.effective_on else "", False],
            ["f_reason", handover.reason or "", False],
        ],
    }
    return open_request(session, kind=KIND, subject_type=KIND, subject_id=handover.id, team=plan.team,
                        team_id=plan.team_id, requester=requester, payload=payload, late=False, now=now,
                        lang=team_language(runtime.config, plan.team))


# The decision --------------------------------------------------------------------------------------


def apply_handover_decision(session: Session, runtime: Runtime, request: ApprovalRequest,
                            now: datetime) -> list[Outgoing]:
    """Approved: the customers move (one transaction with the decision). Either way people are told."""
    handover = hq.get_handover(session=session, handover_id=request.subject_id)
    assert handover is not None and handover.to_user is not None
    team = runtime.team_by_id(handover.team_id)
    decider = request.decided_by or ""
    out: list[Outgoing] = []
    handover.decided_by, handover.decided_at = decider, now
    if request.state == "approved":
        queries.serialize_on(session=session, name=f"handover:{handover.from_user}")
        effective = handover.effective_on or _today(team, now)
        moved = hq.transfer(session=session, handover=handover, to_user=handover.to_user, approved_by=decider,
                            at=now, effective_on=effective)
        _recompute(session, runtime, handover.id)
        handover.state, handover.moved = "approved", moved
        queries.audit(session=session, actor=decider, action="handover.apply", entity=handover, at=now,
                      before={"owner": handover.from_user},
                      after={"owner": handover.to_user, "customers": moved, "numbers": handover.numbers,
                             "effective_on": effective.isoformat(), "approval_request_id": request.id})
        numbers = hq.moved_numbers(session=session, handover_id=handover.id, limit=NAMED)
        shown = ", ".join(escape(n) for n in numbers) + (f", … +{moved - len(numbers):,}" if moved > len(numbers)
                                                         else "")
        until = attention_ends(effective).isoformat()
        for person, key in ((handover.to_user, "handover_dm_successor"), (handover.from_user, "handover_dm_leaver")):
            if _deactivated(session, person):
                continue  # nobody reads a deactivated account (and the outbox would refuse it)
            lang = user_language(runtime, person, team, session=session)
            out.append(Outgoing(key=f"handover:{handover.id}:dm:{person}", channel=person, text=t(
                key, lang, user=decider, from_user=handover.from_user, to_user=handover.to_user, count=f"{moved:,}",
                numbers=shown or "—", until=until)))
    elif handover.origin == "deactivation" and _deactivated(session, handover.from_user):
        handover.state, handover.to_user, handover.requested_by = "draft", None, None  # pick someone else
        queries.audit(session=session, actor=decider, action="handover.reject", entity=handover, at=now,
                      after={"reason": request.reason})
    else:
        handover.state = "rejected" if request.state == "rejected" else "cancelled"
        queries.audit(session=session, actor=decider, action="handover.reject", entity=handover, at=now,
                      after={"reason": request.reason})
    if handover.origin == "deactivation":
        out += _draft_update(session, runtime, handover, now=now, rejected_successor=(
            request.payload.get("handover", {}).get("to") if handover.state == "draft" else None))
    requester = request.requester_id
    if requester not in (decider, handover.from_user, handover.to_user) and not _deactivated(session, requester):
        lang = user_language(runtime, requester, team, session=session)
        out.append(Outgoing(key=f"approval:{request.id}:dm", channel=requester, text=t(
            f"handover_dm_requester_{request.state}", lang, user=decider, from_user=handover.from_user,
            to_user=request.payload.get("handover", {}).get("to") or "", reason=escape(request.reason or ""))))
    return out


def _recompute(session: Session, runtime: Runtime, handover_id: int) -> None:
    """The moved customers' next due dates, by the cadence engine, for their new owner (only the
    ones that change are written)."""
    changes: list[tuple[int, datetime | None, str | None]] = []
    for facts in hq.due_facts_of_handover(session=session, handover_id=handover_id):
        transient = Customer(team_id=facts.team_id, registration=facts.registration, grade=facts.grade,
                             status=facts.status, paused=facts.paused, created_at=facts.created_at,
                             last_contact_at=facts.last_contact_at, last_stage=facts.last_stage,
                             next_step_at=facts.next_step_at)
        cadence.recompute(runtime, transient)
        if (transient.next_due_at, transient.due_reason) != (facts.next_due_at, facts.due_reason):
            changes.append((facts.id, transient.next_due_at, transient.due_reason))
    hq.set_due_dates(session=session, changes=changes)


# Deactivated accounts --------------------------------------------------------------------------------


def _draft_update(session: Session, runtime: Runtime, handover: Handover, *, now: datetime,
                  rejected_successor: str | None = None) -> list[Outgoing]:
    """Show the draft's current state on its message (the edit waits for the post to be recorded)."""
    team = runtime.team_by_id(handover.team_id)
    lang = team_language(runtime.config, team)
    customers, items = hq.open_items_counts(session=session, owner=handover.from_user, team_id=handover.team_id)
    text, blocks = draft_message(lang, handover_id=handover.id, rep=handover.from_user, customers=customers,
                                 open_items=items, state=handover.state, successor=handover.to_user,
                                 by=handover.requested_by if handover.state == "pending" else handover.decided_by,
                                 moved=handover.moved, rejected_successor=rejected_successor)
    key = f"handover:{handover.id}:draft"
    return [Outgoing(key=f"{key}:{handover.state}:{now.isoformat()}", channel=team.supervisor_channel, text=text,
                     blocks=blocks, method="chat.update", edits=key)]


def _draft_for(session: Session, runtime: Runtime, *, owner: str, team_id: int, now: datetime) -> list[str]:
    """A handover draft for a deactivated rep's customers in a team, once: not while another draft or
    request for them is open (a retried event, the duty and the event racing give one)."""
    if team_id not in runtime.team_ids.values() or hq.open_handovers(session=session, owner=owner, team_id=team_id):
        return []
    customers, items = hq.open_items_counts(session=session, owner=owner, team_id=team_id)
    if not customers:
        return []
    if not queries.insert_ignoring_conflict(session, Handover, {
            "team_id": team_id, "from_user": owner, "state": "draft", "origin": "deactivation", "created_at": now}):
        return []
    draft = session.scalars(select(Handover).where(Handover.from_user == owner, Handover.team_id == team_id,
                                                   Handover.state == "draft")).one()
    team = runtime.team_by_id(team_id)
    text, blocks = draft_message(team_language(runtime.config, team), handover_id=draft.id, rep=owner,
                                 customers=customers, open_items=items, state="draft")
    key = f"handover:{draft.id}:draft"
    enqueue(session, Outgoing(key=key, channel=team.supervisor_channel, text=text, blocks=blocks), now=now)
    queries.audit(session=session, actor=owner, action="handover.draft", entity=draft, at=now,
                  after={"customers": customers, "open_items": items})
    return [key]


def user_changed(runtime: Runtime, *, user: dict[str, Any], now: datetime) -> tuple[str, ...]:
    """Slack's ``user_change``: keep the profile; a deactivated rep who owns customers gets a draft,
    a re-activated one has their undecided drafts cancelled. Returns the outbox keys to deliver."""
    user_id = user.get("id")
    if not isinstance(user_id, str) or (user_id not in runtime.config.memberships
                                        and user_id not in runtime.config.admins):
        return ()
    deleted = user.get("deleted") is True
    keys: list[str] = []
    with runtime.db.write() as session:
        cached = queries.get_slack_user(session=session, user_id=user_id)
        tz = user.get("tz") or (cached.tz if cached else None)
        locale = user.get("locale") or (cached.locale if cached else None)
        queries.save_slack_user(session=session, user_id=user_id, tz=tz, locale=locale,
                                real_name=user.get("real_name") or (cached.real_name if cached else None),
                                deleted=deleted, now=now)
        if deleted:
            for team_id in sorted(hq.owned_by_team(session=session, owner=user_id)):
                keys += _draft_for(session, runtime, owner=user_id, team_id=team_id, now=now)
        else:
            for handover in hq.open_handovers(session=session, owner=user_id):
                if handover.state != "draft":
                    continue  # a successor was chosen: an ordinary request, decided as such
                handover.state, handover.decided_at = "cancelled", now
                queries.audit(session=session, actor=user_id, action="handover.cancel", entity=handover, at=now,
                              after={"why": "reactivated"})
                for message in _draft_update(session, runtime, handover, now=now):
                    enqueue(session, message, now=now)
                    keys.append(message.key)
    runtime.profiles[user_id] = (monotonic.monotonic(), SlackProfile(tz=tz, locale=locale, deleted=deleted))
    return tuple(keys)


def deactivation_drafts(runtime: Runtime, now: datetime) -> int:
    """The duty: members whose account Slack reports deactivated (``users.info``, cached) and who
    still own customers get their draft (once). Returns how many drafts were queued."""
    members = sorted(runtime.config.memberships)
    profiles = user_profiles(runtime, members, now=now)
    gone = [user for user in members if profiles[user].deleted]
    if not gone:
        return 0
    created = 0
    with runtime.db.write(background=True) as session:
        for user in gone:
            for team_id in sorted(hq.owned_by_team(session=session, owner=user)):
                created += len(_draft_for(session, runtime, owner=user, team_id=team_id, now=now))
    return created


@dataclass(frozen=True)
class Chosen:
    from_user: str
    outbox_keys: tuple[str, ...]


def choose_successor(runtime: Runtime, *, actor_id: str, handover_id: int, to_user: str) -> Chosen:
    """A successor picked on a draft: checked as any handover, then an ordinary request to approve."""
    actor = resolve_actor(runtime.config, actor_id)
    require_handover_starter(actor)
    assert actor is not None
    now = runtime.now()
    with runtime.db.write() as session:
        handover = hq.get_handover(session=session, handover_id=handover_id)
        if handover is None or handover.origin != "deactivation":
            raise NotAuthorized("stale_button")
        queries.serialize_on(session=session, name=f"handover:{handover.from_user}")
        session.refresh(handover)
        if handover.state != "draft":
            raise NotAuthorized("handover_draft_closed")
        team = runtime.team_by_id(handover.team_id)
        require_handover(actor, from_user=handover.from_user, to_user=to_user, team=team,
                         successor_deactivated=_deactivated(session, to_user))
        plan = _check(session, runtime, actor, from_user=handover.from_user, to_user=to_user, numbers=())
        lang = team_language(runtime.config, team)
        if not hq.take_draft(session=session, handover_id=handover.id, to_user=to_user, by=actor.user_id,
                             reason=t("handover_reason_deactivated", lang), effective_on=_today(team, now)):
            raise NotAuthorized("handover_draft_closed")
        session.refresh(handover)
        opened = _open(session, runtime, handover, plan, requester=actor.user_id, now=now)
        queries.audit(session=session, actor=actor.user_id, action="handover.request", entity=handover, at=now,
                      after={"from": handover.from_user, "to": to_user, "customers": len(plan.rows), "draft": True})
        keys = [opened.message_key]
        for message in _draft_update(session, runtime, handover, now=now):
            enqueue(session, message, now=now)
            keys.append(message.key)
    return Chosen(from_user=handover.from_user, outbox_keys=tuple(keys))


# Four weeks of attention, and customers that need a new owner ----------------------------------------


@dataclass(frozen=True)
class AwaitingContact:
    """A handed-over customer the successor has not contacted since the effective date."""

    customer_id: int
    number: str
    company: str
    team_id: int
    successor: str
    predecessor: str
    effective_on: date
    attention_until: date  # the first day it is no longer listed
    handover_id: int


def handed_over_awaiting_contact(runtime: Runtime, *, now: datetime, successor: str | None = None,
                                 team_ids: Sequence[int] | None = None) -> list[AwaitingContact]:
    """Customers handed over in the last four weeks (from the effective date, team time) that their
    successor has not yet contacted (no follow-up of theirs since the effective date's midnight):
    per successor (``successor``) or per team (``team_ids``), oldest handover first."""
    earliest = (now - ATTENTION - timedelta(days=2)).date()
    with runtime.db.read() as session:
        rows = hq.awaiting_contact(session=session, since=earliest, successor=successor, team_ids=team_ids)
        starts: dict[int, datetime] = {}
        kept: list[hq.AwaitingRow] = []
        for row in rows:
            team = runtime.team_by_id(row.team_id)
            zone = ZoneInfo(team.timezone)
            if not needs_attention(row.effective_on, now.astimezone(zone).date()):
                continue
            starts[row.customer_id] = datetime.combine(row.effective_on, time(0, 0), zone)
            kept.append(row)
        latest = hq.contacted_since(session=session, pairs=[(r.customer_id, r.to_owner) for r in kept],
                                    since=min(starts.values()) if starts else now)
    return [AwaitingContact(customer_id=r.customer_id, number=r.number, company=r.company, team_id=r.team_id,
                            successor=r.to_owner, predecessor=r.from_owner, effective_on=r.effective_on,
                            attention_until=attention_ends(r.effective_on), handover_id=r.handover_id)
            for r in kept if not _contacted(latest.get((r.customer_id, r.to_owner)), starts[r.customer_id])]


def _contacted(latest: datetime | None, start: datetime) -> bool:
    return latest is not None and latest >= start


# A customer whose owner's Slack account is deactivated and no handover request covers; ``draft_id``
# is the rep's undecided draft in the supervisor channel, if any.
NeedsOwner = hq.OrphanRow


def customers_needing_new_owner(runtime: Runtime, *, team_ids: Sequence[int] | None = None) -> list[NeedsOwner]:
    """Customers of deactivated reps with an undecided draft or no handover at all (per team with
    ``team_ids``; None: every team), by team, owner and number."""
    with runtime.db.read() as session:
        return hq.customers_of_deactivated(session=session, team_ids=team_ids)


def awaiting_section(rows: Sequence[AwaitingContact], lang: str) -> list[dict[str, Any]]:
    """The team digest's part: the team's handed-over customers not yet contacted by their
    successor (``handed_over_awaiting_contact``), for the four weeks."""
    if not rows:
        return []
    return [section(t("handover_awaiting_title", lang, count=len(rows))),
            *packed_sections(awaiting_contact_lines(lang, rows, limit=len(rows)))]


def successor_reminders(runtime: Runtime, rows: Sequence[AwaitingContact], *, week_end: datetime, now: datetime,
                        lang: str) -> list[Outgoing]:
    """Each successor's own weekly DM for the four weeks: the customers of ``rows`` handed to them that
    they have not contacted yet (DOMAIN: for a month the successor reports weekly on them)."""
    by_successor: dict[str, list[AwaitingContact]] = {}
    for row in rows:
        by_successor.setdefault(row.successor, []).append(row)
    day = week_end.date().isoformat()
    profiles = user_profiles(runtime, list(by_successor), now=now) if by_successor else {}
    messages = []
    for successor, mine in by_successor.items():
        own = profiles[successor].lang or lang
        title = t("handover_awaiting_mine", own, count=len(mine))
        messages.append(Outgoing(key=f"handover-weekly:{successor}:{day}", channel=successor, text=title,
                                 blocks=[section(title), *packed_sections(awaiting_contact_lines(own, mine,
                                                                                                 limit=len(mine)))]))
    return messages
