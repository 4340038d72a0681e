"""The process's spreadsheets (PRODUCT "Spreadsheets"): column headers, layouts and cell values.

Pure: no Slack, no database, no file formats (``bot.services.spreadsheets`` reads and writes
xlsx and csv). Everything here works on header strings and cell values as calamine or the csv
module hand them over (``str``, ``int``, ``float``, ``bool``, ``datetime``, ``date``, ``time``,
``""`` or ``None`` for an empty cell).

Two layouts are read, told apart by their headers:

* **customer register** (客户信息登记表, seed 004): one row a customer;
* **follow-up record** (客户全周期跟进记录表, seed 000 §三): one row a follow-up, the customer's
  columns repeated on each row; recognised by any follow-up column (跟进日期, 跟进方式, 跟进内容,
  跟进阶段, 客户反馈).

Every header, Chinese or English, is in the one table :data:`COLUMNS`; the first name of each
language is what an export writes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.followups import METHOD_BY_WORD, METHODS, STAGES, STATUSES
from bot.domain.grades import GRADES


@dataclass(frozen=True)
class Column:
    """One field of the templates: its key, the header an export writes in each language, and
    every other header people use for it."""

    key: str
    en: str
    zh: str
    aliases: tuple[str, ...] = ()
    followup: bool = False  # only the follow-up record has it


COLUMNS: tuple[Column, ...] = (
    Column("number", "Customer number", "客户编号", ("客户ID", "客户代码", "Customer ID", "Customer No", "No.")),
    Column("company", "Company", "客户名称", ("企业全称", "公司名称", "企业名称", "客户全称", "Company name",
                                              "Customer", "Customer name")),
    Column("industry", "Industry", "所属行业", ("行业分类", "行业", "Industry category")),
    Column("company_size", "Company size", "客户规模", ("企业规模", "规模", "Size")),
    Column("main_business", "Main business", "主营业务", ("Business",)),
    Column("region", "Region", "地区", ("区域", "所在地区")),
    Column("contact_name", "Contact", "联系人", ("联系人姓名", "Contact name", "Contact person")),
    Column("contact_title", "Title", "职位", ("职务", "Contact title", "Position", "Job title")),
    Column("phone", "Phone", "联系方式", ("电话", "联系电话", "手机", "Telephone", "Mobile", "Phone number")),
    Column("email", "Email", "邮箱", ("电子邮箱", "Mail", "Email address")),
    Column("need", "Need", "初步需求", ("需求描述", "需求", "Initial need", "Needs")),
    Column("pain_points", "Pain points", "痛点", ("Pain point",)),
    Column("source", "Source", "来源渠道", ("线索来源", "来源", "Source channel", "Lead source")),
    Column("acquired", "Acquired", "信息获取时间", ("获取时间", "Acquired at", "Acquisition date")),
    Column("intent", "Intent", "意向等级", ("意向", "Intent level")),
    Column("tags", "Tags", "标签", ("Tag",)),
    Column("grade", "Grade", "客户等级", ("等级", "客户分级", "Customer grade")),
    Column("annual_purchase", "Annual purchase", "年采购额", ("年采购金额", "Annual purchase amount")),
    Column("owner", "Owner", "负责人", ("销售负责人", "跟进人", "Sales rep", "Rep", "Owner rep")),
    Column("last_contact", "Last contact", "最后联系日期", ("最近联系日期", "Last contact date", "Last contacted")),
    Column("customer_notes", "Customer notes", "客户备注", ()),
    # Seed 004's 互动历史 ("2023-10-10:会议讨论需求;2023-10-15:发送报价单"): read as follow-ups
    # (parse_history), so an export writes them as rows of their own, not this column.
    Column("history", "Interaction history", "互动历史", ("历史互动", "互动记录", "沟通记录", "Interactions",
                                                         "Contact history")),
    Column("stage", "Stage", "跟进阶段", ("阶段", "Follow-up stage"), followup=True),
    Column("date", "Date", "跟进日期", ("跟进时间", "联系日期", "Follow-up date", "Date of contact"), followup=True),
    Column("method", "Method", "跟进方式", ("联系方式类型", "Follow-up method", "Channel"), followup=True),
    Column("content", "Content", "跟进内容", ("沟通内容", "Notes of the contact", "Follow-up content"),
           followup=True),
    Column("feedback", "Feedback", "客户反馈", ("Customer feedback",), followup=True),
    Column("next_step", "Next step", "下一步计划", ("跟进计划", "Next steps", "Follow-up plan", "Plan")),
    Column("next_step_date", "Next step date", "下一步日期", ("计划日期",), followup=True),
    Column("satisfaction", "Satisfaction", "满意度", ("满意度评分",), followup=True),
    Column("status", "Status", "当前状态", ("客户状态", "状态", "Status after", "Current status", "Customer status")),
    Column("notes", "Notes", "备注", ("Remarks", "Note", "Comments")),
)
BY_KEY = {c.key: c for c in COLUMNS}
FOLLOWUP_SIGNS = {"date", "method", "content", "stage", "feedback"}
# The columns an export writes, in this order (the follow-up record layout, which carries everything).
EXPORT_KEYS = ("number", "company", "industry", "company_size", "main_business", "region", "contact_name",
               "contact_title", "phone", "email", "need", "pain_points", "source", "acquired", "intent", "tags",
               "grade", "annual_purchase", "owner", "customer_notes", "stage", "date", "method", "content",
               "feedback", "next_step", "next_step_date", "satisfaction", "status", "notes")
HEADER_SEARCH_ROWS = 30  # a header further down than this is not looked for

# Traditional characters seen in headers (files saved by Traditional-Chinese Excel, or converted).
_TRADITIONAL = str.maketrans("戶編號稱屬業規聯繫係職進階內饋劃當狀態負責備註額購獲時間來標籤計話郵導務誌約簽過",
                             "户编号称属业规联系系职进阶内馈划当状态负责备注额购获时间来标签计话邮导务志约签过")
_BRACKETED = re.compile(r"[(（【\[][^()（）【】\[\]]*[)）】\]]")  # innermost first: "(时间、负责(zé)人)"
_HEADER_NOISE = re.compile(r"[\s*＊:：_\-/]+")


def header_key(text: str) -> str:
    """A header as compared: width and case folded, Traditional → Simplified, no bracketed
    explanation ("跟进内容(含需求、方案、反馈等)" = "跟进内容"), no spaces, stars or colons."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TRADITIONAL)
    while True:
        unbracketed = _BRACKETED.sub("", folded)
        if unbracketed == folded:
            return _HEADER_NOISE.sub("", folded)
        folded = unbracketed


