"""Plain-words dates, English or Chinese, read in the user's time zone and shown back to them.

Pure Python + ``dateparser`` + ``zoneinfo``: no Slack, no database.

``parse_when(text, now=..., tz=..., prefer=...)`` turns what a rep typed ("next Wednesday 3pm",
"in 3 days", "下周三下午3点", "3天后", "12/3") into an aware datetime in the user's zone, or ``None``.
``format_when(dt, tz=..., lang=...)`` shows an instant back ("Wed 25 Nov 2026, 15:00" /
"2026年11月25日 周三 15:00").

How a phrase is read
--------------------
The common phrases are recognised by a small grammar here, because ``dateparser`` gets several of
them wrong (most Chinese, "明天下午", "下周一", …) and cannot tell whether a phrase named a time.
Anything the grammar does not cover entirely is handed to ``dateparser`` as is (PREFER_DATES_FROM
follows ``prefer``, month-day-year order). Everything is evaluated against ``now`` converted to ``tz``;
weeks start on Monday.

Days
  * today/今天, tomorrow/明天, day after tomorrow/后天, 大后天, yesterday/昨天, 前天, 大前天.
  * Weekdays (Monday-start calendar weeks):

    - "next Wednesday", 下周三, 下星期三, 下礼拜三 = the Wednesday of *next calendar week*.
      Said on Monday 23 Nov that is 2 Dec; said on Friday 27 Nov or Sunday 22 Nov it is 2 Dec /
      25 Nov.  (Equivalently: the first Wednesday strictly after today, plus a week if that one is
      still in the current week.)  "Wednesday after next"/下下周三 adds another week.
    - "last Wednesday", 上周三 = the Wednesday of the previous calendar week; 上上周三 one more.
    - "this Wednesday", 这周三, 本周三 = the Wednesday of this week; with prefer="future" a day
      already gone becomes next week's.
    - A bare "Wednesday"/"wed"/周三/星期三 = the nearest Wednesday on the preferred side of today:
      this week's, moved a week later (future) or earlier (past) when it lies on the wrong side.
  * Dates: "Dec 3", "3 December", "December 3rd, 2027", 3月12日, 2027年3月12日, 明年3月5日,
    "2026-12-03", "2026/12/3", 12号/12日 and "the 12th" (day of this month), 下个月5号.
    Numeric "a/b" dates are read month/day (US order) in every language: "12/3" = 3 December;
    "12/3/27" = 3 December 2027.  Without a year, a date on the wrong side of today moves by a year
    (or a month for 12号): with prefer="future" "Dec 3" typed on 10 Dec is 3 Dec next year; with
    prefer="past" "Dec 3" typed on 22 Nov is last year's.  A date with a year never moves.
  * next week/下周 = 7 days from today, next month/下个月 = same day next month (clamped), next
    year/明年 likewise; this/next weekend, 周末, 下周末 = Saturday; end of month/月底 = its last day.
  * Durations: "in 3 days", "3 days ago", "2 weeks from now", "a week later", 3天后, 三天后, 两周后,
    过3天, 3个月后, 3天前.  Day, week, month and year steps are calendar steps in local time (so
    "in 3 days" across a DST change keeps the wall-clock hour); minutes and hours ("in 2 hours",
    半小时后, 2 hours ago) are elapsed time and carry a time.

Times
  * "3pm", "3:30 pm", "15:00", "at 3", "3 o'clock", 3点, 3点半, 3点一刻 (:15), 3点三刻 (:45),
    3点15(分), "noon"/中午 12:00, "midnight" 00:00, "lunch" 12:00, "eod"/"end of day" 17:00.
  * Parts of the day: morning/上午/早上/早晨 09:00, afternoon/下午 15:00, evening/tonight/night/
    晚上 19:00, 傍晚 18:00, 凌晨 06:00 — unless an hour is given: 下午3点 = 15:00, 晚上8点 = 20:00,
    中午1点 = 13:00, 晚上12点 = 00:00 the next day.  "tonight", 今晚, 明早, 明晚, 昨晚 name a day too.
    A part of the day counts as a time (``has_time`` True).
  * An hour from 1 to 6 without am/pm, a part of the day or a leading zero is taken as afternoon,
    since these are business hours: "at 3", "3:30", 3点, 两点 = 15:00, 15:30, 15:00, 14:00;
    "7"…"12" stay as they are ("at 10" = 10:00) and "03:00" is 03:00.
  * A time without a day is today's, moved a day forward (future) or back (past) when it is on the
    wrong side of ``now``: "3pm" at 18:30 with prefer="future" is tomorrow 15:00.
  * "now"/现在/刚才 = ``now``.

Days without a time (``has_time`` False)
  * prefer="future": ``default_hour``:00 local on that day ("明天" = tomorrow 09:00).
  * prefer="past" (the interaction time "When", which defaults to now): the day at the clock time of
    ``now``: "today" = now, "yesterday" = exactly one calendar day ago, "3 days ago" likewise,
    "Dec 3" = 3 Dec at now's clock time.
  * Whether a date-only day is "on the wrong side" is judged by date, not instant, so "today" and
    "Nov 22" typed on 22 Nov stay on 22 Nov (possibly at an hour already gone); "yesterday" with
    prefer="future" is still yesterday — the caller rejects past results.

Other rules
  * A phrase with no date in it, gibberish, an empty string or one over 200 characters gives None;
    so does an impossible date or time ("Feb 30", "25:00").  No ``str`` input ever raises.
  * Not supported (None or whatever ``dateparser`` makes of it): "end of week", "this week", "early
    next week", ranges ("3-5pm", 周三或周四), 差5分3点, "an hour and a half".
  * Results are aware datetimes whose tzinfo is ``ZoneInfo(tz)``; a wall time that does not exist
    because of a DST gap is moved forward by the gap (02:30 → 03:30).
  * ``now`` must be aware and ``tz`` a valid IANA name, otherwise ``ValueError`` (programming error).
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

__all__ = ["MAX_PHRASE_LENGTH", "ParsedDate", "format_when", "parse_when"]

log = logging.getLogger(__name__)

MAX_PHRASE_LENGTH = 200

Prefer = Literal["future", "past"]


@dataclass(frozen=True)
class ParsedDate:
    when: datetime  # aware, in the user's tz
    has_time: bool  # False when the phrase named only a day ("明天", "Dec 3")


# --------------------------------------------------------------------------------------------------
# Public API


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: str,
    prefer: Prefer = "future",
    default_hour: int = 9,
) -> ParsedDate | None:
    """Read ``text`` as a date (and maybe a time) in ``tz``; None if it names no date.

    See the module docstring for every rule.  Never raises for a ``str`` ``text``; raises
    ValueError for a naive ``now``, an unknown ``tz``, a bad ``prefer`` or ``default_hour``.
    """
    zone = _zone(tz)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if prefer not in ("future", "past"):
        raise ValueError(f"prefer must be 'future' or 'past', not {prefer!r}")
    if not 0 <= default_hour <= 23:
        raise ValueError(f"default_hour must be 0..23, not {default_hour!r}")
    if not isinstance(text, str) or len(text) > MAX_PHRASE_LENGTH or not text.strip():
        return None
    ctx = _Context(now=now.astimezone(zone), zone=zone, prefer=prefer, default_hour=default_hour)
    try:
        try:
            return _parse_grammar(text, ctx)
        except _Unparsed:
            return _parse_with_dateparser(text, ctx)
    except _Invalid:
        return None
    except (ValueError, OverflowError):  # dates out of range for Python
        return None
    except Exception:  # a bug here must not break a Slack modal; the rep just sees "not understood"
        log.warning("parse_when failed on %r", text, exc_info=True)
        return None


_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZH_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def format_when(dt: datetime, *, tz: str, lang: str) -> str:
    """``dt`` in ``tz``: en "Wed 25 Nov 2026, 15:00"; zh-CN "2026年11月25日 周三 15:00".

    A naive ``dt`` is taken to be UTC (how databases hand back stored instants).  Any ``lang``
    starting with "zh" is Chinese, anything else English.
    """
    zone = _zone(tz)
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(zone)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if str(lang).lower().startswith("zh"):
        return f"{local.year}年{local.month}月{local.day}日 {_ZH_WEEKDAYS[local.weekday()]} {clock}"
    return f"{_EN_WEEKDAYS[local.weekday()]} {local.day} {_EN_MONTHS[local.month - 1]} {local.year}, {clock}"


_IANA_NAME = re.compile(r"^(?:[A-Z][A-Za-z_+-]*/[A-Za-z0-9_+/-]+|UTC)$")


def zone_label(tz: str, at: datetime) -> str:
    """How a time zone is printed: its IANA name ("Asia/Shanghai"), else its UTC offset at ``at``
    ("UTC+08:00"); never an abbreviation such as "CST" (China, or US Central?). Legacy names that
    are abbreviations ("EST", "CST6CDT", "PRC") are printed as the offset."""
    if _IANA_NAME.match(tz) and not tz.startswith("Etc/"):
        return tz
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    offset = at.astimezone(_zone(tz)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --------------------------------------------------------------------------------------------------
# Plumbing


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


class _Unparsed(Exception):
    """The grammar does not cover the whole phrase: let dateparser try."""


class _Invalid(Exception):
    """The phrase was understood but names no real date or time ("Feb 30", "25:00")."""


@dataclass(frozen=True)
class _Context:
    now: datetime  # aware, in zone
    zone: ZoneInfo
    prefer: Prefer
    default_hour: int

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def direction(self) -> int:
        return 1 if self.prefer == "future" else -1


@dataclass(frozen=True)
class _DateSpec:
    """Candidate days: ``candidate(0)`` is the first choice, ``candidate(±k)`` moves k steps.

    shift: "none" (never move), "both" (move toward the preferred side), "future" (move forward only
    when prefer="future").  ``candidate`` returns None for an impossible day (Feb 29 in 2027).
    """

    candidate: Callable[[int], date | None]
    shift: Literal["none", "both", "future"] = "none"


@dataclass(frozen=True)
class _Time:
    hour: int  # 0..24 (24 only as 24:00 = next day 00:00)
    minute: int = 0


def _fixed(d: date) -> _DateSpec:
    return _DateSpec(lambda _k: d)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_of(d: date, months: int) -> tuple[int, int]:
    year, month = divmod(d.year * 12 + (d.month - 1) + months, 12)
    return year, month + 1


def _localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone``; a wall time inside a DST gap is pushed forward by the gap."""
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


