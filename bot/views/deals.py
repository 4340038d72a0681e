"""Block Kit for deals: the won / lost modal, the review in the supervisor channel, the comment modal."""

from __future__ import annotations

from typing import Any

from bot.domain.deals import FAILURE_REASONS, SUCCESS_FACTORS
from bot.i18n import Lang, t
from bot.views import ids
from bot.views.blocks import (
    actions,
    button,
    clip,
    escape,
    header,
    input_block,
    modal,
    option,
    section,
    text_input,
)
from bot.views.metadata import DealCommentMeta, button_value


def deal_modal(lang: Lang, *, outcome: str, customer: Any, today: str, private_metadata: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [section(f"*{escape(customer.number)}* · {escape(customer.company)}")]
    if outcome == "won":
        blocks += [
            text_input("contract_number", t("f_contract_number", lang), max_length=60),
            text_input("amount", t("f_amount", lang), max_length=30, placeholder=t("f_amount_placeholder", lang)),
            input_block("signed_on", t("f_signed_on", lang),
                        {"type": "datepicker", "action_id": "signed_on", "initial_date": today}),
            input_block("expected_payment_on", t("f_expected_payment_on", lang),
                        {"type": "datepicker", "action_id": "expected_payment_on"}, optional=True),
            input_block("delivered_on", t("f_delivered_on", lang),
                        {"type": "datepicker", "action_id": "delivered_on"}, optional=True,
                        hint=t("f_delivered_on_hint", lang)),
            input_block("contract_ends_on", t("f_contract_ends_on", lang),
                        {"type": "datepicker", "action_id": "contract_ends_on"}, optional=True,
                        hint=t("f_contract_ends_on_hint", lang)),
            input_block("success_factors", t("f_success_factors", lang), {
                "type": "checkboxes", "action_id": "success_factors",
                "options": [option(t(f"factor_{f}", lang), f) for f in SUCCESS_FACTORS]}),
        ]
    else:
        blocks += [
            input_block("failure_reasons", t("f_failure_reasons", lang), {
                "type": "checkboxes", "action_id": "failure_reasons",
                "options": [option(t(f"failure_{r}", lang), r) for r in FAILURE_REASONS]}),
            text_input("failure_detail", t("f_failure_detail", lang), optional=True, multiline=True, max_length=2000),
        ]
    blocks.append(text_input("improvement", t("f_improvement", lang), optional=True, multiline=True, max_length=2000))
    title = t("deal_won_title" if outcome == "won" else "deal_lost_title", lang)
    return modal(ids.DEAL_VIEW, title, blocks, submit=t("submit", lang), close=t("cancel", lang),
                 private_metadata=private_metadata)


def deal_message(*, deal: Any, number: str, company: str, owner: str, lang: Lang) -> tuple[str, list[dict[str, Any]]]:
    """The review the supervisors see; the Comment button stays so a remark can be revised."""
    won = deal.outcome == "won"
    header_key = "deal_won_header" if won else "deal_lost_header"
    title = t(header_key, lang, number=number, company=company)  # a header: plain text
    lines = [t("review_by", lang, user=owner), t("deal_cycle", lang, days=deal.deal_cycle_days)]
    if won:
        lines += [t("deal_contract", lang, contract=escape(deal.contract_number), amount=f"{deal.amount:,.2f}"),
                  t("deal_signed", lang, signed=deal.signed_on.isoformat(),
                    payment=deal.expected_payment_on.isoformat() if deal.expected_payment_on else t("none", lang)),
                  t("deal_factors", lang, factors=", ".join(t(f"factor_{f}", lang) for f in deal.success_factors))]
    else:
        reasons = ", ".join(t(f"failure_{r}", lang) for r in deal.failure_reasons)
        lines.append(t("deal_reasons", lang, reasons=reasons + (f" — {escape(deal.failure_detail)}" if deal.failure_detail
                                                                  else "")))
    if deal.improvement:
        lines.append(t("deal_improvement", lang, text=escape(clip(deal.improvement, 1500))))
    blocks = [header(title), section("\n".join(lines))]
    if deal.supervisor_comment:
        blocks.append(section(t("deal_comment_line", lang, user=deal.comment_by, text=escape(clip(deal.supervisor_comment,
                                                                                                  2000)))))
    blocks.append(actions(f"deal_{deal.id}", button(t("comment", lang), ids.DEAL_COMMENT, button_value(deal.id))))
    return t(header_key, lang, number=escape(number), company=escape(company)), blocks


def comment_modal(lang: Lang, *, deal_id: int, current: str | None) -> dict:
    blocks = [text_input("comment", t("f_comment", lang), multiline=True, max_length=2000, initial=current)]
    return modal(ids.DEAL_COMMENT_VIEW, t("comment_title", lang), blocks, submit=t("submit", lang),
                 close=t("cancel", lang),
                 private_metadata=DealCommentMeta(deal_id=deal_id).model_dump_json())