ALIASES: dict[str, str] = {header_key(name): c.key for c in COLUMNS for name in (c.en, c.zh, *c.aliases)}


def column_of(header: Any) -> str | None:
    """The field a header names, or None."""
    if header is None:
        return None
    return ALIASES.get(header_key(str(header)))


@dataclass(frozen=True)
class Header:
    """Where the header is (1-based row), which column holds which field (0-based index), and what
    the file's other headers were (ignored)."""

    row: int
    fields: dict[str, int]
    labels: dict[str, str]  # field → the header as written in the file
    ignored: tuple[str, ...]

    @property
    def layout(self) -> str:
        return "followups" if FOLLOWUP_SIGNS & set(self.fields) else "register"


def find_header(rows: Sequence[tuple[int, Sequence[Any]]]) -> Header | None:
    """The first row naming the company or the customer number and at least one other field.

    Title rows ("客户全周期跟进记录表") and blank rows above it are skipped. A field named twice
    keeps its first column (seed 004 has both 客户名称 and 公司名称).
    """
    for number, cells in rows:
        fields: dict[str, int] = {}
        labels: dict[str, str] = {}
        ignored: list[str] = []
        for index, cell in enumerate(cells):
            if cell is None or str(cell).strip() == "":
                continue
            key = column_of(cell)
            if key is None or key in fields:
                ignored.append(str(cell).strip())
                continue
            fields[key] = index
            labels[key] = str(cell).strip()
        if len(fields) >= 2 and ("company" in fields or "number" in fields):
            return Header(row=number, fields=fields, labels=labels, ignored=tuple(ignored))
    return None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as the spreadsheet shows it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class BadValue(ValueError):
    """A cell that cannot be read; the message says what is wrong with it."""


