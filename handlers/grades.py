"""Propose grade: the modal (suggested grade shown as the rep types) and its submission."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.grades import suggest_grade
from bot.errors import InvalidInput, UserFacingError
from bot.runtime import Runtime
from bot.services import customers, grades
from bot.views import ids
from bot.views.blocks import escape
from bot.views.grades import grade_modal
from handlers.common import (
    Context,
    customer_button,
    field_errors,
    form_values,
    metadata,
    reply_privately,
    reported,
    user_message,
)


def open_grade_modal(runtime: Runtime, ctx: Context, client: WebClient, trigger_id: str, customer: Any,
                     response_url: str | None) -> None:
    policy = runtime.team_by_id(customer.team_id).policy.grades
    draft = {"grade": customer.grade, "annual_purchase": f"{customer.annual_purchase:.0f}"
             if customer.annual_purchase is not None else None, "potential": customer.potential}
    suggested = (suggest_grade(customer.annual_purchase, customer.potential, policy)
                 if customer.annual_purchase is not None else None)
    meta = json.dumps({"customer_id": customer.id, "response_url": response_url})
    client.views_open(trigger_id=trigger_id, view=grade_modal(ctx.lang, customer=customer, draft=draft,
                                                              suggested=suggested, policy=policy,
                                                              private_metadata=meta))


def register(app: App, runtime: Runtime) -> None:
    @reported
    def refresh_suggestion(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        view = body["view"]
        if ctx.actor is None:
            return
        try:
            customer = customers.visible(runtime, ctx.actor, int(metadata(view)["customer_id"]))
        except (UserFacingError, KeyError, ValueError):
            return
        policy = runtime.team_by_id(customer.team_id).policy.grades
        values = form_values(view)
        amount = grades.parse_amount(values.get("annual_purchase"))
        potential = int(values["potential"]) if values.get("potential") else None
        suggested = suggest_grade(amount, potential, policy) if amount is not None else None
        try:
            client.views_update(view_id=view["id"], hash=view["hash"], view=grade_modal(
                ctx.lang, customer=customer, draft=values, suggested=suggested, policy=policy,
                private_metadata=view.get("private_metadata") or "",
                amount_error=bool((values.get("annual_purchase") or "").strip()) and amount is None))
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            # A newer refresh already replaced this view while the rep kept typing.

    for action_id in ids.GRADE_INPUT_ACTIONS:
        app.action(action_id)(refresh_suggestion)

    app.action(ids.PROPOSE_GRADE)(customer_button(runtime, lambda ctx, client, trigger, customer, url: open_grade_modal(
        runtime, ctx, client, trigger, customer, url)))

    @app.view(ids.GRADE_VIEW)
    @reported
    def submit_grade(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ctx = Context(runtime, body["user"]["id"])
        meta = metadata(view)
        if ctx.actor is None:
            ack(response_action="errors", errors={"grade": ctx.t("not_in_team")})
            return
        try:
            customer = customers.visible(runtime, ctx.actor, int(meta["customer_id"]))
            policy = runtime.team_by_id(customer.team_id).policy.grades
            proposal = grades.parse_proposal(form_values(view), policy)
            proposed = grades.propose(runtime, actor=ctx.actor, customer_id=customer.id, proposal=proposal)
        except InvalidInput as error:
            ack(response_action="errors", errors=field_errors(error, ctx.lang))
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={"grade": user_message(error, ctx.lang)})
            return
        ack()
        values = {"grade": proposal.grade, "number": escape(customer.number), "company": escape(customer.company)}
        if proposed.applied:
            text = ctx.t("grade_applied", **values)
        else:
            text = ctx.t("grade_sent", **values) + (" " + ctx.t("grade_sent_replaced") if proposed.replaced else "")
        reply_privately(client, user_id=ctx.user_id, response_url=meta.get("response_url"), text=text)
        ctx.after_ack(proposed.outbox_keys)
