"""Every message exists in English and Simplified Chinese, with the same placeholders."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain.dates import format_when, zone_label
from bot.i18n import CATALOG, plural_choices, plural_form, t


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == {"en", "zh-CN"}

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert fields(entry["en"]) == fields(entry["zh-CN"])


# Plural forms: one mechanism ({n:one|other}), every counted English word goes through it ---------

COUNTS = (0, 1, 2, 21)

# key, values besides the count, count name, English for 1, English for many ({n} is the count).
COUNTED = [
    ("err_too_long", {}, "limit", "under 1 character.", "under {n} characters."),
    ("deal_cycle", {}, "days", "1 day from", "{n} days from"),
    ("card_history_more", {"shown": 10, "total": 12}, "more", "1 earlier one is", "{n} earlier ones are"),
    ("card_history_more", {"shown": 10, "more": 2}, "total", "of 1 follow-up:", "of {n} follow-ups:"),
    ("why_cadence", {"grade": "A"}, "days", "every 1 day for grade A", "every {n} days for grade A"),
    ("why_cadence_status", {}, "days", "every 1 day", "every {n} days"),
    ("why_revisit_months", {}, "months", "revisit, 1 month", "revisit, {n} months"),
    ("limit_working_days", {}, "days", "1 working day of", "{n} working days of"),
    ("alert_a_silence", {"number": "CL1", "company": "Acme", "owner": "U1", "last": "x", "limit": 30},
     "days", "(1 day ago)", "({n} days ago)"),
    ("alert_a_silence", {"number": "CL1", "company": "Acme", "owner": "U1", "last": "x", "days": 40},
     "limit", "more than 1 day without", "more than {n} days without"),
    ("alert_over_contact", {"number": "CL1", "company": "Acme", "owner": "U1", "month": "2026-11", "limit": 2},
     "count", "1 follow-up in", "{n} follow-ups in"),
    ("weekly_rep", {"user": "U1", "late": 0, "overdue": 0, "missed": 3, "over": 0}, "logged",
     "1 follow-up logged", "{n} follow-ups logged"),
    ("weekly_rep", {"user": "U1", "logged": 3, "late": 0, "overdue": 0, "over": 0}, "missed",
     "1 missed next step ·", "{n} missed next steps ·"),
    ("churn_signal_line", {"signal": "Silence", "share": 50}, "points", "1 point (", "{n} points ("),
    ("export_ready", {"file": "x.xlsx"}, "count", "1 customer with", "{n} customers with"),
    ("report_days", {}, "days", "1 day", "{n} days"),
    ("report_satisfaction", {"average": "4.0"}, "count", "(1 score)", "({n} scores)"),
    ("report_more_reps", {}, "count", "…and 1 more rep:", "…and {n} more reps:"),
    ("report_more_lines", {}, "count", "…and 1 more line:", "…and {n} more lines:"),
    ("chart_all", {}, "count", "1 team", "{n} teams"),
]


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize(("key", "values", "name", "one", "other"), COUNTED,
                         ids=[f"{row[0]}-{row[2]}" for row in COUNTED])
def test_counted_words_in_english(key: str, values: dict, name: str, one: str, other: str, n: int) -> None:
    text = t(key, "en", **values, **{name: n})
    assert (one if n == 1 else other.format(n=n)) in text
    assert "(s)" not in text and "|" not in text


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize(("key", "values", "name", "one", "other"), COUNTED,
                         ids=[f"{row[0]}-{row[2]}" for row in COUNTED])
def test_counted_words_in_chinese(key: str, values: dict, name: str, one: str, other: str, n: int) -> None:
    text = t(key, "zh-CN", **values, **{name: n})
    assert str(n) in text and "|" not in text
    assert text == CATALOG[key]["zh-CN"].format(**values, **{name: n})  # Chinese has no plural


@pytest.mark.parametrize(("lang", "count", "form"), [
    ("en", 0, "other"), ("en", 1, "one"), ("en", 2, "other"), ("en", 21, "other"), ("en", "1", "one"),
    ("en", "1.5", "other"), ("en", 1.0, "other"), ("en", Decimal(1), "one"), ("en", True, "other"),
    ("zh-CN", 0, "other"), ("zh-CN", 1, "other"), ("zh-CN", 2, "other"), ("zh-CN", 21, "other"),
])
def test_plural_form(lang: str, count: object, form: str) -> None:
    assert plural_form(lang, count) == form


def test_every_counted_english_word_has_a_plural_choice() -> None:
    """No "(s)", no count followed by a bare plural noun; every choice is "one|other" after its count."""
    bare = re.compile(r"\{(\w+)\} (?:working |missed next )?(day|days|month|months|follow-ups|customers|points|"
                      r"characters|steps)\b")
    for key, entry in CATALOG.items():
        english = entry["en"]
        assert "(s)" not in english, key
        assert not bare.search(english), key
        for name, spec in plural_choices(english):
            assert spec.count("|") == 1 and all(spec.split("|")), (key, spec)
            assert f"{{{name}}}" in english, (key, name)
        assert not plural_choices(entry["zh-CN"]), key
    assert len({key for key, e in CATALOG.items() if plural_choices(e["en"])}) == len({r[0] for r in COUNTED})


# Time zones: the IANA name or a UTC offset, never an abbreviation --------------------------------

ZONES = ("Asia/Shanghai", "America/Chicago", "America/Los_Angeles")
INSTANTS = (datetime(2026, 1, 15, 3, 30, tzinfo=UTC), datetime(2026, 7, 15, 20, 0, tzinfo=UTC))
ABBREVIATION = re.compile(r"\b(?!UTC\b)[A-Z]{2,5}\b")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("at", INSTANTS, ids=["winter", "summer"])
@pytest.mark.parametrize("tz", ZONES)
def test_no_time_zone_abbreviation(tz: str, at: datetime, lang: str) -> None:
    abbreviations = {at.astimezone(ZoneInfo(tz)).tzname()} | {"CST", "CDT", "PST", "PDT", "EST", "EDT"}
    shown = t("date_reads_as", lang, when=format_when(at, tz=tz, lang=lang), tz=zone_label(tz, at))
    assert tz in shown
    assert not ABBREVIATION.search(shown), shown
    assert not any(abbr in shown for abbr in abbreviations), shown


@pytest.mark.parametrize(("tz", "at", "label"), [
    ("Asia/Shanghai", INSTANTS[0], "Asia/Shanghai"),
    ("America/Chicago", INSTANTS[1], "America/Chicago"),
    ("UTC", INSTANTS[0], "UTC"),
    ("PRC", INSTANTS[0], "UTC+08:00"),
    ("CST6CDT", INSTANTS[0], "UTC-06:00"),
    ("CST6CDT", INSTANTS[1], "UTC-05:00"),
    ("EST", INSTANTS[1], "UTC-05:00"),
    ("Etc/GMT-8", INSTANTS[0], "UTC+08:00"),
    ("Asia/Kolkata", INSTANTS[0], "Asia/Kolkata"),
])
def test_zone_label(tz: str, at: datetime, label: str) -> None:
    assert zone_label(tz, at) == label