# Text ---------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@")


def text_of(value: Any) -> str | None:
    """A cell as text: stripped, None when empty; whole floats lose their ``.0`` (Excel stores
    phone numbers typed as numbers as floats); a CSV cell escaped against formulas (``'=…``) gets
    its quote back off."""
    if value is None:
        return None
    if type(value) is str and "\r" not in value:  # the common case, fast
        text = value.strip()
        if not text:
            return None
        return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS else text
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time() else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text or None


def formula_safe(text: str) -> str:
    """Text for a CSV cell that no spreadsheet will run as a formula: a leading ``'`` before
    ``=``, ``+``, ``-`` or ``@`` (OWASP's advice; :func:`text_of` takes it off again on import)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# Dates --------------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
                  r"(?:[\sT]+(\d{1,2})[:：点时](\d{1,2})?(?:[:：](\d{1,2}))?(?:\.\d+)?分?)?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*[日号]?(?:[\sT]+(\d{1,2})[:：点时](\d{1,2})?分?)?$")
_LEADING_MONTH_DAY = re.compile(r"^\s*(\d{4}\s*[-/.年]\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]|"
                                r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class CellDate:
    """A date from a cell; ``at`` is None when the cell named a day without a time."""

    day: date
    at: time | None = None

    def combine(self, default: time) -> datetime:
        return datetime.combine(self.day, self.at if self.at is not None else default)


def parse_date(value: Any, *, year: int | None = None) -> CellDate | None:
    """``2024-03-01``, ``2024/3/1``, ``2024.3.1``, ``2024年3月2日``, ``2024-03-01 14:30``, an Excel
    date cell (``datetime``/``date``), ``3月3日`` or ``3/3`` (the year from ``year``: the row's own
    date or the context). None for an empty cell; BadValue for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return CellDate(value.date(), value.time() if value.time() != time() else None)
    if isinstance(value, date):
        return CellDate(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day number.
        if 20_000 <= value <= 80_000:
            from datetime import timedelta

            return CellDate(EXCEL_EPOCH + timedelta(days=int(value)))
        raise BadValue(f'"{text_of(value)}" is not a date')
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    if match := _ISO.match(text):
        y, m, d, hh, mm, ss = match.groups()
        return _cell_date(text, int(y), int(m), int(d), hh, mm, ss)
    if match := _MONTH_DAY.match(text):
        if year is None:
            raise BadValue(f'"{text}" has no year and the row has no other date to take it from')
        m, d, hh, mm = match.groups()
        return _cell_date(text, year, int(m), int(d), hh, mm, None)
    raise BadValue(f'"{text}" is not a date (write it like 2024-03-01)')


def _cell_date(text: str, y: int, m: int, d: int, hh: str | None, mm: str | None, ss: str | None) -> CellDate:
    try:
        day = date(y, m, d)
        at = time(int(hh), int(mm or 0), int(ss or 0)) if hh is not None else None
    except ValueError:
        raise BadValue(f'"{text}" is not a real date') from None
    if not 1900 <= y <= 2200:
        raise BadValue(f'"{text}" is not a real date')
    return CellDate(day, at)


def leading_date(text: str | None, *, year: int) -> date | None:
    """The date a next-step text starts with ("3月3日发送产品手册…", "2023-11-01：安排产品演示"),
    the year taken from ``year`` when the text has none; None when it starts with no date."""
    match = _LEADING_MONTH_DAY.match(unicodedata.normalize("NFKC", text)) if text else None
    return _date_of(match, year=year) if match else None


def _date_of(match: re.Match[str], *, year: int | None) -> date | None:
    """The date a ``_LEADING_MONTH_DAY`` match names; None when it does not exist, or is a month
    and day without ``year``."""
    try:
        if match.group(4):
            return date(int(match.group(4)), int(match.group(5)), int(match.group(6)))
        prefix = match.group(1)
        explicit = int(re.sub(r"\D", "", prefix)) if prefix else year
        return date(explicit, int(match.group(2)), int(match.group(3))) if explicit is not None else None
    except ValueError:
        return None


_HISTORY_ENTRIES = re.compile(r"[;；\n]+")
_AFTER_DATE = re.compile(r"^[\s:：,，、.。\-—–]+")


def parse_history(value: Any, *, year: int | None) -> list[tuple[date, str | None]]:
    """An interaction history cell (seed 004's 互动历史) as (day, what happened) in the cell's order:
    entries separated by ";", "；" or line breaks, each starting with its date
    ("2023-10-10:会议讨论需求;2023-10-15:发送报价单"). "10月15日" takes the year of the entry before
    it, else ``year``. A piece that starts with no date continues the entry before it; a cell that
    starts with one, or a date that does not exist, is a BadValue."""
    text = text_of(value)
    if text is None:
        return []
    entries: list[tuple[date, str | None]] = []
    for piece in _HISTORY_ENTRIES.split(text):
        piece = piece.strip()
        if not piece:
            continue
        normal = unicodedata.normalize("NFKC", piece)
        match = _LEADING_MONTH_DAY.match(normal)
        if match is None:
            if not entries:
                raise BadValue(f'"{piece}" has no date: write each contact as "2023-10-10: what happened", '
                               'separated by ";"')
            day, said = entries[-1]
            entries[-1] = (day, f"{said}；{piece}" if said else piece)
            continue
        written = _date_of(match, year=entries[-1][0].year if entries else year)
        if written is None:
            raise BadValue(f'"{piece}" is not a real date, or has no year: write it as 2023-10-10')
        rest = _AFTER_DATE.sub("", (piece if len(normal) == len(piece) else normal)[match.end():]).strip()
        entries.append((written, rest or None))
    return entries


def method_in_text(text: str | None) -> str:
    """The follow-up method a free text names first ("会议讨论需求" = online meeting, "先打电话" =
    phone), by the words quick entry reads (``METHOD_BY_WORD``); "other" when it names none: an
    interaction history entry has no method column."""
    found = _METHOD_IN_TEXT.search(unicodedata.normalize("NFKC", text)) if text else None
    return METHOD_BY_WORD[found.group(1).casefold()] if found else "other"


# Longest first, so that "线上会议" is read before "会议"; English words whole, also as "called", "emails".
_METHOD_IN_TEXT = re.compile("(" + "|".join(
    rf"\b{re.escape(word)}(?=(?:s|ed|ing)?\b)" if word.isascii() else re.escape(word)
    for word in sorted(METHOD_BY_WORD, key=len, reverse=True)) + ")", re.IGNORECASE)


# Amounts ------------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"^(?:[¥￥$]|rmb|cny)?\s*([0-9][0-9,，]*(?:\.[0-9]+)?)\s*(万|亿|千|k|w|m)?\s*(?:元|rmb|cny)?$",
                     re.IGNORECASE)