# --------------------------------------------------------------------------------------------------
# Normalisation

_TRADITIONAL = str.maketrans(
    {
        "點": "点",
        "時": "时",
        "後": "后",
        "個": "个",
        "號": "号",
        "週": "周",
        "禮": "礼",
        "鐘": "钟",
        "兩": "两",
        "這": "这",
        "過": "过",
        "間": "间",
        "頭": "头",
        "晝": "昼",
        "剛": "刚",
        "現": "现",
    }
)
_CJK = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_CJK_THEN_ASCII = re.compile(rf"([{_CJK}])([0-9a-z@])")
_ASCII_THEN_CJK = re.compile(rf"([0-9a-z])([{_CJK}])")
_ZH_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+")
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _zh_number(token: str) -> int:
    if "十" not in token and "百" not in token:  # 二〇二六 → 2026, 三 → 3
        return int("".join(str(_ZH_DIGITS[c]) for c in token))
    total = 0
    rest = token
    for unit_char, unit in (("百", 100), ("十", 10)):
        if unit_char in rest:
            head, rest = rest.split(unit_char, 1)
            head = head.lstrip("零〇")
            total += (int("".join(str(_ZH_DIGITS[c]) for c in head)) if head else 1) * unit
    rest = rest.lstrip("零〇")
    if rest:
        total += int("".join(str(_ZH_DIGITS[c]) for c in rest))
    return total


