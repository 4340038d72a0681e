"""Approve / Needs info / Reject buttons of every approval request, and the reason modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import decisions
from bot.services.directory import Requester
from bot.views import ids
from bot.views.approvals import reason_modal
from bot.views.metadata import ButtonValue, ReasonDecision, ReasonMeta
from handlers.common import after_ack
from handlers.pipeline import answered


def register(app: App, runtime: Runtime) -> None:
    @app.action(ids.APPROVE)
    @answered
    def approve(ack: Ack, who: Requester, ref: ButtonValue) -> None:
        ack()
        _, keys = decisions.decide(runtime, actor_id=who.user_id, request_id=ref.id, decision="approved", reason=None)
        after_ack(runtime, who, keys)

    def ask_reason(decision: ReasonDecision) -> Any:
        @answered
        def open_reason_modal(ack: Ack, body: dict[str, Any], who: Requester, ref: ButtonValue,
                              client: WebClient) -> None:
            ack()
            decisions.check_may_decide(runtime, actor_id=who.user_id, request_id=ref.id, decision=decision)
            client.views_open(trigger_id=body["trigger_id"],
                              view=reason_modal(request_id=ref.id, decision=decision, lang=who.lang))

        return open_reason_modal

    app.action(ids.NEEDS_INFO)(ask_reason("needs_info"))
    app.action(ids.REJECT)(ask_reason("rejected"))

    @app.view(ids.DECISION_REASON_VIEW)
    @answered
    def submit_reason(ack: Ack, who: Requester, meta: ReasonMeta, form: dict[str, Any]) -> None:
        _, keys = decisions.decide(runtime, actor_id=who.user_id, request_id=meta.request_id, decision=meta.decision,
                                   reason=form.get(ids.REASON_BLOCK))
        ack()
        after_ack(runtime, who, keys)
