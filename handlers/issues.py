"""Complaints and issues: the report modal, Responded and Resolved."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.dates import format_when
from bot.runtime import Runtime
from bot.services import issues
from bot.services.directory import Requester
from bot.services.permissions import require_member
from bot.views import ids
from bot.views.blocks import escape
from bot.views.issues import issue_modal, resolve_modal
from bot.views.metadata import ButtonValue, CustomerMeta, IssueMeta
from handlers.common import after_ack, customer_button, reply_privately
from handlers.pipeline import answered


def open_issue_modal(who: Requester, client: WebClient, trigger_id: str, customer: Any,
                     response_url: str | None) -> None:
    meta = CustomerMeta(customer_id=customer.id, response_url=response_url)
    client.views_open(trigger_id=trigger_id, view=issue_modal(who.lang, customer=customer,
                                                              private_metadata=meta.model_dump_json()))


def register(app: App, runtime: Runtime) -> None:
    app.action(ids.REPORT_ISSUE)(customer_button(runtime, open_issue_modal))

    @app.view(ids.ISSUE_VIEW)
    @answered
    def submit_issue(ack: Ack, view: dict[str, Any], who: Requester, meta: CustomerMeta, form: dict[str, Any],
                     client: WebClient) -> None:
        actor = require_member(who.actor)
        done = issues.report(runtime, actor=actor, customer_id=meta.customer_id, data=issues.parse_issue_form(form),
                             request_key=f"view:{view['id']}")
        ack()
        team = runtime.team_by_id(done.customer.team_id)
        deadline = who.t(f"issue_deadline_{done.issue.deadline_kind}",
                         when=format_when(done.issue.deadline_at, tz=team.timezone, lang=who.lang))
        text = who.t("issue_reported", number=done.issue.number, customer=escape(done.customer.number),
                     company=escape(done.customer.company), deadline=deadline)
        reply_privately(client, user_id=who.user_id, response_url=meta.response_url, text=text)
        after_ack(runtime, who, done.outbox_keys)

    @app.action(ids.ISSUE_RESPONDED)
    @answered
    def responded(ack: Ack, who: Requester, ref: ButtonValue) -> None:
        ack()
        after_ack(runtime, who, issues.respond(runtime, actor_id=who.user_id, issue_id=ref.id))

    @app.action(ids.ISSUE_RESOLVED)
    @answered
    def open_resolve(ack: Ack, body: dict[str, Any], who: Requester, ref: ButtonValue, client: WebClient) -> None:
        ack()
        issue, _ = issues.check_may_handle(runtime, actor_id=who.user_id, issue_id=ref.id)
        client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(who.lang, issue_id=issue.id))

    @app.view(ids.ISSUE_RESOLVE_VIEW)
    @answered
    def submit_resolution(ack: Ack, who: Requester, meta: IssueMeta, form: dict[str, Any]) -> None:
        keys = issues.resolve(runtime, actor_id=who.user_id, issue_id=meta.issue_id, resolution=form.get("resolution"),
                              satisfaction=form.get("satisfaction"))
        ack()
        after_ack(runtime, who, keys)
