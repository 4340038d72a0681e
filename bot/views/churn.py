"""Block Kit for churn warnings: the alert with its explained score, and the two modals behind its buttons."""

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
    section,
    text_input,
)
from bot.views.metadata import AlertMeta, button_value


def churn_message(*, alert: Any, customer: Any, lang: Lang, tz: str, threshold: int) -> tuple[str, list[dict]]:
    """Owner, grade, status, score and the signals that made it (points and share), last contact."""
    title = t("churn_header", lang, number=customer.number, company=customer.company)  # a header: plain text
    last = format_when(customer.last_contact_at, tz=tz, lang=lang) if customer.last_contact_at else t("never", lang)
    facts = t("churn_facts", lang, owner=customer.owner_id, grade=customer.grade or t("ungraded", lang),
              status=t(f"status_{customer.status}", lang), last=last, score=f"{alert.score:g}", threshold=threshold)
    lines = "\n".join(t("churn_signal_line", lang, signal=t(f"signal_{signal}", lang), points=f"{points:g}",
                        share=round(share * 100)) for signal, points, share in alert.signals)
    blocks: list[dict[str, Any]] = [header(title), section(facts), section(t("churn_signals", lang, lines=lines))]
    if alert.acknowledged_at:
        blocks.append(context(t("churn_acknowledged_line", lang, user=alert.acknowledged_by,
                                when=format_when(alert.acknowledged_at, tz=tz, lang=lang))))
    if alert.plan:
        blocks.append(section(t("churn_plan_line", lang, user=alert.planned_by, plan=escape(clip(alert.plan, 1500)),
                                when=format_when(alert.plan_due_at, tz=tz, lang=lang))))
    if alert.closed_at:
        blocks.append(section(t("churn_outcome_line", lang, outcome=t(f"outcome_{alert.outcome}", lang),
                                reason=escape(clip(alert.outcome_reason or "", 1500)), user=alert.closed_by,
                                when=format_when(alert.closed_at, tz=tz, lang=lang))))
    else:
        blocks.append(actions(f"churn_{alert.id}",
                              button(t("plan_retention", lang), ids.PLAN_RETENTION, button_value(alert.id), "primary"),
                              button(t("acknowledge", lang), ids.ACKNOWLEDGE, button_value(alert.id)),
                              button(t("mark_churned", lang), ids.MARK_CHURNED, button_value(alert.id), "danger")))
    return t("churn_header", lang, number=escape(customer.number), company=escape(customer.company)), blocks


def plan_modal(lang: Lang, *, alert_id: int) -> dict[str, Any]:
    blocks = [
        text_input("actions", t("f_plan_actions", lang), multiline=True, max_length=2000),
        input_block("date", t("f_plan_date", lang), {"type": "datepicker", "action_id": "date"}),
    ]
    return modal(ids.PLAN_VIEW, t("churn_plan_title", lang), blocks, submit=t("submit", lang),
                 close=t("cancel", lang), private_metadata=AlertMeta(alert_id=alert_id).model_dump_json())


def churned_modal(lang: Lang, *, alert_id: int) -> dict[str, Any]:
    blocks = [text_input("reason", t("reject_label", lang), multiline=True, max_length=2000)]
    return modal(ids.CHURNED_VIEW, t("churn_mark_title", lang), blocks, submit=t("submit", lang),
                 close=t("cancel", lang), private_metadata=AlertMeta(alert_id=alert_id).model_dump_json())
