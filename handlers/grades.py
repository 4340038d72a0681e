"""Propose grade: the modal (suggested grade shown as the rep types) and its submission."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.grades import POTENTIALS, suggest_grade
from bot.runtime import Runtime
from bot.services import customers, grades
from bot.services.directory import Requester
from bot.services.permissions import require_member
from bot.views import ids
from bot.views.blocks import escape
from bot.views.grades import grade_modal
from bot.views.metadata import CustomerMeta
from handlers.common import after_ack, customer_button, reply_privately
from handlers.pipeline import answered


def open_grade_modal(runtime: Runtime, who: Requester, client: WebClient, trigger_id: str, customer: Any,
                     response_url: str | None) -> None:
    policy = runtime.team_by_id(customer.team_id).policy.grades
    draft = {"grade": customer.grade, "annual_purchase": f"{customer.annual_purchase:.0f}"
             if customer.annual_purchase is not None else None, "potential": customer.potential}
    suggested = (suggest_grade(customer.annual_purchase, customer.potential, policy)
                 if customer.annual_purchase is not None else None)
    meta = CustomerMeta(customer_id=customer.id, response_url=response_url)
    client.views_open(trigger_id=trigger_id, view=grade_modal(who.lang, customer=customer, draft=draft,
                                                              suggested=suggested, policy=policy,
                                                              private_metadata=meta.model_dump_json()))


def register(app: App, runtime: Runtime) -> None:
    @answered
    def refresh_suggestion(ack: Ack, body: dict[str, Any], who: Requester, meta: CustomerMeta, form: dict[str, Any],
                           client: WebClient) -> None:
        ack()
        view = body["view"]  # a block action in a modal: Bolt passes no `view`
        if who.actor is None:
            return
        customer = customers.visible(runtime, who.actor, meta.customer_id)
        policy = runtime.team_by_id(customer.team_id).policy.grades
        amount = grades.parse_amount(form.get("annual_purchase"))
        potential = int(form["potential"]) if form.get("potential") in POTENTIALS else None
        suggested = suggest_grade(amount, potential, policy) if amount is not None else None
        try:
            client.views_update(view_id=view["id"], hash=view["hash"], view=grade_modal(
                who.lang, customer=customer, draft=form, suggested=suggested, policy=policy,
                private_metadata=view.get("private_metadata") or "",
                amount_error=bool((form.get("annual_purchase") or "").strip()) and amount is None))
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            # A newer refresh already replaced this view while the rep kept typing.

    for action_id in ids.GRADE_INPUT_ACTIONS:
        app.action(action_id)(refresh_suggestion)

    app.action(ids.PROPOSE_GRADE)(customer_button(runtime, lambda who, client, trigger, customer, url: open_grade_modal(
        runtime, who, client, trigger, customer, url)))

    @app.view(ids.GRADE_VIEW)
    @answered
    def submit_grade(ack: Ack, who: Requester, meta: CustomerMeta, form: dict[str, Any], client: WebClient) -> None:
        actor = require_member(who.actor)
        customer = customers.visible(runtime, actor, meta.customer_id)
        proposal = grades.parse_proposal(form, runtime.team_by_id(customer.team_id).policy.grades)
        proposed = grades.propose(runtime, actor=actor, customer_id=customer.id, proposal=proposal)
        ack()
        values = {"grade": proposal.grade, "number": escape(customer.number), "company": escape(customer.company)}
        if proposed.applied:
            text = who.t("grade_applied", **values)
        else:
            text = who.t("grade_sent", **values) + (" " + who.t("grade_sent_replaced") if proposed.replaced else "")
        reply_privately(client, user_id=who.user_id, response_url=meta.response_url, text=text)
        after_ack(runtime, who, proposed.outbox_keys)
