"""`/lead`, the New lead modal and completing a lead after Needs info."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import commands
from bot.errors import InvalidInput, UserFacingError
from bot.runtime import Runtime
from bot.services import leads
from bot.views import ids
from bot.views.blocks import escape
from bot.views.lead import lead_modal, lead_not_saved_view, lead_saved_view, lead_saving_view
from handlers.common import (
    Context,
    clean_text,
    ephemeral,
    field_errors,
    form_values,
    metadata,
    reported,
    update_modal,
    user_message,
)


def register(app: App, runtime: Runtime) -> None:
    @app.command(commands.LEAD)
    @reported
    def open_new_lead(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        ctx = Context(runtime, command["user_id"])
        if ctx.actor is None or ctx.actor.team is None:
            ack(text=ctx.t("not_in_team"), response_type="ephemeral")
            return
        ack()
        company = clean_text(command.get("text")).strip()[:200]
        client.views_open(trigger_id=command["trigger_id"],
                          view=lead_modal(ctx.lang, now=runtime.now(), draft={"company": company}))
        ctx.after_ack()

    @app.view(ids.LEAD_VIEW)
    @reported
    def submit_lead(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        """Checked before the answer (field errors, duplicates); numbered and stored right after it,
        the modal then showing the number: Slack's 3 seconds are never spent on writing."""
        ctx = Context(runtime, body["user"]["id"])
        if ctx.actor is None or ctx.actor.team is None:
            ack(response_action="errors", errors={"company": ctx.t("not_in_team")})
            return
        raw_id = metadata(view).get("customer_id")
        customer_id = int(raw_id) if raw_id is not None else None
        key = f"view:{view['id']}"
        try:
            lead = leads.parse_lead_form(form_values(view), now=runtime.now())
            earlier = leads.check_lead(runtime, actor=ctx.actor, lead=lead, request_key=key, customer_id=customer_id)
        except InvalidInput as error:
            ack(response_action="errors", errors=field_errors(error, ctx.lang))
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={"company": user_message(error, ctx.lang)})
            return
        if earlier is not None:  # a retry of a submission already saved
            ack(response_action="update", view=lead_saved_view(ctx.lang, number=earlier.number,
                                                               company=earlier.company))
            return
        ack(response_action="update", view=lead_saving_view(ctx.lang, company=lead.company))
        try:
            saved = leads.save_lead(runtime, actor=ctx.actor, lead=lead, request_key=key, customer_id=customer_id)
        except InvalidInput as error:
            message = "\n".join(field_errors(error, ctx.lang).values())
            update_modal(client, view_id=view["id"], view=lead_not_saved_view(ctx.lang, message=message))
            return
        except UserFacingError as error:
            update_modal(client, view_id=view["id"],
                         view=lead_not_saved_view(ctx.lang, message=user_message(error, ctx.lang)))
            return
        update_modal(client, view_id=view["id"], view=lead_saved_view(ctx.lang, number=saved.number,
                                                                      company=saved.company))
        ctx.after_ack(saved.outbox_keys)

    @app.action(ids.COMPLETE_LEAD)
    @reported
    def complete_lead(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                      respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            if ctx.actor is None:
                raise UserFacingError("not_in_team")
            customer_id = int(action["value"])
            draft, wanted = leads.lead_to_complete(runtime, actor=ctx.actor, customer_id=customer_id)
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        note = ctx.t("wanted_line", reason=escape(wanted)) if wanted else None
        client.views_open(trigger_id=body["trigger_id"], view=lead_modal(
            ctx.lang, now=runtime.now(), draft=draft, resubmit=True, note=note,
            private_metadata=json.dumps({"customer_id": customer_id})))
