"""App Home: my due list, my customers by status and grade, my 24-h compliance; for supervisors
the same for their teams, the approvals waiting for them and the customers in warning."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.services.home import HomeSummary
from bot.views.blocks import escape, header, section


def home_view(lang: Lang, summary: HomeSummary) -> dict[str, Any]:
    blocks = [header(t("home_title", lang))]
    if not summary.in_team:
        blocks.append(section(t("home_not_in_team", lang)))
        return {"type": "home", "blocks": blocks}
    if summary.due is not None:
        blocks.append(section(t("home_due", lang, overdue=len(summary.due.overdue), today=len(summary.due.today),
                                upcoming=len(summary.due.upcoming))))
    statuses = ", ".join(f"{t(f'status_{status}', lang)} {count}" for status, count in sorted(summary.by_status.items()))
    grades = ", ".join(f"{grade} {count}" for grade, count in sorted(summary.by_grade.items()))
    blocks.append(section(t("home_by_status", lang, counts=statuses or t("none", lang)) + "\n" +
                          t("home_by_grade", lang, counts=grades or t("none", lang))))
    if summary.compliance is not None and summary.compliance.percent is not None:
        blocks.append(section(t("home_compliance", lang, percent=f"{summary.compliance.percent}%",
                                on_time=summary.compliance.on_time, logged=summary.compliance.logged)))
    else:
        blocks.append(section(t("home_compliance_none", lang)))
    blocks.append(section(t("home_my_pending", lang, count=summary.my_pending)))
    if summary.to_decide is not None:
        blocks.append(section(t("home_team_pending", lang, count=summary.to_decide)))
        listed = ", ".join(f"*{escape(number)}* {escape(company)} (<@{owner}>)"
                           for number, company, owner in summary.in_warning)
        blocks.append(section(t("home_warning", lang, list=listed or t("none", lang))))
    return {"type": "home", "blocks": blocks}
