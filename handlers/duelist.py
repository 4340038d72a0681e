"""`/followup due` and the Snooze button of due lists."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.dates import format_when
from bot.runtime import Runtime
from bot.services import snooze
from bot.services.directory import Requester
from bot.services.duelist import due_lists
from bot.services.permissions import require_member
from bot.views import ids
from bot.views.blocks import escape
from bot.views.duelist import due_list_message, snooze_modal
from bot.views.metadata import CustomerMeta
from handlers.common import customer_button, reply_privately
from handlers.pipeline import answered


def my_due_list(runtime: Runtime, who: Requester, *, max_items: int = 20) -> tuple[str, list[dict[str, Any]]]:
    """The user's due list now, for `/followup due`."""
    tz = who.tz
    now = runtime.now()
    due = due_lists(runtime, owners={who.user_id: tz}, now=now)[who.user_id]
    return due_list_message(who.lang, due, tz=tz, day=format_when(now, tz=tz, lang=who.lang).split(",")[0],
                            max_items=max_items)


def register(app: App, runtime: Runtime) -> None:
    app.action(ids.SNOOZE)(customer_button(runtime, lambda who, client, trigger, customer, url: client.views_open(
        trigger_id=trigger, view=snooze_modal(who.lang, customer=customer, response_url=url))))

    @app.view(ids.SNOOZE_VIEW)
    @answered
    def submit_snooze(ack: Ack, who: Requester, meta: CustomerMeta, form: dict[str, Any], client: WebClient) -> None:
        actor = require_member(who.actor)
        customer, until = snooze.snooze(runtime, actor=actor, customer_id=meta.customer_id, choice=form.get("until"),
                                        reason=form.get("reason"), tz=who.tz)
        ack()
        text = who.t("snoozed_ok", number=escape(customer.number), company=escape(customer.company),
                     when=format_when(until, tz=who.tz, lang=who.lang))
        reply_privately(client, user_id=who.user_id, response_url=meta.response_url, text=text)
