"""The monthly report as Block Kit: a short summary per section (a team, or a rep's own figures).

Pure: figures in, messages out. Within Slack's limits: every text under 3,000 characters, at most
50 blocks a message (a report of many teams becomes several messages). A list that does not fit
says how many more there are and where to see them all (the charts, or the export). No contact
detail or budget is in the figures, so none can appear here.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bot.domain.reports import FUNNEL, DealsWon, Rate, TeamFigures
from bot.i18n import Lang, t
from bot.views.blocks import TEXT_LIMIT, Block, context, escape, header, section

MAX_BLOCKS = 50
BREAKDOWNS = ("grade", "industry", "region")
STATUS_ORDER = (*FUNNEL, "maintaining", "churned")


def rate_text(rate: Rate, lang: Lang) -> str:
    if rate.percent is None:
        return "—"
    return t("report_rate", lang, percent=rate.percent, part=rate.part, whole=rate.whole)


def money(amount: Decimal | None) -> str:
    return "—" if amount is None else f"¥{amount:,.0f}"


def _days(value: float | None, lang: Lang) -> str:
    return "—" if value is None else t("report_days", lang, days=f"{value:g}")


def _dimension_value(dimension: str, value: str | None, lang: Lang) -> str:
    if dimension == "grade":
        return value or t("ungraded", lang)
    if dimension == "region" and not value:
        return t("report_no_region", lang)
    return escape(value or "—")


def _title(figures: TeamFigures, lang: Lang) -> str:
    key = "report_section_rep" if figures.rep else "report_section_team"
    title = t(key, lang, team=escape(figures.team), month=str(figures.month), tz=figures.tz)
    return title + (" " + t("report_so_far", lang) if figures.partial else "")


def summary_text(figures: TeamFigures, lang: Lang) -> str:
    """The headline figures of one section, one per line."""
    statuses = " · ".join(f"{t(f'status_{s}', lang)} {figures.by_status[s]}" for s in STATUS_ORDER
                          if figures.by_status.get(s))
    grades = " · ".join(f"{g or t('ungraded', lang)} {n}" for g, n in
                        sorted(figures.by_grade.items(), key=lambda item: item[0] or "~") if n)
    steps = figures.funnel
    funnel = " → ".join(
        f"{t(f'status_{step.status}', lang)} {step.reached}"
        + (f" ({steps[i - 1].onward.percent}%)" if i and steps[i - 1].onward.percent is not None else "")
        for i, step in enumerate(steps))
    deals = figures.deals_total
    lines = [
        t("report_new", lang, count=figures.new_total),
        t("report_by_status", lang, counts=statuses or "—"),
        t("report_by_grade", lang, counts=grades or "—"),
        t("report_funnel", lang, steps=funnel if steps and steps[0].reached else "—"),
        t("report_deals", lang, count=deals.count, total=money(deals.total if deals.count else None),
          average=money(deals.average), median=_days(deals.median_cycle, lang), mean=_days(deals.mean_cycle, lang)),
        t("report_churn", lang, rate=rate_text(figures.rate("churn"), lang),
          saved=rate_text(figures.rate("saved"), lang)),
        t("report_repurchase", lang, rate=rate_text(figures.rate("repurchase"), lang)),
        t("report_on_time", lang, rate=rate_text(figures.rate("on_time"), lang)),
        t("report_logging", lang, rate=rate_text(figures.rate("logging"), lang)),
        t("report_issues", lang, rate=rate_text(figures.rate("issues"), lang)),
        t("report_satisfaction", lang, average=figures.satisfaction_total.value or "—",
          count=figures.satisfaction_total.count),
    ]
    return "\n".join(lines)


def _line(figures: TeamFigures, dimension: str, lang: Lang) -> Callable[[str | None], str]:
    new = figures.new_by(dimension)
    deals = figures.deals_by(dimension)
    rates = {name: figures.rate_by(name, dimension) for name in ("on_time", "logging", "churn", "issues")}
    none = Rate(0, 0)

    def line(value: str | None) -> str:
        won: DealsWon | None = deals.get(value)
        return t("report_line", lang, new=new.get(value, 0), won=won.count if won else 0,
                 amount=money(won.total if won else None), on_time=rate_text(rates["on_time"].get(value, none), lang),
                 logging=rate_text(rates["logging"].get(value, none), lang),
                 churn=rate_text(rates["churn"].get(value, none), lang),
                 issues=rate_text(rates["issues"].get(value, none), lang))

    return line


def _values(figures: TeamFigures, dimension: str) -> list[str | None]:
    found: set[str | None] = set(figures.new_by(dimension)) | set(figures.deals_by(dimension))
    for name in ("on_time", "logging", "churn", "issues"):
        found |= set(figures.rate_by(name, dimension))
    return sorted(found, key=lambda v: (v is None, v or ""))


def fit_lines(title: str, lines: list[str], more: Callable[[int], str], limit: int = TEXT_LIMIT) -> str:
    """The title and as many lines as fit in ``limit`` characters; the rest said as ``more(count)``."""
    text = title
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        tail = "\n" + more(rest) if rest else ""
        if len(text) + 1 + len(line) + len(tail) > limit:
            return text + "\n" + more(len(lines) - index)
        text += "\n" + line
    return text


def section_blocks(figures: TeamFigures, lang: Lang) -> list[Block]:
    """One section: the headline figures, then the breakdowns (by rep for a team, by grade,
    industry and region)."""
    blocks: list[Block] = [section(f"*{_title(figures, lang)}*\n" + summary_text(figures, lang))]
    if figures.rep is None:
        line = _line(figures, "rep", lang)
        reps = _values(figures, "rep")
        lines = [f"• <@{rep}>: {line(rep)}" for rep in reps]
        if lines:
            blocks.append(section(fit_lines(t("report_by_rep", lang), lines,
                                            lambda n: t("report_more_reps", lang, count=n))))
    breakdown: list[str] = []
    for dimension in BREAKDOWNS:
        values = _values(figures, dimension)
        if not values or (dimension == "region" and values == [None]):
            continue
        line = _line(figures, dimension, lang)
        breakdown.append(t(f"report_by_{dimension}_title", lang))
        breakdown += [f"• {_dimension_value(dimension, v, lang)}: {line(v)}" for v in values]
    if breakdown:
        blocks.append(section(fit_lines(breakdown[0], breakdown[1:], lambda n: t("report_more_lines", lang, count=n))))
    return blocks


def report_messages(lang: Lang, teams: list[TeamFigures]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The report as one message, or several when the sections need more than 50 blocks."""
    if not teams:
        return []
    month = str(teams[0].month)
    title = t("report_title", lang, month=month)
    legend = context(t("report_legend", lang))
    messages: list[tuple[str, list[dict[str, Any]]]] = []
    blocks: list[Block] = [header(title)]
    for figures in teams:
        part = [{"type": "divider"}, *section_blocks(figures, lang)]
        if len(blocks) + len(part) + 1 > MAX_BLOCKS:
            messages.append((title, blocks))
            blocks = [header(t("report_title_continued", lang, month=month))]
        blocks += part
    blocks.append(legend)
    messages.append((title, blocks))
    return messages