def _zh_numeral_to_digits(match: re.Match[str]) -> str:
    try:
        return f" {_zh_number(match.group())} "
    except (KeyError, ValueError):  # 十十, 百十百 …: leave it, the grammar will not match it
        return match.group()


def _normalize(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL).lower()
    s = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", s)  # a.m. / p.m.
    s = re.sub(r"(\d)t(\d{1,2}:\d{2})", r"\1 \2", s)  # ISO 2026-12-03T14:00
    s = s.replace("’", "'")
    s = _CJK_THEN_ASCII.sub(r"\1 \2", s)
    s = _ASCII_THEN_CJK.sub(r"\1 \2", s)
    s = _ZH_NUMERAL.sub(_zh_numeral_to_digits, s)
    return re.sub(r"\s+", " ", s).strip()


# --------------------------------------------------------------------------------------------------
# The grammar


class _Scanner:
    """Holds what is left of the phrase; ``take`` removes the first match of a pattern."""

    def __init__(self, s: str) -> None:
        self.s = s

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        m = pattern.search(self.s)
        if m:
            self.s = f"{self.s[: m.start()]} {self.s[m.end() :]}"
        return m


_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "few": 3,
}  # fmt: skip
_EN_NUM = (
    r"\d{1,6}|half\s+an?|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|an?|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|eleven|twelve"
)
_EN_UNIT = r"minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|y"
_EN_DURATION_IN = re.compile(rf"\b(?:in|after)\s+(?P<n>{_EN_NUM})\s*(?P<u>{_EN_UNIT})\b(?:\s+from\s+now\b)?")
_EN_DURATION_REL = re.compile(
    rf"\b(?P<n>{_EN_NUM})\s*(?P<u>{_EN_UNIT})\s+"
    r"(?P<dir>ago|earlier|back|from\s+now|from\s+today|later|hence)\b"
)
_ZH_UNIT = r"分钟|分|小时|钟头|天|日|周|星期|礼拜|月|年"
_ZH_AMOUNT = rf"(?P<n>\d{{1,6}}|半)\s*(?P<half>个半)?\s*个?\s*(?P<u>{_ZH_UNIT})"
_ZH_DURATION_DIR = re.compile(rf"(?:(?:再\s*)?过\s*)?{_ZH_AMOUNT}\s*(?P<dir>以后|之后|过后|后|以前|之前|前)")
_ZH_DURATION_PRE = re.compile(rf"(?:再\s*)?过\s*{_ZH_AMOUNT}")

