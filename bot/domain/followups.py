"""Rules of a follow-up record (DOMAIN §4, §7) and of quick entry: pure, no Slack, no database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.dates import ParsedDate, parse_when

METHODS = ("phone", "visit", "email", "meeting", "im", "other")
STAGES = ("initial_contact", "needs_analysis", "proposal", "negotiation", "closing", "after_sales")
# Fields that belong to a stage (DOMAIN §7: optional per stage).
STAGE_FIELDS = {
    "needs_analysis": ("budget_range", "decision_makers"),
    "proposal": ("proposal_version", "objection", "objection_answer"),
    "negotiation": ("proposal_version", "objection", "objection_answer"),
    "closing": ("payment_delay_days",),
    "after_sales": ("payment_delay_days",),
}
# Lifecycle (DOMAIN §4) in funnel order; paused and churned are off the line.
STATUSES = ("lead", "interested", "needs_confirmed", "negotiating", "intent_confirmed", "won", "maintaining",
            "churned")
STAGE_STATUS = {
    "initial_contact": "interested",
    "needs_analysis": "needs_confirmed",
    "proposal": "negotiating",
    "negotiation": "negotiating",
    "closing": "intent_confirmed",
    "after_sales": "maintaining",
}
# Longest text per field of the Log follow-up form (and of quick entry's notes).
TEXT_LIMITS = {"notes": 3000, "feedback": 3000, "next_step": 500, "budget_range": 100, "decision_makers": 500,
               "proposal_version": 40, "objection": 2000, "objection_answer": 2000, "when": 100,
               "next_step_date": 100, "payment_delay_days": 5}
MAX_PAYMENT_DELAY_DAYS = 3650
NUMBER_PATTERN = re.compile(r"^[A-Za-z]{1,6}[-_]?[A-Za-z0-9]*\d{3,}(?:-\d+)?$|^[A-Z]{1,4}(?:-[A-Z0-9]{1,6}){1,3}-\d{3,}$")


def status_after(current: str, stage: str | None) -> str | None:
    """The status a follow-up in ``stage`` moves the customer to, or None to leave it.

    Status only moves forward along the funnel: a needs-analysis call with a customer already
    negotiating does not send them back. After-sales applies only to won customers.
    """
    target = STAGE_STATUS.get(stage or "")
    if target is None or current not in STATUSES or current == "churned":
        return None
    if target == "maintaining" and current not in ("won", "maintaining"):
        return None
    if target != "maintaining" and STATUSES.index(current) >= STATUSES.index("won"):
        return None
    return target if STATUSES.index(target) > STATUSES.index(current) else None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fold(text: str) -> str:
    """Case- and width-insensitive form used for search (ＡＣＭＥ = acme), without control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", text).casefold()).strip()


def search_text(*, number: str, company: str, contacts: list[str]) -> str:
    """What type-ahead and find match against: number, company and contact names, folded.

    Fields are separated by a unit separator so a query can be matched at a field's start.
    """
    return "\x1f" + "\x1f".join(fold(part) for part in [number, company, *contacts] if part)


def parse_whole_days(text: str, *, maximum: int = MAX_PAYMENT_DELAY_DAYS) -> int | None:
    """Days typed by a user (a payment delay): a whole number from 0 to ``maximum``, else None.

    Decimal digits of any script are read as ``int`` reads them ("15", full-width "１５"); "²" and
    "①" pass ``str.isdigit`` but are no number ``int`` can read, so ``isdecimal`` is the test, and
    the length is bounded before ``int`` is called.
    """
    text = text.strip()
    if not text.isdecimal() or len(text) > 10:
        return None
    days = int(text)
    return days if days <= maximum else None


def looks_like_number(token: str) -> bool:
    return bool(NUMBER_PATTERN.match(token)) and any(ch.isdigit() for ch in token)


# Quick entry ---------------------------------------------------------------------------------------

# What makes `/followup <text>` a note rather than only a customer's name.
ENTRY_MARKERS = re.compile(r"[;；]|next\s*(step)?\s*[:：]|下一步|via\s|通过", re.IGNORECASE)


def read_followup_text(text: str) -> tuple[str, str]:
    """How `/followup <text>` reads once no subcommand matched: ``("empty", "")`` opens the modal;
    ``("reference", text)`` names a customer, nothing more; ``("number", rest)`` is a customer
    number then maybe a note; ``("entry", text)`` is a customer's name followed by a note."""
    words = text.split()
    if not words:
        return "empty", ""
    if looks_like_number(words[0]):
        return "number", text[len(words[0]):].strip()
    if ENTRY_MARKERS.search(text):
        return "entry", text
    return "reference", text


