"""Handover rules without Slack or a database: escaped command text, the handover arguments, the
four weeks of attention (table-driven)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.handover import (
    MAX_NUMBERS,
    HandoverArgs,
    HandoverUsage,
    OpenItems,
    attention_ends,
    decode_command_text,
    mentioned_user,
    needs_attention,
    parse_handover,
)
from tests.slackdriver import slack_escaped


@pytest.mark.parametrize(("escaped", "typed"), [
    ("R&amp;D &lt;5 units&gt;", "R&D <5 units>"),
    ("&amp;lt; stays", "&lt; stays"),
    ("ask <@U0ADMIN|wang>", "ask @wang"),
    ("ask <@U0ADMIN>", "ask @U0ADMIN"),
    ("in <#C0EAST|sales>", "in #sales"),
    ("in <#C0EAST>", "in #C0EAST"),
    ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
    ("<!subteam^S123|@sales-team>", "@sales-team"),
    ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
    ("see <http://x.io|x.io>", "see x.io"),
    ("see <https://x.io/a?b=1&amp;c=2>", "see https://x.io/a?b=1&c=2"),
    ("mail <mailto:a@b.io|a@b.io>", "mail a@b.io"),
    ("CL2026001 called Wang; next: Friday", "CL2026001 called Wang; next: Friday"),
    ("", ""),
])
def test_decode_command_text(escaped: str, typed: str) -> None:
    assert decode_command_text(escaped) == typed


@pytest.mark.parametrize("typed", ["R&D <5 units>", "a &amp; b", "1 < 2 > 0", "<!channel> typed literally",
                                   "plain words", "报价更低 & 下周三"])
def test_what_the_user_typed_survives_the_round_trip(typed: str) -> None:
    assert decode_command_text(slack_escaped(typed)) == typed


@pytest.mark.parametrize(("word", "user"), [
    ("<@U0REP1|wang>", "U0REP1"), ("<@U0REP1>", "U0REP1"), ("<@W0ENT1|x y>", "W0ENT1"),
    ("@U0REP1", None), ("U0REP1", None), ("<#C0EAST|x>", None), ("<@u0rep1>", None), ("<!here>", None),
])
def test_mentioned_user(word: str, user: str | None) -> None:
    assert mentioned_user(word) == user


@pytest.mark.parametrize(("text", "expected"), [
    ("<@U0REP1|a> <@U0REP2|b>", HandoverArgs("U0REP1", "U0REP2", ())),
    ("<@U0REP1> <@U0REP2>", HandoverArgs("U0REP1", "U0REP2", ())),
    ("  <@U0REP1|a>   <@U0REP2|b>  CL2026001 cl2026007,CL2026001 ", HandoverArgs("U0REP1", "U0REP2",
                                                                                   ("CL2026001", "CL2026007"))),
    ("<@U0REP1|a> <@U0REP2|b> HZ-IT-2026-001", HandoverArgs("U0REP1", "U0REP2", ("HZ-IT-2026-001",))),
])
def test_parse_handover(text: str, expected: HandoverArgs) -> None:
    assert parse_handover(text) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("", "usage"), ("<@U0REP1|a>", "usage"), ("@wang @li", "usage"), ("U0REP1 U0REP2", "usage"),
    ("<@U0REP1|a> <#C0EAST|x>", "usage"), ("<@U0REP1|a> <@U0REP2|b> &lt;!channel&gt;", "bad_number"),
    ("<@U0REP1|a> <@U0REP2|b> " + " ".join(f"CL2026{n:03d}" for n in range(MAX_NUMBERS + 1)), "too_many"),
])
def test_parse_handover_refuses(text: str, problem: str) -> None:
    with pytest.raises(HandoverUsage) as refused:
        parse_handover(text)
    assert refused.value.problem == problem


@pytest.mark.parametrize(("items", "count"), [
    (OpenItems(next_step=False, due_items=0, open_issues=0, warning=False), 0),
    (OpenItems(next_step=True, due_items=2, open_issues=1, warning=True), 5),
])
def test_open_items(items: OpenItems, count: int) -> None:
    assert items.count == count


@pytest.mark.parametrize(("today", "listed"), [
    (date(2026, 11, 20), True),  # approved before the effective date
    (date(2026, 11, 23), True),
    (date(2026, 12, 20), True),
    (date(2026, 12, 21), False),  # four weeks later
    (date(2027, 1, 1), False),
])
def test_four_weeks_of_attention(today: date, listed: bool) -> None:
    effective = date(2026, 11, 23)
    assert attention_ends(effective) == date(2026, 12, 21)
    assert needs_attention(effective, today) is listed