_EN_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_EN_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR_TAIL = r"(?:\s*,?\s*(?P<y>\d{4})(?![\d:]))?"
_EN_MONTH_DAY = re.compile(rf"\b(?P<m>{_EN_MONTH})\b\.?\s*(?P<d>\d{{1,2}}){_ORD}(?![\d:])\b{_YEAR_TAIL}")
_EN_DAY_MONTH = re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s*(?:of\s+)?(?P<m>{_EN_MONTH})\b\.?{_YEAR_TAIL}")
_ISO_DATE = re.compile(r"\b(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b")
_US_DATE = re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?\b(?!/)")
_ZH_YEAR_DATE = re.compile(
    r"(?:(?P<y>\d{4})\s*年|(?P<rel>今|明|去|前|后)\s*年)\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"
)
_ZH_MONTH_DATE = re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?")
_ZH_REL_MONTH_DAY = re.compile(r"(?P<rel>下|上|这|本)\s*个?\s*月\s*(?P<d>\d{1,2})\s*[日号]?")

_EXACT_AMPM = re.compile(r"(?<![\d:/])\b(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?\s*(?P<ap>am|pm)\b")
_EXACT_CLOCK = re.compile(r"(?<![\d:/.])\b(?P<h>\d{1,2}):(?P<mi>\d{2})\b(?![:/])")
_EXACT_AT = re.compile(r"(?:\bat|@)\s*(?P<h>\d{1,2})(?![\d:/.])\b(?!\s*(?:st|nd|rd|th)\b)")
_EXACT_OCLOCK = re.compile(r"\b(?P<h>\d{1,2})\s*o'?\s*clock\b")
_ZH_CLOCK = re.compile(
    r"(?P<h>\d{1,2})\s*[点时](?:\s*钟)?"
    r"(?:\s*(?:(?P<half>半)|(?P<zheng>整)|(?P<q>\d)\s*刻|(?P<mi>\d{1,2})\s*(?:分钟|分)?"
    r"(?!\s*(?:[号日月天周年个后前]|小时|\d))))?"
)
_EXACT_WORDS = re.compile(
    r"\b(?P<w>noon|midday|midnight|lunch\s*time|lunch|eod|end\s+of\s+(?:the\s+)?(?:business\s+)?day|cob"
    r"|close\s+of\s+business)\b"
)
_EXACT_WORD_TIMES = {
    "noon": 12, "midday": 12, "midnight": 0, "lunch": 12, "eod": 17, "end": 17, "cob": 17, "close": 17,
}  # fmt: skip

# Parts of the day: default hour and how a bare hour 1..12 is moved.
_PERIOD_DEFAULTS = {"morning": 9, "dawn": 6, "noon": 12, "afternoon": 15, "dusk": 18, "evening": 19}
_EN_PERIOD = re.compile(r"\b(?:in\s+the\s+)?(?P<p>morning|afternoon|evening|night)\b")
_ZH_PERIOD = re.compile(r"凌晨|清晨|早上|早晨|上午|中午|午间|下午|午后|傍晚|晚上|晚间|夜里|夜间")
_ZH_PERIOD_NAMES = {
    "凌晨": "dawn", "清晨": "morning", "早上": "morning", "早晨": "morning", "上午": "morning",
    "中午": "noon", "午间": "noon", "下午": "afternoon", "午后": "afternoon", "傍晚": "dusk",
    "晚上": "evening", "晚间": "evening", "夜里": "evening", "夜间": "evening",
}  # fmt: skip
_EN_DAY_PERIOD = re.compile(
    r"\b(?:(?P<this>this)\s+(?P<p>morning|afternoon|evening)|(?P<tonight>tonight|tonite)|(?P<last>last)\s+night)\b"
)
_ZH_DAY_PERIOD = re.compile(r"(?P<d>今|明|昨)\s*(?P<p>早上|早晨|晚上|早|晨|晚|夜里|夜)")

