"""`/lead`, the New lead modal and completing a lead after Needs info."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import commands
from bot.errors import InvalidInput, UserFacingError
from bot.runtime import Runtime
from bot.services import leads
from bot.services.directory import Requester
from bot.services.permissions import require_member, require_team
from bot.views import ids
from bot.views.blocks import escape
from bot.views.lead import lead_modal, lead_not_saved_view, lead_saved_view, lead_saving_view
from bot.views.metadata import ButtonValue, NewOrEdit
from handlers.common import after_ack, after_answer, update_modal
from handlers.pipeline import answered, clean_text, failure_text


def register(app: App, runtime: Runtime) -> None:
    @app.command(commands.LEAD)
    @answered
    def open_new_lead(ack: Ack, command: dict[str, Any], who: Requester, client: WebClient) -> None:
        require_team(who.actor)
        ack()
        company = clean_text(command.get("text")).strip()[:200]
        client.views_open(trigger_id=command["trigger_id"],
                          view=lead_modal(who.lang, now=runtime.now(), draft={"company": company}))
        after_ack(runtime, who)

    @app.view(ids.LEAD_VIEW)
    @answered
    def submit_lead(ack: Ack, view: dict[str, Any], who: Requester, meta: NewOrEdit, form: dict[str, Any],
                    client: WebClient) -> None:
        """Checked before the answer (field errors, duplicates); numbered and stored after it, once
        requests waiting for their answer have it, the modal then showing the number: Slack's
        3 seconds are never spent on writing."""
        actor = require_team(who.actor)
        key = f"view:{view['id']}"
        lead = leads.parse_lead_form(form, now=runtime.now())
        earlier = leads.check_lead(runtime, actor=actor, lead=lead, request_key=key, customer_id=meta.customer_id)
        if earlier is not None:  # a retry of a submission already saved
            ack(response_action="update", view=lead_saved_view(who.lang, number=earlier.number,
                                                               company=earlier.company))
            return
        ack(response_action="update", view=lead_saving_view(who.lang, company=lead.company))

        def save() -> None:
            try:
                saved = leads.save_lead(runtime, actor=actor, lead=lead, request_key=key, customer_id=meta.customer_id)
            except (InvalidInput, UserFacingError) as error:  # after the answer: the modal shows it
                update_modal(client, view_id=view["id"],
                             view=lead_not_saved_view(who.lang, message=failure_text(error, who.lang)))
                return
            update_modal(client, view_id=view["id"], view=lead_saved_view(who.lang, number=saved.number,
                                                                          company=saved.company))
            after_ack(runtime, who, saved.outbox_keys)

        after_answer(runtime, save, lang=who.lang)  # the modal says "Saving…": waiting answers go first

    @app.action(ids.COMPLETE_LEAD)
    @answered
    def complete_lead(ack: Ack, body: dict[str, Any], who: Requester, ref: ButtonValue, client: WebClient) -> None:
        ack()
        draft, wanted = leads.lead_to_complete(runtime, actor=require_member(who.actor), customer_id=ref.id)
        note = who.t("wanted_line", reason=escape(wanted)) if wanted else None
        client.views_open(trigger_id=body["trigger_id"], view=lead_modal(
            who.lang, now=runtime.now(), draft=draft, resubmit=True, note=note,
            private_metadata=NewOrEdit(customer_id=ref.id).model_dump_json()))
