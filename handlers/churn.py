"""Churn alert buttons: Plan retention, Acknowledge, Mark churned."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import churn
from bot.services.directory import Requester
from bot.views import ids
from bot.views.churn import churned_modal, plan_modal
from bot.views.metadata import AlertMeta, ButtonValue
from handlers.common import after_ack
from handlers.pipeline import answered


def register(app: App, runtime: Runtime) -> None:
    @app.action(ids.ACKNOWLEDGE)
    @answered
    def acknowledge(ack: Ack, who: Requester, ref: ButtonValue) -> None:
        ack()
        after_ack(runtime, who, churn.acknowledge(runtime, actor_id=who.user_id, alert_id=ref.id))

    def opener(build: Any) -> Any:
        @answered
        def open_modal(ack: Ack, body: dict[str, Any], who: Requester, ref: ButtonValue, client: WebClient) -> None:
            ack()
            alert = churn.check_may_act(runtime, actor_id=who.user_id, alert_id=ref.id)
            client.views_open(trigger_id=body["trigger_id"], view=build(who.lang, alert_id=alert.id))

        return open_modal

    app.action(ids.PLAN_RETENTION)(opener(plan_modal))
    app.action(ids.MARK_CHURNED)(opener(churned_modal))

    @app.view(ids.PLAN_VIEW)
    @answered
    def submit_plan(ack: Ack, who: Requester, meta: AlertMeta, form: dict[str, Any]) -> None:
        keys = churn.plan_retention(runtime, actor_id=who.user_id, alert_id=meta.alert_id,
                                    actions=form.get("actions"), on=form.get("date"))
        ack()
        after_ack(runtime, who, keys)

    @app.view(ids.CHURNED_VIEW)
    @answered
    def submit_churned(ack: Ack, who: Requester, meta: AlertMeta, form: dict[str, Any]) -> None:
        keys = churn.mark_churned(runtime, actor_id=who.user_id, alert_id=meta.alert_id, reason=form.get("reason"))
        ack()
        after_ack(runtime, who, keys)
