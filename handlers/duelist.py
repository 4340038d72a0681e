"""`/followup due` and the Snooze button of due lists."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.domain.dates import format_when
from bot.errors import InvalidInput, UserFacingError
from bot.runtime import Runtime
from bot.services import customers, snooze
from bot.services.duelist import due_lists
from bot.services.followups import user_timezone
from bot.views import ids
from bot.views.blocks import input_block, modal, option, section
from bot.views.duelist import due_list_message
from handlers.common import Context, ephemeral, field_errors, form_values, metadata, reported, user_message


def my_due_list(runtime: Runtime, ctx: Context, *, max_items: int = 20) -> tuple[str, list[dict[str, Any]]]:
    """The user's due list now, for `/followup due`."""
    assert ctx.actor is not None
    tz = user_timezone(runtime, ctx.actor)
    now = runtime.now()
    due = due_lists(runtime, owners={ctx.user_id: tz}, now=now)[ctx.user_id]
    return due_list_message(ctx.lang, due, tz=tz, day=format_when(now, tz=tz, lang=ctx.lang).split(",")[0],
                            max_items=max_items)


def snooze_modal(ctx: Context, customer: Any, response_url: str | None) -> dict[str, Any]:
    choices = [option(ctx.t(f"snooze_{c}"), c) for c in snooze.CHOICES]
    blocks = [
        section(f"*{customer.number}* · {customer.company}"),
        input_block("until", ctx.t("f_snooze_for"), {"type": "radio_buttons", "action_id": "until",
                                                      "options": choices, "initial_option": choices[0]}),
        input_block("reason", ctx.t("reject_label"), {"type": "plain_text_input", "action_id": "reason",
                                                       "max_length": 500}),
    ]
    return modal(ids.SNOOZE_VIEW, ctx.t("snooze_title"), blocks, submit=ctx.t("submit"), close=ctx.t("cancel"),
                 private_metadata=json.dumps({"customer_id": customer.id, "response_url": response_url}))


def register(app: App, runtime: Runtime) -> None:
    @app.action(ids.SNOOZE)
    @reported
    def open_snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                    respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            if ctx.actor is None:
                raise UserFacingError("not_in_team")
            customer = customers.visible(runtime, ctx.actor, int(action["value"]))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        client.views_open(trigger_id=body["trigger_id"], view=snooze_modal(ctx, customer, body.get("response_url")))

    @app.view(ids.SNOOZE_VIEW)
    @reported
    def submit_snooze(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)
        values = form_values(view)
        if ctx.actor is None:
            ack(response_action="errors", errors={"reason": ctx.t("not_in_team")})
            return
        tz = user_timezone(runtime, ctx.actor)
        try:
            customer, until = snooze.snooze(runtime, actor=ctx.actor, customer_id=int(meta["customer_id"]),
                                            choice=values.get("until"), reason=values.get("reason"), tz=tz)
        except InvalidInput as error:
            ack(response_action="errors", errors=field_errors(error, ctx.lang))
            return
        ack()
        text = ctx.t("snoozed_ok", number=customer.number, company=customer.company,
                     when=format_when(until, tz=tz, lang=ctx.lang))
        if meta.get("response_url"):
            WebhookClient(meta["response_url"]).send(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=ctx.user_id, text=text)
