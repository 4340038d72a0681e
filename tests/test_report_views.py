"""The report's builders without Slack or a database: charts are PNGs whose Chinese labels draw with
real glyphs (no missing-glyph boxes), and the Block Kit summary stays within Slack's limits for a
team of 200 reps and for an admin of 60 teams, saying how many lines it does not show."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from bot.domain.reports import DealsWon, Dims, Month, Rate, TeamFigures, funnel_from_ranks
from bot.i18n import CATALOG, t
from bot.views import charts
from bot.views.reports import MAX_BLOCKS, report_messages
from tests.fakeslack import validate_message_blocks

PNG = b"\x89PNG\r\n\x1a\n"


def team(name: str, reps: int, *, rep: str | None = None) -> TeamFigures:
    people = [f"U0R{n:04d}" for n in range(reps)]
    dims = {p: Dims(p, "ABCD"[n % 4], ["Retail", "能源"][n % 2], ["华东", None][n % 2]) for n, p in enumerate(people)}
    return TeamFigures(
        team=name, tz="Asia/Shanghai", month=Month(2026, 10), start=datetime(2026, 9, 30, 16, tzinfo=UTC),
        end=datetime(2026, 10, 31, 16, tzinfo=UTC), partial=False, rep=rep,
        new={d: 2 for d in dims.values()}, new_by_week={date(2026, 9, 28): 3, date(2026, 10, 5): 4},
        churned_by_week={date(2026, 9, 28): 1, date(2026, 10, 5): 0}, by_status={"lead": 5, "won": 2},
        by_grade={"A": 1, "B": 3, None: 2}, funnel=funnel_from_ranks({(None, 0): 5, (0, 3): 2, (None, 5): 1}),
        deals={d: DealsWon(1, Decimal(250000), 1, (30,)) for d in dims.values()},
        churn={d: Rate(0, 2) for d in dims.values()}, saved={}, repurchase={},
        on_time={d: Rate(n % 5, 5) for n, d in enumerate(dims.values())},
        logging={d: Rate(n % 7, 7) for n, d in enumerate(dims.values())}, issues={}, satisfaction={},
        names={p: f"王{n}" for n, p in enumerate(people)})


def test_the_cjk_font_ships_with_the_package_and_has_every_glyph_of_the_chinese_labels() -> None:
    path = charts.font_path()
    assert path.is_file()
    with TTFont(str(path), fontNumber=0, lazy=True) as font:
        cmap = font.getBestCmap()
    labels = "".join(t(key, "zh-CN") for key in CATALOG if key.startswith(("chart_", "status_"))) + "未分级华东王"
    missing = {ch for ch in labels if not ch.isspace() and ch not in "{}" and ord(ch) not in cmap}
    assert missing == set()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_charts_are_pngs_drawn_without_missing_glyphs(lang: str) -> None:
    with warnings.catch_warnings():
        # matplotlib says "Glyph … missing from font(s)" as a warning when it would draw a box
        warnings.simplefilter("error")
        drawn = charts.report_charts(lang, [team("华东销售一部", 40)])
    assert [c.filename for c in drawn] == ["funnel-2026-10.png", "grades-2026-10.png", "follow-up-rates-2026-10.png",
                                           "new-vs-churned-2026-10.png"]
    for chart in drawn:
        assert chart.png.startswith(PNG)
        with Image.open(io.BytesIO(chart.png)) as image:
            assert image.format == "PNG" and image.size == (840, 504)
    if lang == "zh-CN":
        assert drawn[0].title == "转化漏斗 · 华东销售一部 · 2026-10"
        assert "（40 个中最低的 25 个）" in drawn[2].title


def test_a_missing_glyph_would_fail_the_test() -> None:
    """The check above can fail: the default font has no Chinese, and matplotlib warns."""
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0.5, 0.5, "转化漏斗", family="DejaVu Sans")
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
        warnings.simplefilter("error")
        figure.savefig(io.BytesIO(), format="png")


def check_limits(messages: list[tuple[str, list[dict]]]) -> None:
    for _, blocks in messages:
        assert len(blocks) <= MAX_BLOCKS
        assert validate_message_blocks(blocks) == []
        for block in blocks:
            assert len(block.get("text", {}).get("text", "")) <= 3000


def test_a_team_of_200_reps_fits_and_says_how_many_more() -> None:
    messages = report_messages("en", [team("East China", 200)])
    check_limits(messages)
    [(_, blocks)] = messages
    by_rep = next(b["text"]["text"] for b in blocks if b.get("text", {}).get("text", "").startswith("*By rep*"))
    shown = by_rep.count("• <@")
    assert 10 < shown < 200
    assert f"…and {200 - shown} more reps: every rep is in the follow-up rates chart" in by_rep


def test_an_admin_of_60_teams_gets_every_team_over_several_messages() -> None:
    messages = report_messages("zh-CN", [team(f"Team {n:02d}", 3) for n in range(60)])
    check_limits(messages)
    assert len(messages) > 1
    text = "".join(str(blocks) for _, blocks in messages)
    assert all(f"Team {n:02d}" in text for n in range(60))
    assert messages[1][1][0]["text"]["text"] == "月度报告 · 2026-10（续）"
