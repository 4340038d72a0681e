"""Churn warnings (DOMAIN §10): one open alert per customer, what is done about it, how it ends."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from bot.errors import InvalidInput, NotAuthorized
from bot.services import cadence, churn, deals
from storage.models import ChurnAlert, ChurnArchive, Customer, DueItem
from tests.services.support import ADMIN, REP, REP2, REPW, SUP, SUPW, Env, call, new_key

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def drifting(env: Env) -> int:
    """A weekly (B) customer last heard from a month ago, unhappy (1/5) and talking of a cheaper competitor."""
    customer_id = env.lead(REP, "Drift Ltd", acquired=env.now - timedelta(days=60)).customer_id
    with env.runtime.db.write() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        customer.grade = "B"
        cadence.recompute(env.runtime, customer)
    env.followup(REP, customer_id, at=env.now - timedelta(days=30), notes="a cheaper competitor", satisfaction=1)
    return customer_id


def open_alerts(env: Env, customer_id: int) -> list[ChurnAlert]:
    return env.rows(ChurnAlert, ChurnAlert.customer_id == customer_id, ChurnAlert.closed_at.is_(None))


@pytest.fixture
def alert(env: Env, drifting: int) -> ChurnAlert:
    assert churn.churn_duty(env.runtime, env.now) == 1
    [raised] = open_alerts(env, drifting)
    return raised


def test_a_customer_at_risk_gets_one_alert_however_often_it_is_scored(env: Env, drifting: int) -> None:
    assert churn.churn_duty(env.runtime, env.now) == 1
    for days in (0, 1, 7):
        env.clock.set(env.now + timedelta(days=days))
        assert churn.churn_duty(env.runtime, env.now) == 0
    [raised] = env.rows(ChurnAlert)
    assert raised.score >= 50
    assert env.customer(drifting).warning is True
    assert list(env.outbox("churn:")) == [f"churn:{raised.id}:post"]
    assert env.outbox("churn:")[f"churn:{raised.id}:post"].channel == "C0EAST"


def test_the_database_refuses_a_second_open_alert(env: Env, alert: ChurnAlert) -> None:
    with pytest.raises(IntegrityError), env.runtime.db.write() as session:
        session.add(ChurnAlert(customer_id=alert.customer_id, score=60, raised_at=env.now, signals=[]))
    assert len(env.rows(ChurnAlert)) == 1


def test_an_alert_whose_score_falls_back_is_closed_as_retained(env: Env, alert: ChurnAlert) -> None:
    env.clock.advance(3600)
    env.followup(REP, alert.customer_id, notes="all good again", satisfaction=5)  # silence and unhappiness end
    assert churn.churn_duty(env.runtime, env.now) == 1
    [closed] = env.rows(ChurnAlert)
    assert (closed.outcome, closed.closed_by) == ("retained", "system")
    assert env.customer(alert.customer_id).warning is False
    assert f"churn:{alert.id}:cleared" in env.outbox("churn:")


def test_a_retention_plan_becomes_a_due_item_on_its_day(env: Env, alert: ChurnAlert) -> None:
    call(churn.plan_retention, env.runtime, actor_id=REP, alert_id=alert.id, actions="  visit the plant  ",
         on="2026-11-30")
    [planned] = env.rows(ChurnAlert)
    due = datetime.combine(date(2026, 11, 30), time(9, 0), SHANGHAI)
    assert (planned.plan, planned.planned_by, planned.plan_due_at) == ("visit the plant", REP, due)
    [item] = env.rows(DueItem, DueItem.kind == "retention")
    assert (item.owner_id, item.due_at, item.customer_id) == (REP, due, alert.customer_id)
    assert planned.closed_at is None


@pytest.mark.parametrize(("actions", "on", "fields"), [
    ("", "2026-11-30", {"actions": "err_required"}),
    ("visit", None, {"date": "err_required"}),
    ("visit", "30/11/2026", {"date": "err_required"}),
    ("visit", "2026-11-22", {"date": "err_past_date"}),
    (None, "2020-01-01", {"actions": "err_required", "date": "err_past_date"}),
])
def test_a_retention_plan_needs_actions_and_a_day_not_past(env: Env, alert: ChurnAlert, actions: str | None,
                                                           on: str | None, fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        call(churn.plan_retention, env.runtime, actor_id=REP, alert_id=alert.id, actions=actions, on=on)
    assert {k: v[0] for k, v in raised.value.errors.items()} == fields
    assert env.rows(ChurnAlert)[0].plan is None
    assert env.count(DueItem, DueItem.kind == "retention") == 0


def test_a_retention_plan_for_today_is_accepted(env: Env, alert: ChurnAlert) -> None:
    call(churn.plan_retention, env.runtime, actor_id=SUP, alert_id=alert.id, actions="call", on="2026-11-23")
    assert env.rows(ChurnAlert)[0].planned_by == SUP


def test_marking_churned_closes_the_alert_and_archives_the_customer(env: Env, alert: ChurnAlert) -> None:
    call(churn.mark_churned, env.runtime, actor_id=SUP, alert_id=alert.id, reason=" went to the competitor ")
    [closed] = env.rows(ChurnAlert)
    assert (closed.outcome, closed.outcome_reason, closed.closed_by) == ("churned", "went to the competitor", SUP)
    customer = env.customer(alert.customer_id)
    assert (customer.status, customer.warning) == ("churned", False)
    [archived] = env.rows(ChurnArchive)
    assert (archived.customer_id, archived.reason, archived.duration_days) == (alert.customer_id,
                                                                               "went to the competitor", 60)
    with pytest.raises(NotAuthorized) as raised:
        call(churn.acknowledge, env.runtime, actor_id=SUP, alert_id=alert.id)
    assert raised.value.key == "churn_alert_closed"


def test_marking_churned_needs_a_reason(env: Env, alert: ChurnAlert) -> None:
    with pytest.raises(InvalidInput) as raised:
        call(churn.mark_churned, env.runtime, actor_id=SUP, alert_id=alert.id, reason="  ")
    assert set(raised.value.errors) == {"reason"}
    assert env.rows(ChurnAlert)[0].closed_at is None
    assert env.customer(alert.customer_id).status != "churned"


@pytest.mark.parametrize(("user", "allowed"), [(REP, True), (SUP, True), (ADMIN, True), (REP2, False),
                                               (REPW, False), (SUPW, False)])
def test_the_owner_a_supervisor_of_the_team_or_an_admin_acts_on_an_alert(env: Env, alert: ChurnAlert, user: str,
                                                                          allowed: bool) -> None:
    if allowed:
        churn.check_may_act(env.runtime, actor_id=user, alert_id=alert.id)
        call(churn.acknowledge, env.runtime, actor_id=user, alert_id=alert.id)
        assert env.rows(ChurnAlert)[0].acknowledged_by == user
        return
    with pytest.raises(NotAuthorized):
        churn.check_may_act(env.runtime, actor_id=user, alert_id=alert.id)
    with pytest.raises(NotAuthorized):
        call(churn.acknowledge, env.runtime, actor_id=user, alert_id=alert.id)
    assert env.rows(ChurnAlert)[0].acknowledged_by is None


def test_a_won_deal_ends_the_alert_as_repurchase(env: Env, alert: ChurnAlert) -> None:
    data = deals.parse_deal_form("won", {"contract_number": "HT-1", "amount": "120000", "signed_on": "2026-11-20",
                                         "success_factors": ["price_advantage"]}, today=date(2026, 11, 23))
    deals.record_deal(env.runtime, actor=env.actor(REP), customer_id=alert.customer_id, data=data,
                      request_key=new_key("deal"))
    [closed] = env.rows(ChurnAlert)
    assert (closed.outcome, closed.closed_by) == ("repurchase", REP)
    assert env.customer(alert.customer_id).warning is False
