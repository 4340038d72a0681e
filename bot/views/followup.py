"""Block Kit for follow-ups: the Log follow-up modal, the confirmation, the customer card, match lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.dates import format_when
from bot.domain.followups import METHODS, STAGE_FIELDS, STAGES, TEXT_LIMITS
from bot.i18n import Lang, t
from bot.views import ids
from bot.views.blocks import (
    actions,
    button,
    clip,
    context,
    escape,
    header,
    input_block,
    modal,
    option,
    plain,
    section,
)
from bot.views.metadata import button_value

MULTILINE = {"notes", "feedback", "decision_makers", "objection", "objection_answer"}


def customer_option(customer: Any) -> dict[str, Any]:
    return option(clip(f"{customer.number} · {customer.company}", 75), str(customer.id))


def when_text(at: datetime | None, tz: str, lang: Lang) -> str:
    return format_when(at, tz=tz, lang=lang) if at else t("none", lang)


def followup_modal(
    lang: Lang, *, customer: Any | None, draft: dict[str, Any], tz: str, private_metadata: str,
    when_preview: str | None = None, next_date_preview: str | None = None, note: str | None = None,
    editing: bool = False,
) -> dict[str, Any]:
    """The Log follow-up modal; the stage's own fields appear for that stage (DOMAIN §7)."""

    def text(field: str, *, optional: bool = True, placeholder: str | None = None, dispatch: bool = False) -> dict:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": ids.FU_PREFIX + field,
                                   "multiline": field in MULTILINE, "max_length": TEXT_LIMITS[field]}
        if draft.get(field):
            element["initial_value"] = str(draft[field])[: TEXT_LIMITS[field]]
        if placeholder:
            element["placeholder"] = plain(placeholder, 150)
        if dispatch:
            element["dispatch_action_config"] = {"trigger_actions_on": ["on_character_entered"]}
        return input_block(field, t(f"f_{field}", lang), element, optional=optional, dispatch_action=dispatch)

    def select(field: str, values: tuple[str, ...], labels: str, *, optional: bool, dispatch: bool = False) -> dict:
        options = [option(t(f"{labels}{v}", lang) if labels else v, v) for v in values]
        element: dict[str, Any] = {"type": "static_select", "action_id": ids.FU_PREFIX + field, "options": options}
        if draft.get(field) in values:
            element["initial_option"] = options[values.index(draft[field])]
        return input_block(field, t(f"f_{field}", lang), element, optional=optional, dispatch_action=dispatch)

    customer_element: dict[str, Any] = {"type": "external_select", "action_id": ids.FU_CUSTOMER,
                                        "min_query_length": 1,
                                        "placeholder": plain(t("f_customer_placeholder", lang), 150)}
    if customer is not None:
        customer_element["initial_option"] = customer_option(customer)
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append(section(note))  # the caller's sentence: user text in it is escaped there
    blocks += [
        input_block("customer", t("f_customer", lang), customer_element),
        select("method", METHODS, "method_", optional=False),
        text("when", placeholder=t("f_when_placeholder", lang), dispatch=True),
    ]
    if when_preview:
        blocks.append({**context(when_preview), "block_id": ids.WHEN_PREVIEW})
    blocks.append(select("stage", STAGES, "stage_", optional=True, dispatch=True))
    blocks += [text(field) for field in STAGE_FIELDS.get(draft.get("stage") or "", ())]
    blocks += [
        text("notes", optional=False),
        text("feedback"),
        text("next_step"),
        text("next_step_date", placeholder=t("f_next_step_date_placeholder", lang), dispatch=True),
    ]
    if next_date_preview:
        blocks.append({**context(next_date_preview), "block_id": ids.NEXT_DATE_PREVIEW})
    blocks.append(select("satisfaction", ("1", "2", "3", "4", "5"), "", optional=True))
    title = t("fu_edit_title" if editing else "fu_title", lang)
    return modal(ids.FOLLOWUP_VIEW, title, blocks, submit=t("save", lang), close=t("cancel", lang),
                 private_metadata=private_metadata)


