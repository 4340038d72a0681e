"""Churn warnings (DOMAIN §10): score every active customer daily, flag and tell the supervisors,
record what is done and how it ends (repurchase, retained, churned), archive the churned."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from bot.domain.churn import Score, Signals, churn_score
from bot.errors import InvalidInput, NotAuthorized, NotFound
from bot.i18n import t
from bot.runtime import Runtime
from bot.services import cadence
from bot.services.directory import resolve_actor, team_language
from bot.services.isolation import isolated
from bot.services.outbox import Outgoing, enqueue, held_for_working_time
from bot.services.permissions import require_owner_or_decider
from bot.views.churn import churn_message
from storage import queries
from storage.models import ChurnAlert, ChurnArchive, Customer, DueItem


@dataclass(frozen=True)
class Scored:
    customer: Any  # a row with the customer's columns (see queries.churn_signals)
    signals: Signals
    score: Score


def score_all(runtime: Runtime, now: datetime) -> list[Scored]:
    """Every active customer's score at ``now`` (see ``iter_scores``), as a list."""
    return list(iter_scores(runtime, now))


def iter_scores(runtime: Runtime, now: datetime) -> Iterator[Scored]:
    """Every active customer's score at ``now``: one aggregation over the follow-ups for all teams
    sharing a window and keywords (normally one for everyone), then the pure score per customer,
    streamed as the rows arrive (the read stays open while the caller consumes them)."""
    groups: dict[tuple[int, tuple[str, ...]], list[str]] = {}
    for team in runtime.config.teams:
        policy = team.policy.churn
        groups.setdefault((policy.window_days, policy.competitor_keywords), []).append(team.name)
    days_for = cadence.cadence_days_cache(runtime)
    for (window_days, keywords), names in groups.items():
        window = timedelta(days=window_days)
        with runtime.db.read() as session:
            rows = queries.churn_signals(session=session, team_ids=[runtime.team_ids[n] for n in names], now=now,
                                         window_start=now - window, previous_start=now - 2 * window,
                                         keywords=list(keywords))
            for customer, facts in rows:
                team = runtime.team_by_id(customer.team_id)
                last = customer.last_contact_at
                signals = Signals(
                    days_since_contact=(now - last).total_seconds() / 86400 if last else None,
                    cadence_days=days_for(customer), recent_contacts=facts["recent"],
                    previous_contacts=facts["previous"], min_satisfaction=facts["min_satisfaction"],
                    avg_satisfaction=facts["avg_satisfaction"], open_complaints=facts["open_complaints"],
                    late_complaints=facts["late_complaints"], payment_delay_days=facts["payment_delay"],
                    competitor_mentioned=bool(facts["competitor"]),
                )
                yield Scored(customer=customer, signals=signals, score=churn_score(signals, team.policy.churn))


def churn_duty(runtime: Runtime, now: datetime) -> int:
    """Flag customers crossing the threshold (one alert until their state changes); unflag those
    that fell back below it, with a note in the alert's thread.

    The scores stream past; only the customers whose flag must change are kept, and changed once
    the read is over."""
    changing = [item for item in iter_scores(runtime, now)
                if item.score.at_risk(runtime.team_by_id(item.customer.team_id).policy.churn) != item.customer.warning]
    decided = 0
    for item in changing:
        with isolated("churn-warnings", f"customer {item.customer.id}"):
            decided += _flag_or_unflag(runtime, item, now)
    return decided


