"""Won / lost: the deal review modal, and the supervisor's Comment on the review."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.calendar import local_date
from bot.runtime import Runtime
from bot.services import customers, deals
from bot.services.directory import Requester
from bot.services.permissions import require_member
from bot.views import ids
from bot.views.blocks import escape
from bot.views.deals import comment_modal, deal_modal
from bot.views.metadata import ButtonValue, DealCommentMeta, DealMeta
from handlers.common import after_ack, reply_privately
from handlers.pipeline import answered


def open_deal_modal(runtime: Runtime, who: Requester, client: WebClient, trigger_id: str, *, outcome: str,
                    customer: Any, response_url: str | None) -> None:
    team = runtime.team_by_id(customer.team_id)
    today = local_date(runtime.now(), team.timezone).isoformat()
    meta = DealMeta(customer_id=customer.id, outcome=outcome, response_url=response_url)  # type: ignore[arg-type]
    client.views_open(trigger_id=trigger_id, view=deal_modal(who.lang, outcome=outcome, customer=customer,
                                                             today=today, private_metadata=meta.model_dump_json()))


def register(app: App, runtime: Runtime) -> None:
    @app.view(ids.DEAL_VIEW)
    @answered
    def submit_deal(ack: Ack, view: dict[str, Any], who: Requester, meta: DealMeta, form: dict[str, Any],
                    client: WebClient) -> None:
        actor = require_member(who.actor)
        customer = customers.visible(runtime, actor, meta.customer_id)
        team = runtime.team_by_id(customer.team_id)
        data = deals.parse_deal_form(meta.outcome, form, today=local_date(runtime.now(), team.timezone))
        recorded = deals.record_deal(runtime, actor=actor, customer_id=customer.id, data=data,
                                     request_key=f"view:{view['id']}")
        ack()
        if recorded.deal.outcome == "won":
            revisits = ", ".join(day.isoformat() for _, day in recorded.revisits)
            text = who.t("deal_recorded_won", number=escape(recorded.number), company=escape(recorded.company),
                      revisits=revisits)
        else:
            text = who.t("deal_recorded_lost", number=escape(recorded.number), company=escape(recorded.company))
        reply_privately(client, user_id=who.user_id, response_url=meta.response_url, text=text)
        after_ack(runtime, who, recorded.outbox_keys)

    @app.action(ids.DEAL_COMMENT)
    @answered
    def open_comment(ack: Ack, body: dict[str, Any], who: Requester, ref: ButtonValue, client: WebClient) -> None:
        ack()
        deal = deals.check_may_comment(runtime, actor_id=who.user_id, deal_id=ref.id)
        client.views_open(trigger_id=body["trigger_id"], view=comment_modal(
            who.lang, deal_id=deal.id, current=deal.supervisor_comment))

    @app.view(ids.DEAL_COMMENT_VIEW)
    @answered
    def submit_comment(ack: Ack, who: Requester, meta: DealCommentMeta, form: dict[str, Any]) -> None:
        keys = deals.comment(runtime, actor_id=who.user_id, deal_id=meta.deal_id, remark=form.get("comment"))
        ack()
        after_ack(runtime, who, keys)