def confirmation(lang: Lang, *, followup: Any, customer: Any, tz: str, late_hours: int, edited: bool = False,
                 status_before: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    method = t(f"method_{followup.method}", lang)
    head = t("edited" if edited else "logged", lang, method=method.lower() if lang == "en" else method,
             number=escape(customer.number), company=escape(customer.company),
             when=format_when(followup.occurred_at, tz=tz, lang=lang))
    lines = [head]
    if followup.next_step_at or followup.next_step:
        lines.append(t("logged_next", lang, step=escape(followup.next_step or "—"),
                       when=when_text(followup.next_step_at, tz, lang)))
    else:
        lines.append(t("logged_no_next", lang))
    if status_before and status_before != customer.status:
        lines.append(t("status_moved", lang, before=t(f"status_{status_before}", lang),
                       after=t(f"status_{customer.status}", lang)))
    blocks = [section("\n".join(lines))]
    if followup.late:
        blocks.append(context(t("logged_late", lang, hours=late_hours)))
    blocks.append(actions(f"followup_{followup.id}", button(t("edit", lang), ids.EDIT_FOLLOWUP, button_value(followup.id))))
    return head, blocks


def match_list(lang: Lang, *, reference: str, customers: list[Any], limit: int, total: int | None = None,
               capped: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Customers matching what the user typed; a cut list says how many matched (``total``)."""
    title = t("matches", lang, reference=escape(reference))
    blocks = [section(title)]
    for customer in customers[:limit]:
        line = f"*{escape(customer.number)}* · {escape(customer.company)}\n{t(f'status_{customer.status}', lang)} · <@{customer.owner_id}>"
        blocks.append(section(line, block_id=f"match_{customer.id}",
                              accessory=button(t("log_followup", lang), ids.LOG_FOLLOWUP, button_value(customer.id))))
    shown = min(len(customers), limit)
    if total is not None and (total > shown or capped):
        key = "matches_more_capped" if capped else "matches_more"
        blocks.append(context(t(key, lang, shown=shown, total=f"{total:,}")))
    return title, blocks


def customer_card(lang: Lang, *, customer: Any, followups: list[Any], tz: str,
                  total_followups: int | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Everything the viewer may see of a customer (shown only to them, never in a channel)."""
    title = f"{customer.number} · {customer.company}"
    facts = [
        t("card_status", lang, status=t(f"status_{customer.status}", lang),
          paused=t("paused_mark", lang) if customer.paused else ""),
        t("card_grade", lang, grade=customer.grade or t("none", lang)),
        t("card_owner", lang, owner=customer.owner_id),
        t("card_next_due", lang, when=when_text(customer.next_due_at, tz, lang)),
    ]
    if customer.registration != "approved":
        facts.append(t("card_registration", lang, state=t(f"registration_{customer.registration}", lang)))
    details = [f"*{t('f_industry', lang)}:* {escape(customer.industry)}",
               t("card_need", lang, need=escape(clip(customer.need, 500)))]
    contact = customer.primary_contact
    if contact is not None:
        parts = [contact.name, contact.title, contact.phone, contact.email]
        details.append(t("card_contact", lang, contact=escape(" · ".join(p for p in parts if p))))
    blocks: list[dict[str, Any]] = [
        header(title), {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in facts]},
        section("\n".join(details)), section(t("card_history", lang)),
    ]
    if not followups:
        blocks.append(context(t("card_no_history", lang)))
    for followup in followups:
        when = format_when(followup.occurred_at, tz=tz, lang=lang)
        line = f"{when} · {t(f'method_{followup.method}', lang)} · <@{followup.author_id}>"
        if followup.late:
            line += f" · {t('late_mark', lang)}"
        blocks.append(context(line + "\n" + escape(clip(followup.notes or "", 280))))
    if total_followups is not None and total_followups > len(followups):
        blocks.append(context(t("card_history_more", lang, shown=len(followups), total=total_followups,
                                more=total_followups - len(followups))))
    blocks.append(actions(f"card_{customer.id}",
                          button(t("log_followup", lang), ids.LOG_FOLLOWUP, button_value(customer.id), "primary"),
                          button(t("propose_grade", lang), ids.PROPOSE_GRADE, button_value(customer.id)),
                          button(t("report_issue", lang), ids.REPORT_ISSUE, button_value(customer.id))))
    return f"{escape(customer.number)} · {escape(customer.company)}", blocks