def _flag_or_unflag(runtime: Runtime, item: Scored, now: datetime) -> int:
    """One customer's flag follows its score; returns 1 when this process changed it."""
    customer, score = item.customer, item.score
    team = runtime.team_by_id(customer.team_id)
    at_risk = score.at_risk(team.policy.churn)
    if at_risk == customer.warning:
        return 0
    with runtime.db.write(background=True) as session:
        # A conditional UPDATE decides: of two processes scoring at once, one flips the flag (and
        # the unique index on open alerts backs it up).
        if not queries.set_warning(session=session, customer_id=customer.id, warning=at_risk):
            return 0
        current = session.get(Customer, customer.id)
        assert current is not None
        session.refresh(current)
        lang = team_language(runtime.config, team)
        if at_risk:
            alert = ChurnAlert(customer_id=current.id, score=score.total, raised_at=now,
                               signals=[[c.signal, c.points, c.share] for c in score.contributions],
                               channel=team.supervisor_channel)
            session.add(alert)
            session.flush()
            text, blocks = churn_message(alert=alert, customer=current, lang=lang, tz=team.timezone,
                                         threshold=team.policy.churn.threshold)
            post = Outgoing(key=f"churn:{alert.id}:post", channel=team.supervisor_channel, text=text, blocks=blocks)
            enqueue(session, held_for_working_time(session, runtime, post, now=now), now=now)
            return 1
        open_alert = queries.open_churn_alert(session=session, customer_id=current.id)
        if open_alert is not None:
            reason = t("churn_cleared_note", lang, score=score.total, threshold=team.policy.churn.threshold,
                       number=current.number)
            _close(session, open_alert, outcome="retained", reason=reason, by="system", now=now)
            posted = queries.outbox_message_by_key(session=session, key=f"churn:{open_alert.id}:post")
            enqueue(session, Outgoing(key=f"churn:{open_alert.id}:cleared", channel=team.supervisor_channel,
                                      text=reason, thread_ts=posted.result_ts if posted else None), now=now)
    return 1


def _close(session: Session, alert: ChurnAlert, *, outcome: str, reason: str, by: str, now: datetime) -> None:
    alert.outcome, alert.outcome_reason, alert.closed_at, alert.closed_by = outcome, reason, now, by


def close_on_deal(session: Session, customer: Customer, *, outcome: str, reason: str, by: str, now: datetime) -> None:
    """A won deal ends a warning as repurchase; a lost one as churned."""
    alert = queries.open_churn_alert(session=session, customer_id=customer.id)
    if alert is not None:
        _close(session, alert, outcome=outcome, reason=reason, by=by, now=now)
    customer.warning = False


def archive(session: Session, customer: Customer, *, reason: str, by: str, now: datetime) -> None:
    """Churned customers go to the history archive with how long we had them and why (002 §七)."""
    queries.insert_ignoring_conflict(session, ChurnArchive, {
        "customer_id": customer.id, "number": customer.number, "company": customer.company,
        "owner_id": customer.owner_id, "grade": customer.grade, "acquired_at": customer.acquired_at,
        "churned_at": now, "duration_days": max((now - customer.acquired_at).days, 0), "reason": reason,
        "recorded_by": by,
    })


def _alert_for(session: Session, runtime: Runtime, *, actor_id: str, alert_id: int) -> tuple[ChurnAlert, Customer]:
    alert = session.get(ChurnAlert, alert_id)
    customer = queries.get_customer(session=session, customer_id=alert.customer_id) if alert else None
    if alert is None or customer is None:
        raise NotFound("churn_alert_closed")
    team = runtime.team_by_id(customer.team_id)
    require_owner_or_decider(resolve_actor(runtime.config, actor_id), customer, team.name, refusal="churn_not_yours")
    if alert.closed_at is not None:
        raise NotAuthorized("churn_alert_closed")
    return alert, customer


def check_may_act(runtime: Runtime, *, actor_id: str, alert_id: int) -> ChurnAlert:
    with runtime.db.read() as session:
        alert, _ = _alert_for(session, runtime, actor_id=actor_id, alert_id=alert_id)
    return alert


def acknowledge(runtime: Runtime, *, actor_id: str, alert_id: int) -> tuple[str, ...]:
    return _act(runtime, actor_id=actor_id, alert_id=alert_id, action="acknowledge")


def plan_retention(runtime: Runtime, *, actor_id: str, alert_id: int, actions: str | None,
                   on: str | None) -> tuple[str, ...]:
    return _act(runtime, actor_id=actor_id, alert_id=alert_id, action="plan", plan=actions, on=on)