_EN_WEEKDAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_EN_WEEKDAY = (
    r"monday|mon|tuesday|tues|tue|wednesday|weds|wed|thursday|thurs|thur|thu|friday|fri|saturday|sat"
    r"|sunday|sun"
)
_EN_WEEKDAY_REL = re.compile(
    rf"\b(?:(?P<pre>this|next|last|coming|previous|past)\s+(?:week(?:'s)?\s+)?(?:on\s+)?)?(?P<wd>{_EN_WEEKDAY})\b\.?"
    r"(?:\s+(?P<post>after\s+next|next\s+week|this\s+week|last\s+week))?"
)
_ZH_WEEKDAY = re.compile(
    r"(?P<pre>下下\s*个?|下\s*个?|上上\s*个?|上\s*个?|这\s*个?|本|今)?\s*(?:周|星期|礼拜)\s*(?P<wd>[1-7]|日|天)(?!\d)"
)
_ZH_WEEKEND = re.compile(r"(?P<pre>下下\s*个?|下\s*个?|上\s*个?|这\s*个?|本)?\s*(?:周末|礼拜末)")
_EN_WEEKEND = re.compile(r"\b(?:(?P<pre>this|next|last|coming)\s+)?weekend\b")
_EN_REL_DAY = re.compile(
    r"\b(?:(?:the\s+)?day\s+after\s+(?P<dat>tomorrow)|(?:the\s+)?day\s+before\s+(?P<dby>yesterday)"
    r"|(?P<w>today|tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|yesterday))\b"
)
_ZH_REL_DAY = re.compile(r"大后天|后天|明天|明日|今天|今日|大前天|前天|昨天|昨日")
_ZH_REL_DAYS = {
    "大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0,
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1,
}  # fmt: skip
_EN_REL_DAYS = {"today": 0, "yesterday": -1}
_EN_REL_PERIOD = re.compile(r"\b(?P<pre>next|last)\s+(?P<u>week|month|year)\b")
_EN_END_OF_MONTH = re.compile(r"\b(?:end\s+of\s+(?:the\s+)?(?P<next>next\s+)?month|eom)\b")
_ZH_END_OF_MONTH = re.compile(r"(?P<pre>下\s*个?|这\s*个?|本)?\s*月\s*(?:底|末)")
_ZH_REL_WEEK = re.compile(r"(?P<pre>下下\s*个?|下\s*个?|上上\s*个?|上\s*个?)\s*(?:周|星期|礼拜)")
_ZH_REL_MONTH = re.compile(r"(?P<pre>下\s*个?|上\s*个?)\s*月")
_ZH_REL_YEAR = re.compile(r"(?P<pre>明|去|后|前)\s*年")
_ZH_DAY_OF_MONTH = re.compile(r"(?<![\d月])(?P<d>\d{1,2})\s*[号日]")
_EN_DAY_OF_MONTH = re.compile(r"\b(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)\b")
_BARE_WEEKDAY = re.compile(
    rf"\b(?P<en>{_EN_WEEKDAY})\b\.?|(?<![下上这本今个])\s*(?:周|星期|礼拜)\s*(?P<zh>[1-7]|日|天)(?!\d)"
)
_NOW = re.compile(r"\b(?:right\s+|just\s+)?now\b|现在|刚才|刚刚|此刻")

_FILLER = re.compile(
    r"\b(?:on|at|by|around|about|approx|approximately|the|of|in|and|for|sometime)\b|[@,.;:!?、，。~()\-–—/'\"]"
    r"|在|于|的|左右|大概|大约|约|钟"
)


def _en_number(token: str) -> int | None:
    token = re.sub(r"\s+", " ", token)
    if token.isdigit():
        return int(token)
    if token.startswith("half"):
        return None
    return _EN_NUMBERS[token.replace("a ", "").replace(" of", "").strip()]


_Placer = Callable[[_Time | None], datetime]


def _take_duration(sc: _Scanner, ctx: _Context) -> tuple[_Placer, bool] | None:
    """A duration from now: (function placing an optional time on the result, is elapsed time)."""
    m = sc.take(_EN_DURATION_IN)
    sign = 1
    if not m:
        m = sc.take(_EN_DURATION_REL)
        if m:
            sign = -1 if m["dir"] in ("ago", "earlier", "back") else 1
    if m:
        unit = {"min": "minute", "h": "hour", "hr": "hour", "hou": "hour", "d": "day", "day": "day", "w": "week",
                "wk": "week", "wee": "week", "mo": "month", "mon": "month", "y": "year", "yr": "year",
                "yea": "year"}[m["u"][:3].rstrip("s")]  # fmt: skip
        number = _en_number(m["n"])
        if number is None:  # half an hour
            if unit != "hour":
                raise _Invalid
            return _elapsed(ctx, sign * timedelta(minutes=30)), True
        return _step(ctx, unit, sign * number)

    m = sc.take(_ZH_DURATION_DIR) or sc.take(_ZH_DURATION_PRE)
    if m:
        sign = -1 if m.groupdict().get("dir", "后").endswith("前") else 1
        unit = {"分钟": "minute", "分": "minute", "小时": "hour", "钟头": "hour", "天": "day", "日": "day",
                "周": "week", "星期": "week", "礼拜": "week", "月": "month", "年": "year"}[m["u"]]  # fmt: skip
        if m["n"] == "半" or m["half"]:
            if unit != "hour":
                raise _Invalid
            minutes = 30 if m["n"] == "半" else int(m["n"]) * 60 + 30
            return _elapsed(ctx, sign * timedelta(minutes=minutes)), True
        return _step(ctx, unit, sign * int(m["n"]))
    return None


def _elapsed(ctx: _Context, delta: timedelta) -> _Placer:
    def place(time: _Time | None) -> datetime:
        if time is not None:  # "in 2 hours at 3pm"
            raise _Invalid
        return (ctx.now.astimezone(UTC) + delta).astimezone(ctx.zone)

    return place


def _step(ctx: _Context, unit: str, n: int) -> tuple[_Placer, bool]:
    if unit in ("minute", "hour"):
        return _elapsed(ctx, timedelta(minutes=n) if unit == "minute" else timedelta(hours=n)), True
    if unit == "day":
        day = ctx.today + timedelta(days=n)
    elif unit == "week":
        day = ctx.today + timedelta(weeks=n)
    else:
        day = ctx.today + relativedelta(months=n if unit == "month" else 12 * n)
    return (lambda time: _place(day, time, ctx)), False


