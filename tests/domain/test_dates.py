"""bot.domain.dates: plain-words dates in English and Chinese, in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.dates import MAX_PHRASE_LENGTH, ParsedDate, format_when, parse_when

SH = "Asia/Shanghai"
NY = "America/New_York"

NOWS = {
    # Sunday. Shanghai: Sun 22 Nov 18:30; New York: Sun 22 Nov 05:30.
    "sun": datetime(2026, 11, 22, 10, 30, tzinfo=UTC),
    # Shanghai: Mon 23 Nov 10:00; New York: still Sun 22 Nov 21:00 — the local day differs.
    "mon": datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
    # Thursday before the US DST change (Sun 14 Mar 2027, 02:00 EST -> 03:00 EDT).
    # Shanghai: Thu 11 Mar 23:00; New York: Thu 11 Mar 10:00 EST.
    "dst": datetime(2027, 3, 11, 15, 0, tzinfo=UTC),
    # Shanghai: Thu 10 Dec 10:00; New York: Wed 9 Dec 21:00.
    "dec10": datetime(2026, 12, 10, 2, 0, tzinfo=UTC),
}

F, P = "future", "past"

# (now, phrase, prefer, expected local time in Shanghai, expected local time in New York, has_time)
CASES = [
    # --- English, prefer future (next-step dates)
    ("sun", "next Wednesday 3pm", F, "2026-11-25 15:00", "2026-11-25 15:00", True),
    ("sun", "next wednesday", F, "2026-11-25 09:00", "2026-11-25 09:00", False),
    ("sun", "in 3 days", F, "2026-11-25 09:00", "2026-11-25 09:00", False),
    ("sun", "tomorrow morning", F, "2026-11-23 09:00", "2026-11-23 09:00", True),
    ("sun", "tomorrow", F, "2026-11-23 09:00", "2026-11-23 09:00", False),
    ("sun", "Tomorrow at 10:30", F, "2026-11-23 10:30", "2026-11-23 10:30", True),
    ("sun", "tomorrow afternoon", F, "2026-11-23 15:00", "2026-11-23 15:00", True),
    ("sun", "tomorrow evening at 8", F, "2026-11-23 20:00", "2026-11-23 20:00", True),
    ("sun", "Dec 3", F, "2026-12-03 09:00", "2026-12-03 09:00", False),
    ("sun", "3 December", F, "2026-12-03 09:00", "2026-12-03 09:00", False),
    ("sun", "December 3rd, 2027", F, "2027-12-03 09:00", "2027-12-03 09:00", False),
    ("sun", "Dec 3 at 2:30 pm", F, "2026-12-03 14:30", "2026-12-03 14:30", True),
    ("sun", "12/3", F, "2026-12-03 09:00", "2026-12-03 09:00", False),
    ("sun", "12/3/27", F, "2027-12-03 09:00", "2027-12-03 09:00", False),
    ("sun", "2026-12-03 14:00", F, "2026-12-03 14:00", "2026-12-03 14:00", True),
    ("sun", "today 5pm", F, "2026-11-22 17:00", "2026-11-22 17:00", True),
    ("sun", "3pm", F, "2026-11-23 15:00", "2026-11-22 15:00", True),  # 15:00 already gone in Shanghai
    ("sun", "at 3", F, "2026-11-23 15:00", "2026-11-22 15:00", True),
    ("sun", "noon", F, "2026-11-23 12:00", "2026-11-22 12:00", True),
    ("sun", "in the morning", F, "2026-11-23 09:00", "2026-11-22 09:00", True),
    ("sun", "tonight", F, "2026-11-22 19:00", "2026-11-22 19:00", True),
    ("sun", "in 2 hours", F, "2026-11-22 20:30", "2026-11-22 07:30", True),
    ("sun", "in 30 minutes", F, "2026-11-22 19:00", "2026-11-22 06:00", True),
    ("sun", "wed 3pm", F, "2026-11-25 15:00", "2026-11-25 15:00", True),
    ("sun", "sunday 10am", F, "2026-11-29 10:00", "2026-11-22 10:00", True),  # gone in Shanghai only
    ("sun", "this friday", F, "2026-11-27 09:00", "2026-11-27 09:00", False),
    ("sun", "last friday", F, "2026-11-13 09:00", "2026-11-13 09:00", False),
    ("sun", "friday after next", F, "2026-12-04 09:00", "2026-12-04 09:00", False),
    ("sun", "next week", F, "2026-11-29 09:00", "2026-11-29 09:00", False),
    ("sun", "next month", F, "2026-12-22 09:00", "2026-12-22 09:00", False),
    ("sun", "a week from now", F, "2026-11-29 09:00", "2026-11-29 09:00", False),
    ("sun", "the 5th", F, "2026-12-05 09:00", "2026-12-05 09:00", False),
    ("sun", "end of month", F, "2026-11-30 09:00", "2026-11-30 09:00", False),
    ("sun", "yesterday", F, "2026-11-21 09:00", "2026-11-21 09:00", False),  # the caller rejects it
    ("sun", "Wed 25 Nov 2026, 15:00", F, "2026-11-25 15:00", "2026-11-25 15:00", True),
    # --- Chinese, prefer future
    ("sun", "3月12日", F, "2027-03-12 09:00", "2027-03-12 09:00", False),
    ("sun", "十二月三日", F, "2026-12-03 09:00", "2026-12-03 09:00", False),
    ("sun", "2026年12月3日", F, "2026-12-03 09:00", "2026-12-03 09:00", False),
    ("sun", "下周三下午3点", F, "2026-11-25 15:00", "2026-11-25 15:00", True),
    ("sun", "下星期三", F, "2026-11-25 09:00", "2026-11-25 09:00", False),
    ("sun", "明天", F, "2026-11-23 09:00", "2026-11-23 09:00", False),
    ("sun", "明天下午", F, "2026-11-23 15:00", "2026-11-23 15:00", True),
    ("sun", "后天上午10点", F, "2026-11-24 10:00", "2026-11-24 10:00", True),
    ("sun", "下周一", F, "2026-11-23 09:00", "2026-11-23 09:00", False),
    ("sun", "3天后", F, "2026-11-25 09:00", "2026-11-25 09:00", False),
    ("sun", "三天后", F, "2026-11-25 09:00", "2026-11-25 09:00", False),
    ("sun", "两周后", F, "2026-12-06 09:00", "2026-12-06 09:00", False),
    ("sun", "下个月5号", F, "2026-12-05 09:00", "2026-12-05 09:00", False),
    ("sun", "12号", F, "2026-12-12 09:00", "2026-12-12 09:00", False),
    ("sun", "本周五", F, "2026-11-27 09:00", "2026-11-27 09:00", False),
    ("sun", "这周五", F, "2026-11-27 09:00", "2026-11-27 09:00", False),
    ("sun", "周五", F, "2026-11-27 09:00", "2026-11-27 09:00", False),
    ("sun", "下下周五", F, "2026-12-04 09:00", "2026-12-04 09:00", False),
    ("sun", "星期天", F, "2026-11-22 09:00", "2026-11-22 09:00", False),  # today, judged by date
    ("sun", "下午3点半", F, "2026-11-23 15:30", "2026-11-22 15:30", True),
    ("sun", "3点一刻", F, "2026-11-23 15:15", "2026-11-22 15:15", True),
    ("sun", "两点", F, "2026-11-23 14:00", "2026-11-22 14:00", True),
    ("sun", "晚上8点", F, "2026-11-22 20:00", "2026-11-22 20:00", True),
    ("sun", "中午1点", F, "2026-11-23 13:00", "2026-11-22 13:00", True),
    ("sun", "晚上12点", F, "2026-11-23 00:00", "2026-11-23 00:00", True),
    ("sun", "今晚", F, "2026-11-22 19:00", "2026-11-22 19:00", True),
    ("sun", "明早", F, "2026-11-23 09:00", "2026-11-23 09:00", True),
    ("sun", "半小时后", F, "2026-11-22 19:00", "2026-11-22 06:00", True),
    ("sun", "月底", F, "2026-11-30 09:00", "2026-11-30 09:00", False),
    ("sun", "2026年11月25日 周三 15:00", F, "2026-11-25 15:00", "2026-11-25 15:00", True),
    # --- prefer past (the interaction time "When": date-only keeps now's clock time)
    ("sun", "today", P, "2026-11-22 18:30", "2026-11-22 05:30", False),
    ("sun", "yesterday", P, "2026-11-21 18:30", "2026-11-21 05:30", False),
    ("sun", "昨天", P, "2026-11-21 18:30", "2026-11-21 05:30", False),
    ("sun", "2 hours ago", P, "2026-11-22 16:30", "2026-11-22 03:30", True),
    ("sun", "3 days ago", P, "2026-11-19 18:30", "2026-11-19 05:30", False),
    ("sun", "3天前", P, "2026-11-19 18:30", "2026-11-19 05:30", False),
    ("sun", "Dec 3", P, "2025-12-03 18:30", "2025-12-03 05:30", False),
    ("sun", "12/3", P, "2025-12-03 18:30", "2025-12-03 05:30", False),
    ("sun", "3pm", P, "2026-11-22 15:00", "2026-11-21 15:00", True),  # not yet 15:00 in New York
    ("sun", "下午3点半", P, "2026-11-22 15:30", "2026-11-21 15:30", True),
    ("sun", "昨天下午3点", P, "2026-11-21 15:00", "2026-11-21 15:00", True),
    ("sun", "wednesday", P, "2026-11-18 18:30", "2026-11-18 05:30", False),
    ("sun", "周五", P, "2026-11-20 18:30", "2026-11-20 05:30", False),
    ("sun", "this morning", P, "2026-11-22 09:00", "2026-11-22 09:00", True),
    ("sun", "last night", P, "2026-11-21 19:00", "2026-11-21 19:00", True),
    ("sun", "now", P, "2026-11-22 18:30", "2026-11-22 05:30", True),
    ("sun", "刚才", P, "2026-11-22 18:30", "2026-11-22 05:30", True),
    ("sun", "12号", P, "2026-11-12 18:30", "2026-11-12 05:30", False),
    ("sun", "tomorrow", P, "2026-11-23 18:30", "2026-11-23 05:30", False),  # the caller rejects it
    # --- the local day differs between the zones (Mon in Shanghai, still Sun in New York)
    ("mon", "next wednesday", F, "2026-12-02 09:00", "2026-11-25 09:00", False),
    ("mon", "下周三", F, "2026-12-02 09:00", "2026-11-25 09:00", False),
    ("mon", "wednesday", F, "2026-11-25 09:00", "2026-11-25 09:00", False),
    ("mon", "this sunday", F, "2026-11-29 09:00", "2026-11-22 09:00", False),
    ("mon", "tomorrow", F, "2026-11-24 09:00", "2026-11-23 09:00", False),
    ("mon", "today", P, "2026-11-23 10:00", "2026-11-22 21:00", False),
    ("mon", "上周五", P, "2026-11-20 10:00", "2026-11-13 21:00", False),
    # --- across the US DST change (New York: EST before 14 Mar 2027, EDT after)
    ("dst", "in 3 days", F, "2027-03-14 09:00", "2027-03-14 09:00", False),
    ("dst", "3天后", P, "2027-03-14 23:00", "2027-03-14 10:00", False),  # same wall clock, 1h less
    ("dst", "in 72 hours", F, "2027-03-14 23:00", "2027-03-14 11:00", True),  # elapsed time
    ("dst", "sunday 2:30am", F, "2027-03-14 02:30", "2027-03-14 03:30", True),  # 02:30 does not exist
    # --- a date-only phrase naming a day already gone this year moves to next year
    ("dec10", "Dec 3", F, "2027-12-03 09:00", "2027-12-03 09:00", False),
    ("dec10", "12月3日", F, "2027-12-03 09:00", "2027-12-03 09:00", False),
    ("dec10", "Dec 10", F, "2026-12-10 09:00", "2026-12-10 09:00", False),
    ("dec10", "Dec 10", P, "2026-12-10 10:00", "2025-12-10 21:00", False),
]


def _expand(cases):
    for now_name, phrase, prefer, sh, ny, has_time in cases:
        for tz, expected in ((SH, sh), (NY, ny)):
            yield pytest.param(
                now_name, phrase, prefer, tz, expected, has_time, id=f"{now_name}-{prefer}-{tz}-{phrase}"
            )


@pytest.mark.parametrize(("now_name", "phrase", "prefer", "tz", "expected", "has_time"), list(_expand(CASES)))
def test_parse_when_table(now_name, phrase, prefer, tz, expected, has_time):
    zone = ZoneInfo(tz)
    result = parse_when(phrase, now=NOWS[now_name], tz=tz, prefer=prefer)
    assert result is not None, phrase
    wanted = datetime.fromisoformat(expected).replace(tzinfo=zone)
    wanted = wanted.astimezone(UTC).astimezone(zone)  # normalise a wall time inside a DST gap
    assert result.when.tzinfo is zone
    assert result.when.replace(second=0, microsecond=0) == wanted
    assert result.when.utcoffset() == wanted.utcoffset()
    assert result.has_time is has_time


def test_table_is_big_enough():
    assert len({phrase for _, phrase, *_ in CASES}) >= 40


def test_dst_offsets_in_new_york():
    now = NOWS["dst"]
    before = parse_when("today 9am", now=now, tz=NY)
    after = parse_when("in 3 days", now=now, tz=NY)
    assert before.when.utcoffset() == timedelta(hours=-5)
    assert after.when.utcoffset() == timedelta(hours=-4)
    assert after.when.astimezone(UTC) == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert parse_when("in 72 hours", now=now, tz=NY).when.astimezone(UTC) == now + timedelta(hours=72)


def test_now_in_any_zone_is_converted_to_tz():
    now_utc = NOWS["sun"]
    for now in (now_utc, now_utc.astimezone(ZoneInfo(NY)), now_utc.astimezone(ZoneInfo("Asia/Kolkata"))):
        assert parse_when("3pm", now=now, tz=SH) == parse_when("3pm", now=now_utc, tz=SH)
        assert parse_when("明天", now=now, tz=SH).when == datetime(2026, 11, 23, 9, tzinfo=ZoneInfo(SH))


def test_default_hour():
    got = parse_when("明天", now=NOWS["sun"], tz=SH, default_hour=14)
    assert got == ParsedDate(datetime(2026, 11, 23, 14, tzinfo=ZoneInfo(SH)), False)
    # an explicit time or part of the day wins over default_hour
    assert parse_when("明天上午", now=NOWS["sun"], tz=SH, default_hour=14).when.hour == 9


def test_today_past_is_exactly_now():
    now = datetime(2026, 11, 22, 10, 30, 17, 123456, tzinfo=UTC)
    assert parse_when("today", now=now, tz=NY, prefer="past").when == now
    assert parse_when("yesterday", now=now, tz=NY, prefer="past").when == now - timedelta(days=1)


def test_inconsistent_weekday_is_rejected():
    assert parse_when("Wed, Dec 2", now=NOWS["sun"], tz=SH) is not None  # 2 Dec 2026 is a Wednesday
    assert parse_when("Thu, Dec 2", now=NOWS["sun"], tz=SH) is None


@pytest.mark.parametrize(
    "phrase",
    [
        "",
        "   ",
        "asdf",
        "hello world",
        "call me maybe",
        "next",
        "下周三开会讨论",
        "你好",
        "Feb 30",
        "2月30日",
        "25:00",
        "3",
        "december",
        "end of week",
        "Thu, Dec 2",
        "x" * (MAX_PHRASE_LENGTH + 1),
        "tomorrow " + " " * MAX_PHRASE_LENGTH,
    ],
)
@pytest.mark.parametrize("tz", [SH, NY])
@pytest.mark.parametrize("prefer", [F, P])
def test_none(phrase, tz, prefer):
    assert parse_when(phrase, now=NOWS["sun"], tz=tz, prefer=prefer) is None


def test_programming_errors_raise():
    with pytest.raises(ValueError):
        parse_when("tomorrow", now=datetime(2026, 11, 22, 10, 30), tz=SH)
    with pytest.raises(ValueError):
        parse_when("tomorrow", now=NOWS["sun"], tz="Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        parse_when("tomorrow", now=NOWS["sun"], tz=SH, default_hour=24)


# --- format_when


@pytest.mark.parametrize(
    ("instant", "tz", "lang", "expected"),
    [
        (datetime(2026, 11, 25, 7, 0, tzinfo=UTC), SH, "en", "Wed 25 Nov 2026, 15:00"),
        (datetime(2026, 11, 25, 7, 0, tzinfo=UTC), SH, "zh-CN", "2026年11月25日 周三 15:00"),
        (datetime(2026, 11, 25, 7, 0, tzinfo=UTC), NY, "en", "Wed 25 Nov 2026, 02:00"),
        (datetime(2026, 11, 25, 7, 0, tzinfo=UTC), NY, "zh-CN", "2026年11月25日 周三 02:00"),
        (datetime(2026, 11, 25, 3, 0, tzinfo=UTC), NY, "en", "Tue 24 Nov 2026, 22:00"),
        (datetime(2026, 11, 25, 3, 0, tzinfo=UTC), NY, "zh-CN", "2026年11月24日 周二 22:00"),
        (datetime(2027, 3, 14, 9, 5, tzinfo=ZoneInfo(NY)), NY, "en", "Sun 14 Mar 2027, 09:05"),
        (datetime(2027, 3, 14, 9, 5, tzinfo=ZoneInfo(NY)), SH, "zh-CN", "2027年3月14日 周日 21:05"),
        (datetime(2026, 12, 3, 7, 0), SH, "en", "Thu 3 Dec 2026, 15:00"),  # naive = UTC
    ],
)
def test_format_when(instant, tz, lang, expected):
    assert format_when(instant, tz=tz, lang=lang) == expected


# --- properties

TZS = st.sampled_from([SH, NY, "UTC", "Europe/London", "Australia/Lord_Howe", "Pacific/Kiritimati"])
NOW_STRATEGY = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
)
VOCABULARY = [
    "next", "last", "this", "in", "ago", "at", "on", "the", "3", "12", "30", "2026", "/", ":", "-", ",",
    "days", "hours", "weeks", "months", "tomorrow", "today", "yesterday", "wed", "friday", "dec", "may",
    "pm", "am", "noon", "morning", "tonight", "下", "上", "周", "星期", "三", "十", "两", "半", "刻",
    "点", "号", "日", "月", "年", "天", "后", "前", "明天", "下午", "晚上", "中午", "个", "小时", "今晚",
    "本", "这", "过", "月底", "周末", "现在", "🙂", " ",
]  # fmt: skip
PHRASES = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=20),
    st.lists(st.sampled_from(VOCABULARY), max_size=8).map(" ".join),
    st.lists(st.sampled_from(VOCABULARY), max_size=8).map("".join),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=PHRASES, now=NOW_STRATEGY, tz=TZS, prefer=st.sampled_from([F, P]))
def test_parse_when_never_raises_and_is_aware_in_tz(text, now, tz, prefer):
    result = parse_when(text, now=now, tz=tz, prefer=prefer)
    if result is not None:
        assert isinstance(result, ParsedDate)
        assert result.when.tzinfo is ZoneInfo(tz)
        assert result.when.utcoffset() is not None
        assert isinstance(result.has_time, bool)


@settings(max_examples=200, deadline=None)
@given(
    instant=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
    ),
    tz=TZS,
    lang=st.sampled_from(["en", "zh-CN"]),
)
def test_format_then_parse_round_trips(instant, tz, lang):
    shown = format_when(instant, tz=tz, lang=lang)
    parsed = parse_when(shown, now=NOWS["sun"], tz=tz)
    assert parsed is not None and parsed.has_time
    assert format_when(parsed.when, tz=tz, lang=lang) == shown


@settings(max_examples=200, deadline=None)
@given(days=st.integers(min_value=0, max_value=400), now=NOW_STRATEGY, tz=TZS)
def test_in_n_days_is_a_calendar_step(days, now, tz):
    zone = ZoneInfo(tz)
    local_today = now.astimezone(zone).date()
    expected_day = local_today + timedelta(days=days)
    for phrase in (f"in {days} days", f"{days}天后"):
        got = parse_when(phrase, now=now, tz=tz)
        assert got is not None and not got.has_time
        assert got.when.date() == expected_day
        assert (got.when.hour, got.when.minute) == (9, 0)
