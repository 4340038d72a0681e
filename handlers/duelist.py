"""`/followup due` and the Snooze button of due lists."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.dates import format_when
from bot.errors import InvalidInput
from bot.runtime import Runtime
from bot.services import snooze
from bot.services.duelist import due_lists
from bot.services.followups import user_timezone
from bot.views import ids
from bot.views.blocks import escape
from bot.views.duelist import due_list_message, snooze_modal
from handlers.common import (
    Context,
    customer_button,
    field_errors,
    form_values,
    metadata,
    reply_privately,
    reported,
)


def my_due_list(runtime: Runtime, ctx: Context, *, max_items: int = 20) -> tuple[str, list[dict[str, Any]]]:
    """The user's due list now, for `/followup due`."""
    assert ctx.actor is not None
    tz = user_timezone(runtime, ctx.actor)
    now = runtime.now()
    due = due_lists(runtime, owners={ctx.user_id: tz}, now=now)[ctx.user_id]
    return due_list_message(ctx.lang, due, tz=tz, day=format_when(now, tz=tz, lang=ctx.lang).split(",")[0],
                            max_items=max_items)


def register(app: App, runtime: Runtime) -> None:
    app.action(ids.SNOOZE)(customer_button(runtime, lambda ctx, client, trigger, customer, url: client.views_open(
        trigger_id=trigger, view=snooze_modal(ctx.lang, customer=customer, response_url=url))))

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
        text = ctx.t("snoozed_ok", number=escape(customer.number), company=escape(customer.company),
                     when=format_when(until, tz=tz, lang=ctx.lang))
        reply_privately(client, user_id=ctx.user_id, response_url=meta.get("response_url"), text=text)
