"""Block Kit for grading: the Propose grade modal with the suggested grade shown as the rep types."""

from __future__ import annotations

from typing import Any

from bot.domain.grades import GRADES
from bot.domain.policy import GradePolicy
from bot.i18n import Lang, t
from bot.views import ids
from bot.views.blocks import context, escape, input_block, modal, option, plain, section


def grade_modal(lang: Lang, *, customer: Any, draft: dict[str, Any], suggested: str | None, policy: GradePolicy,
                private_metadata: str, amount_error: bool = False) -> dict[str, Any]:
    grade_options = [option(g, g) for g in GRADES]
    grade: dict[str, Any] = {"type": "static_select", "action_id": "gr_grade", "options": grade_options}
    if draft.get("grade") in GRADES:
        grade["initial_option"] = grade_options[GRADES.index(draft["grade"])]
    amount: dict[str, Any] = {"type": "plain_text_input", "action_id": "gr_annual_purchase", "max_length": 30,
                              "placeholder": plain(t("f_annual_purchase_placeholder", lang), 150),
                              "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]}}
    if draft.get("annual_purchase"):
        amount["initial_value"] = str(draft["annual_purchase"])[:30]
    potential_options = [option(str(p), str(p)) for p in range(1, 6)]
    potential: dict[str, Any] = {"type": "static_select", "action_id": "gr_potential", "options": potential_options}
    if str(draft.get("potential")) in {"1", "2", "3", "4", "5"}:
        potential["initial_option"] = potential_options[int(draft["potential"]) - 1]
    reason: dict[str, Any] = {"type": "plain_text_input", "action_id": "gr_reason", "multiline": True,
                              "max_length": 2000}
    if draft.get("reason"):
        reason["initial_value"] = str(draft["reason"])[:2000]
    thresholds = t("grade_thresholds", lang, a=f"{policy.a_min:,}", b=f"{policy.b_min:,}", c=f"{policy.c_min:,}")
    if amount_error:
        hint = t("grade_amount_unreadable", lang)
    elif suggested:
        hint = t("grade_suggested", lang, grade=suggested)
        if draft.get("grade") in GRADES and draft["grade"] != suggested:
            hint += "\n" + t("grade_differs", lang)
    else:
        hint = t("grade_suggestion_pending", lang)
    blocks = [
        section(t("grade_customer", lang, number=escape(customer.number), company=escape(customer.company),
                  grade=customer.grade or t("none", lang))),
        input_block("grade", t("f_grade", lang), grade, dispatch_action=True),
        input_block("annual_purchase", t("f_annual_purchase", lang), amount, dispatch_action=True),
        input_block("potential", t("f_potential", lang), potential, dispatch_action=True,
                    hint=t("f_potential_hint", lang)),
        {**context(hint, thresholds), "block_id": ids.SUGGESTION_BLOCK},
        input_block("reason", t("f_reason", lang), reason, optional=True, hint=t("f_reason_hint", lang)),
    ]
    return modal(ids.GRADE_VIEW, t("grade_title", lang), blocks, submit=t("submit", lang), close=t("cancel", lang),
                 private_metadata=private_metadata)
