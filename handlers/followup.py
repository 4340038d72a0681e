"""`/followup`: the Log follow-up modal, quick entry, show, find, help."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import commands
from bot.domain.dates import format_when, zone_label
from bot.domain.followups import read_followup_text
from bot.domain.handover import decode_command_text
from bot.errors import NotFound
from bot.runtime import Runtime
from bot.services import customers, followups, pauses
from bot.services.directory import Actor, Requester
from bot.services.permissions import require_member
from bot.views import ids
from bot.views.blocks import escape
from bot.views.followup import confirmation, customer_card, customer_option, followup_modal, match_list
from bot.views.metadata import ButtonValue, FollowUpMeta, record_id
from handlers import export, report
from handlers.common import TRIGGER_SAFE_WAIT, after_ack, after_answer, customer_button, reply_privately
from handlers.deals import open_deal_modal
from handlers.duelist import my_due_list
from handlers.grades import open_grade_modal
from handlers.handover import SUBCOMMAND as HANDOVER
from handlers.handover import command as handover_command
from handlers.issues import open_issue_modal
from handlers.pipeline import answered, clean_text

DATE_FIELDS = {"when": (ids.WHEN_PREVIEW, followups.read_when), "next_step_date": (ids.NEXT_DATE_PREVIEW,
                                                                                    followups.read_next_date)}
# `/followup <word> CL2026001 …`: (runtime, who, client, trigger, reference, rest, response_url) → the
# ephemeral answer, or what to do once Slack has been answered (open a modal).
Subcommand = Callable[[Runtime, Requester, WebClient, str, str, str, str | None], "str | Callable[[], None]"]


def open_modal(who: Requester, client: WebClient, trigger_id: str, *, customer: Any = None,
               draft: dict[str, Any] | None = None, meta: FollowUpMeta, note: str | None = None,
               editing: bool = False) -> None:
    client.views_open(trigger_id=trigger_id, view=followup_modal(
        who.lang, customer=customer, draft=draft or {"method": "phone"}, tz="UTC",
        private_metadata=meta.model_dump_json(), note=note, editing=editing))


def quick_problems_note(who: Requester, problems: tuple[str, ...]) -> str:
    return who.t("qe_intro") + "\n" + "\n".join(f"• {who.t(p)}" for p in problems)


def one_customer(runtime: Runtime, actor: Actor, reference: str) -> Any:
    matches = customers.resolve(runtime, actor, reference)
    if len(matches) != 1:
        raise NotFound("customer_not_found", reference=reference)
    return matches[0]


def _grade(runtime: Runtime, who: Requester, client: WebClient, trigger: str, reference: str, _: str,
           url: str | None) -> Callable[[], None]:
    customer = one_customer(runtime, require_member(who.actor), reference)
    return lambda: open_grade_modal(runtime, who, client, trigger, customer, url)


def _deal(outcome: str) -> Subcommand:
    def open_review(runtime: Runtime, who: Requester, client: WebClient, trigger: str, reference: str, _: str,
                    url: str | None) -> Callable[[], None]:
        customer = one_customer(runtime, require_member(who.actor), reference)
        return lambda: open_deal_modal(runtime, who, client, trigger, outcome=outcome, customer=customer,
                                       response_url=url)

    return open_review


def _pause(runtime: Runtime, who: Requester, client: WebClient, trigger: str, reference: str, reason: str,
           url: str | None) -> str:
    customer, back_at = pauses.pause(runtime, actor=require_member(who.actor), reference=reference, reason=reason)
    return who.t("paused_ok", number=escape(customer.number), company=escape(customer.company),
                 reason=escape(customer.pause_reason or ""), when=format_when(back_at, tz=who.tz, lang=who.lang))


def _resume(runtime: Runtime, who: Requester, client: WebClient, trigger: str, reference: str, _: str,
            url: str | None) -> str:
    customer = pauses.resume(runtime, actor=require_member(who.actor), reference=reference)
    return who.t("resumed_ok", number=escape(customer.number), company=escape(customer.company))


def _issue(runtime: Runtime, who: Requester, client: WebClient, trigger: str, reference: str, _: str,
           url: str | None) -> Callable[[], None]:
    customer = one_customer(runtime, require_member(who.actor), reference)
    return lambda: open_issue_modal(who, client, trigger, customer, url)


CUSTOMER_SUBCOMMANDS: dict[str, Subcommand] = {
    "grade": _grade, "won": _deal("won"), "lost": _deal("lost"), "pause": _pause, "resume": _resume, "issue": _issue,
}


def register(app: App, runtime: Runtime) -> None:
    @app.command(commands.FOLLOWUP)
    @answered
    def followup(ack: Ack, command: dict[str, Any], who: Requester, client: WebClient, respond: Respond) -> None:
        actor = require_member(who.actor)
        # Slack escapes the text (should_escape: mentions as <@U…|name>); only handover reads that form.
        escaped = clean_text(command.get("text")).strip()
        text = decode_command_text(escaped)
        words = text.split()
        word = words[0].lower() if words else ""
        rest = text[len(words[0]):].strip() if words else ""
        url, trigger = command.get("response_url"), command["trigger_id"]
        meta = FollowUpMeta(response_url=url)
        if word == HANDOVER:
            return handover_command(runtime, ack, who, client, escaped, url, trigger)
        if word == "help":
            ack(text=who.t("help"), response_type="ephemeral")
            return
        if word == export.SUBCOMMAND:  # answered now; the file follows by DM
            ack(text=export.started(who), response_type="ephemeral")
            export.deliver(runtime, client, who)
            return
        if word == report.SUBCOMMAND:  # answered now; the report follows by DM
            building, month, sections = report.started(runtime, who, rest)
            ack(text=building, response_type="ephemeral")
            report.deliver(runtime, client, who, month, sections)
            return
        if word == "due":
            title, blocks = my_due_list(runtime, who)
            ack(text=title, blocks=blocks, response_type="ephemeral")
            return
        if word == "find":
            if not rest:
                ack(text=who.t("find_usage"), response_type="ephemeral")
                return
            found = customers.find(runtime, actor, rest)
            if not found.customers:
                ack(text=who.t("customer_not_found", reference=escape(rest)), response_type="ephemeral")
                return
            title, blocks = match_list(who.lang, reference=rest, customers=found.customers, limit=customers.FIND_LIMIT,
                                       total=found.total, capped=found.capped)
            ack(text=title, blocks=blocks, response_type="ephemeral")
            return
        if word == "show":
            if not rest:
                ack(text=who.t("show_usage"), response_type="ephemeral")
                return
            card = customers.card(runtime, actor, rest)
            title, blocks = customer_card(who.lang, customer=card.customer, followups=card.followups, tz=who.tz,
                                          total_followups=card.total_followups)
            ack(text=title, blocks=blocks, response_type="ephemeral")
            return
        if word in CUSTOMER_SUBCOMMANDS:
            reference, _, extra = rest.partition(" ")
            if not reference:
                ack(text=who.t("usage_customer", word=word), response_type="ephemeral")
                return
            answer = CUSTOMER_SUBCOMMANDS[word](runtime, who, client, trigger, reference, extra.strip(), url)
            if isinstance(answer, str):
                ack(text=answer, response_type="ephemeral")
            else:
                ack()
                answer()
            after_ack(runtime, who)
            return
        kind, tail = read_followup_text(text)
        if kind == "reference":
            matches = customers.resolve(runtime, actor, text)
            if not matches:
                unknown = word.isascii() and word.isalpha() and word.islower()
                answer_text = (who.t("unknown_subcommand", command=commands.FOLLOWUP, word=word[:50]) if unknown
                               else who.t("customer_not_found", reference=escape(text[:100])))
                ack(text=answer_text, response_type="ephemeral")
                return
            if len(matches) > 1:
                found = customers.find(runtime, actor, text)
                title, blocks = match_list(who.lang, reference=text, customers=matches, limit=customers.FIND_LIMIT,
                                           total=max(found.total, len(matches)), capped=found.capped)
                ack(text=title, blocks=blocks, response_type="ephemeral")
                return
            ack()
            open_modal(who, client, trigger, customer=matches[0], meta=meta)
        elif kind == "empty":
            ack()
            open_modal(who, client, trigger, meta=meta)
        elif kind == "number":
            matches = customers.resolve(runtime, actor, words[0], with_contacts=False)  # neither form reads them
            if len(matches) != 1:
                ack(text=who.t("customer_not_found", reference=escape(words[0])), response_type="ephemeral")
                return
            ack()
            if tail:
                quick(who, client, respond, trigger, matches[0], tail, meta)
            else:
                open_modal(who, client, trigger, customer=matches[0], meta=meta)
        else:
            ack()
            customer, entry = followups.split_customer_and_entry(runtime, actor, text)
            if customer is None:
                note = quick_problems_note(who, ("qe_no_customer",))
                open_modal(who, client, trigger, draft={"method": "phone", "notes": text}, meta=meta, note=note)
            else:
                quick(who, client, respond, trigger, customer, entry, meta)
        after_ack(runtime, who)

    def quick(who: Requester, client: WebClient, respond: Respond, trigger: str, customer: Any, entry: str,
              meta: FollowUpMeta) -> None:
        """Read and stored once requests waiting for their answer have it (at most
        ``TRIGGER_SAFE_WAIT``): an incomplete entry opens the form, prefilled, while the trigger
        lives; a complete one is confirmed through the response URL."""
        actor = require_member(who.actor)

        def read_and_log() -> None:
            read = followups.read_quick_entry(runtime, actor=actor, customer=customer, text=entry)
            if read.problems:
                note = quick_problems_note(who, read.problems)
                try:
                    open_modal(who, client, trigger, customer=read.customer, draft=read.draft, meta=meta, note=note)
                except SlackApiError as error:
                    if error.response.get("error") != "expired_trigger_id":
                        raise
                    respond(text=note + "\n" + who.t("qe_open_form", command=commands.FOLLOWUP,
                                                     number=escape(customer.number)),
                            response_type="ephemeral", replace_original=False)
                return
            result = followups.log_quick_entry(runtime, actor=actor, read=read, request_key=f"command:{trigger}")
            if result.logged is None:  # the customer changed hands meanwhile
                respond(text=quick_problems_note(who, result.problems), response_type="ephemeral",
                        replace_original=False)
                return
            text, blocks = confirmation(who.lang, followup=result.logged.followup, customer=result.logged.customer,
                                        tz=result.logged.tz, late_hours=result.logged.late_hours,
                                        status_before=result.logged.status_before)
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

        after_answer(runtime, read_and_log, body={"response_url": respond.response_url}, lang=who.lang,
                     max_wait=TRIGGER_SAFE_WAIT)

    @app.options(ids.FU_CUSTOMER)
    @answered
    def customer_options(ack: Ack, body: dict[str, Any], who: Requester) -> None:
        if who.actor is None:
            ack(options=[])
            return
        ack(options=[customer_option(c) for c in customers.options(runtime, who.actor, body.get("value") or "")])

    @answered
    def refresh_previews(ack: Ack, body: dict[str, Any], who: Requester, meta: FollowUpMeta, form: dict[str, Any],
                         client: WebClient) -> None:
        """Stage picked or a date typed: show the stage's fields and the dates as read, before saving."""
        ack()
        view = body["view"]  # a block action in a modal: Bolt passes no `view`
        if who.actor is None:
            return
        tz, now = who.tz, runtime.now()
        previews: dict[str, str | None] = {}
        for field, (_, reader) in DATE_FIELDS.items():
            typed = (form.get(field) or "").strip()
            if not typed:
                previews[field] = None
                continue
            parsed = reader(typed, now=now, tz=tz)
            previews[field] = (who.t("date_unreadable", text=escape(typed)) if parsed is None else
                               who.t("date_reads_as", when=format_when(parsed.when, tz=tz, lang=who.lang),
                                     tz=zone_label(tz, parsed.when)))
        customer_id = record_id(form.get("customer"))
        try:
            customer = customers.visible(runtime, who.actor, customer_id) if customer_id else None
        except NotFound:
            customer = None  # no longer theirs to see: the modal just shows no card
        try:
            client.views_update(view_id=view["id"], hash=view["hash"], view=followup_modal(
                who.lang, customer=customer, draft=form, tz=tz, private_metadata=view.get("private_metadata") or "",
                when_preview=previews["when"], next_date_preview=previews["next_step_date"],
                editing=meta.followup_id is not None))
        except SlackApiError as error:
            if error.response.get("error") != "hash_conflict":
                raise
            # The user kept typing and a newer refresh already replaced this view: nothing to do.

    for action_id in (ids.FU_STAGE, ids.FU_WHEN, ids.FU_NEXT_DATE):
        app.action(action_id)(refresh_previews)

    @app.view(ids.FOLLOWUP_VIEW)
    @answered
    def submit_followup(ack: Ack, view: dict[str, Any], who: Requester, meta: FollowUpMeta, form: dict[str, Any],
                        client: WebClient) -> None:
        actor = require_member(who.actor)
        data = followups.parse_form(form, now=runtime.now(), tz=who.tz)
        if meta.followup_id is not None:
            logged = followups.edit_followup(runtime, actor=actor, followup_id=meta.followup_id, data=data, tz=who.tz)
        else:
            logged = followups.log_followup(runtime, actor=actor, data=data, request_key=f"view:{view['id']}",
                                            tz=who.tz)
        ack()
        text, blocks = confirmation(who.lang, followup=logged.followup, customer=logged.customer, tz=who.tz,
                                    late_hours=logged.late_hours, edited=meta.followup_id is not None,
                                    status_before=logged.status_before)
        reply_privately(client, user_id=who.user_id, response_url=meta.response_url, text=text, blocks=blocks)
        after_ack(runtime, who)

    app.action(ids.LOG_FOLLOWUP)(customer_button(runtime, lambda who, client, trigger, customer, url: open_modal(
        who, client, trigger, customer=customer, meta=FollowUpMeta(response_url=url))))

    @app.action(ids.EDIT_FOLLOWUP)
    @answered
    def edit_from_button(ack: Ack, body: dict[str, Any], who: Requester, ref: ButtonValue, client: WebClient) -> None:
        ack()
        draft, customer = followups.followup_draft(runtime, actor=require_member(who.actor), followup_id=ref.id)
        draft["when"] = format_when(draft.pop("occurred_at"), tz=who.tz, lang="en")
        next_at = draft.pop("next_step_at")
        draft["next_step_date"] = format_when(next_at, tz=who.tz, lang="en") if next_at else None
        open_modal(who, client, body["trigger_id"], customer=customer, draft=draft, editing=True,
                   meta=FollowUpMeta(followup_id=ref.id, response_url=body.get("response_url")))
