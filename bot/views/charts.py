"""The monthly report's charts as PNG (matplotlib, headless Agg backend).

Pure: figures in, PNG bytes out. Four charts: the funnel, the grade mix at month end, on-time
follow-up and 24-h logging rates by rep (by team when the report covers several teams), and new
against churned customers by week. Sized for Slack's preview (about 840×500 px, 11-pt labels).

Labels are in the reader's language, Chinese included: the CJK font is loaded by path from the
``mplfonts`` package (Noto Sans CJK SC, installed from PyPI with the bot), never from system fonts,
so a server without fonts draws the same glyphs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless, whatever MPLBACKEND says

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from bot.domain.reports import FUNNEL, NO_RATE, Rate, TeamFigures  # noqa: E402
from bot.i18n import Lang, t  # noqa: E402

SIZE = (7.0, 4.2)  # inches
DPI = 120
MAX_BARS = 25  # people or teams per chart; the rest are counted in the title
GRADES = ("A", "B", "C", "D", None)
COLORS = ("#2f6db5", "#e8833a", "#4c9f70", "#c0504d", "#8064a2")


@dataclass(frozen=True)
class Chart:
    filename: str
    title: str
    png: bytes


def font_path() -> Path:
    """Noto Sans CJK SC as shipped by the ``mplfonts`` package (Latin and CJK glyphs)."""
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=4)
def font(size: float = 11) -> FontProperties:
    return FontProperties(fname=str(font_path()), size=size)


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _fonts(axes: Axes) -> None:
    for label in [*axes.get_xticklabels(), *axes.get_yticklabels()]:
        label.set_fontproperties(font(10))


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _title(axes: Axes, text: str) -> None:
    axes.set_title(text, fontproperties=font(13), loc="left")


def funnel_chart(lang: Lang, reached: list[int], onward: list[Rate], title: str) -> bytes:
    figure, axes = _figure()
    labels = [t(f"status_{s}", lang) for s in FUNNEL]
    positions = list(range(len(FUNNEL)))[::-1]
    axes.barh(positions, reached, color=COLORS[0])
    axes.set_yticks(positions, labels)
    top = max(reached or [0]) or 1
    for position, count, rate in zip(positions, reached, [NO_RATE, *onward[:-1]], strict=True):
        note = f"{count}" + (f"  ({rate.percent}%)" if rate.percent is not None else "")
        axes.text(count + top * 0.01, position, note, va="center", fontproperties=font(10))
    axes.set_xlim(0, top * 1.25)
    _title(axes, title)
    _fonts(axes)
    return _png(figure)


def grade_chart(lang: Lang, rows: list[tuple[str, dict[str | None, int]]], title: str) -> bytes:
    """One bar per grade (one team), or one stacked bar per team."""
    figure, axes = _figure()
    labels = [g or t("ungraded", lang) for g in GRADES]
    if len(rows) == 1:
        counts = [rows[0][1].get(g, 0) for g in GRADES]
        axes.bar(labels, counts, color=COLORS[: len(GRADES)])
        for x, count in enumerate(counts):
            axes.text(x, count, str(count), ha="center", va="bottom", fontproperties=font(10))
    else:
        names = [name for name, _ in rows]
        left = [0] * len(rows)
        for color, grade, label in zip(COLORS, GRADES, labels, strict=False):
            counts = [by.get(grade, 0) for _, by in rows]
            axes.barh(names, counts, left=left, color=color, label=label)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        axes.legend(prop=font(9), loc="lower right")
    _title(axes, title)
    _fonts(axes)
    return _png(figure)


def rates_chart(lang: Lang, rows: list[tuple[str, Rate, Rate]], title: str) -> bytes:
    """On-time follow-ups and 24-h logging per person (or team), lowest 24-h logging first, at most
    ``MAX_BARS`` of them (the title says so)."""
    figure, axes = _figure()
    shown = sorted(rows, key=lambda r: (r[2].percent if r[2].percent is not None else 101, r[0]))[:MAX_BARS]
    height = 0.4
    positions = list(range(len(shown)))[::-1]
    axes.barh([p + height / 2 for p in positions], [r[1].percent or 0 for r in shown], height, color=COLORS[0],
              label=t("chart_on_time", lang))
    axes.barh([p - height / 2 for p in positions], [r[2].percent or 0 for r in shown], height, color=COLORS[1],
              label=t("chart_logging", lang))
    axes.set_yticks(positions, [r[0] for r in shown])
    axes.set_xlim(0, 100)
    axes.set_xlabel("%", fontproperties=font(10))
    axes.legend(prop=font(9), loc="lower right")
    _title(axes, title)
    _fonts(axes)
    return _png(figure)


def weekly_chart(lang: Lang, new: dict[date, int], churned: dict[date, int], title: str) -> bytes:
    figure, axes = _figure()
    weeks = sorted(set(new) | set(churned))
    width = 0.4
    xs = list(range(len(weeks)))
    axes.bar([x - width / 2 for x in xs], [new.get(w, 0) for w in weeks], width, color=COLORS[2],
             label=t("chart_new", lang))
    axes.bar([x + width / 2 for x in xs], [churned.get(w, 0) for w in weeks], width, color=COLORS[3],
             label=t("chart_churned", lang))
    axes.set_xticks(xs, [t("chart_week_of", lang, day=w.strftime("%m-%d")) for w in weeks])
    axes.legend(prop=font(9))
    _title(axes, title)
    _fonts(axes)
    return _png(figure)


def _add(into: dict[date, int], more: dict[date, int]) -> dict[date, int]:
    return {k: into.get(k, 0) + more.get(k, 0) for k in set(into) | set(more)}


def report_charts(lang: Lang, teams: list[TeamFigures]) -> list[Chart]:
    """The four charts of a report: over its sections together; the rates by rep for one team,
    by team for several."""
    if not teams:
        return []
    month = str(teams[0].month)
    scope = teams[0].team if len(teams) == 1 else t("chart_all", lang, count=len(teams))
    reached = [sum(f.funnel[i].reached for f in teams) for i in range(len(FUNNEL))]
    onward = [Rate(reached[i + 1], reached[i]) if i + 1 < len(FUNNEL) else NO_RATE for i in range(len(FUNNEL))]
    grade_rows: list[tuple[str, dict[str | None, int]]]
    if len(teams) == 1:
        grade_rows = [(teams[0].team, teams[0].by_grade)]
    else:
        grade_rows = [(f.team, f.by_grade) for f in teams]
    if len(teams) == 1 and teams[0].rep is None:
        only = teams[0]
        on_time, logging = only.rate_by("on_time", "rep"), only.rate_by("logging", "rep")
        people = sorted({k for k in (*on_time, *logging) if k})
        rate_rows = [(only.names.get(p, p), on_time.get(p, NO_RATE), logging.get(p, NO_RATE)) for p in people]
    else:
        rate_rows = [(f.team if f.rep is None else f.names.get(f.rep, f.rep), f.rate("on_time"), f.rate("logging"))
                     for f in teams]
    new: dict[date, int] = {}
    churned: dict[date, int] = {}
    for f in teams:
        new, churned = _add(new, f.new_by_week), _add(churned, f.churned_by_week)
    titles = {name: t(f"chart_{name}_title", lang, scope=scope, month=month)
              for name in ("funnel", "grades", "rates", "weekly")}
    if len(rate_rows) > MAX_BARS:
        titles["rates"] = t("chart_lowest", lang, title=titles["rates"], shown=MAX_BARS, count=len(rate_rows))
    return [
        Chart(f"funnel-{month}.png", titles["funnel"], funnel_chart(lang, reached, onward, titles["funnel"])),
        Chart(f"grades-{month}.png", titles["grades"], grade_chart(lang, grade_rows, titles["grades"])),
        Chart(f"follow-up-rates-{month}.png", titles["rates"], rates_chart(lang, rate_rows, titles["rates"])),
        Chart(f"new-vs-churned-{month}.png", titles["weekly"], weekly_chart(lang, new, churned, titles["weekly"])),
    ]
