"""Block Kit for approval requests of every kind: the channel message, its decided form, the reason modal."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.domain.dates import format_when
from bot.i18n import Lang, t
from bot.views import ids
from bot.views.blocks import actions, button, context, escape, header, input_block, modal, section
from bot.views.metadata import ReasonDecision, ReasonMeta, button_value

HEADERS = {"registration": "review_header", "grade": "grade_review_header", "handover": "handover_review_header"}
# Which decisions a kind offers, in button order.
DECISIONS = {"registration": ("approved", "needs_info", "rejected"), "grade": ("approved", "rejected"),
             "handover": ("approved", "rejected")}
_USER = re.compile(r"^[UW][A-Z0-9]{2,39}$")
BUTTONS = {"approved": (ids.APPROVE, "approve", "primary"), "needs_info": (ids.NEEDS_INFO, "needs_info", None),
           "rejected": (ids.REJECT, "reject", "danger")}


# Longest reason a supervisor may give for Needs info or Reject (the modal and the service).
REASON_MAX_LENGTH = 1000


def approval_message(
    *, request_id: int, kind: str, requester: str, payload: dict[str, Any], lang: Lang, tz: str,
    state: str = "pending", decided_by: str | None = None, decided_at: datetime | None = None,
    reason: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The channel message of an approval request; once decided, the buttons give way to who and when.

    ``payload["fields"]`` lists ``[label key, value, value is a catalog key]`` chosen by the service,
    so private fields (phone, email, budgets) never reach a channel through this builder; a value
    marked ``"users"`` is a list of user ids shown as mentions (``<@A> → <@B>``). A request about
    no single customer (a handover) has neither number nor company.
    """
    title = t(HEADERS.get(kind, "review_header"), lang)
    number, company = str(payload.get("number", "")), str(payload.get("company", ""))
    summary = f"*{escape(number)}* · {escape(company)}"
    by = t("review_by", lang, user=requester)
    blocks: list[dict[str, Any]] = [header(title), section(summary + "\n" + by if number or company else by)]
    if payload.get("resubmitted"):
        blocks.append(context(t("review_resubmitted", lang)))
    if payload.get("replaces"):
        blocks.append(context(t("review_replaces", lang)))
    lines = []
    for label_key, value, is_key in payload.get("fields", []):
        if is_key == "users":
            shown = " → ".join(f"<@{user}>" for user in value if isinstance(user, str) and _USER.match(user))
        else:
            shown = t(value, lang) if is_key else escape(str(value))
        if shown:
            lines.append(f"*{t(label_key, lang)}:* {shown}")
    if lines:
        blocks.append(section("\n".join(lines)))
    if payload.get("late_hours") is not None:
        blocks.append(section(t("review_late", lang, hours=payload["late_hours"], limit=payload["late_limit"])))
    if state == "pending":
        buttons = []
        for decision in DECISIONS.get(kind, ("approved", "rejected")):
            action_id, label, style = BUTTONS[decision]
            buttons.append(button(t(label, lang), action_id, button_value(request_id), style))
        blocks.append(actions(f"approval_{request_id}", *buttons))
    else:
        decision = t(f"decision_{state}", lang)
        decided = t("decided_line", lang, decision_cap=decision[:1].upper() + decision[1:], user=decided_by,
                    when=format_when(decided_at, tz=tz, lang=lang) if decided_at else "")
        blocks.append(context(decided))
        if reason:
            blocks.append(section(t("wanted_line" if state == "needs_info" else "reason_line", lang,
                                    reason=escape(reason))))
    return f"{title}: {escape(number)} {escape(company)}", blocks


def reason_modal(*, request_id: int, decision: ReasonDecision, lang: Lang) -> dict[str, Any]:
    """The small modal behind Needs info and Reject: what is wanted, or why (required)."""
    needs_info = decision == "needs_info"
    element = {"type": "plain_text_input", "action_id": ids.REASON_BLOCK, "multiline": True,
               "max_length": REASON_MAX_LENGTH}
    blocks = [input_block(ids.REASON_BLOCK, t("needs_info_label" if needs_info else "reject_label", lang), element)]
    return modal(ids.DECISION_REASON_VIEW, t("needs_info_title" if needs_info else "reject_title", lang), blocks,
                 submit=t("submit", lang), close=t("cancel", lang),
                 private_metadata=ReasonMeta(request_id=request_id, decision=decision).model_dump_json())


def dm_with_button(text: str, *, button_text: str, action_id: str, value: str) -> list[dict[str, Any]]:
    return [section(text), actions(f"{action_id}_{value}", button(button_text, action_id, value, "primary"))]
