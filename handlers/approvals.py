"""Approve / Needs info / Reject buttons of every approval request, and the reason modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.errors import AlreadyDecided, UserFacingError
from bot.runtime import Runtime
from bot.services import decisions
from bot.views import ids
from bot.views.approvals import reason_modal
from handlers.common import (
    Context,
    ephemeral,
    form_values,
    metadata,
    reported,
    submit_and_close,
    user_message,
)

EXPECTED = (UserFacingError, AlreadyDecided)


def register(app: App, runtime: Runtime) -> None:
    @app.action(ids.APPROVE)
    @reported
    def approve(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            _, keys = decisions.decide(runtime, actor_id=ctx.user_id, request_id=int(action["value"]),
                                       decision="approved", reason=None)
        except EXPECTED as error:
            ephemeral(respond, user_message(error, ctx.lang, _tz(ctx)))
            return
        ctx.after_ack(keys)

    def ask_reason(decision: str) -> Any:
        @reported
        def open_reason_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                              respond: Respond) -> None:
            ack()
            ctx = Context(runtime, body["user"]["id"])
            request_id = int(action["value"])
            try:
                decisions.check_may_decide(runtime, actor_id=ctx.user_id, request_id=request_id)
            except EXPECTED as error:
                ephemeral(respond, user_message(error, ctx.lang, _tz(ctx)))
                return
            client.views_open(trigger_id=body["trigger_id"],
                              view=reason_modal(request_id=request_id, decision=decision, lang=ctx.lang))

        return open_reason_modal

    app.action(ids.NEEDS_INFO)(ask_reason("needs_info"))
    app.action(ids.REJECT)(ask_reason("rejected"))

    @app.view(ids.DECISION_REASON_VIEW)
    @reported
    def submit_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)

        def decide() -> list[str]:
            return decisions.decide(runtime, actor_id=ctx.user_id, request_id=int(meta["request_id"]),
                                    decision=str(meta["decision"]), reason=form_values(view).get(ids.REASON_BLOCK))[1]

        submit_and_close(ack, ctx, decide, error_field=ids.REASON_BLOCK, tz=_tz(ctx))


def _tz(ctx: Context) -> str:
    return ctx.actor.team.timezone if ctx.actor and ctx.actor.team else "UTC"


