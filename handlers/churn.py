"""Churn alert buttons: Plan retention, Acknowledge, Mark churned."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import UserFacingError
from bot.runtime import Runtime
from bot.services import churn
from bot.views import ids
from bot.views.churn import churned_modal, plan_modal
from handlers.common import (
    Context,
    ephemeral,
    form_values,
    metadata,
    reported,
    submit_and_close,
    user_message,
)


def register(app: App, runtime: Runtime) -> None:
    @app.action(ids.ACKNOWLEDGE)
    @reported
    def acknowledge(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        container = body.get("container") or {}
        try:
            keys = churn.acknowledge(runtime, actor_id=ctx.user_id, alert_id=int(action["value"]),
                                     channel=container.get("channel_id"), ts=container.get("message_ts"))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        ctx.after_ack(keys)

    def opener(build: Any) -> Any:
        @reported
        def open_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                       respond: Respond) -> None:
            ack()
            ctx = Context(runtime, body["user"]["id"])
            try:
                alert = churn.check_may_act(runtime, actor_id=ctx.user_id, alert_id=int(action["value"]))
            except UserFacingError as error:
                ephemeral(respond, user_message(error, ctx.lang))
                return
            container = body.get("container") or {}
            client.views_open(trigger_id=body["trigger_id"], view=build(
                ctx.lang, alert_id=alert.id, channel=container.get("channel_id"), ts=container.get("message_ts")))

        return open_modal

    app.action(ids.PLAN_RETENTION)(opener(plan_modal))
    app.action(ids.MARK_CHURNED)(opener(churned_modal))

    @app.view(ids.PLAN_VIEW)
    @reported
    def submit_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta, values = metadata(view), form_values(view)
        submit_and_close(ack, ctx, lambda: churn.plan_retention(runtime, actor_id=ctx.user_id, alert_id=int(meta["alert_id"]),
                                        actions=values.get("actions"), on=values.get("date"),
                                        channel=meta.get("channel"), ts=meta.get("ts")), error_field="actions")

    @app.view(ids.CHURNED_VIEW)
    @reported
    def submit_churned(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta, values = metadata(view), form_values(view)
        submit_and_close(ack, ctx, lambda: churn.mark_churned(runtime, actor_id=ctx.user_id, alert_id=int(meta["alert_id"]),
                                      reason=values.get("reason"), channel=meta.get("channel"), ts=meta.get("ts")), error_field="reason")
