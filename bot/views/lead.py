"""Block Kit for capturing a lead: the New lead modal and its confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.leads import INTENTS, REQUIRED, SOURCES, TAGS, TEXT_LIMITS
from bot.i18n import Lang, t
from bot.views import ids
from bot.views.blocks import escape, input_block, modal, option, plain, section, text_input


def lead_modal(
    lang: Lang, *, now: datetime, draft: dict[str, Any] | None = None, private_metadata: str = "",
    resubmit: bool = False, note: str | None = None,
) -> dict[str, Any]:
    """The New lead modal; ``draft`` prefills fields (a company from `/lead Acme`, or a lead to complete)."""
    draft = draft or {}

    def text(field: str, *, multiline: bool = False, hint: str | None = None) -> dict:
        return text_input(field, t(f"f_{field}", lang), optional=field not in REQUIRED, multiline=multiline,
                          max_length=TEXT_LIMITS[field], initial=draft.get(field), hint=hint)

    source_options = [option(t(f"source_{s}", lang), s) for s in SOURCES]
    source: dict[str, Any] = {"type": "static_select", "action_id": "source", "options": source_options,
                              "placeholder": plain(t("f_source", lang), 150)}
    if draft.get("source") in SOURCES:
        source["initial_option"] = source_options[SOURCES.index(draft["source"])]
    intent_options = [option(t(f"intent_{i}", lang), i) for i in INTENTS]
    intent: dict[str, Any] = {"type": "radio_buttons", "action_id": "intent", "options": intent_options}
    if draft.get("intent") in INTENTS:
        intent["initial_option"] = intent_options[INTENTS.index(draft["intent"])]
    tag_options = [option(t(f"tag_{tag}", lang), tag) for tag in TAGS]
    tags: dict[str, Any] = {"type": "checkboxes", "action_id": "tags", "options": tag_options}
    chosen = [tag_options[TAGS.index(tag)] for tag in draft.get("tags") or [] if tag in TAGS]
    if chosen:
        tags["initial_options"] = chosen
    acquired = draft.get("acquired") or now
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append(section(note))  # the caller's sentence: user text in it is escaped there
    blocks += [
        text("company"),
        text("industry"),
        text("company_size", hint=t("f_company_size_hint", lang)),
        text("main_business", multiline=True),
        text("contact_name"),
        text("contact_title"),
        text("phone", hint=t("contact_hint", lang)),
        text("email"),
        text("need", multiline=True),
        text("pain_points", multiline=True),
        input_block("source", t("f_source", lang), source),
        input_block("acquired", t("f_acquired", lang),
                    {"type": "datetimepicker", "action_id": "acquired", "initial_date_time": int(acquired.timestamp())},
                    hint=t("f_acquired_hint", lang)),
        input_block("intent", t("f_intent", lang), intent),
        input_block("tags", t("f_tags", lang), tags, optional="tags" not in REQUIRED),
        text("region"),
    ]
    title = t("lead_resubmit_title" if resubmit else "lead_title", lang)
    return modal(ids.LEAD_VIEW, title, blocks, submit=t("submit", lang), close=t("cancel", lang),
                 private_metadata=private_metadata)


def lead_saved_view(lang: Lang, *, number: str, company: str) -> dict[str, Any]:
    return modal("lead_saved", t("lead_saved_title", lang),
                 [section(t("lead_saved", lang, number=escape(number), company=escape(company)))],
                 submit=None, close=t("close", lang))


def lead_saving_view(lang: Lang, *, company: str) -> dict[str, Any]:
    """What the modal shows the moment it is submitted, while the lead is numbered and stored."""
    return modal("lead_saving", t("lead_saving_title", lang), [section(t("lead_saving", lang, company=escape(company)))],
                 submit=None, close=t("close", lang))


def lead_not_saved_view(lang: Lang, *, message: str) -> dict[str, Any]:
    return modal("lead_not_saved", t("lead_not_saved_title", lang), [section(message)], submit=None,
                 close=t("close", lang))
