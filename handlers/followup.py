"""`/followup`: the Log follow-up modal, quick entry, show, find, help."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import commands
from bot.domain.dates import format_when
from bot.domain.followups import looks_like_number
from bot.errors import InvalidInput, NotFound, UserFacingError
from bot.runtime import Runtime
from bot.services import customers, followups, pauses
from bot.views import ids
from bot.views.blocks import escape
from bot.views.followup import confirmation, customer_card, customer_option, followup_modal, match_list
from handlers.common import (
    Context,
    clean_text,
    customer_button,
    ephemeral,
    field_errors,
    form_values,
    metadata,
    reply_privately,
    reported,
    user_message,
)
from handlers.deals import open_deal_modal
from handlers.duelist import my_due_list
from handlers.grades import open_grade_modal
from handlers.issues import open_issue_modal

ENTRY_MARKERS = re.compile(r"[;；]|next\s*(step)?\s*[:：]|下一步|via\s|通过", re.IGNORECASE)
# `/followup <word> CL2026001 …`, filled by register(): each returns the ephemeral answer, or what
# to do once Slack has been answered (open a modal).
CUSTOMER_SUBCOMMANDS: dict[str, Any] = {}
DATE_FIELDS = {"when": (ids.WHEN_PREVIEW, followups.read_when), "next_step_date": (ids.NEXT_DATE_PREVIEW,
                                                                                    followups.read_next_date)}


def register(app: App, runtime: Runtime) -> None:
    def open_modal(ctx: Context, client: WebClient, trigger_id: str, *, customer: Any = None,
                   draft: dict[str, Any] | None = None, meta: dict[str, Any], note: str | None = None,
                   editing: bool = False) -> None:
        draft = draft or {"method": "phone"}
        client.views_open(trigger_id=trigger_id, view=followup_modal(
            ctx.lang, customer=customer, draft=draft, tz="UTC", private_metadata=json.dumps(meta), note=note,
            editing=editing))

    def quick_problems_note(ctx: Context, problems: tuple[str, ...]) -> str:
        return ctx.t("qe_intro") + "\n" + "\n".join(f"• {ctx.t(p)}" for p in problems)

    @app.command(commands.FOLLOWUP)
    @reported
    def followup(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ctx = Context(runtime, command["user_id"])
        actor = ctx.actor
        if actor is None:
            ack(text=ctx.t("not_in_team"), response_type="ephemeral")
            return
        text = clean_text(command.get("text")).strip()
        words = text.split()
        word = words[0].lower() if words else ""
        rest = text[len(words[0]):].strip() if words else ""
        if word == "help":
            ack(text=ctx.t("help"), response_type="ephemeral")
            return
        if word == "due":
            title, blocks = my_due_list(runtime, ctx)
            ack(text=title, blocks=blocks, response_type="ephemeral")
            return
        if word == "find":
            if not rest:
                ack(text=ctx.t("find_usage"), response_type="ephemeral")
                return
            found = customers.search(runtime, actor, rest, limit=customers.FIND_LIMIT)
            if not found:
                ack(text=ctx.t("customer_not_found", reference=escape(rest)), response_type="ephemeral")
                return
            title, blocks = match_list(ctx.lang, reference=rest, customers=found, limit=customers.FIND_LIMIT)
            ack(text=title, blocks=blocks, response_type="ephemeral")
            return
        if word == "show":
            try:
                card = customers.card(runtime, actor, rest) if rest else None
            except UserFacingError as error:
                ack(text=user_message(error, ctx.lang), response_type="ephemeral")
                return
            if card is None:
                ack(text=ctx.t("show_usage"), response_type="ephemeral")
                return
            tz = followups.user_timezone(runtime, actor)
            title, blocks = customer_card(ctx.lang, customer=card.customer, followups=card.followups, tz=tz)
            ack(text=title, blocks=blocks, response_type="ephemeral")
            return
        meta = {"response_url": command.get("response_url")}
        trigger = command["trigger_id"]
        if word in CUSTOMER_SUBCOMMANDS:
            reference, _, extra = rest.partition(" ")
            if not reference:
                ack(text=ctx.t("usage_customer", word=word), response_type="ephemeral")
                return
            try:
                answer = CUSTOMER_SUBCOMMANDS[word](ctx, client, trigger, reference, extra.strip(), meta)
            except (UserFacingError, InvalidInput) as error:
                message = (field_errors(error, ctx.lang).popitem()[1] if isinstance(error, InvalidInput)
                           else user_message(error, ctx.lang))
                ack(text=message, response_type="ephemeral")
                return
            if isinstance(answer, str):
                ack(text=answer, response_type="ephemeral")
            else:
                ack()
                answer()
            ctx.after_ack()
            return
        if text and not looks_like_number(words[0]) and not ENTRY_MARKERS.search(text):
            matches = customers.resolve(runtime, actor, text)
            if not matches:
                unknown = word.isascii() and word.isalpha() and word.islower()
                answer = (ctx.t("unknown_subcommand", command=commands.FOLLOWUP, word=word[:50]) if unknown
                          else ctx.t("customer_not_found", reference=escape(text[:100])))
                ack(text=answer, response_type="ephemeral")
                return
            if len(matches) > 1:
                title, blocks = match_list(ctx.lang, reference=text, customers=matches, limit=customers.FIND_LIMIT)
                ack(text=title, blocks=blocks, response_type="ephemeral")
                return
            ack()
            open_modal(ctx, client, trigger, customer=matches[0], meta=meta)
        elif not text:
            ack()
            open_modal(ctx, client, trigger, meta=meta)
        elif looks_like_number(words[0]):
            matches = customers.resolve(runtime, actor, words[0])
            if len(matches) != 1:
                ack(text=ctx.t("customer_not_found", reference=escape(words[0])), response_type="ephemeral")
                return
            ack()
            if rest:
                quick(ctx, client, respond, trigger, matches[0], rest, command, meta)
            else:
                open_modal(ctx, client, trigger, customer=matches[0], meta=meta)
        else:
            ack()
            customer, entry = followups.split_customer_and_entry(runtime, actor, text)
            if customer is None:
                note = quick_problems_note(ctx, ("qe_no_customer",))
                open_modal(ctx, client, trigger, draft={"method": "phone", "notes": text}, meta=meta, note=note)
            else:
                quick(ctx, client, respond, trigger, customer, entry, command, meta)
        ctx.after_ack()

    def one_customer(ctx: Context, reference: str) -> Any:
        assert ctx.actor is not None
        matches = customers.resolve(runtime, ctx.actor, reference)
        if len(matches) != 1:
            raise NotFound("customer_not_found", reference=reference)
        return matches[0]

    def grade(ctx: Context, client: WebClient, trigger: str, reference: str, _: str, meta: dict) -> Any:
        customer = one_customer(ctx, reference)
        return lambda: open_grade_modal(runtime, ctx, client, trigger, customer, meta.get("response_url"))

    def deal(outcome: str) -> Any:
        def open_review(ctx: Context, client: WebClient, trigger: str, reference: str, _: str, meta: dict) -> Any:
            customer = one_customer(ctx, reference)
            return lambda: open_deal_modal(runtime, ctx, client, trigger, outcome=outcome, customer=customer,
                                           response_url=meta.get("response_url"))

        return open_review

    def pause(ctx: Context, client: WebClient, trigger: str, reference: str, reason: str, meta: dict) -> str:
        assert ctx.actor is not None
        customer, back_at = pauses.pause(runtime, actor=ctx.actor, reference=reference, reason=reason)
        tz = followups.user_timezone(runtime, ctx.actor)
        return ctx.t("paused_ok", number=escape(customer.number), company=escape(customer.company),
                     reason=escape(customer.pause_reason or ""),
                     when=format_when(back_at, tz=tz, lang=ctx.lang))

    def resume(ctx: Context, client: WebClient, trigger: str, reference: str, _: str, meta: dict) -> str:
        assert ctx.actor is not None
        customer = pauses.resume(runtime, actor=ctx.actor, reference=reference)
        return ctx.t("resumed_ok", number=escape(customer.number), company=escape(customer.company))

    def issue(ctx: Context, client: WebClient, trigger: str, reference: str, _: str, meta: dict) -> Any:
        customer = one_customer(ctx, reference)
        return lambda: open_issue_modal(ctx, client, trigger, customer, meta.get("response_url"))

    CUSTOMER_SUBCOMMANDS.update({"grade": grade, "won": deal("won"), "lost": deal("lost"), "pause": pause,
                                 "resume": resume, "issue": issue})

    def quick(ctx: Context, client: WebClient, respond: Respond, trigger: str, customer: Any, entry: str,
              command: dict[str, Any], meta: dict[str, Any]) -> None:
        assert ctx.actor is not None
        result = followups.quick_entry(runtime, actor=ctx.actor, customer=customer, text=entry,
                                       request_key=f"command:{command['trigger_id']}")
        if result.logged is None:
            open_modal(ctx, client, trigger, customer=result.customer, draft=result.draft, meta=meta,
                       note=quick_problems_note(ctx, result.problems))
            return
        text, blocks = confirmation(ctx.lang, followup=result.logged.followup, customer=result.logged.customer,
                                    tz=result.logged.tz, late_hours=result.logged.late_hours,
                                    status_before=result.logged.status_before)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    @app.options(ids.FU_CUSTOMER)
    @reported
    def customer_options(ack: Ack, body: dict[str, Any]) -> None:
        ctx = Context(runtime, body["user"]["id"])
        if ctx.actor is None:
            ack(options=[])
            return
        ack(options=[customer_option(c) for c in customers.search(runtime, ctx.actor, body.get("value") or "")])

    @reported
    def refresh_previews(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Stage picked or a date typed: show the stage's fields and the dates as read, before saving."""
        ack()
        ctx = Context(runtime, body["user"]["id"])
        if ctx.actor is None:
            return
        view = body["view"]
        values = form_values(view)
        tz = followups.user_timezone(runtime, ctx.actor)
        now = runtime.now()
        previews: dict[str, str | None] = {}
        for field, (_, reader) in DATE_FIELDS.items():
            typed = (values.get(field) or "").strip()
            if not typed:
                previews[field] = None
                continue
            parsed = reader(typed, now=now, tz=tz)
            previews[field] = (ctx.t("date_unreadable", text=escape(typed)) if parsed is None else
                               ctx.t("date_reads_as", when=format_when(parsed.when, tz=tz, lang=ctx.lang), tz=tz))
        customer = None
        if values.get("customer"):
            try:
                customer = customers.visible(runtime, ctx.actor, int(values["customer"]))
            except (UserFacingError, ValueError):
                customer = None
        meta = metadata(view)
        try:
            client.views_update(view_id=view["id"], hash=view["hash"], view=followup_modal(
                ctx.lang, customer=customer, draft=values, tz=tz, private_metadata=view.get("private_metadata") or "",
                when_preview=previews["when"], next_date_preview=previews["next_step_date"],
                editing="followup_id" in meta))
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            # The user kept typing and a newer refresh already replaced this view: nothing to do.

    for action_id in (ids.FU_STAGE, ids.FU_WHEN, ids.FU_NEXT_DATE):
        app.action(action_id)(refresh_previews)

    @app.view(ids.FOLLOWUP_VIEW)
    @reported
    def submit_followup(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ctx = Context(runtime, body["user"]["id"])
        if ctx.actor is None:
            ack(response_action="errors", errors={"customer": ctx.t("not_in_team")})
            return
        meta = metadata(view)
        tz = followups.user_timezone(runtime, ctx.actor)
        try:
            data = followups.parse_form(form_values(view), now=runtime.now(), tz=tz)
            if meta.get("followup_id"):
                logged = followups.edit_followup(runtime, actor=ctx.actor, followup_id=int(meta["followup_id"]),
                                                 data=data, tz=tz)
            else:
                logged = followups.log_followup(runtime, actor=ctx.actor, data=data, request_key=f"view:{view['id']}",
                                                tz=tz)
        except InvalidInput as error:
            ack(response_action="errors", errors=field_errors(error, ctx.lang))
            return
        except UserFacingError as error:
            ack(response_action="errors", errors={"notes": user_message(error, ctx.lang)})
            return
        ack()
        text, blocks = confirmation(ctx.lang, followup=logged.followup, customer=logged.customer, tz=tz,
                                    late_hours=logged.late_hours, edited=bool(meta.get("followup_id")),
                                    status_before=logged.status_before)
        reply_privately(client, user_id=ctx.user_id, response_url=meta.get("response_url"), text=text, blocks=blocks)
        ctx.after_ack()

    app.action(ids.LOG_FOLLOWUP)(customer_button(runtime, lambda ctx, client, trigger, customer, url: open_modal(
        ctx, client, trigger, customer=customer, meta={"response_url": url})))

    @app.action(ids.EDIT_FOLLOWUP)
    @reported
    def edit_from_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         respond: Respond) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            if ctx.actor is None:
                raise UserFacingError("not_in_team")
            draft, customer = followups.followup_draft(runtime, actor=ctx.actor, followup_id=int(action["value"]))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        tz = followups.user_timezone(runtime, ctx.actor)
        draft["when"] = format_when(draft.pop("occurred_at"), tz=tz, lang="en")
        next_at = draft.pop("next_step_at")
        draft["next_step_date"] = format_when(next_at, tz=tz, lang="en") if next_at else None
        open_modal(ctx, client, body["trigger_id"], customer=customer, draft=draft, editing=True,
                   meta={"followup_id": int(action["value"]), "response_url": body.get("response_url")})

