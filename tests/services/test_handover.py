"""Handover services (DOMAIN §11) against a real database, each test rolled back: who may hand over
what, nothing moving before approval, the transfer and its history, drafts for deactivated accounts,
the four weeks of attention and the customers that need a new owner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from bot.errors import AlreadyDecided, InvalidInput, NotAuthorized
from bot.services import decisions, handover, home
from bot.views.handover import awaiting_contact_lines, needs_owner_lines
from storage import queries
from storage.models import ApprovalRequest, AuditEntry, Customer, DueItem, Handover, OwnershipChange
from tests.services.support import ADMIN, REP, REP2, REPW, STRANGER, SUP, SUPW, Env

FORM = {"reason": "Leaving the company", "effective": "2026-11-23"}


@pytest.fixture
def three(env: Env) -> list[int]:
    ids = [env.lead(REP, f"Handed {n} Ltd").customer_id for n in range(3)]
    env.lead(REP2, "Kept Ltd")
    return ids


def ask(env: Env, actor: str = SUP, source: str = REP, target: str = REP2, numbers: tuple[str, ...] = ()) -> int:
    return handover.request(env.runtime, actor=env.actor(actor), from_user=source, to_user=target, numbers=numbers,
                            values=FORM).request_id


def owners(env: Env) -> dict[str, str]:
    return {c.number: c.owner_id for c in env.rows(Customer)}


def deactivate(env: Env, user: str, deleted: bool = True) -> tuple[str, ...]:
    return handover.user_changed(env.runtime, user={"id": user, "deleted": deleted, "tz": "Asia/Shanghai"},
                                 now=env.now)


@pytest.mark.parametrize(("actor", "source", "target", "refusal"), [
    (REP, REP, REP2, "handover_not_allowed"),
    (REP2, REP, REP2, "handover_not_allowed"),
    (SUPW, REP, REP2, "handover_nothing"),
    (SUP, REP, REPW, "handover_successor_not_in_team"),
    (SUP, REP, "U0NOBODY", "handover_successor_not_in_team"),
    (SUP, "U0NOBODY", REP2, "handover_nothing"),
    (SUP, REP, REP, "handover_same_person"),
    (ADMIN, REPW, REP, "handover_nothing"),  # REPW owns nothing here
])
def test_refusals_store_nothing(env: Env, three: list[int], actor: str, source: str, target: str,
                                refusal: str) -> None:
    with pytest.raises(NotAuthorized) as refused:
        handover.prepare(env.runtime, actor=env.actor(actor), from_user=source, to_user=target)
    assert refused.value.key == refusal
    with pytest.raises(NotAuthorized):
        ask(env, actor, source, target)
    assert env.count(Handover) == env.count(ApprovalRequest, ApprovalRequest.kind == "handover") == 0


def test_a_stranger_is_not_in_a_team(env: Env, three: list[int]) -> None:
    with pytest.raises(NotAuthorized) as refused:
        handover.prepare(env.runtime, actor=None, from_user=REP, to_user=REP2)
    assert refused.value.key == "not_in_team" and STRANGER


def test_a_deactivated_successor_is_refused(env: Env, three: list[int]) -> None:
    deactivate(env, REP2)
    with pytest.raises(NotAuthorized) as refused:
        handover.prepare(env.runtime, actor=env.actor(SUP), from_user=REP, to_user=REP2)
    assert refused.value.key == "handover_successor_not_in_team"


def test_the_list_has_every_customer_and_nothing_moves_before_approval(env: Env, three: list[int]) -> None:
    plan = handover.prepare(env.runtime, actor=env.actor(SUP), from_user=REP, to_user=REP2)
    assert [r.id for r in plan.rows] == three and plan.totals["customers"] == 3
    assert {r.contact for r in plan.rows} == {"Wang Wei"}
    request_id = ask(env)
    assert set(owners(env).values()) == {REP, REP2} and owners(env)["CL2026001"] == REP
    [request] = env.rows(ApprovalRequest, ApprovalRequest.id == request_id)
    assert (request.state, request.kind, request.requester_id) == ("pending", "handover", SUP)
    assert f"approval:{request_id}:post" in env.outbox()
    assert "+86" not in str(request.payload) and "example.com" not in str(request.payload)


def test_approval_moves_everything_once_with_its_history(env: Env, three: list[int]) -> None:
    acme = three[0]
    env.followup(REP, acme, next_step="Send quotation", next_step_at=env.now + timedelta(days=2))
    with env.runtime.db.write() as session:
        session.add(DueItem(key="x:open", customer_id=acme, owner_id=REP, kind="regrade", due_at=env.now,
                            created_at=env.now))
        session.add(DueItem(key="x:done", customer_id=acme, owner_id=REP, kind="regrade", due_at=env.now,
                            created_at=env.now, done_at=env.now, done_by=REP))
        session.execute(update(Customer).where(Customer.id == acme).values(snoozed_until=env.now + timedelta(days=3)))
    request_id = ask(env)
    decisions.decide(env.runtime, actor_id=ADMIN, request_id=request_id, decision="approved", reason=None)
    with pytest.raises(AlreadyDecided):
        decisions.decide(env.runtime, actor_id=SUP, request_id=request_id, decision="approved", reason=None)
    assert [owners(env)[f"CL202600{n}"] for n in (1, 2, 3, 4)] == [REP2] * 4
    history = env.rows(OwnershipChange)
    assert [(h.customer_id, h.from_owner, h.to_owner, h.approved_by, h.effective_on) for h in history] == [
        (c, REP, REP2, ADMIN, date(2026, 11, 23)) for c in three]
    assert {(d.key, d.owner_id) for d in env.rows(DueItem)} >= {("x:open", REP2), ("x:done", REP)}
    assert env.customer(acme).snoozed_until is None and env.customer(acme).next_due_at is not None
    [entry] = env.rows(AuditEntry, AuditEntry.action == "handover.apply")
    assert entry.actor_id == ADMIN and entry.after["customers"] == 3
    handover_id = env.rows(Handover)[0].id
    assert {f"handover:{handover_id}:dm:{REP2}", f"handover:{handover_id}:dm:{REP}"} <= set(env.outbox("handover:"))


def test_the_leaver_is_told_only_while_active(env: Env, three: list[int]) -> None:
    request_id = ask(env)
    with env.runtime.db.write() as session:
        queries.save_slack_user(session=session, user_id=REP, tz=None, locale=None, real_name=None, deleted=True,
                                now=env.now)
    decisions.decide(env.runtime, actor_id=SUP, request_id=request_id, decision="approved", reason=None)
    keys = set(env.outbox("handover:"))
    assert any(k.endswith(f":dm:{REP2}") for k in keys) and not any(k.endswith(f":dm:{REP}") for k in keys)


def test_a_partial_handover_and_a_bad_form(env: Env, three: list[int]) -> None:
    with pytest.raises(NotAuthorized) as refused:
        ask(env, numbers=("CL2026004",))
    assert refused.value.key == "handover_not_theirs"
    with pytest.raises(InvalidInput) as invalid:
        handover.request(env.runtime, actor=env.actor(SUP), from_user=REP, to_user=REP2, numbers=(),
                         values={"reason": " ", "effective": "2027-09-01"})
    assert set(invalid.value.errors) == {"reason", "effective"}
    decisions.decide(env.runtime, actor_id=SUP, request_id=ask(env, numbers=("CL2026002",)), decision="approved",
                     reason=None)
    assert owners(env) == {"CL2026001": REP, "CL2026002": REP2, "CL2026003": REP, "CL2026004": REP2}


def test_four_weeks_of_attention(env: Env, three: list[int]) -> None:
    decisions.decide(env.runtime, actor_id=SUP, request_id=ask(env), decision="approved", reason=None)
    east = env.runtime.team_ids["East China"]
    awaiting = handover.handed_over_awaiting_contact(env.runtime, now=env.now, successor=REP2)
    assert [a.customer_id for a in awaiting] == three and {a.predecessor for a in awaiting} == {REP}
    assert [a.customer_id for a in handover.handed_over_awaiting_contact(env.runtime, now=env.now,
                                                                        team_ids=[east])] == three
    assert handover.handed_over_awaiting_contact(env.runtime, now=env.now, successor=REP) == []
    assert handover.handed_over_awaiting_contact(env.runtime, now=env.now,
                                                 team_ids=[env.runtime.team_ids["West Coast"]]) == []
    env.followup(REP2, three[0])
    env.followup(SUP, three[1])  # only the successor's own contact counts
    awaiting = handover.handed_over_awaiting_contact(env.runtime, now=env.now, successor=REP2)
    assert [a.customer_id for a in awaiting] == three[1:]
    assert handover.handed_over_awaiting_contact(env.runtime, now=env.now + timedelta(days=27),
                                                 successor=REP2) != []
    assert handover.handed_over_awaiting_contact(env.runtime, now=env.now + timedelta(days=29),
                                                 successor=REP2) == []
    lines = awaiting_contact_lines("en", awaiting)
    assert lines[0].startswith("• *CL2026002* Handed 1 Ltd — <@U0REP1> → <@U0REP2> on 2026-11-23")
    assert "listed until 2026-12-21" in lines[0]


def test_a_deactivated_rep_gets_one_draft_until_a_successor_is_chosen(env: Env, three: list[int]) -> None:
    assert handover.customers_needing_new_owner(env.runtime) == []
    keys = deactivate(env, REP)
    assert len(keys) == 1 and deactivate(env, REP) == ()  # the same change reported again
    [draft] = env.rows(Handover)
    assert (draft.state, draft.origin, draft.to_user) == ("draft", "deactivation", None)
    orphans = handover.customers_needing_new_owner(env.runtime, team_ids=[env.runtime.team_ids["East China"]])
    assert [o.customer_id for o in orphans] == three and {o.draft_id for o in orphans} == {draft.id}
    assert handover.customers_needing_new_owner(env.runtime, team_ids=[env.runtime.team_ids["West Coast"]]) == []
    assert needs_owner_lines("en", orphans)[0] == "• *CL2026001* Handed 0 Ltd — <@U0REP1>'s account is deactivated"
    with pytest.raises(NotAuthorized):
        handover.choose_successor(env.runtime, actor_id=SUPW, handover_id=draft.id, to_user=REP2)
    chosen = handover.choose_successor(env.runtime, actor_id=SUP, handover_id=draft.id, to_user=REP2)
    assert chosen.from_user == REP and handover.customers_needing_new_owner(env.runtime) == []
    with pytest.raises(NotAuthorized) as again:
        handover.choose_successor(env.runtime, actor_id=ADMIN, handover_id=draft.id, to_user=SUP)
    assert again.value.key == "handover_draft_closed"
    [request] = env.rows(ApprovalRequest, ApprovalRequest.kind == "handover")
    decisions.decide(env.runtime, actor_id=SUP, request_id=request.id, decision="rejected", reason="on leave")
    assert env.rows(Handover)[0].state == "draft"  # rejected: choose someone else
    assert len(handover.customers_needing_new_owner(env.runtime)) == 3
    assert owners(env)["CL2026001"] == REP
    # Nothing for the deactivated rep but the receipts of their own leads, queued before.
    assert {key.rsplit(":", 1)[1] for key, m in env.outbox().items() if m.channel == REP} == {"submitted"}


def test_reactivation_cancels_an_undecided_draft(env: Env, three: list[int]) -> None:
    deactivate(env, REP)
    deactivate(env, REP, deleted=False)
    assert env.rows(Handover)[0].state == "cancelled"
    assert handover.customers_needing_new_owner(env.runtime) == []
    deactivate(env, REP)  # deactivated again: a new draft
    assert [h.state for h in env.rows(Handover)] == ["cancelled", "draft"]


def test_nobody_to_hand_over_gets_no_draft(env: Env) -> None:
    assert deactivate(env, REP) == () and env.count(Handover) == 0
    assert handover.user_changed(env.runtime, user={"id": STRANGER, "deleted": True}, now=env.now) == ()


def test_the_digest_and_home_sections(env: Env, three: list[int]) -> None:
    team = env.runtime.config.team("East China")
    team_ids = [env.runtime.team_ids[team.name]]
    assert handover.awaiting_section(handover.handed_over_awaiting_contact(
        env.runtime, now=env.now, team_ids=team_ids), "en") == []
    decisions.decide(env.runtime, actor_id=SUP, request_id=ask(env), decision="approved", reason=None)
    blocks = handover.awaiting_section(handover.handed_over_awaiting_contact(
        env.runtime, now=env.now, team_ids=team_ids), "en")
    assert "not contacted yet by the successor:* 3" in str(blocks) and "CL2026003" in str(blocks)
    needs_owner = dict(home.SUPERVISOR_SECTIONS)["needs_owner"]
    assert needs_owner(env.runtime, env.actor(SUP), "en", 0) is None
    deactivate(env, REP2)
    found = needs_owner(env.runtime, env.actor(SUP), "en", 0)
    assert found is not None and found.title == "*Needs a new owner:* 4" and len(found.lines) == 4
    assert needs_owner(env.runtime, env.actor(SUPW), "en", 0) is None