_MULTIPLIERS = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000, "m": 1_000_000}


def parse_amount(value: Any) -> Decimal | None:
    """``22万`` = 220000, ``220,000``, ``250k``, ``¥1.5万元``, a number cell. None when empty."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None
        match = _AMOUNT.match(text)
        if match is None:
            raise BadValue(f'"{text}" is not an amount (write it like 220000, 22万 or 250k)')
        try:
            amount = Decimal(match.group(1).replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise BadValue(f'"{text}" is not an amount') from None
        if match.group(2):
            amount *= _MULTIPLIERS[match.group(2).casefold()]
    if amount < 0 or amount >= Decimal("1e14"):
        raise BadValue(f'"{text_of(value)}" is not a plausible amount')
    return amount.quantize(Decimal("0.01"))


# Words: statuses, methods, stages, sources, intents, grades, tags ---------------------------------

def _words(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(word): key for key, words in table.items() for word in (key, *words)}


STATUS_WORDS: dict[str, tuple[str, str]] = {  # key: (English, 中文) as exported
    "lead": ("Lead", "潜在客户"), "interested": ("Interested", "意向客户"),
    "needs_confirmed": ("Needs confirmed", "需求确认"), "negotiating": ("Negotiating", "谈判中"),
    "intent_confirmed": ("Intent confirmed", "意向确认"), "won": ("Won", "成交"),
    "maintaining": ("Maintaining", "维护中"), "churned": ("Churned", "流失"),
}
STATUS = _words({key: (*names, *extra) for (key, names), extra in zip(STATUS_WORDS.items(), (
    ("潜在", "prospect", "new"), ("意向", "有意向"), ("需求已确认", "needs confirmation"), ("谈判", "商务谈判中"),
    ("意向已确认",), ("已成交", "成交客户", "签约", "已签约", "closed won", "deal"),
    # Seed 004 classes customers as 潜在客户 / 活跃客户 / 高价值客户: the last two buy and are looked
    # after, which is our maintaining (how valuable a customer is, is its grade, 客户等级).
    ("维护", "售后维护", "after-sales", "maintenance", "活跃客户", "活跃", "高价值客户", "active", "active customer",
     "high value", "high-value customer"), ("已流失", "流失客户", "lost", "closed lost")), strict=True)})
METHOD_WORDS: dict[str, tuple[str, str]] = {
    "phone": ("Phone", "电话"), "visit": ("Visit", "面谈"), "email": ("Email", "邮件"),
    "meeting": ("Online meeting", "线上会议"), "im": ("WeChat", "微信"), "other": ("Other", "其他"),
}
METHOD = _words({
    "phone": ("Phone", "电话", "call", "phone call", "telephone", "电话沟通", "电访"),
    "visit": ("Visit", "面谈", "拜访", "上门", "上门拜访", "面访", "face to face", "face-to-face", "in person", "meeting in person"),
    "email": ("Email", "邮件", "e-mail", "mail", "电子邮件", "邮箱"),
    "meeting": ("Online meeting", "线上会议", "视频会议", "网络会议", "video call", "zoom", "teams", "meeting"),
    "im": ("WeChat", "微信", "即时消息", "im", "chat", "instant message", "企业微信", "qq"),
    "other": ("Other", "其他", "其它"),
})
STAGE_WORDS: dict[str, tuple[str, str]] = {
    "initial_contact": ("Initial contact", "初次接触"), "needs_analysis": ("Needs analysis", "需求深挖"),
    "proposal": ("Proposal", "方案提供"), "negotiation": ("Negotiation", "商务谈判"),
    "closing": ("Closing", "成交签约"), "after_sales": ("After-sales", "售后维护"),
}
STAGE = _words({
    "initial_contact": ("Initial contact", "初次接触", "潜在客户开发", "客户开发", "线索开发", "首次接触", "prospecting"),
    "needs_analysis": ("Needs analysis", "需求深挖", "需求分析", "需求调研", "需求确认", "discovery"),
    "proposal": ("Proposal", "方案提供", "方案", "方案演示", "报价"),
    "negotiation": ("Negotiation", "商务谈判", "谈判"),
    "closing": ("Closing", "成交签约", "签约", "成交"),
    "after_sales": ("After-sales", "售后维护", "售后", "回访", "复购", "客户复购", "流失预警", "after sales"),
})
SOURCE_WORDS: dict[str, tuple[str, str]] = {
    "trade_show": ("Trade show", "展会"), "website": ("Website form", "官网留资"),
    "association": ("Association referral", "行业协会转介"), "customer_referral": ("Customer referral", "客户推荐"),
    "cold_call": ("Cold call", "电话陌拜"), "partner": ("Partner", "合作伙伴"), "other": ("Other", "其他"),
}
# Contained words, first match wins ("行业展会", "通过官网表单留资").
_SOURCE_HINTS = (("展会", "trade_show"), ("trade show", "trade_show"), ("exhibition", "trade_show"),
                 ("协会", "association"), ("association", "association"), ("客户推荐", "customer_referral"),
                 ("转介绍", "customer_referral"), ("referral", "customer_referral"), ("陌拜", "cold_call"),
                 ("cold call", "cold_call"), ("合作伙伴", "partner"), ("渠道伙伴", "partner"), ("partner", "partner"),
                 ("官网", "website"), ("网站", "website"), ("website", "website"), ("web form", "website"),
                 ("其他", "other"), ("other", "other"))
INTENT_WORDS: dict[str, tuple[str, str]] = {"high": ("High", "高"), "medium": ("Medium", "中"), "low": ("Low", "低")}
INTENT = _words({"high": ("High", "高", "高意向", "强"), "medium": ("Medium", "中", "一般", "中等", "mid"),
                 "low": ("Low", "低", "弱", "低意向")})
TAG_WORDS: dict[str, tuple[str, str]] = {
    "high_intent": ("High intent", "高意向"), "price_sensitive": ("Price sensitive", "价格敏感"),
    "technical": ("Technical", "技术型"), "long_term": ("Long-term", "长期"),
}
TAG = _words({"high_intent": ("High intent", "高意向"), "price_sensitive": ("Price sensitive", "价格敏感"),
              "technical": ("Technical", "技术型", "技术"), "long_term": ("Long-term", "长期", "长期合作", "long term")})
_COMBINED = re.compile(r"[+＋、/,，&]|和|及")

assert set(STATUS_WORDS) == set(STATUSES) and set(METHOD_WORDS) == set(METHODS) and set(STAGE_WORDS) == set(STAGES)


def _word(value: Any, words: dict[str, str], what: str, choices: str) -> str | None:
    """The value a word of ``words`` stands for (any case, width or spacing); None for a blank cell."""
    text = text_of(value)
    if text is None:
        return None
    found = words.get(header_key(text))
    if found is None:
        raise BadValue(f'"{text}" is not {what} (use {choices})')
    return found


def parse_status(value: Any) -> str | None:
    return _word(value, STATUS, "a status", "one of " + ", ".join(z for _, z in STATUS_WORDS.values()))


def parse_method(value: Any) -> str | None:
    """A method in Chinese or English; a combined one ("邮件+面谈") is read as its first part."""
    text = text_of(value)
    if text is None:
        return None
    for part in [text, *_COMBINED.split(text)]:
        found = METHOD.get(header_key(part))
        if found is not None:
            return found
    raise BadValue(f'"{text}" is not a follow-up method (use one of {", ".join(z for _, z in METHOD_WORDS.values())})')


def parse_stage(value: Any) -> str | None:
    return _word(value, STAGE, "a stage", "one of " + ", ".join(z for _, z in STAGE_WORDS.values()))


def parse_source(value: Any) -> str | None:
    """A source channel; free text is read by the words it contains ("行业展会" = trade show),
    anything else is "other"."""
    text = text_of(value)
    if text is None:
        return None
    exact = {header_key(w): k for k, words in SOURCE_WORDS.items() for w in (k, *words)}.get(header_key(text))
    if exact:
        return exact
    folded = unicodedata.normalize("NFKC", text).casefold()
    return next((key for hint, key in _SOURCE_HINTS if hint in folded), "other")


def parse_intent(value: Any) -> str | None:
    return _word(value, INTENT, "an intent level", "高, 中 or 低 / high, medium or low")


def parse_grade(value: Any) -> str | None:
    text = text_of(value)
    if text is None:
        return None
    letter = unicodedata.normalize("NFKC", text).strip().upper().removesuffix("类").removesuffix("级")
    letter = letter.removesuffix("CLASS").removeprefix("GRADE").strip()
    if letter not in GRADES:
        raise BadValue(f'"{text}" is not a grade (use A, B, C or D)')
    return letter


def parse_tags(value: Any) -> list[str]:
    text = text_of(value)
    if text is None:
        return []
    found: list[str] = []
    for part in re.split(r"[,，、;；/|\n]+", text):
        if not part.strip():
            continue
        tag = TAG.get(header_key(part))
        if tag is None:
            raise BadValue(f'"{part.strip()}" is not a tag (use {", ".join(z for _, z in TAG_WORDS.values())})')
        if tag not in found:
            found.append(tag)
    return found


def parse_satisfaction(value: Any) -> int | None:
    text = text_of(value)
    if text is None:
        return None
    digits = unicodedata.normalize("NFKC", text).removesuffix("分").strip()
    if digits not in {"1", "2", "3", "4", "5"}:
        raise BadValue(f'"{text}" is not a satisfaction score (1 to 5)')
    return int(digits)


def word_for(table: dict[str, tuple[str, str]], key: str | None, lang: str) -> str | None:
    """How an export writes a status, method, stage, source, intent or tag."""
    if key is None:
        return None
    en, zh = table.get(key, (key, key))
    return zh if lang == "zh-CN" else en


def header_for(key: str, lang: str) -> str:
    column = BY_KEY[key]
    return column.zh if lang == "zh-CN" else column.en