_NEXT = re.compile(r"^\s*(?:next(?:\s*step)?|下一步|下步|下次)\s*[:：]\s*", re.IGNORECASE)
_VIA = re.compile(
    r"(?:^|\s)(?:via|by)\s+(phone|call|visit|email|e-mail|mail|meeting|online meeting|zoom|im|wechat|chat|other)\b"
    r"|(?:通过|方式[:：]?)\s*(电话|拜访|上门|面谈|邮件|邮箱|线上会议|视频会议|微信|即时消息|其他)",
    re.IGNORECASE,
)
# A method's words in free text (lower case): quick entry's "via …" / "通过…", and an imported
# interaction history entry (bot.domain.spreadsheet.method_in_text).
METHOD_BY_WORD = {
    "phone": "phone", "call": "phone", "visit": "visit", "email": "email", "e-mail": "email", "mail": "email",
    "meeting": "meeting", "online meeting": "meeting", "zoom": "meeting", "im": "im", "wechat": "im", "chat": "im",
    "other": "other", "电话": "phone", "致电": "phone", "来电": "phone", "拜访": "visit", "上门": "visit",
    "面谈": "visit", "邮件": "email", "邮箱": "email", "线上会议": "meeting", "视频会议": "meeting", "会议": "meeting",
    "视频": "meeting", "微信": "im", "即时消息": "im", "其他": "other",
}
MAX_DATE_PHRASE = 40  # longer tails are not tried as dates: keeps quick entry fast on long notes
_SEGMENTS = re.compile(r"[;；]|\n")


@dataclass(frozen=True)
class QuickEntry:
    """What a one-line follow-up says; ``problems`` lists what could not be read (catalog keys)."""

    notes: str
    method: str = "phone"
    next_step: str | None = None
    next_step_text: str | None = None
    next_step_at: ParsedDate | None = None
    problems: tuple[str, ...] = field(default=())


def parse_quick_entry(text: str, *, now: datetime, tz: str) -> QuickEntry:
    """Read ``called Wang, wants demo; next: send proposal next Wednesday``.

    Segments are split on ``;``. One starting ``next:`` / ``下一步：`` is the next step, whose date
    is the longest phrase at its end that reads as a date (``send proposal | next Wednesday``).
    ``via email`` / ``通过邮件`` sets the method (phone by default). Whatever cannot be read is
    reported in ``problems`` so the caller opens the modal instead of guessing.
    """
    method = "phone"
    via = _VIA.search(text)
    if via:
        method = METHOD_BY_WORD[(via.group(1) or via.group(2)).lower()]
        text = (text[: via.start()] + " " + text[via.end():]).strip()
    notes: list[str] = []
    next_step = next_text = None
    next_at: ParsedDate | None = None
    problems: list[str] = []
    for segment in (s.strip() for s in _SEGMENTS.split(text)):
        if not segment:
            continue
        marker = _NEXT.match(segment)
        if marker is None:
            notes.append(segment)
            continue
        if next_step is not None:
            problems.append("qe_two_next_steps")
            continue
        body = segment[marker.end():].strip()
        action, next_text, next_at = split_trailing_date(body, now=now, tz=tz)
        next_step = action or body
        if next_at is None:
            problems.append("qe_no_next_date")
        elif is_past(next_at, now=now):
            problems.append("qe_past_next_date")
    if not notes:
        problems.append("qe_no_notes")
    return QuickEntry(notes="; ".join(notes), method=method, next_step=next_step, next_step_text=next_text,
                      next_step_at=next_at, problems=tuple(problems))


def is_past(parsed: ParsedDate, *, now: datetime) -> bool:
    """A next step in the past: before now, or for a day without a time, before today."""
    if parsed.has_time:
        return parsed.when < now
    return parsed.when.date() < now.astimezone(parsed.when.tzinfo).date()


def split_trailing_date(text: str, *, now: datetime, tz: str) -> tuple[str, str | None, ParsedDate | None]:
    """Split ``send proposal next Wednesday`` (or ``明天 回电``) into the action and its date.

    The longest date phrase at the end wins; failing that, the longest at the start.
    """
    text = text.strip()
    # Without spaces (Chinese) any character may start or end the date: 发方案下周三.
    cuts = sorted(set(_word_edges(text)) | (set(range(1, len(text))) if _has_cjk(text) else set()))
    for cut in [0, *cuts]:
        if len(text) - cut > MAX_DATE_PHRASE:
            continue
        parsed = _date(text[cut:], now=now, tz=tz)
        if parsed is not None:
            return text[:cut].strip(" ,，。"), text[cut:].strip(" ,，。."), parsed
    for cut in reversed(cuts):
        if cut > MAX_DATE_PHRASE:
            continue
        parsed = _date(text[:cut], now=now, tz=tz)
        if parsed is not None:
            return text[cut:].strip(" ,，。"), text[:cut].strip(" ,，。."), parsed
    return text, None, None


def _date(phrase: str, *, now: datetime, tz: str) -> ParsedDate | None:
    phrase = phrase.strip(" ,，。.")
    return parse_when(phrase, now=now, tz=tz, prefer="future") if phrase else None


def _word_edges(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<=\s)\S", text)]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