def _take_explicit_date(sc: _Scanner, ctx: _Context) -> _DateSpec | None:
    today = ctx.today
    if m := sc.take(_ISO_DATE):
        return _fixed_or_invalid(int(m["y"]), int(m["m"]), int(m["d"]))
    if m := sc.take(_ZH_YEAR_DATE):
        year = (
            int(m["y"]) if m["y"] else today.year + {"今": 0, "明": 1, "去": -1, "前": -2, "后": 2}[m["rel"]]
        )
        return _fixed_or_invalid(year, int(m["m"]), int(m["d"]))
    if m := sc.take(_ZH_REL_MONTH_DAY):
        year, month = _month_of(today, {"下": 1, "上": -1, "这": 0, "本": 0}[m["rel"]])
        return _fixed_or_invalid(year, month, int(m["d"]))
    for pattern in (_US_DATE, _EN_MONTH_DAY, _EN_DAY_MONTH, _ZH_MONTH_DATE):
        if m := sc.take(pattern):
            month_text = m["m"]
            month = int(month_text) if month_text.isdigit() else _EN_MONTH_NAMES[month_text[:3]]
            day = int(m["d"])
            if pattern is _US_DATE and month > 12 >= day:  # 25/12 can only be day/month
                month, day = day, month
            year_text = m.groupdict().get("y")
            if year_text:
                year = int(year_text) + (2000 if len(year_text) == 2 else 0)
                return _fixed_or_invalid(year, month, day)
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise _Invalid
            def this_date(k: int, month: int = month, day: int = day) -> date | None:
                return _safe_date(today.year + k, month, day)

            return _DateSpec(this_date, "both")
    return None


def _fixed_or_invalid(year: int, month: int, day: int) -> _DateSpec:
    d = _safe_date(year, month, day)
    if d is None:
        raise _Invalid
    return _fixed(d)


def _take_time(sc: _Scanner) -> tuple[int, int, str] | None:
    """An explicit clock time: (hour, minute, how) with how in {"ampm", "24h", "bare"}."""
    if m := sc.take(_EXACT_AMPM):
        hour, minute = int(m["h"]), int(m["mi"] or 0)
        if not 1 <= hour <= 12:  # "0am", "15pm": sloppy but clear
            return hour, minute, "24h"
        hour = hour % 12 + (12 if m["ap"] == "pm" else 0)
        return hour, minute, "ampm"
    if m := sc.take(_EXACT_CLOCK):
        return int(m["h"]), int(m["mi"]), "24h" if m["h"].startswith("0") or int(m["h"]) > 12 else "bare"
    if m := sc.take(_ZH_CLOCK):
        if m["half"]:
            minute = 30
        elif m["q"]:
            minute = 15 * int(m["q"])
        else:
            minute = int(m["mi"] or 0)
        return int(m["h"]), minute, "24h" if m["h"].startswith("0") or int(m["h"]) > 12 else "bare"
    for pattern in (_EXACT_AT, _EXACT_OCLOCK):
        if m := sc.take(pattern):
            return int(m["h"]), 0, "24h" if m["h"].startswith("0") or int(m["h"]) > 12 else "bare"
    if m := sc.take(_EXACT_WORDS):
        return _EXACT_WORD_TIMES[m["w"].split()[0].replace("lunchtime", "lunch")], 0, "24h"
    return None


def _make_time(clock: tuple[int, int, str] | None, period: str | None) -> _Time | None:
    if clock is None:
        return None if period is None else _Time(_PERIOD_DEFAULTS[period])
    hour, minute, how = clock
    if how == "bare" and period is not None:
        if period in ("afternoon", "dusk", "evening") and 1 <= hour <= 11:
            hour += 12
        elif period == "evening" and hour == 12:
            hour = 24  # 晚上12点: the midnight ending that day
        elif period == "noon" and 1 <= hour <= 5:
            hour += 12
        elif period == "dawn" and hour == 12:
            hour = 0
    elif how == "bare" and 1 <= hour <= 6:
        hour += 12  # business hours: "at 3" is 15:00
    if not (0 <= hour <= 23 or (hour == 24 and minute == 0)) or not 0 <= minute <= 59:
        raise _Invalid
    return _Time(hour, minute)


def _take_day_period(sc: _Scanner, ctx: _Context) -> tuple[_DateSpec, str] | None:
    """Words naming a day and a part of it: tonight, this morning, last night, 今晚, 明早."""
    today = ctx.today
    if m := sc.take(_EN_DAY_PERIOD):
        if m["tonight"]:
            return _fixed(today), "evening"
        if m["last"]:
            return _fixed(today - timedelta(days=1)), "evening"
        return _fixed(today), m["p"]
    if m := sc.take(_ZH_DAY_PERIOD):
        offset = {"今": 0, "明": 1, "昨": -1}[m["d"]]
        return _fixed(today + timedelta(days=offset)), "morning" if m["p"][0] in "早晨" else "evening"
    return None


