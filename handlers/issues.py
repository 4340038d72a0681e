"""Complaints and issues: the report modal, Responded and Resolved."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.dates import format_when
from bot.errors import InvalidInput, UserFacingError
from bot.runtime import Runtime
from bot.services import issues
from bot.views import ids
from bot.views.blocks import escape
from bot.views.issues import issue_modal, resolve_modal
from handlers.common import (
    Context,
    customer_button,
    ephemeral,
    field_errors,
    form_values,
    metadata,
    reply_privately,
    reported,
    submit_and_close,
    user_message,
)


def open_issue_modal(ctx: Context, client: WebClient, trigger_id: str, customer: Any, response_url: str | None) -> None:
    meta = json.dumps({"customer_id": customer.id, "response_url": response_url})
    client.views_open(trigger_id=trigger_id, view=issue_modal(ctx.lang, customer=customer, private_metadata=meta))


def register(app: App, runtime: Runtime) -> None:
    app.action(ids.REPORT_ISSUE)(customer_button(runtime, open_issue_modal))

    @app.view(ids.ISSUE_VIEW)
    @reported
    def submit_issue(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)
        if ctx.actor is None:
            ack(response_action="errors", errors={"description": ctx.t("not_in_team")})
            return
        try:
            data = issues.parse_issue_form(form_values(view))
            done = issues.report(runtime, actor=ctx.actor, customer_id=int(meta["customer_id"]), data=data,
                                 request_key=f"view:{view['id']}")
        except InvalidInput as error:
            ack(response_action="errors", errors=field_errors(error, ctx.lang))
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={"description": user_message(error, ctx.lang)})
            return
        ack()
        team = runtime.team_by_id(done.customer.team_id)
        deadline = ctx.t(f"issue_deadline_{done.issue.deadline_kind}",
                         when=format_when(done.issue.deadline_at, tz=team.timezone, lang=ctx.lang))
        text = ctx.t("issue_reported", number=done.issue.number, customer=escape(done.customer.number),
                     company=escape(done.customer.company), deadline=deadline)
        reply_privately(client, user_id=ctx.user_id, response_url=meta.get("response_url"), text=text)
        ctx.after_ack(done.outbox_keys)

    @app.action(ids.ISSUE_RESPONDED)
    @reported
    def responded(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        container = body.get("container") or {}
        try:
            keys = issues.respond(runtime, actor_id=ctx.user_id, issue_id=int(action["value"]),
                                  channel=container.get("channel_id"), ts=container.get("message_ts"))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        ctx.after_ack(keys)

    @app.action(ids.ISSUE_RESOLVED)
    @reported
    def open_resolve(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                     respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            issue, _ = issues.check_may_handle(runtime, actor_id=ctx.user_id, issue_id=int(action["value"]))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        container = body.get("container") or {}
        client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(
            ctx.lang, issue_id=issue.id, channel=container.get("channel_id"), ts=container.get("message_ts")))

    @app.view(ids.ISSUE_RESOLVE_VIEW)
    @reported
    def submit_resolution(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)
        values = form_values(view)
        submit_and_close(ack, ctx, lambda: issues.resolve(
            runtime, actor_id=ctx.user_id, issue_id=int(meta["issue_id"]), resolution=values.get("resolution"),
            satisfaction=values.get("satisfaction"), channel=meta.get("channel"), ts=meta.get("ts")),
            error_field="resolution")
