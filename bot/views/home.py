"""App Home: my due list, my customers by status and grade, my 24-h compliance; for supervisors
the same for their teams, the approvals waiting for them, their teams' overdue customers and the
customers in warning.

Long lists are paged, never cut: each shows one page, where that page is ("Showing 11–20 of 57")
and Previous / Next buttons whose value names the page of every list (``HomePages``), so turning
one list keeps the others where they were. The whole Home stays within Slack's 100 blocks.
"""

from __future__ import annotations

from typing import Any

from bot.domain.dates import format_when
from bot.domain.paging import Page
from bot.i18n import Lang, t
from bot.services.duelist import DueEntry
from bot.services.home import DUE, OVERDUE, PAGE_ITEMS, WARNING, HomeSummary
from bot.views import ids
from bot.views.blocks import TEXT_LIMIT, Block, button, escape, header, section
from bot.views.duelist import GROUPS, why
from bot.views.lists import packed_sections, pager
from bot.views.metadata import HomePages

MARKS = {"overdue": ":red_circle:", "today": ":large_orange_circle:", "upcoming": ":white_circle:"}


def home_view(lang: Lang, summary: HomeSummary) -> dict[str, Any]:
    blocks = [header(t("home_title", lang))]
    if not summary.in_team:
        blocks.append(section(t("home_not_in_team", lang)))
        return {"type": "home", "blocks": blocks}
    due_page = summary.due_page or Page.of(0, size=PAGE_ITEMS, total=len(summary.due or ()))
    warning_page = summary.warning_page or Page.of(0, size=max(len(summary.in_warning), 1),
                                                   total=len(summary.in_warning))
    current = {DUE: due_page.number, WARNING: warning_page.number,
               **({OVERDUE: summary.overdue_page.number} if summary.overdue_page else {}),
               **{extra.name: extra.page.number for extra in summary.sections}}

    def pager_of(name: str, page: Page) -> list[Block]:
        return pager(lang, page, block_id=f"home_pager_{name}", actions_ids=(ids.HOME_PREVIOUS, ids.HOME_NEXT),
                     value=lambda number: HomePages(pages=current).turned(name, number).model_dump_json())

    if summary.due is not None:
        due = summary.due
        blocks.append(section(t("home_due", lang, overdue=len(due.overdue), today=len(due.today),
                                upcoming=len(due.upcoming))))
        entries = [(group, entry) for group in GROUPS for entry in getattr(due, group)]
        for index in range(due_page.offset, due_page.end):
            group, entry = entries[index]
            blocks.append(_due_item(lang, group, entry, tz=summary.tz, n=index + 1))
        blocks.extend(pager_of(DUE, due_page))
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
    if summary.to_decide is None:
        return {"type": "home", "blocks": blocks}
    blocks.append(section(t("home_team_pending", lang, count=summary.to_decide)))
    if summary.overdue is not None and summary.overdue_page is not None:
        blocks.append(section(t("home_overdue", lang, count=summary.overdue_page.total)))
        blocks.extend(packed_sections([
            t("weekly_attention_line", lang, number=escape(c.number), company=escape(c.company), owner=c.owner,
              when=format_when(c.due_at, tz=summary.tz, lang=lang)) for c in summary.overdue], block_id="home_overdue"))
        blocks.extend(pager_of(OVERDUE, summary.overdue_page))
    listed = [f"*{escape(number)}* {escape(company)} (<@{owner}>)" for number, company, owner in summary.in_warning]
    compact = t("home_warning", lang, list=", ".join(listed) or t("none", lang))
    if warning_page.whole and len(compact) <= TEXT_LIMIT:
        blocks.append(section(compact))
    else:
        blocks.append(section(t("home_warning_count", lang, count=warning_page.total)))
        blocks.extend(packed_sections(listed, block_id="home_warning"))
        blocks.extend(pager_of(WARNING, warning_page))
    for extra in summary.sections:
        blocks.append(section(extra.title))
        blocks.extend(packed_sections(extra.lines, block_id=f"home_x_{extra.name}"))
        blocks.extend(pager_of(extra.name, extra.page))
    return {"type": "home", "blocks": blocks}


def _due_item(lang: Lang, group: str, entry: DueEntry, *, tz: str, n: int) -> Block:
    text = t("home_due_line", lang, mark=MARKS[group], number=escape(entry.number), company=escape(entry.company),
             grade=entry.grade or t("ungraded", lang), status=t(f"status_{entry.status}", lang), why=why(entry, lang),
             when=format_when(entry.due_at, tz=tz, lang=lang))
    return section(text, f"home_due_{n}",
                   accessory=button(t("log_followup", lang), ids.LOG_FOLLOWUP, str(entry.customer_id), "primary"))
