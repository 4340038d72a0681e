"""Block Kit for due lists: one digest a day, within Slack's 50 blocks."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.dates import format_when
from bot.i18n import CATALOG, Lang, t
from bot.services.duelist import DueEntry, DueList
from bot.services.snooze import CHOICES
from bot.views import ids
from bot.views.blocks import actions, button, context, escape, header, input_block, modal, option, section
from bot.views.metadata import CustomerMeta, button_value

MAX_ITEMS = 15  # two blocks an item, inside Slack's 50 blocks a message
REVISIT_MONTHS = re.compile(r"revisit_(\d+)m")


def why(entry: DueEntry, lang: Lang) -> str:
    if entry.why == "cadence":
        if entry.grade:
            return t("why_cadence", lang, days=entry.days or "?", grade=entry.grade)
        return t("why_cadence_status", lang, days=entry.days or "?")
    revisit = REVISIT_MONTHS.fullmatch(entry.why)
    if revisit:  # any month the policy names, not only the ones the catalog spells out
        return t("why_revisit_months", lang, months=int(revisit.group(1)))
    key = f"why_{entry.why}"
    return t(key if key in CATALOG else "why_other", lang, note=escape(entry.note or ""), kind=escape(entry.why))


def due_list_message(lang: Lang, due: DueList, *, tz: str, day: str,
                     max_items: int = MAX_ITEMS) -> tuple[str, list[dict[str, Any]]]:
    title = t("due_title", lang, day=day)
    blocks: list[dict[str, Any]] = [header(title)]
    if due.empty:
        blocks.append(section(t("due_nothing", lang)))
        return title, blocks
    shown = 0
    for key, entries in (("due_overdue", due.overdue), ("due_today", due.today), ("due_upcoming", due.upcoming)):
        if not entries:
            continue
        blocks.append(section(t(key, lang, count=len(entries))))
        for entry in entries:
            if shown >= max_items:
                break
            shown += 1
            blocks.append(section(t("due_line", lang, number=escape(entry.number), company=escape(entry.company),
                                    grade=entry.grade or t("ungraded", lang), status=t(f"status_{entry.status}", lang),
                                    why=why(entry, lang), when=format_when(entry.due_at, tz=tz, lang=lang)),
                                  block_id=f"due_{shown}"))
            blocks.append(actions(f"due_actions_{shown}",
                                  button(t("log_followup", lang), ids.LOG_FOLLOWUP, str(entry.customer_id), "primary"),
                                  button(t("snooze", lang), ids.SNOOZE, button_value(entry.customer_id))))
    if len(due) > shown:
        blocks.append(context(t("due_more", lang, count=len(due) - shown)))
    return f"{title}: {len(due)}", blocks


def snooze_modal(lang: Lang, *, customer: Any, response_url: str | None) -> dict[str, Any]:
    """Snooze a due customer: for how long, and why."""
    choices = [option(t(f"snooze_{c}", lang), c) for c in CHOICES]
    blocks = [
        section(f"*{escape(customer.number)}* · {escape(customer.company)}"),
        input_block("until", t("f_snooze_for", lang), {"type": "radio_buttons", "action_id": "until",
                                                       "options": choices, "initial_option": choices[0]}),
        input_block("reason", t("reject_label", lang), {"type": "plain_text_input", "action_id": "reason",
                                                        "max_length": 500}),
    ]
    return modal(ids.SNOOZE_VIEW, t("snooze_title", lang), blocks, submit=t("submit", lang), close=t("cancel", lang),
                 private_metadata=CustomerMeta(customer_id=customer.id, response_url=response_url).model_dump_json())