def mark_churned(runtime: Runtime, *, actor_id: str, alert_id: int, reason: str | None) -> tuple[str, ...]:
    return _act(runtime, actor_id=actor_id, alert_id=alert_id, action="churned", reason=reason)


def _act(runtime: Runtime, *, actor_id: str, alert_id: int, action: str, plan: str | None = None,
         on: str | None = None, reason: str | None = None) -> tuple[str, ...]:
    """Record what was done and show it on the alert's own message (the one the database says was
    posted for it: never a message the request names)."""
    now = runtime.now()
    with runtime.db.write() as session:
        alert, customer = _alert_for(session, runtime, actor_id=actor_id, alert_id=alert_id)
        team = runtime.team_by_id(customer.team_id)
        zone = ZoneInfo(team.timezone)
        if action == "acknowledge":
            alert.acknowledged_by, alert.acknowledged_at = actor_id, now
        elif action == "plan":
            day = _parse_day(on)
            errors: dict[str, tuple[str, dict[str, Any]]] = {}
            if not (plan or "").strip():
                errors["actions"] = ("err_required", {})
            if day is None:
                errors["date"] = ("err_required", {})
            elif day < now.astimezone(zone).date():
                errors["date"] = ("err_past_date", {})
            if errors:
                raise InvalidInput(errors)
            assert day is not None and plan is not None
            alert.plan, alert.planned_by = plan.strip()[:2000], actor_id
            alert.plan_due_at = datetime.combine(day, time(9, 0), zone)
            queries.upsert(session, DueItem, {
                "key": f"retention:{alert.id}", "customer_id": customer.id, "owner_id": customer.owner_id,
                "kind": "retention", "due_at": alert.plan_due_at, "note": alert.plan[:200], "created_at": now,
            }, key=["key"])
        else:
            if not (reason or "").strip():
                raise InvalidInput({"reason": ("err_required", {})})
            assert reason is not None
            reason = reason.strip()[:2000]
            if customer.status != "churned":
                queries.add_status_change(session=session, customer=customer, to_status="churned", by=actor_id, at=now,
                                          reason=reason)
            _close(session, alert, outcome="churned", reason=reason, by=actor_id, now=now)
            customer.warning = False
            archive(session, customer, reason=reason, by=actor_id, now=now)
            cadence.recompute(runtime, customer)
        queries.audit(session=session, actor=actor_id, action=f"churn.{action}", entity=alert, at=now)
        text, blocks = churn_message(alert=alert, customer=customer, lang=team_language(runtime.config, team),
                                     tz=team.timezone, threshold=team.policy.churn.threshold)
        update = Outgoing(key=f"churn:{alert.id}:{action}:{now.isoformat()}", channel=team.supervisor_channel,
                          text=text, blocks=blocks, method="chat.update", edits=f"churn:{alert.id}:post")
        enqueue(session, update, now=now)
    return (update.key,)


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def repurchase_items(runtime: Runtime, now: datetime) -> int:
    """Maintaining customers satisfied (≥ 4) whose contract is in its last 30 days get a repurchase item."""
    created = 0
    with runtime.db.write(background=True) as session:
        for customer, deal, satisfaction in queries.repurchase_candidates(session=session):
            team = runtime.team_by_id(customer.team_id)
            policy = team.policy.repurchase
            if satisfaction is None or satisfaction < policy.min_satisfaction:
                continue
            ends = deal.contract_ends_on or (deal.signed_on or deal.closed_on) + relativedelta(months=policy.contract_months)
            zone = ZoneInfo(team.timezone)
            today = now.astimezone(zone).date()
            starts = ends - timedelta(days=policy.days_before_end)
            if not starts <= today <= ends:
                continue
            created += queries.insert_ignoring_conflict(session, DueItem, {
                "key": f"repurchase:{customer.id}:{deal.id}", "customer_id": customer.id,
                "owner_id": customer.owner_id, "kind": "repurchase",
                "due_at": datetime.combine(starts, time(9, 0), zone), "note": ends.isoformat(), "created_at": now,
            })
    return created
