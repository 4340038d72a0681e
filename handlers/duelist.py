"""`/followup due` and the Snooze button of due lists."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.dates import format_when
from bot.runtime import Runtime
from bot.services import snooze
from bot.services.directory import Requester
from bot.services.duelist import due_lists
from bot.services.permissions import require_member
from bot.views import ids
from bot.views.blocks import escape
from bot.views.duelist import PAGE_ITEMS, due_list_message, snooze_modal
from bot.views.metadata import CustomerMeta, DuePage, read_value
from handlers.common import customer_button, reply_privately
from handlers.pipeline import answered


def my_due_list(runtime: Runtime, who: Requester, *, page: int = 0,
                max_items: int = PAGE_ITEMS) -> tuple[str, list[dict[str, Any]]]:
    """A page of the user's own due list now, for `/followup due` and its pager."""
    require_member(who.actor)
    tz = who.tz
    now = runtime.now()
    due = due_lists(runtime, owners={who.user_id: tz}, now=now)[who.user_id]
    return due_list_message(who.lang, due, tz=tz, day=format_when(now, tz=tz, lang=who.lang).split(",")[0],
                            max_items=max_items, page=page)


def register(app: App, runtime: Runtime) -> None:
    app.action(ids.SNOOZE)(customer_button(runtime, lambda who, client, trigger, customer, url: client.views_open(
        trigger_id=trigger, view=snooze_modal(who.lang, customer=customer, response_url=url))))

    @answered
    def turn_page(ack: Ack, body: dict[str, Any], who: Requester, respond: Respond) -> None:
        """Previous / Next under a `/followup due` answer: that page of the clicker's own list, in its place."""
        wanted = read_value(DuePage, (body.get("actions") or [{}])[0].get("value"))
        title, blocks = my_due_list(runtime, who, page=wanted.page)
        ack()
        respond(text=title, blocks=blocks, response_type="ephemeral", replace_original=True)

    app.action(ids.DUE_PREVIOUS)(turn_page)
    app.action(ids.DUE_NEXT)(turn_page)

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
