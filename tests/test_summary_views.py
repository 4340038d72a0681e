"""Summaries that never drop data, as pure builders: pages, packed sections, split messages, the due
list, App Home and the weekly digest with 100+ items, every item shown or counted, within Slack's limits."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.paging import Page, cut
from bot.i18n import t
from bot.services.duelist import DueEntry, DueList
from bot.services.home import PAGE_ITEMS, HomeSection, HomeSummary, OverdueCustomer
from bot.views import ids
from bot.views.blocks import TEXT_LIMIT, section
from bot.views.digest import ATTENTION, Overdue, RepWeek, weekly_digest
from bot.views.duelist import MAX_ITEMS, due_list_message
from bot.views.duelist import PAGE_ITEMS as DUE_PAGE_ITEMS
from bot.views.home import home_view
from bot.views.lists import pack_lines, packed_sections, pager, split_messages
from bot.views.metadata import DuePage, HomePages, read_value
from tests.fakeslack import validate_message_blocks, validate_view

AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
LONG = "<Very & Long> Company Name " * 8  # 216 characters, each "<" ">" "&" grows when escaped


# Pages ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("requested", "size", "total", "number", "offset", "end", "pages", "previous", "following"), [
    (0, 10, 0, 0, 0, 0, 1, False, False),
    (0, 10, 10, 0, 0, 10, 1, False, False),
    (0, 10, 11, 0, 0, 10, 2, False, True),
    (1, 10, 11, 1, 10, 11, 2, True, False),
    (5, 10, 11, 1, 10, 11, 2, True, False),     # past the end: the last page (the list shrank)
    (-3, 10, 11, 0, 0, 10, 2, False, True),
    (11, 10, 120, 11, 110, 120, 12, True, False),
    (3, 20, 165, 3, 60, 80, 9, True, True),
])
def test_page_arithmetic(requested: int, size: int, total: int, number: int, offset: int, end: int, pages: int,
                         previous: bool, following: bool) -> None:
    page = Page.of(requested, size=size, total=total)
    assert (page.number, page.offset, page.end, page.count) == (number, offset, end, pages)
    assert (page.has_previous, page.has_next) == (previous, following)
    assert page.shown == end - offset


@pytest.mark.parametrize(("total", "limit", "shown", "left"), [(0, 15, 0, 0), (15, 15, 15, 0), (165, 15, 15, 150),
                                                               (3, 15, 3, 0)])
def test_cut_counts_what_is_left(total: int, limit: int, shown: int, left: int) -> None:
    assert cut(total, limit) == (shown, left)


def test_walking_the_pages_reaches_every_item_once() -> None:
    seen: list[int] = []
    page = Page.of(0, size=10, total=123)
    while True:
        seen.extend(range(page.offset, page.end))
        if not page.has_next:
            break
        page = Page.of(page.number + 1, size=10, total=123)
    assert seen == list(range(123))


# Packing and splitting ------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [0, 1, 30, 200, 1000])
def test_packed_lines_keep_every_line_once_in_order(count: int) -> None:
    lines = [f"<@U{n:08d}>: {n} follow-ups logged · 0 late · {n % 7} overdue" for n in range(count)]
    texts = pack_lines(lines)
    assert all(len(text) <= TEXT_LIMIT for text in texts)
    assert "\n".join(texts).split("\n") == lines if lines else texts == []


def test_a_line_too_long_for_a_section_is_clipped_not_dropped() -> None:
    texts = pack_lines(["a", "x" * 5000, "b"])
    assert texts[0] == "a" and len(texts[1]) == TEXT_LIMIT and texts[1].endswith("…") and texts[2] == "b"


@pytest.mark.parametrize(("blocks", "messages"), [(0, 1), (49, 1), (50, 2), (98, 2), (99, 3), (300, 7)])
def test_split_messages_within_fifty_blocks(blocks: int, messages: int) -> None:
    body = [section(f"line {n}") for n in range(blocks)]
    parts = split_messages(body, head=lambda part, parts: [section(f"part {part} of {parts}")])
    assert len(parts) == messages
    assert all(len(part) <= 50 and part[0]["text"]["text"] == f"part {n} of {messages}"
               for n, part in enumerate(parts, start=1))
    assert [b for part in parts for b in part[1:]] == body


def test_a_pager_only_for_a_list_longer_than_a_page() -> None:
    assert pager("en", Page.of(0, size=10, total=10), block_id="p", actions_ids=("a", "b"), value=str) == []
    middle = pager("en", Page.of(2, size=10, total=57), block_id="p", actions_ids=("a", "b"), value=str)
    assert middle[0]["elements"][0]["text"] == "Showing 21–30 of 57 · page 3 of 6"
    assert [(e["action_id"], e["value"]) for e in middle[1]["elements"]] == [("a", "1"), ("b", "3")]
    last = pager("en", Page.of(5, size=10, total=57), block_id="p", actions_ids=("a", "b"), value=str)
    assert last[0]["elements"][0]["text"] == "Showing 51–57 of 57 · page 6 of 6"
    assert [e["action_id"] for e in last[1]["elements"]] == ["a"]


# Due lists ------------------------------------------------------------------------------------------

def entry(n: int, due_at: datetime, company: str = "") -> DueEntry:
    return DueEntry(customer_id=n, number=f"CL2026{n:04d}", company=company or f"Company {n:04d}", grade="B",
                    status="interested", due_at=due_at, why="cadence", days=7)


def long_due_list(overdue: int = 110, today: int = 30, upcoming: int = 25, company: str = "") -> DueList:
    n = iter(range(1, 10_000))
    return DueList(owner_id="U0REP1",
                   overdue=[entry(next(n), AT - timedelta(days=2), company) for _ in range(overdue)],
                   today=[entry(next(n), AT + timedelta(hours=5), company) for _ in range(today)],
                   upcoming=[entry(next(n), AT + timedelta(days=2), company) for _ in range(upcoming)])


def texts_of(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found.extend(e["text"] for e in block["elements"])
    return found


def numbers_in(blocks: list[dict[str, Any]]) -> list[str]:
    return [m for text in texts_of(blocks) for m in re.findall(r"\*(CL2026\d{4})\*", text)]


def header_agrees(blocks: list[dict[str, Any]]) -> None:
    """Every group header counts exactly the items under it, before the next header or the end."""
    groups: list[tuple[str, list[str]]] = []
    for text in texts_of(blocks):
        if re.search(r"\*(Overdue|Due today|Next 3 days)\* \(", text):
            groups.append((text, []))
        elif groups and re.match(r"\*CL2026\d{4}\*", text):
            groups[-1][1].append(text)
    assert groups, "no group header"
    for text, items in groups:
        whole = re.search(r"\((\d+)\)$", text)
        part = re.search(r"\((\d+)–(\d+) of (\d+)\)$", text)
        assert whole or part, text
        if whole:
            assert len(items) == int(whole.group(1)), text
        else:
            assert part is not None
            assert len(items) == int(part.group(2)) - int(part.group(1)) + 1, text


def test_the_daily_list_of_165_names_15_and_counts_the_rest_by_group() -> None:
    due = long_due_list()
    text, blocks = due_list_message("en", due, tz="Asia/Shanghai", day="Mon 23 Nov")
    assert validate_message_blocks(blocks) == [] and len(blocks) <= 50
    assert text == "Your follow-ups — Mon 23 Nov: 165"
    assert numbers_in(blocks) == [e.number for e in due.overdue[:MAX_ITEMS]]
    header_agrees(blocks)
    assert ":red_circle: *Overdue* (1–15 of 110)" in texts_of(blocks)
    assert not [t for t in texts_of(blocks) if "Due today*" in t or "Next 3 days*" in t], "no header without items"
    assert texts_of(blocks)[-1] == ("…and 150 more. Type `/followup due` to page through the whole list (it is on "
                                    "the app's *Home* tab too). Not shown here: 30 due today · 25 in the next 3 days.")


def test_a_list_cut_inside_the_second_group() -> None:
    due = long_due_list(overdue=5, today=30, upcoming=0)
    _, blocks = due_list_message("en", due, tz="Asia/Shanghai", day="Mon 23 Nov")
    header_agrees(blocks)
    shown = texts_of(blocks)
    assert ":red_circle: *Overdue* (5)" in shown and ":large_orange_circle: *Due today* (1–10 of 30)" in shown
    assert shown[-1].startswith("…and 20 more.") and "Not shown here" not in shown[-1]


def test_a_short_list_is_whole_with_no_pointer() -> None:
    _, blocks = due_list_message("en", long_due_list(3, 2, 1), tz="UTC", day="Mon")
    assert len(numbers_in(blocks)) == 6 and not [t for t in texts_of(blocks) if "more" in t]
    header_agrees(blocks)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_followup_due_pages_reach_every_item(lang: str) -> None:
    due = long_due_list(company=LONG)
    seen: list[str] = []
    page = 0
    while True:
        _, blocks = due_list_message(lang, due, tz="Asia/Shanghai", day="Mon", max_items=DUE_PAGE_ITEMS, page=page)
        assert validate_message_blocks(blocks) == [] and len(blocks) <= 50
        if lang == "en":
            header_agrees(blocks)
        seen.extend(numbers_in(blocks))
        pagers = [b for b in blocks if b.get("block_id") == "due_pager"]
        following = [e for b in pagers for e in b["elements"] if e["action_id"] == ids.DUE_NEXT]
        if not following:
            break
        page = read_value(DuePage, following[0]["value"]).page
    assert seen == [e.number for group in (due.overdue, due.today, due.upcoming) for e in group]
    assert page == 8


# App Home ---------------------------------------------------------------------------------------------

def supervisor_home(due: DueList, *, due_page: int = 0, warning_page: int = 0, overdue_page: int = 0,
                    warnings: int = 120, overdue: int = 110, company: str = "Acme",
                    sections: list[HomeSection] | None = None) -> HomeSummary:
    wp = Page.of(warning_page, size=PAGE_ITEMS, total=warnings)
    op = Page.of(overdue_page, size=PAGE_ITEMS, total=overdue)
    return HomeSummary(
        in_team=True, tz="Asia/Shanghai", due=due, due_page=Page.of(due_page, size=PAGE_ITEMS, total=len(due)),
        by_status={"interested": 300}, by_grade={"B": 300}, my_pending=0, to_decide=4,
        in_warning=[(f"CL2026{n:04d}", company, "U0REP2") for n in range(wp.offset + 1000, wp.end + 1000)],
        warning_page=wp,
        overdue=[OverdueCustomer(f"CL2026{n:04d}", company, "U0REP1", AT) for n in range(op.offset + 2000, op.end + 2000)],
        overdue_page=op, sections=sections or [])


def pager_value(view: dict[str, Any], name: str, action: str) -> HomePages | None:
    for block in view["blocks"]:
        if block.get("block_id") == f"home_pager_{name}":
            for element in block["elements"]:
                if element["action_id"] == action:
                    return read_value(HomePages, element["value"])
    return None


@pytest.mark.parametrize("company", ["Acme", LONG])
def test_the_supervisor_home_fits_and_says_where_each_page_is(company: str) -> None:
    extra = HomeSection(name="handover", title="*Handed over to me:* 40", lines=[company] * 10,
                        page=Page.of(0, size=10, total=40))
    view = home_view("en", supervisor_home(long_due_list(company=company), company=company, sections=[extra]))
    assert validate_view(view) == [] and len(view["blocks"]) <= 100
    shown = texts_of(view["blocks"])
    assert "*My due list:* 110 overdue · 30 today · 25 in the next 3 days" in shown
    assert "*Overdue in my teams:* 110" in shown and "*Customers in warning:* 120" in shown
    assert shown.count("Showing 1–10 of 165 · page 1 of 17") == 1
    assert shown.count("Showing 1–10 of 120 · page 1 of 12") == 1
    assert shown.count("Showing 1–10 of 110 · page 1 of 11") == 1
    assert "Showing 1–10 of 40 · page 1 of 4" in shown
    turned = pager_value(view, "warning", ids.HOME_NEXT)
    assert turned is not None and turned.pages == {"due": 0, "warning": 1, "overdue": 0, "handover": 0}
    assert pager_value(view, "warning", ids.HOME_PREVIOUS) is None


def test_home_pages_walk_to_the_end_of_each_list() -> None:
    due = long_due_list()
    for name, total in (("warning", 120), ("overdue", 110), ("due", 165)):
        pages: dict[str, int] = {}
        seen: list[str] = []
        while True:
            view = home_view("en", supervisor_home(due, due_page=pages.get("due", 0),
                                                   warning_page=pages.get("warning", 0),
                                                   overdue_page=pages.get("overdue", 0)))
            assert validate_view(view) == []
            prefix = {"warning": "home_warning", "overdue": "home_overdue", "due": "home_due"}[name]
            seen.extend(numbers_in([b for b in view["blocks"] if str(b.get("block_id", "")).startswith(prefix)]))
            following = pager_value(view, name, ids.HOME_NEXT)
            if following is None:
                break
            assert all(following.page(other) == 0 for other in ("warning", "overdue", "due") if other != name)
            pages = following.pages
        assert len(seen) == total and len(set(seen)) == total, name


def test_a_short_warning_list_stays_on_one_line() -> None:
    summary = HomeSummary(in_team=True, to_decide=0, in_warning=[("CL2026001", "Acme Ltd", "U0REP1")])
    view = home_view("en", summary)
    assert "*Customers in warning:* *CL2026001* Acme Ltd (<@U0REP1>)" in texts_of(view["blocks"])
    assert "home_pager_warning" not in json.dumps(view)


def test_a_rep_home_has_no_team_lists() -> None:
    view = home_view("en", HomeSummary(in_team=True, due=long_due_list(), due_page=Page.of(16, size=10, total=165)))
    assert validate_view(view) == []
    assert "Showing 161–165 of 165 · page 17 of 17" in texts_of(view["blocks"])
    assert "in warning" not in json.dumps(view) and "Overdue in my teams" not in json.dumps(view)


def test_forged_or_stale_pager_values_are_out_of_date() -> None:
    from bot.errors import OutOfDate
    for value in ("", "not json", '{"pages": {"due": -1}}', '{"pages": {"DUE": 1}}', '{"pages": {"due": "1"}}',
                  json.dumps({"pages": {f"l{n}": 1 for n in range(17)}}), "x" * 3000, None):
        with pytest.raises(OutOfDate):
            read_value(HomePages, value)


# Weekly digest ----------------------------------------------------------------------------------------

def reps(count: int) -> list[RepWeek]:
    return [RepWeek(user=f"U{n:08d}", logged=n % 17, late=n % 3, overdue=n % 5, missed=n % 2, over=0)
            for n in range(count)]


@pytest.mark.parametrize(("count", "several"), [(2, False), (30, False), (200, False), (3000, True)])
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_rep_is_in_the_weekly_digest(count: int, several: bool, lang: str) -> None:
    overdue = [Overdue(f"CL2026{n:04d}", LONG, "U0OWNER", "Mon 16 Nov") for n in range(ATTENTION)]
    parts = weekly_digest(lang, team="East China", day="2026-11-16", reps=reps(count), overdue=overdue,
                          overdue_total=345)
    messages = len(parts)
    assert (messages > 1) == several
    everything = ""
    for n, (text, blocks) in enumerate(parts, start=1):
        assert validate_message_blocks(blocks) == [] and len(blocks) <= 50
        assert blocks[0]["type"] == "header"
        if messages > 1:
            title = t("weekly_title_part", lang, team="East China", day="2026-11-16", part=n, parts=messages)
            assert text == title and blocks[0]["text"]["text"] == title
        everything += "\n".join(texts_of(blocks)) + "\n"
    mentioned = re.findall(r"<@(U\d{8})>", everything)
    assert sorted(mentioned) == sorted(r.user for r in reps(count)), "every rep exactly once"
    assert t("weekly_reps", lang, count=count) in everything
    assert t("weekly_attention", lang, count=345) in everything
    assert t("weekly_attention_more", lang, count=345 - ATTENTION) in everything
    assert len(re.findall(r"CL2026\d{4}", everything)) == ATTENTION


def test_a_digest_with_nothing_overdue() -> None:
    [(_, blocks)] = weekly_digest("en", team="East", day="2026-11-16", reps=reps(2), overdue=[], overdue_total=0)
    shown = texts_of(blocks)
    assert "*Customers that need attention:* 0 overdue" in shown and shown[-1].startswith("No customer is overdue")


def test_extra_digest_sections_push_into_more_messages() -> None:
    extra = [section(f"handed over {n}") for n in range(60)]
    parts = weekly_digest("en", team="East", day="2026-11-16", reps=reps(200), overdue=[], overdue_total=0, extra=extra)
    assert len(parts) == 2 and all(len(blocks) <= 50 for _, blocks in parts)
    joined = [text for _, blocks in parts for text in texts_of(blocks)]
    assert [f"handed over {n}" for n in range(60)] == [text for text in joined if text.startswith("handed over")]
    assert joined.index("handed over 59") < joined.index("*Customers that need attention:* 0 overdue")


def test_packed_sections_number_their_block_ids() -> None:
    blocks = packed_sections(["x" * 2000] * 3, block_id="home_warning")
    assert [b["block_id"] for b in blocks] == ["home_warning_1", "home_warning_2", "home_warning_3"]


def test_a_find_with_more_than_the_count_cap_says_so() -> None:
    from types import SimpleNamespace

    from bot.views.followup import match_list

    found = [SimpleNamespace(id=n, number=f"CL{n}", company=f"Acme {n}", status="lead", owner_id="U0REP1")
             for n in range(1, 21)]
    _, blocks = match_list("en", reference="acme", customers=found, limit=20, total=1000, capped=True)
    assert blocks[-1]["elements"][0]["text"].startswith("Showing the best 20 of more than 1,000 matches")
    _, blocks = match_list("en", reference="acme", customers=found, limit=20, total=20)
    assert "Showing" not in str(blocks)
