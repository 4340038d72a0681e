"""Block Kit for due lists: one digest a day and the `/followup due` pages, within Slack's 50 blocks."""

from __future__ import annotations

import re
from typing import Any

from bot.domain.dates import format_when
from bot.domain.paging import Page
from bot.i18n import CATALOG, Lang, t
from bot.services.duelist import DueEntry, DueList
from bot.services.snooze import CHOICES
from bot.views import ids
from bot.views.blocks import actions, button, context, escape, header, input_block, modal, option, section
from bot.views.lists import pager
from bot.views.metadata import CustomerMeta, DuePage, button_value

MAX_ITEMS = 15  # two blocks an item, inside Slack's 50 blocks a message
PAGE_ITEMS = 20  # `/followup due`: 40 item blocks, 3 group headers, the title and the pager
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


GROUPS = ("overdue", "today", "upcoming")


def due_list_message(lang: Lang, due: DueList, *, tz: str, day: str, max_items: int = MAX_ITEMS,
                     page: int | None = None) -> tuple[str, list[dict[str, Any]]]:
    """A due list as one message: the first ``max_items`` entries with a count of the rest and where
    to see them (the daily DM), or, with ``page``, that page of ``max_items`` with a pager
    (`/followup due`). A group's header counts exactly what is under it: "Overdue (12)" when all
    12 are shown, "Overdue (1–5 of 12)" when only some are; a group with nothing shown has no
    header and is counted in the closing line instead."""
    title = t("due_title", lang, day=day)
    blocks: list[dict[str, Any]] = [header(title)]
    if due.empty:
        blocks.append(section(t("due_nothing", lang)))
        return title, blocks
    entries = [(group, entry) for group in GROUPS for entry in getattr(due, group)]
    window = Page.of(page or 0, size=max_items, total=len(entries))
    sizes = {group: len(getattr(due, group)) for group in GROUPS}
    position = 0  # index of the first entry of the current group in ``entries``
    for group in GROUPS:
        first, last = max(window.offset, position), min(window.end, position + sizes[group])
        if first < last:
            if last - first == sizes[group]:
                blocks.append(section(t(f"due_{group}", lang, count=sizes[group])))
            else:
                blocks.append(section(t(f"due_{group}_part", lang, first=first - position + 1, last=last - position,
                                        count=sizes[group])))
            for index in range(first, last):
                blocks.extend(_item(lang, entries[index][1], tz=tz, n=index + 1))
        position += sizes[group]
    if page is not None:
        blocks.extend(pager(lang, window, block_id="due_pager", actions_ids=(ids.DUE_PREVIOUS, ids.DUE_NEXT),
                            value=lambda number: DuePage(page=number).model_dump_json()))
    elif window.has_next:
        hidden = len(entries) - window.end
        text = t("due_more", lang, count=hidden)
        unseen = [t(f"due_group_{group}", lang, count=sizes[group]) for group, begins in _starts(sizes)
                  if sizes[group] and begins >= window.end]
        if unseen:
            text += " " + t("due_hidden", lang, groups=" · ".join(unseen))
        blocks.append(context(text))
    return f"{title}: {len(due)}", blocks


def _starts(sizes: dict[str, int]) -> list[tuple[str, int]]:
    """Each group with the index of its first entry in the whole list."""
    starts, position = [], 0
    for group in GROUPS:
        starts.append((group, position))
        position += sizes[group]
    return starts


def _item(lang: Lang, entry: DueEntry, *, tz: str, n: int) -> list[dict[str, Any]]:
    return [section(t("due_line", lang, number=escape(entry.number), company=escape(entry.company),
                      grade=entry.grade or t("ungraded", lang), status=t(f"status_{entry.status}", lang),
                      why=why(entry, lang), when=format_when(entry.due_at, tz=tz, lang=lang)),
                    block_id=f"due_{n}"),
            actions(f"due_actions_{n}",
                    button(t("log_followup", lang), ids.LOG_FOLLOWUP, str(entry.customer_id), "primary"),
                    button(t("snooze", lang), ids.SNOOZE, button_value(entry.customer_id)))]


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
