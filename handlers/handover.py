"""Handover: `/followup handover @from @to [CL…]`, the Handover modal, the successor picker of a
deactivated rep's draft, and Slack's ``user_change`` event.

Approve and Reject are the generic approval buttons (``handlers.approvals``): a handover is decided
by ``bot.services.decisions`` like a registration or a grade, its effect being the transfer.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.handover import MAX_NUMBERS, HandoverUsage, parse_handover
from bot.errors import OutOfDate
from bot.runtime import Runtime
from bot.services import handover
from bot.services.directory import Requester
from bot.services.outbox import deliver_keys
from bot.views import ids
from bot.views.blocks import escape
from bot.views.handover import handover_modal
from bot.views.metadata import HandoverMeta, record_id
from handlers.common import after_ack, reply_privately
from handlers.pipeline import answered

SUBCOMMAND = "handover"
_USER = re.compile(r"^[UW][A-Z0-9]{2,39}$")


def command(runtime: Runtime, ack: Ack, who: Requester, client: WebClient, escaped: str, response_url: str | None,
            trigger_id: str) -> None:
    """`/followup handover …` with the command's text as Slack escaped it (mentions as ``<@U…|name>``):
    every check first (a refusal is one ephemeral line, nothing stored), then the Handover modal."""
    _, _, rest = escaped.partition(" ")
    try:
        args = parse_handover(rest)
    except HandoverUsage as problem:
        usage = who.t("handover_usage")
        text = {"too_many": who.t("handover_too_many", limit=MAX_NUMBERS),
                "bad_number": who.t("handover_bad_number", value=escape(problem.value)) + " " + usage}.get(
            problem.problem, usage)
        ack(text=text, response_type="ephemeral")
        return
    plan = handover.prepare(runtime, actor=who.actor, from_user=args.from_user, to_user=args.to_user,
                            numbers=args.numbers)
    meta = HandoverMeta(from_user=args.from_user, to_user=args.to_user, numbers=args.numbers,
                        response_url=response_url)
    view = handover_modal(who.lang, from_user=plan.from_user, to_user=plan.to_user, team=plan.team.name,
                          rows=plan.rows, totals=plan.totals, grades=plan.grades, tz=plan.team.timezone,
                          today=runtime.now().astimezone(plan.team.zone).date(),
                          private_metadata=meta.model_dump_json(), partial=bool(args.numbers))
    ack()
    client.views_open(trigger_id=trigger_id, view=view)
    after_ack(runtime, who)


def register(app: App, runtime: Runtime) -> None:
    @app.view(ids.HANDOVER_VIEW)
    @answered
    def submit_handover(ack: Ack, who: Requester, meta: HandoverMeta, form: dict[str, Any],
                        client: WebClient) -> None:
        requested = handover.request(runtime, actor=who.actor, from_user=meta.from_user, to_user=meta.to_user,
                                     numbers=meta.numbers, values=form)
        ack()
        reply_privately(client, user_id=who.user_id, response_url=meta.response_url, text=who.t(
            "handover_sent", from_user=meta.from_user, to_user=meta.to_user, count=f"{requested.customers:,}"))
        after_ack(runtime, who, requested.outbox_keys)

    @app.action(ids.HANDOVER_SUCCESSOR)
    @answered
    def choose_successor(ack: Ack, body: dict[str, Any], who: Requester, client: WebClient) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        block = str(action.get("block_id") or "")
        handover_id = record_id(block.removeprefix(ids.HANDOVER_DRAFT_BLOCK)) if block.startswith(
            ids.HANDOVER_DRAFT_BLOCK) else None
        successor = action.get("selected_user")
        if handover_id is None or not isinstance(successor, str) or not _USER.match(successor):
            raise OutOfDate("stale_button")
        chosen = handover.choose_successor(runtime, actor_id=who.user_id, handover_id=handover_id,
                                           to_user=successor)
        reply_privately(client, user_id=who.user_id, response_url=body.get("response_url"),
                        text=who.t("handover_successor_sent", from_user=chosen.from_user, to_user=successor))
        after_ack(runtime, who, chosen.outbox_keys)

    @app.event("user_change")
    @answered
    def user_change(event: dict[str, Any]) -> None:
        user = event.get("user")
        keys = handover.user_changed(runtime, user=user if isinstance(user, dict) else {}, now=runtime.now())
        if keys:
            deliver_keys(runtime, keys)
