"""Block Kit for complaints and issues: the report modal, the channel message, the resolution modal."""

from __future__ import annotations

from typing import Any

from bot.domain.dates import format_when
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
    section,
    text_input,
)
from bot.views.metadata import IssueMeta, button_value

CATEGORIES = ("quality", "logistics", "after_sales", "billing", "other")


def issue_modal(lang: Lang, *, customer: Any, private_metadata: str) -> dict[str, Any]:
    categories = [option(t(f"issue_cat_{c}", lang), c) for c in CATEGORIES]
    severities = [option(t("severity_normal", lang), "normal"), option(t("severity_complex", lang), "complex")]
    blocks = [
        section(f"*{escape(customer.number)}* · {escape(customer.company)}"),
        input_block("category", t("f_issue_category", lang),
                    {"type": "static_select", "action_id": "category", "options": categories}),
        input_block("complaint", t("f_issue_complaint", lang),
                    {"type": "checkboxes", "action_id": "complaint",
                     "options": [option(t("issue_is_complaint", lang), "complaint")]}, optional=True,
                    hint=t("f_issue_complaint_hint", lang)),
        input_block("severity", t("f_issue_severity", lang),
                    {"type": "radio_buttons", "action_id": "severity", "options": severities,
                     "initial_option": severities[0]}),
        text_input("description", t("f_issue_description", lang), multiline=True, max_length=3000),
    ]
    return modal(ids.ISSUE_VIEW, t("issue_title", lang), blocks, submit=t("submit", lang), close=t("cancel", lang),
                 private_metadata=private_metadata)


def issue_message(*, issue: Any, customer: Any, lang: Lang, tz: str) -> tuple[str, list[dict[str, Any]]]:
    kind = t("issue_complaint" if issue.complaint else "issue_issue", lang)
    title = f"{kind} {issue.number}: {customer.number} · {customer.company}"  # a header: plain text
    facts = [
        t("issue_facts", lang, category=t(f"issue_cat_{issue.category}", lang),
          severity=t(f"severity_{issue.severity}", lang), owner=customer.owner_id, user=issue.reported_by),
        t(f"issue_deadline_{issue.deadline_kind}", lang, when=format_when(issue.deadline_at, tz=tz, lang=lang)),
    ]
    blocks: list[dict[str, Any]] = [header(clip(title, 150)), section("\n".join(facts)),
                                    section(escape(clip(issue.description, 2900)))]
    if issue.responded_at:
        blocks.append(context(t("issue_responded_line", lang, user=issue.responded_by,
                                when=format_when(issue.responded_at, tz=tz, lang=lang))))
    if issue.resolved_at:
        blocks.append(section(t("issue_resolved_line", lang, user=issue.resolved_by,
                                when=format_when(issue.resolved_at, tz=tz, lang=lang),
                                resolution=escape(clip(issue.resolution or "", 1500)), satisfaction=issue.satisfaction)))
    else:
        buttons = [] if issue.responded_at else [button(t("responded", lang), ids.ISSUE_RESPONDED, button_value(issue.id))]
        buttons.append(button(t("resolved", lang), ids.ISSUE_RESOLVED, button_value(issue.id), "primary"))
        blocks.append(actions(f"issue_{issue.id}", *buttons))
    return f"{kind} {escape(issue.number)}: {escape(customer.number)} · {escape(customer.company)}", blocks


def resolve_modal(lang: Lang, *, issue_id: int) -> dict[str, Any]:
    scores = [option(str(n), str(n)) for n in range(1, 6)]
    blocks = [
        text_input("resolution", t("f_resolution", lang), multiline=True, max_length=3000),
        input_block("satisfaction", t("f_satisfaction", lang),
                    {"type": "static_select", "action_id": "satisfaction", "options": scores}),
    ]
    return modal(ids.ISSUE_RESOLVE_VIEW, t("resolve_title", lang), blocks, submit=t("submit", lang),
                 close=t("cancel", lang),
                 private_metadata=IssueMeta(issue_id=issue_id).model_dump_json())