def _take_period(sc: _Scanner) -> str | None:
    if m := sc.take(_EN_PERIOD):
        return "evening" if m["p"] == "night" else m["p"]
    if m := sc.take(_ZH_PERIOD):
        return _ZH_PERIOD_NAMES[m.group()]
    return None


def _weekday_spec(ctx: _Context, weekday: int, mode: str, weeks: int = 0) -> _DateSpec:
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    day = monday + timedelta(days=weekday, weeks=weeks)
    if mode == "bare":
        return _DateSpec(lambda k: day + timedelta(weeks=k), "both")
    if mode == "this":
        return _DateSpec(lambda k: day + timedelta(weeks=k), "future")
    return _fixed(day)


def _zh_weekday(token: str) -> int:
    return 6 if token in ("日", "天", "7") else int(token) - 1


_ZH_PREFIX_WEEKS = {"下下": 2, "下": 1, "上上": -2, "上": -1}


def _zh_prefix(pre: str | None) -> str | None:
    return None if pre is None else re.sub(r"[\s个]", "", pre)


def _take_relative_date(sc: _Scanner, ctx: _Context) -> _DateSpec | None:
    today = ctx.today
    if m := sc.take(_EN_REL_DAY):
        if m["dat"]:
            return _fixed(today + timedelta(days=2))
        if m["dby"]:
            return _fixed(today - timedelta(days=2))
        return _fixed(today + timedelta(days=_EN_REL_DAYS.get(m["w"], 1)))
    if m := sc.take(_ZH_REL_DAY):
        return _fixed(today + timedelta(days=_ZH_REL_DAYS[m.group()]))
    if m := sc.take(_EN_WEEKDAY_REL):
        weekday = _EN_WEEKDAY_NAMES[m["wd"][:3]]
        pre, post = m["pre"], (m["post"] or "").split()
        if pre and post:
            raise _Unparsed
        if pre in ("next",) or post[:2] == ["next", "week"]:
            return _weekday_spec(ctx, weekday, "fixed", 1)
        if post[:1] == ["after"]:
            return _weekday_spec(ctx, weekday, "fixed", 2)
        if pre in ("last", "previous", "past") or post[:1] == ["last"]:
            return _weekday_spec(ctx, weekday, "fixed", -1)
        if pre == "this" or post[:1] == ["this"]:
            return _weekday_spec(ctx, weekday, "this")
        return _weekday_spec(ctx, weekday, "bare")
    if m := sc.take(_ZH_WEEKDAY):
        weekday = _zh_weekday(m["wd"])
        pre = _zh_prefix(m["pre"])
        if pre in _ZH_PREFIX_WEEKS:
            return _weekday_spec(ctx, weekday, "fixed", _ZH_PREFIX_WEEKS[pre])
        return _weekday_spec(ctx, weekday, "bare" if pre is None else "this")
    if m := sc.take(_ZH_WEEKEND):
        pre = _zh_prefix(m["pre"])
        if pre in _ZH_PREFIX_WEEKS:
            return _weekday_spec(ctx, 5, "fixed", _ZH_PREFIX_WEEKS[pre])
        return _weekday_spec(ctx, 5, "this")
    if m := sc.take(_EN_WEEKEND):
        if m["pre"] in ("next", "last"):
            return _weekday_spec(ctx, 5, "fixed", 1 if m["pre"] == "next" else -1)
        return _weekday_spec(ctx, 5, "this")
    if m := sc.take(_EN_END_OF_MONTH):
        return _fixed(_end_of_month(today, 1 if m["next"] else 0))
    if m := sc.take(_ZH_END_OF_MONTH):
        return _fixed(_end_of_month(today, 1 if _zh_prefix(m["pre"]) == "下" else 0))
    if m := sc.take(_EN_REL_PERIOD):
        sign = 1 if m["pre"] == "next" else -1
        if m["u"] == "week":
            return _fixed(today + timedelta(weeks=sign))
        return _fixed(today + relativedelta(months=sign * (1 if m["u"] == "month" else 12)))
    if m := sc.take(_ZH_REL_WEEK):
        return _fixed(today + timedelta(weeks=_ZH_PREFIX_WEEKS[_zh_prefix(m["pre"]) or ""]))
    if m := sc.take(_ZH_REL_MONTH):
        return _fixed(today + relativedelta(months=1 if _zh_prefix(m["pre"]) == "下" else -1))
    if m := sc.take(_ZH_REL_YEAR):
        return _fixed(today + relativedelta(years={"明": 1, "后": 2, "去": -1, "前": -2}[m["pre"]]))
    return None


def _end_of_month(today: date, months: int) -> date:
    year, month = _month_of(today, months)
    return date(year, month, calendar.monthrange(year, month)[1])


