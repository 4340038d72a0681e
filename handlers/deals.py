"""Won / lost: the deal review modal, and the supervisor's Comment on the review."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.calendar import local_date
from bot.errors import InvalidInput, UserFacingError
from bot.runtime import Runtime
from bot.services import customers, deals
from bot.views import ids
from bot.views.blocks import escape
from bot.views.deals import comment_modal, deal_modal
from handlers.common import (
    Context,
    ephemeral,
    field_errors,
    form_values,
    metadata,
    reply_privately,
    reported,
    submit_and_close,
    user_message,
)


def open_deal_modal(runtime: Runtime, ctx: Context, client: WebClient, trigger_id: str, *, outcome: str,
                    customer: Any, response_url: str | None) -> None:
    team = runtime.team_by_id(customer.team_id)
    today = local_date(runtime.now(), team.timezone).isoformat()
    meta = json.dumps({"customer_id": customer.id, "outcome": outcome, "response_url": response_url})
    client.views_open(trigger_id=trigger_id, view=deal_modal(ctx.lang, outcome=outcome, customer=customer,
                                                             today=today, private_metadata=meta))


def register(app: App, runtime: Runtime) -> None:
    @app.view(ids.DEAL_VIEW)
    @reported
    def submit_deal(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)
        first_field = "contract_number" if meta.get("outcome") == "won" else "failure_reasons"
        if ctx.actor is None:
            ack(response_action="errors", errors={first_field: ctx.t("not_in_team")})
            return
        try:
            customer = customers.visible(runtime, ctx.actor, int(meta["customer_id"]))
            team = runtime.team_by_id(customer.team_id)
            data = deals.parse_deal_form(str(meta["outcome"]), form_values(view),
                                         today=local_date(runtime.now(), team.timezone))
            recorded = deals.record_deal(runtime, actor=ctx.actor, customer_id=customer.id, data=data,
                                         request_key=f"view:{view['id']}")
        except InvalidInput as error:
            ack(response_action="errors", errors=field_errors(error, ctx.lang))
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={first_field: user_message(error, ctx.lang)})
            return
        ack()
        if recorded.deal.outcome == "won":
            revisits = ", ".join(day.isoformat() for _, day in recorded.revisits)
            text = ctx.t("deal_recorded_won", number=escape(recorded.number), company=escape(recorded.company),
                         revisits=revisits)
        else:
            text = ctx.t("deal_recorded_lost", number=escape(recorded.number), company=escape(recorded.company))
        reply_privately(client, user_id=ctx.user_id, response_url=meta.get("response_url"), text=text)
        ctx.after_ack(recorded.outbox_keys)

    @app.action(ids.DEAL_COMMENT)
    @reported
    def open_comment(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                     respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            deal = deals.check_may_comment(runtime, actor_id=ctx.user_id, deal_id=int(action["value"]))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        container = body.get("container") or {}
        client.views_open(trigger_id=body["trigger_id"], view=comment_modal(
            ctx.lang, deal_id=deal.id, channel=container.get("channel_id"), ts=container.get("message_ts"),
            current=deal.supervisor_comment))

    @app.view(ids.DEAL_COMMENT_VIEW)
    @reported
    def submit_comment(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)
        submit_and_close(ack, ctx, lambda: deals.comment(
            runtime, actor_id=ctx.user_id, deal_id=int(meta["deal_id"]), remark=form_values(view).get("comment"),
            channel=meta.get("channel"), ts=meta.get("ts")), error_field="comment")