def _take_day_of_month(sc: _Scanner, ctx: _Context) -> _DateSpec | None:
    m = sc.take(_ZH_DAY_OF_MONTH) or sc.take(_EN_DAY_OF_MONTH)
    if not m:
        return None
    day = int(m["d"])
    if not 1 <= day <= 31:
        raise _Invalid

    def candidate(k: int) -> date | None:
        year, month = _month_of(ctx.today, k)
        return _safe_date(year, month, day)

    return _DateSpec(candidate, "both")


def _place(day: date, time: _Time | None, ctx: _Context) -> datetime:
    """``day`` at ``time``, or at the date-only time: default_hour (future) / now's clock (past)."""
    if time is None:
        if ctx.prefer == "future":
            naive = datetime(day.year, day.month, day.day, ctx.default_hour)
        else:
            naive = datetime.combine(day, ctx.now.time().replace(tzinfo=None))
    else:
        naive = datetime(day.year, day.month, day.day) + timedelta(hours=time.hour, minutes=time.minute)
    return _localize(naive, ctx.zone)


def _resolve(spec: _DateSpec, time: _Time | None, ctx: _Context) -> datetime:
    movable = spec.shift == "both" or (spec.shift == "future" and ctx.prefer == "future")
    k = 0
    for _ in range(12):
        day = spec.candidate(k)
        if day is not None:
            when = _place(day, time, ctx)
            if time is None:
                wrong_side = day < ctx.today if ctx.prefer == "future" else day > ctx.today
            else:
                wrong_side = when < ctx.now if ctx.prefer == "future" else when > ctx.now
            if not (movable and wrong_side):
                return when
        elif not movable:
            raise _Invalid
        k += ctx.direction
    raise _Invalid


def _parse_grammar(text: str, ctx: _Context) -> ParsedDate:
    sc = _Scanner(_normalize(text))
    duration = _take_duration(sc, ctx)
    spec: _DateSpec | None = None
    period: str | None = None
    if day_period := _take_day_period(sc, ctx):
        spec, period = day_period
    checked_weekday: int | None = None
    if spec is None:
        spec = _take_explicit_date(sc, ctx)
        if spec is not None and (m := sc.take(_BARE_WEEKDAY)):  # "Wed 25 Nov", "11月25日 周三"
            checked_weekday = _EN_WEEKDAY_NAMES[m["en"][:3]] if m["en"] else _zh_weekday(m["zh"])
    clock = _take_time(sc)
    if period is None:
        period = _take_period(sc)
    if spec is None:
        spec = _take_relative_date(sc, ctx)
    if spec is None:
        spec = _take_day_of_month(sc, ctx)
    is_now = sc.take(_NOW) is not None
    if _FILLER.sub(" ", sc.s).strip():
        raise _Unparsed  # words we do not understand: let dateparser have a go at the whole phrase
    time = _make_time(clock, period)

    if is_now:
        if duration or spec or time:
            raise _Unparsed
        return ParsedDate(ctx.now, True)
    if duration is not None:
        if spec is not None:
            raise _Unparsed
        place, elapsed = duration
        return ParsedDate(place(time), elapsed or time is not None)
    if spec is None:
        if time is None:
            raise _Unparsed
        today = ctx.today
        spec = _DateSpec(lambda k: today + timedelta(days=k), "both")
    when = _resolve(spec, time, ctx)
    if checked_weekday is not None and when.weekday() != checked_weekday:
        raise _Invalid  # "Thu, Dec 2" when 2 Dec is a Wednesday
    return ParsedDate(when, time is not None)


# --------------------------------------------------------------------------------------------------
# Fallback: dateparser for what the grammar does not cover

_CJK_CHAR = re.compile(f"[{_CJK}]")


def _parse_with_dateparser(text: str, ctx: _Context) -> ParsedDate | None:
    from dateparser.date import DateDataParser  # imported lazily: it takes a while to load

    phrase = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"[\d\s]+", phrase):  # "3", "2026": dateparser would make a month or year of it
        return None
    settings = {
        "RELATIVE_BASE": ctx.now.replace(tzinfo=None),
        "TIMEZONE": ctx.zone.key,
        "TO_TIMEZONE": ctx.zone.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": ctx.prefer,
        "DATE_ORDER": "MDY",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_TIME_AS_PERIOD": True,
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }
    languages = ["zh", "en"] if _CJK_CHAR.search(phrase) else ["en"]
    try:
        parser = DateDataParser(languages=languages, settings=settings)
        data = parser.get_date_data(phrase)
    except Exception:  # dateparser has raised on odd input before (regex, overflow, …)
        log.debug("dateparser failed on %r", phrase, exc_info=True)
        return None
    found = data.date_obj if data else None
    if found is None:
        return None
    if found.tzinfo is None:
        found = _localize(found, ctx.zone)
    found = found.astimezone(ctx.zone)
    if data.period == "time":
        return ParsedDate(found, True)
    if data.period != "day":  # "December", "this week", "2027": no day named
        return None
    return ParsedDate(_place(found.date(), None, ctx), False)
