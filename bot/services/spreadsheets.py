"""Customers and their follow-ups from and to the process's spreadsheets (PRODUCT "Spreadsheets").

Import (``import_file``) reads ``.xlsx`` with calamine (python-calamine-plus: Rust, streaming row
by row) and ``.csv`` with the ``csv`` module (UTF-8 with or without BOM, else GB18030, which is what
"Save as CSV" in Chinese Excel writes), so that memory stays flat as the file grows. An .xlsx is
read in a forked process on Linux (``_in_a_process``), which sends its rows back as they come:
unzipping and parsing the file's XML, about as long as checking its cells, runs on another core
while this process checks them (``RowReader``).

1. **check**: every row is read and checked; customers are grouped (same customer number, or
   same normalised company) with just what deciding them needs; owners are matched; numbers and
   companies are compared with the database, 500 customers at a time. Any problem stops the
   import here, before anything is written, with every problem as
   ``row N, column C (header): what is wrong``. The file's customers beyond a budget, and the keys
   that find them, wait on disk (``import_store``), so memory stays flat however many there are.
2. **write**, in one transaction: customers created or updated, contacts, status history, then
   the follow-up rows kept by pass 1 (in a temporary file), each table's rows streamed
   (``storage.bulk.insert_stream``: one COPY a table on PostgreSQL, executemany a chunk on
   SQLite). A follow-up (a row of the follow-up record, or an entry of a register's 互动历史) is the
   same as one already stored when customer, time (to the minute), method and content match, so
   importing a file twice changes nothing the second time. ``dry_run`` does all of it and rolls
   back.

Imported customers are registered (no review: they are the team's customers already); imported
follow-ups count as logged when they happened (they are history, not late entries); a customer
already there keeps its owner and team (moving customers is a handover), its company name and
everything the file leaves empty.

Export (``export_file``) writes the follow-up record layout (every column import reads, one row
a follow-up, a customer without follow-ups on a row of its own) streaming: rust_xlsxwriter's
constant-memory mode (rustpy-xlsxwriter), or csv, page by page of customers.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import gc
import io
import itertools
import multiprocessing
import operator
import os
import pickle
import queue
import re
import string
import threading
from array import array
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.config import TeamConfig
from bot.domain import spreadsheet as sheet
from bot.domain.cadence import CustomerFacts, next_due
from bot.domain.followups import STAGES, STATUSES, fold, search_text, status_after
from bot.domain.leads import industry_code, normalize_company_name, number_parts
from bot.runtime import Runtime
from bot.services.import_store import GroupStore, KeyIndex, Spill
from storage import bulk, queries, search
from storage.models import AuditEntry, Contact, Customer, FollowUp, StatusChange
from storage.pinyin import pinyin_initials
from storage.queries import CustomerScope

DEFAULT_TIME = time(12, 0)  # a day without a time: noon, so the day reads the same in every zone
NEXT_STEP_TIME = time(9, 0)
BATCH = 5_000
EXPORT_PAGE = 500
IMPORTER = "import"
_T = TypeVar("_T")
LIMITS = {"number": 60, "company": 200, "industry": 100, "company_size": 200, "region": 100, "contact_name": 100,
          "contact_title": 100, "phone": 40, "email": 254}
Progress = Callable[[int], None]


class ImportRefused(Exception):
    """The file cannot be imported; ``problems`` says every reason, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    followups: int = 0
    skipped: int = 0  # rows that brought nothing new (already imported, or twice in the file)
    layout: str = ""
    ignored_columns: tuple[str, ...] = ()
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)  # what was (or would be) created and updated

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (f"{verb}: created {self.created}, updated {self.updated}, follow-ups {self.followups}, "
                f"skipped {self.skipped}.")


# Reading files ------------------------------------------------------------------------------------

Row = tuple[int, Sequence[Any]]


def detect_encoding(stream: BinaryIO) -> str:
    """``utf-8-sig`` when the bytes are UTF-8 (BOM or not), else ``gb18030`` (a superset of GBK)."""
    start = stream.read(3)
    if start == codecs.BOM_UTF8:
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(start)
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[Row]:
    with open(path, "rb") as raw:
        encoding = detect_encoding(raw)
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from enumerate(csv.reader(handle, dialect), start=1)


def _xlsx_rows(path: Path) -> Iterator[Row]:
    """The rows of the first worksheet with a header, streamed by python-calamine-plus (calamine,
    Rust): row by row from the compressed file, so memory stays flat as the file grows, and about
    ten times faster than openpyxl's read-only mode. Values as openpyxl hands them over: text, int
    or float, bool, Excel date cells as ``date``/``datetime`` (1900 or 1904 calendar), ``time``,
    ``timedelta``; formulas as their saved result; error cells as their text (``#N/A``); an empty
    cell is ``""``. Rows and columns start at A1, blank rows included, so row numbers and column
    letters are the ones the spreadsheet shows."""
    from python_calamine_plus import CalamineError, CalamineWorkbook, SheetTypeEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
    except CalamineError as error:
        raise ImportRefused([f"{path.name}: not an .xlsx file this can read ({error})"]) from None
    with book:
        for index, meta in enumerate(book.sheets_metadata):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            rows = enumerate(book.stream_sheet_by_index(index), start=1)
            first = list(_take(rows, sheet.HEADER_SEARCH_ROWS))
            if sheet.find_header(first) is None:
                continue
            yield from first
            yield from rows
            return


def _take(rows: Iterator[tuple[int, Any]], count: int) -> Iterator[tuple[int, Any]]:
    for _ in range(count):
        item = next(rows, None)
        if item is None:
            return
        yield item


READER_BATCH = 1_000  # rows a reader process sends at a time
PIPE_SIZE = 1 << 20  # Linux's largest pipe for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _reader_process_possible() -> bool:
    """A reader process is forked only from a process without other threads (a thread holding a
    lock at the fork would leave it held in the child), where fork exists (Linux)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _in_a_process(produce: Callable[..., Iterator[Any]], *args: Any) -> Generator[Any, None, None]:
    """The items of ``produce(*args)``, made in a forked process that sends them back pickled, a
    batch at a time, through a pipe. The import reads an .xlsx file's rows this way
    (``_xlsx_rows``): calamine's unzipping and parsing then runs on another core while this
    process checks the cells. The cells are checked here rather than in the reader because the two
    halves are then about even (at 1,000,000 rows: reading and pickling the raw rows 12.7 s of
    CPU, checking them 4.0 s, and checked rows pickle and unpickle at twice the cost of raw ones),
    so neither process waits long for the other. The pipe is small next to the file: the reader
    waits for the import, so memory stays flat."""
    import fcntl  # Linux, as fork is

    receive, send = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # a larger pipe lets the reader run further ahead
        fcntl.fcntl(send, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    process = multiprocessing.get_context("fork").Process(target=_send_items, args=(produce, args, send),
                                                          daemon=True)
    try:
        process.start()
    finally:
        os.close(send)
    ended = False  # the reader said all it had to say and closed the pipe
    try:
        with os.fdopen(receive, "rb", buffering=1 << 16) as stream:
            while True:
                try:
                    kind, payload = pickle.load(stream)  # noqa: S301 - our own child's pipe
                except EOFError:
                    ended = True
                    break
                if kind == "items":
                    yield from payload
                elif kind == "refused":
                    raise ImportRefused(payload)
                else:
                    raise RuntimeError(f"reading failed: {payload}")
    finally:
        if not ended:  # the import stopped before the end of the file (or failed)
            process.terminate()
        process.join()
    if process.exitcode:
        raise RuntimeError(f"the reader process ended with status {process.exitcode}")


def _send_items(produce: Callable[..., Iterator[Any]], args: tuple[Any, ...], descriptor: int) -> None:
    """In the reader process: every item of ``produce(*args)``, pickled in batches, then the end."""
    with os.fdopen(descriptor, "wb", buffering=1 << 16) as stream:
        try:
            batch: list[Any] = []
            for item in produce(*args):
                batch.append(item)
                if len(batch) >= READER_BATCH:
                    pickle.dump(("items", batch), stream, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            pickle.dump(("items", batch), stream, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:  # the import stopped reading: nothing to say to it
            return
        except ImportRefused as refused:
            pickle.dump(("refused", refused.problems), stream)
        except Exception as error:  # noqa: BLE001 - said to the importing process, which raises it
            pickle.dump(("failed", f"{type(error).__name__}: {error}"), stream)


def read_rows(path: Path) -> Iterator[Row]:
    """(row number as the spreadsheet shows it, cells) of the first sheet that has a header."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    if suffix in (".csv", ".txt"):
        return _csv_rows(path)
    raise ImportRefused([f"{path.name}: not a spreadsheet this can read (use .xlsx or .csv)"])


def count_rows(path: Path) -> int | None:
    """About how many rows the file has, for a progress bar (None: unknown)."""
    if path.suffix.lower() == ".csv":
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        total = book.worksheets[0].max_row
        book.close()
        return total
    except Exception:  # noqa: BLE001 - only a progress bar's total
        return None


# Rows ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Parsed:
    """One data row as read: customer values, follow-up values, and the problems found."""

    row: int
    values: dict[str, Any]
    problems: list[str]
    occurred: datetime | None = None  # aware UTC
    has_followup: bool = False
    minute: int = 0  # occurred as whole minutes since the epoch (to order the rows)
    # The row's interaction history cell (互动历史), each entry a follow-up: (aware UTC, method, content).
    history: list[tuple[datetime, str, str | None]] | None = None


TEXT_KEYS = ("number", "company", "industry", "company_size", "main_business", "region", "contact_name",
             "contact_title", "phone", "email", "need", "pain_points", "owner", "content", "feedback", "next_step",
             "notes", "customer_notes")
# Values shared by many customers (an industry, a size, a title, an owner): kept once, not per customer.
SHARED_TEXT = {"industry", "company_size", "region", "contact_title", "owner"}
WORD_PARSERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("status", sheet.parse_status), ("method", sheet.parse_method), ("stage", sheet.parse_stage),
    ("source", sheet.parse_source), ("intent", sheet.parse_intent), ("grade", sheet.parse_grade),
    ("tags", sheet.parse_tags), ("annual_purchase", sheet.parse_amount), ("satisfaction", sheet.parse_satisfaction))
DATE_KEYS = ("acquired", "last_contact", "next_step_date")
FOLLOWUP_CELLS = ("date", "method", "content", "stage", "feedback")
MEMO_SIZE = 100_000  # distinct values remembered per column (then the rest are parsed each time)


class RowReader:
    """Reads data rows under a header: each cell through its parser, problems with row and column.

    The same words and dates come back on row after row (statuses, methods, a customer's company):
    each parser's answer is remembered per column and distinct cell value, so a long file is read
    at the speed of its distinct values. What is asked of every row is resolved once per file: the
    columns present, their parsers and their memos.
    """

    def __init__(self, header: sheet.Header, zone: Any) -> None:
        self.header = header
        self.zone = zone
        self.year: int | None = None  # the latest year seen: "3月3日" in a row without a date of its own
        fields = header.fields
        # (key, column, length limit, memo of the text of values many rows repeat, or None)
        self._text: list[tuple[str, int, int | None, dict[Any, Any] | None]] = [
            (key, fields[key], LIMITS.get(key), {} if key in SHARED_TEXT else None)
                      for key in TEXT_KEYS if key in fields]
        self._words: list[tuple[str, int, Callable[[Any], Any], dict[Any, Any]]] = [
            (key, fields[key], parse, {}) for key, parse in WORD_PARSERS if key in fields]
        self._dates = [(key, fields[key]) for key in DATE_KEYS if key in fields]
        self._date_index = fields.get("date")
        self._history_index = fields.get("history")
        self._followups = header.layout == "followups"
        self._date_memos: dict[tuple[str, int | None], dict[Any, Any]] = {}
        # Per year of the rows before ("3月3日" takes it), the date cells read (RowReader._occurrence).
        self._occurrences: dict[int | None, dict[Any, Any]] = {}
        self.keys = tuple(dict.fromkeys([*(t[0] for t in self._text), *(["date"] if "date" in fields else []),
                                         *(w[0] for w in self._words), *(d[0] for d in self._dates)]))
        self._pad = (None,) * (max(fields.values()) + 1)  # a short row (csv) is padded to every column read
        # A row's values start as every key read anywhere, empty: a column the file lacks reads as None.
        self._blank = dict.fromkeys([*TEXT_KEYS, "date", *(key for key, _ in WORD_PARSERS), *DATE_KEYS])

    def where(self, row: int, key: str) -> str:
        index = self.header.fields[key]
        return f"row {row}, column {sheet.column_letter(index)} ({self.header.labels[key]})"

    @staticmethod
    def _parse(memo: dict[Any, Any], parse: Callable[[Any], Any], raw: Any) -> Any:
        """``parse(raw)``, remembered in ``memo``; a BadValue is returned (remembered), not raised."""
        remember: dict[Any, Any] | None = memo
        try:
            found = memo.get(raw, _MISSING)
        except TypeError:  # an unhashable cell: never the case with calamine or csv
            found, remember = _MISSING, None
        if found is _MISSING:
            try:
                found = parse(raw)
            except sheet.BadValue as bad:
                found = bad
            if remember is not None and len(remember) < MEMO_SIZE:
                remember[raw] = found
        return found

    def _date(self, key: str, raw: Any) -> Any:
        """The CellDate of a cell, None when empty, or the BadValue saying what is wrong."""
        if raw is None or raw == "":
            return None
        year = self.year
        memo = self._date_memos.get((key, year))
        if memo is None:
            memo = self._date_memos[(key, year)] = {}
        try:
            found = memo.get(raw, _MISSING)
        except TypeError:
            found = _MISSING
        if found is _MISSING:
            found = self._parse(memo, functools.partial(sheet.parse_date, year=year), raw)
        return found

    def read(self, row: int, cells: Sequence[Any]) -> Parsed | None:
        pad = self._pad
        if len(cells) < len(pad):
            cells = (*cells, *pad[len(cells):])
        problems: list[str] = []
        values = self._blank.copy()
        text_of = sheet.text_of
        for key, index, limit, shared in self._text:
            raw = cells[index]
            text: Any
            if raw.__class__ is not str:
                text = text_of(raw)
            elif shared is not None:  # one copy of a value many rows repeat
                text = shared.get(raw, _MISSING)
                if text is _MISSING:
                    text = text_of(raw)
                    if len(shared) < MEMO_SIZE:
                        shared[raw] = text
            elif "\r" in raw:
                text = text_of(raw)
            else:  # text_of's common case, inline
                text = raw.strip() or None
                if text is not None and text[0] == "'" and len(text) > 1 and text[1] in _FORMULA_FIRST:
                    text = text[1:]
            values[key] = text
            if limit and text and len(text) > limit:
                problems.append(f"{self.where(row, key)}: longer than {limit} characters")
        occurred = None
        instant = None
        minute = 0
        if self._date_index is not None:
            raw = cells[self._date_index]
            known: Any = None
            if raw is not None and raw != "":
                memo = self._occurrences.get(self.year)
                if memo is None:
                    memo = self._occurrences[self.year] = {}
                try:
                    known = memo.get(raw, _MISSING)
                except TypeError:  # an unhashable cell: never the case with calamine or csv
                    known = self._occurrence(raw)
                if known is _MISSING:
                    known = self._occurrence(raw)
                    if len(memo) < MEMO_SIZE:
                        memo[raw] = known
            if known.__class__ is tuple:
                occurred, instant, minute = known
                values["date"] = occurred
                self.year = occurred.day.year
            elif known is None:
                values["date"] = None
            else:
                problems.append(f"{self.where(row, 'date')}: {known}")
        for key, index, parse, memo in self._words:
            raw = cells[index]
            if raw is None or raw == "":
                values[key] = [] if key == "tags" else None
                continue
            try:
                found = memo.get(raw, _MISSING)
            except TypeError:  # an unhashable cell: never the case with calamine or csv
                found = _MISSING
            if found is _MISSING:
                found = self._parse(memo, parse, raw)
            if isinstance(found, sheet.BadValue):
                problems.append(f"{self.where(row, key)}: {found}")
            else:
                values[key] = found
        for key, index in self._dates:
            found = self._date(key, cells[index])
            if isinstance(found, sheet.BadValue):
                problems.append(f"{self.where(row, key)}: {found}")
            else:
                values[key] = found
        history = None
        if self._history_index is not None and cells[self._history_index] not in (None, ""):
            history = self._history(row, cells[self._history_index], values, occurred, problems)
        if (not values.get("company") and not values.get("number") and not any(v for v in values.values())
                and not problems and all(text_of(c) is None for c in cells)):
            return None  # a blank row
        if not values.get("company") and not values.get("number"):
            key = "company" if "company" in self.header.fields else "number"
            problems.append(f"{self.where(row, key)}: the company is missing")
        parsed = Parsed(row=row, values=values, problems=problems)
        parsed.has_followup = self._followups and (occurred is not None or any(values.get(k) for k in FOLLOWUP_CELLS))
        if parsed.has_followup and occurred is None:
            key = "date" if "date" in self.header.fields else next(k for k in FOLLOWUP_CELLS if k in self.header.fields)
            if not any(p.startswith(self.where(row, key)) for p in problems):
                problems.append(f"{self.where(row, key)}: a follow-up needs its date (跟进日期 / Date)")
        if occurred is not None:
            parsed.occurred = instant
            parsed.minute = minute
        parsed.history = history
        return parsed

    def _history(self, row: int, raw: Any, values: dict[str, Any], occurred: Any,
                 problems: list[str]) -> list[tuple[datetime, str, str | None]] | None:
        """The entries of an interaction history cell as follow-ups; "10月15日" without a year
        takes the year of the row's last contact, else of its date, else of the rows above."""
        known = values.get("last_contact") or occurred
        try:
            entries = sheet.parse_history(raw, year=known.day.year if known else self.year)
        except sheet.BadValue as bad:
            problems.append(f"{self.where(row, 'history')}: {bad}")
            return None
        return [(self.instant(datetime.combine(day, DEFAULT_TIME)), sheet.method_in_text(said), said)
                for day, said in entries]

    def instant(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def _occurrence(self, raw: Any) -> Any:
        """A follow-up's date cell read: (CellDate, the UTC instant, whole minutes since the epoch),
        None for an empty cell, or the BadValue saying what is wrong."""
        try:
            found = sheet.parse_date(raw, year=self.year)
        except sheet.BadValue as bad:
            return bad
        if found is None:
            return None
        at = self.instant(found.combine(DEFAULT_TIME))
        return found, at, int(at.timestamp()) // 60


_MISSING = object()


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0) if at.second or at.microsecond else at


def followup_identity(customer_key: Any, occurred: datetime, method: str, content: str | None) -> int:
    """What makes two follow-ups the same one (customer, time to the minute, method, content), hashed."""
    text = (content or "").replace("\r\n", "\n").strip()
    # Python's own hash (SipHash for the text, seeded per process): both sides of the comparison,
    # the stored follow-ups and the file's rows, are hashed in the same process.
    return hash((customer_key, _minute(occurred), method, text))


# Grouping ----------------------------------------------------------------------------------------


CUSTOMER_KEYS = ("company", "industry", "company_size", "main_business", "region", "need", "pain_points", "source",
                 "intent", "tags", "grade", "annual_purchase", "acquired", "last_contact", "status", "next_step",
                 "next_step_date", "stage", "customer_notes", "notes", "owner")
KEY_SLOT = {key: slot for slot, key in enumerate(CUSTOMER_KEYS)}
STATUS_OF: tuple[str | None, ...] = (None, *STATUSES)
STAGE_OF: tuple[str | None, ...] = (None, *STAGES)
STATUS_CODE = {status: code for code, status in enumerate(STATUS_OF)}
STAGE_CODE = {stage: code for code, stage in enumerate(STAGE_OF)}
assert len(STATUS_OF) <= 16 and len(STAGE_OF) <= 16  # four bits each in Group.history
NO_ORDERS = [-1] * len(CUSTOMER_KEYS)


@dataclass(slots=True)
class Group:
    """One customer of the file: its latest non-empty values, contacts, history and rows (kept
    compact: a long file has as many of these as customers)."""

    first_row: int
    number: str | None = None
    number_row: int = 0
    name_key: str | None = None
    # The latest non-empty value of each of CUSTOMER_KEYS, and the order of the row it came from.
    slots: list[Any] = field(default_factory=lambda: [None] * len(CUSTOMER_KEYS))
    orders: array = field(default_factory=lambda: array("q", NO_ORDERS))
    contacts: dict[str, list[str | None]] = field(default_factory=dict)  # name → [title, phone, email]
    # Each follow-up row's order, status (code) and stage (code), to build the history in date order,
    # packed in one int64 (order << 8 | status << 4 | stage; a dated row's order is under 2**55): a
    # long file has one entry per row.
    history: array = field(default_factory=lambda: array("q"))
    rows: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    other_names: list[str] | None = None  # normalised companies of its rows other than name_key

    def value(self, key: str) -> Any:
        return self.slots[KEY_SLOT[key]]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as one flat tuple (a file's customers beyond import_store's budget wait on disk):
        three times as fast both ways as the dataclass's own state: the arrays as bytes, the times
        without their time zone (UTC; pickling datetime.UTC costs as much as the rest together)."""
        return _group_from, (self.first_row, self.number, self.number_row, self.name_key, self.slots,
                             self.orders.tobytes(), self.contacts, self.history.tobytes(), self.rows,
                             _naive(self.first_at), _naive(self.last_at), self.other_names)

    @property
    def timeline(self) -> list[tuple[int, str | None, str | None]]:
        """(order, status or None, stage or None) of each follow-up row, in date order (an entry
        sorts as its order: orders are distinct)."""
        return [(entry >> 8, STATUS_OF[entry >> 4 & 15], STAGE_OF[entry & 15]) for entry in sorted(self.history)]

    @property
    def has_row_without_status(self) -> bool:
        return any(entry >> 4 & 15 == 0 for entry in self.history)


def _group_from(first_row: int, number: str | None, number_row: int, name_key: str | None, slots: list[Any],
                orders: bytes, contacts: dict[str, list[str | None]], history: bytes, rows: int,
                first_at: datetime | None, last_at: datetime | None, other_names: list[str] | None) -> Group:
    """A Group as Group.__reduce__ pickled it."""
    group = Group.__new__(Group)
    group.first_row, group.number, group.number_row, group.name_key = first_row, number, number_row, name_key
    group.slots, group.contacts, group.rows = slots, contacts, rows
    group.first_at = first_at and first_at.replace(tzinfo=UTC)
    group.last_at = last_at and last_at.replace(tzinfo=UTC)
    group.other_names = other_names
    group.orders = array("q")
    group.orders.frombytes(orders)
    group.history = array("q")
    group.history.frombytes(history)
    return group


def _naive(at: datetime | None) -> datetime | None:
    return at and at.replace(tzinfo=None)


# A row's order: rows in date order (to the minute, then row by row); rows without a date (a
# customer's current state) after every dated row. One int: the minute, shifted, or'ed with the row
# (UNDATED | row without a date); check_file computes it.
ROW_BITS = 24  # row numbers below 16,777,216 (Excel stops at 1,048,576)
UNDATED = 1 << 62


def _order_time(order: int) -> datetime:
    return datetime.fromtimestamp((order >> ROW_BITS) * 60, UTC)


def _order_row(order: int) -> int:
    return order & ((1 << ROW_BITS) - 1)


@dataclass
class Plan:
    """What pass 1 found: the file's customers and follow-up rows (kept out of memory), and every
    problem."""

    groups: GroupStore[Group]
    header: sheet.Header
    owners: dict[str, str]  # owner as written → user id
    default_owner: str | None  # --owner: for rows without an owner
    problems: list[str]
    spill: Spill[tuple[Any, ...]]
    numbers: NumberBlocks  # counted by _settle
    rows: int = 0
    # Identities (FileIdentity) that more than one follow-up row of the file has: the only rows
    # the write compares with the rows before them (a set of every row's would grow with the file).
    repeated: frozenset[int] = frozenset()
    # Per customer of the file (by index): the id of the customer already stored, else 0 (_settle).
    stored_ids: array = field(default_factory=lambda: array("q"))
    # Per customer of the file: who its follow-ups are logged by when a row names no owner, as an
    # index into ``authors`` (_settle).
    author_codes: array = field(default_factory=lambda: array("H"))
    authors: list[str] = field(default_factory=list)

    @property
    def existing(self) -> int:
        return sum(1 for customer_id in self.stored_ids if customer_id)

    def close(self) -> None:
        self.spill.close()
        self.groups.close()

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Owners ------------------------------------------------------------------------------------------


def team_directory(runtime: Runtime, team: TeamConfig, *, now: datetime) -> dict[str, set[str]]:
    """Every way a team member may be written in the 负责人 column → their user ids: the user id,
    the real name and the display name (users.info, cached for the profile's time zone and
    language as everywhere; a failure leaves the cached real name)."""
    members = list(dict.fromkeys([*team.supervisors, *team.reps]))
    names: dict[str, set[str]] = {}

    def add(name: str | None, user_id: str) -> None:
        if name and name.strip():
            names.setdefault(fold(name), set()).add(user_id)

    with runtime.db.read() as session:
        cached = queries.slack_users(session=session, user_ids=members)
    for user_id in members:
        add(user_id, user_id)
        if user_id in cached:
            add(cached[user_id].real_name, user_id)
        if not runtime.slack.token:
            continue
        try:
            user = runtime.slack.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, OSError):
            continue
        profile = user.get("profile") or {}
        for name in (user.get("real_name"), profile.get("real_name"), profile.get("display_name"), user.get("name")):
            add(name, user_id)
        with runtime.db.write(background=True) as session:
            queries.save_slack_user(session=session, user_id=user_id, tz=user.get("tz"), locale=user.get("locale"),
                                    real_name=user.get("real_name"), deleted=bool(user.get("deleted")), now=now)
    return names


# Import -----------------------------------------------------------------------------------------


def import_file(runtime: Runtime, path: Path, *, team: TeamConfig, owner: str | None = None, dry_run: bool = False,
                progress: Progress | None = None) -> ImportResult:
    """Check the whole file, then write it in one transaction (or, ``dry_run``, roll it back).

    Raises ImportRefused with every problem when any row is wrong; nothing is written then.
    """
    now = runtime.now()
    if owner is not None and owner not in (*team.supervisors, *team.reps):
        raise ImportRefused([f"--owner {owner}: not a member of team {team.name}"])
    with _collector_paused():
        return _import(runtime, path, team=team, owner=owner, dry_run=dry_run, progress=progress, now=now)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is imported: an import makes millions of tuples,
    lists and dicts and no cycles, and each collection would walk the customers of the file kept
    so far (10% of a 100,000-row import's time). The steps that query the database through
    SQLAlchemy, whose statements and ORM objects do refer to themselves, run with it on
    (``_collector_running``): left to pile up, their garbage grew with the file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _collector_running() -> Iterator[None]:
    """The cycle collector on for a step of the import (see _collector_paused), then as it was."""
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not enabled:
            gc.disable()


def _import(runtime: Runtime, path: Path, *, team: TeamConfig, owner: str | None, dry_run: bool,
            progress: Progress | None, now: datetime) -> ImportResult:
    plan = check_file(runtime, path, team=team, owner=owner, now=now, progress=progress)
    with plan:
        if plan.problems:
            raise ImportRefused(plan.problems)
        result = ImportResult(layout=plan.header.layout, ignored_columns=plan.header.ignored, dry_run=dry_run)
        with runtime.db.write() as session:
            with bulk.bulk_load(session), search.customers_inserted_in_bulk(session):
                _write(session, runtime, plan, path, team=team, now=now, result=result, progress=progress)
            if dry_run:
                session.rollback()
    if not dry_run and result.created + result.updated + result.followups:
        runtime.db.refresh_statistics(IMPORTED_TABLES)
    return result


# What an import writes in bulk: the planner's statistics of them are renewed after it (see
# Database.refresh_statistics).
IMPORTED_TABLES = ("customers", "contacts", "followups", "status_history")


def check_file(runtime: Runtime, path: Path, *, team: TeamConfig, owner: str | None, now: datetime,
               progress: Progress | None = None) -> Plan:
    """Pass 1: read every row, group the customers, match owners, compare with the database."""
    in_a_process = path.suffix.lower() in (".xlsx", ".xlsm") and _reader_process_possible()
    items = _parsed_rows(_in_a_process(read_rows, path) if in_a_process else read_rows(path), path, team.zone)
    header = next(items)
    reader = RowReader(header, team.zone)  # here for its columns (where, keys): the rows come read
    problems: list[str] = []
    groups: GroupStore[Group] = GroupStore()
    by_number = KeyIndex(lambda index, key: (groups[index].number or "").lower() == key)
    by_name = KeyIndex(lambda index, key: key == groups[index].name_key or key in (groups[index].other_names or ()))
    count = 0
    spill: Spill[tuple[Any, ...]] = Spill()
    last_company, last_key = None, None
    last_number, last_lower, last_name_key = None, None, None
    last_index: int | None = None  # the previous row's customer, when finding it raised nothing
    group: Group | None = None  # the previous row's customer (groups[last_index]: nothing asked of groups since)
    spilled: list[tuple[Any, ...]] = []
    kept = [(slot, key) for slot, key in enumerate(CUSTOMER_KEYS) if key in reader.keys]
    contact_keys = [(position, key) for position, key in enumerate(("contact_title", "phone", "email"))
                    if key in reader.keys]
    kept_slots = [slot for slot, _ in kept]
    kept_values = _getter([key for _, key in kept])
    spilled_values = _getter(SPILLED_KEYS)
    identities = array("q")  # each spilled row's identity in the file (see Plan.repeated)
    owner_rows: dict[str, list[int]] = {}  # owner as written → the first rows naming it
    register = header.layout == "register"
    for number, parsed in items:
        count += 1
        if progress and count % 1000 == 0:
            progress(1000)
        if parsed is None:
            continue
        problems.extend(parsed.problems)
        values = parsed.values
        customer_number = values.get("number")
        company = values.get("company")
        if company != last_company:
            last_company, last_key = company, normalize_company_name(company) if company else None
        name_key = last_key
        if not customer_number and not name_key:
            continue  # reported: the company is missing
        if customer_number == last_number and name_key == last_name_key and last_index is not None and group is not None:
            index = last_index  # the same customer as the row before, which raised nothing: the same answer
        else:
            last_number, last_name_key = customer_number, name_key
            last_lower = customer_number.lower() if customer_number else None
            before = len(problems)
            index = _resolve_group(number, values, customer_number, last_lower, name_key, groups=groups,
                                   by_number=by_number, by_name=by_name, reader=reader, problems=problems)
            last_index = index if len(problems) == before and not register else None
            group = groups[index]
        if register and group.rows:
            where = reader.where(number, "number" if customer_number else "company")
            problems.append(f"{where}: the same customer as row {group.first_row}")
        group.rows += 1
        occurred = parsed.occurred
        order = UNDATED | number if occurred is None else parsed.minute << ROW_BITS | number  # see ROW_BITS
        slots, orders = group.slots, group.orders
        for slot, value in zip(kept_slots, kept_values(values), strict=True):  # the latest non-empty value of each field
            if not value and (value is None or value == "" or value == []):
                continue
            if order >= orders[slot]:
                orders[slot], slots[slot] = order, value
        owner_written = values.get("owner")
        if owner_written:
            rows_of_owner = owner_rows.get(owner_written)
            if rows_of_owner is None:
                rows_of_owner = owner_rows[owner_written] = []
            if len(rows_of_owner) <= 10:  # enough to name them in a refusal
                rows_of_owner.append(number)
        contact_name = values.get("contact_name")
        if contact_name:
            contact = group.contacts.get(contact_name)
            if contact is None:
                contact = group.contacts[contact_name] = [None, None, None]
            for position, key in contact_keys:
                if values[key]:
                    contact[position] = values[key]
        if occurred is not None and parsed.has_followup:
            group.history.append(order << 8 | STATUS_CODE[values.get("status")] << 4  # see Group.history
                                 | STAGE_CODE[values.get("stage")])
            if group.first_at is None or occurred < group.first_at:
                group.first_at = occurred
            if group.last_at is None or occurred > group.last_at:
                group.last_at = occurred
            if not problems:  # a file with problems is not written: no need to keep its rows
                identity = hash((index, _minute(occurred), values["method"] or "other", values["content"] or ""))
                identities.append(identity)
                spilled.append((index, number, occurred, identity, *spilled_values(values)))
        for at, method, said in parsed.history or ():  # the row's 互动历史, a follow-up an entry
            if group.first_at is None or at < group.first_at:
                group.first_at = at
            if group.last_at is None or at > group.last_at:
                group.last_at = at
            if not problems:
                identity = hash((index, _minute(at), method, said or ""))
                identities.append(identity)
                spilled.append((index, number, at, identity, method, None, said, None, None, None, None, None, None,
                                owner_written))
        if len(spilled) >= Spill.BATCH:
            spill.extend(spilled)
            spilled = []
    spill.extend(spilled)
    if progress:
        progress(count % 1000)
    owners = _match_owners(runtime, team, owner_rows, reader, owner=owner, now=now, problems=problems)
    plan = Plan(groups=groups, header=header, owners=owners, default_owner=owner, problems=problems, spill=spill,
                numbers=NumberBlocks(team, now.astimezone(team.zone).year), rows=count, repeated=_repeated(identities))
    with _collector_running():
        _settle(runtime, plan, reader)
    plan.problems = sorted(set(problems), key=_row_of)
    return plan


def _repeated(identities: array) -> frozenset[int]:
    """The values found more than once in an array of int64 (sorted in place by numpy: no copy)."""
    import numpy

    if len(identities) < 2:
        return frozenset()
    ordered = numpy.frombuffer(identities, dtype=numpy.int64)
    ordered.sort()
    return frozenset(ordered[1:][ordered[1:] == ordered[:-1]].tolist())


def _parsed_rows(rows: Iterator[Row], path: Path, zone: Any) -> Iterator[Any]:
    """The file's header, then (row number, Parsed, or None for a blank row) of each of its ``rows``
    under it; ImportRefused when no header is found."""
    first = list(_take(rows, sheet.HEADER_SEARCH_ROWS))
    header = sheet.find_header(first)
    if header is None:
        raise ImportRefused([f"{path.name}: no header row found in the first {sheet.HEADER_SEARCH_ROWS} rows "
                             "(it needs 客户名称 / Company or 客户编号 / Customer number, and at least one more column)"])
    yield header
    read = RowReader(header, zone).read
    for number, cells in itertools.chain(first, rows):
        if number > header.row:
            yield number, read(number, cells)


# A follow-up row as pass 1 keeps it for the write: (group index, row, occurred, identity in the file:
# the hash of group index, minute, method and content, *these values).
SPILLED_KEYS = ("method", "stage", "content", "feedback", "next_step", "next_step_date", "status", "satisfaction",
                "notes", "owner")


def _getter(keys: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of ``keys`` in a row's values, as a tuple (operator.itemgetter, always a tuple)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda values: (values[key],)
    if not keys:
        return lambda values: ()
    return operator.itemgetter(*keys)


def _resolve_group(row: int, values: dict[str, Any], customer_number: str | None, lower: str | None,
                   name_key: str | None, *, groups: GroupStore[Group], by_number: KeyIndex, by_name: KeyIndex,
                   reader: RowReader, problems: list[str]) -> int:
    """The file's customer a row belongs to (same number, else same normalised company), made when new;
    a number or a company that contradicts an earlier row is a problem."""
    index = by_number.get(lower or "") if customer_number else None
    named = by_name.get(name_key) if name_key else None
    if index is None:
        index = named
    if index is None:
        index = groups.add(Group(first_row=row))
    # A group is changed right after it is taken from the store: asking the store (or a KeyIndex,
    # which asks it) for another may put this one away.
    group = groups[index]
    if customer_number:
        if group.number and group.number.lower() != lower:
            problems.append(f"{reader.where(row, 'number')}: {values.get('company')} is {group.number} in "
                            f"row {group.number_row}, not {customer_number}")
        elif not group.number:  # then no customer had this number (by_number.get above)
            group.number, group.number_row = customer_number, row
            by_number.add(lower or "", index)
    if name_key:
        other = named
        if other is None:
            by_name.add(name_key, index)
            other = index
        if other != index:
            problems.append(f"{reader.where(row, 'company')}: the same company as row "
                            f"{groups[other].first_row}, under another customer number")
        group = groups[index]
        if group.name_key is None:
            group.name_key = name_key
        elif other == index and group.name_key != name_key and name_key not in (group.other_names or ()):
            group.other_names = [*(group.other_names or ()), name_key]  # KeyIndex confirms it
    return index


def _row_of(problem: str) -> tuple[int, str]:
    parts = problem.split(",", 1)[0].split()
    return (int(parts[1]), problem) if len(parts) == 2 and parts[0] == "row" and parts[1].isdigit() else (0, problem)


def _match_owners(runtime: Runtime, team: TeamConfig, written: dict[str, list[int]], reader: RowReader, *,
                  owner: str | None, now: datetime, problems: list[str]) -> dict[str, str]:
    """Owners as written (with the first rows naming each) → team members; problems for the rest."""
    directory = team_directory(runtime, team, now=now) if written else {}
    matched: dict[str, str] = {}
    for name, rows in written.items():
        users = directory.get(fold(name), set())
        if len(users) == 1:
            matched[name] = next(iter(users))
        elif len(users) > 1:
            problems.append(f"{reader.where(rows[0], 'owner')}: \"{name}\" could be any of {', '.join(sorted(users))}; "
                            "write the Slack user id")
        elif owner is not None:
            matched[name] = owner
        else:
            others = _rows_text(rows[1:])
            problems.append(f"{reader.where(rows[0], 'owner')}: \"{name}\" is not a member of team {team.name}"
                            f"{f' (also {others})' if others else ''}; give --owner USER_ID to assign these rows")
    return matched


def _rows_text(rows: list[int]) -> str:
    if not rows:
        return ""
    shown = ", ".join(map(str, rows[:10]))
    return f"row{'s' if len(rows) > 1 else ''} {shown}{' and more' if len(rows) > 10 else ''}"


SETTLE_CHUNK = 500  # customers of the file compared with the database at a time


def _settle(runtime: Runtime, plan: Plan, reader: RowReader) -> None:
    """After pass 1, a chunk of the file's customers at a time: the customers already stored (same
    number, else same normalised company: the /lead rule), whom their follow-ups are logged by,
    the numbers the new ones need, and the problems only the whole file shows (a customer without
    a company or an owner)."""
    numbers = plan.numbers
    header, problems = plan.header, plan.problems
    codes: dict[str, int] = {}
    missing_owners = 0
    chunk: list[Group] = []  # in the file's order: each adds its entry to plan.stored_ids and author_codes

    def settle_chunk() -> None:
        nonlocal missing_owners
        with runtime.db.read() as session:
            by_number = queries.customer_ids_by_numbers(session=session, numbers=[g.number for g in chunk if g.number])
            by_name = queries.customer_ids_by_name_keys(session=session, name_keys=[g.name_key for g in chunk
                                                                                     if g.name_key])
        for group in chunk:
            numbered = by_number.get(group.number.lower()) if group.number else None
            named = by_name.get(group.name_key) if group.name_key else None
            found = 0
            if numbered is not None and named is not None and numbered[0] != named[0]:
                problems.append(f"{reader.where(group.number_row, 'number')}: {group.number} is "
                                f"{numbered[1]}, but {group.value('company')} is already {named[2]}")
            elif named is not None and group.number and numbered is None:
                problems.append(f"{reader.where(group.number_row, 'number')}: {group.value('company')} is already "
                                f"customer {named[2]}, not {group.number}")
            else:
                found = (numbered or named or (0,))[0]
            plan.stored_ids.append(found)
            numbers.count(group, stored=bool(found))
            if not found and not group.value("company"):
                row = group.number_row or group.first_row
                column = "company" if "company" in header.fields else "number"
                problems.append(f"{reader.where(row, column)}: the company is missing (no customer {group.number} "
                                "exists)")
            written = group.value("owner")
            author = (plan.owners.get(written) if written else None) or plan.default_owner or ""
            code = codes.get(author)
            if code is None:
                code = codes[author] = len(plan.authors)
                plan.authors.append(author)
            plan.author_codes.append(code)
            if written is None and plan.default_owner is None:
                missing_owners += 1
                if "owner" in header.fields:
                    problems.append(f"{reader.where(group.first_row, 'owner')}: the owner is missing; fill it in or "
                                    "give --owner USER_ID")
        chunk.clear()

    for _, group in plan.groups.items():
        chunk.append(group)
        if len(chunk) >= SETTLE_CHUNK:
            settle_chunk()
    if chunk:
        settle_chunk()
    if missing_owners and "owner" not in header.fields:
        problems.append(f"the file has no 负责人 / Owner column: give --owner USER_ID to assign its "
                        f"{missing_owners} customer(s)")


# Writing ----------------------------------------------------------------------------------------


def _write(session: Session, runtime: Runtime, plan: Plan, path: Path, *, team: TeamConfig, now: datetime,
           result: ImportResult, progress: Progress | None) -> None:
    team_id = runtime.team_ids[team.name]
    zone = team.zone
    numbers = plan.numbers
    numbers.take(session)
    new_count = len(plan.groups) - plan.existing
    new_ids = queries.reserve_customer_ids(session=session, count=new_count)
    # Per customer of the file: its id (stored, or reserved when it is made, below).
    ids = array("q", plan.stored_ids)
    # New customers a chunk at a time, with what hangs on them (each table's rows of the chunk
    # inserted in bulk: bulk.insert_stream).
    chunk: tuple[list[tuple[Any, ...]], ...] = ([], [], [], [])

    def write_chunk() -> None:
        for model, columns, rows in zip((Customer, Contact, StatusChange, AuditEntry),
                                        (NEW_CUSTOMER_COLUMNS, CONTACT_COLUMNS, HISTORY_COLUMNS, AUDIT_COLUMNS), chunk,
                                        strict=True):
            bulk.insert_stream(session=session, model=model, columns=columns, rows=rows, chunk=max(len(rows), 1))
            rows.clear()

    customers, contacts, history, audit = chunk
    for index, group in plan.groups.items():
        if ids[index]:
            continue
        new_id = ids[index] = next(new_ids)
        values = _customer_values(group, plan, team=team, zone=zone, now=now)
        number = group.number or numbers.next_number(group)
        if result.dry_run:
            result.changes.append(f"create {number} {values['company']} ({values['status']}, owner "
                                  f"{values['owner_id']})")
        customers.append((new_id, number, team_id, group.name_key, "approved", IMPORTER, now, now,
                          search_text(number=number, company=values["company"], contacts=list(group.contacts)),
                          pinyin_initials(values["company"]), *map(values.__getitem__, CUSTOMER_VALUES)))
        contacts.extend((new_id, name, title, phone, email, position == 0)
                        for position, (name, (title, phone, email)) in enumerate(group.contacts.items()))
        history.extend(_history(group, new_id, values["status"], owner=values["owner_id"], now=now))
        audit.append((now, IMPORTER, "customer.import", "customers", new_id, None,
                      {"number": number, "company": values["company"], "file": path.name}))
        if len(customers) >= BATCH:
            write_chunk()
    write_chunk()
    result.created = new_count
    if plan.existing:
        with _collector_running():
            _update_existing(session, plan, path, team=team, now=now, result=result)
    if plan.header.layout == "followups" or plan.spill.count:
        _write_followups(session, plan, ids=ids, team=team, result=result, progress=progress)
    else:
        result.skipped = 0
    session.flush()


def _update_existing(session: Session, plan: Plan, path: Path, *, team: TeamConfig, now: datetime,
                     result: ImportResult) -> None:
    """Customers already there: only what the file says and differs, a chunk of them at a time
    (loaded, changed, written and let go)."""
    chunk: list[tuple[int, Group]] = []

    def update_chunk() -> None:
        stored = queries.customers_by_ids(session=session, customer_ids=[customer_id for customer_id, _ in chunk])
        history: list[dict[str, Any]] = []
        audit = []
        for customer_id, group in chunk:
            customer = stored[customer_id]  # as it is now, inside the write transaction
            values = _customer_values(group, plan, team=team, zone=team.zone, now=now)
            changed = _update_customer(session, customer, group, values, now=now, history=history)
            if changed:
                result.updated += 1
                if result.dry_run:
                    result.changes.append(f"update {customer.number} {customer.company}: {', '.join(sorted(changed))}")
                audit.append({"at": now, "actor_id": IMPORTER, "action": "customer.import_update",
                              "entity_type": "customers", "entity_id": customer.id, "before": None,
                              "after": {"fields": sorted(changed), "file": path.name}})
            else:
                result.unchanged += 1
        _insert_all(session, ((StatusChange, history), (AuditEntry, audit)))
        session.flush()
        session.expunge_all()  # then let go (a customer and its contacts refer to each other: the collector frees them)
        chunk.clear()

    for index, group in plan.groups.items():
        customer_id = plan.stored_ids[index]
        if customer_id:
            chunk.append((customer_id, group))
            if len(chunk) >= SETTLE_CHUNK:
                update_chunk()
    if chunk:
        update_chunk()


def _insert_all(session: Session, tables: tuple[tuple[Any, list[dict[str, Any]]], ...]) -> None:
    for model, rows in tables:
        bulk.insert_dicts(session=session, model=model, rows=rows)


# What _customer_values gives, and the columns of a new customer (bulk.insert_stream).
CUSTOMER_VALUES = ("company", "industry", "company_size", "main_business", "region", "need", "pain_points", "source",
                   "intent", "tags", "grade", "annual_purchase", "acquired_at", "status", "owner_id", "last_contact_at",
                   "last_stage", "next_step", "next_step_at", "notes", "next_due_at", "due_reason")
NEW_CUSTOMER_COLUMNS = ("id", "number", "team_id", "name_key", "registration", "created_by", "created_at", "updated_at",
                        "search_text", "pinyin", *CUSTOMER_VALUES)
CONTACT_COLUMNS = ("customer_id", "name", "title", "phone", "email", "is_primary")
AUDIT_COLUMNS = ("at", "actor_id", "action", "entity_type", "entity_id", "before", "after")


class NumberBlocks:
    """Numbers for the file's new customers that have none. ``count`` sees each customer of the
    file (pass 1, _settle); ``take`` moves each sequence of the team's format past the numbers the
    file has (they are kept) and takes a block of each for the customers that need one;
    ``next_number`` hands them out in the file's order."""

    def __init__(self, team: TeamConfig, year: int) -> None:
        self.team, self.year = team, year
        self._highest: dict[str, int] = {}  # sequence → the highest number the file has in it
        self._wanted: dict[tuple[str, str], int] = {}  # (sequence, format) → customers needing a number
        self._next: dict[tuple[str, str], int] = {}  # (sequence, format) → the next number of its block

    def parts(self, group: Group) -> tuple[str, str]:
        return number_parts(self.team.customer_number, year=self.year,
                            region=(group.value("region") or self.team.region or "XX").upper(),
                            industry=industry_code(group.value("industry") or "", self.team.industry_codes))

    def count(self, group: Group, *, stored: bool) -> None:
        if group.number:
            parsed = sheet_number(self.team, group.number)
            if parsed is not None:
                key, seq = parsed
                self._highest[key] = max(self._highest.get(key, 0), seq)
        elif not stored:
            parts = self.parts(group)
            self._wanted[parts] = self._wanted.get(parts, 0) + 1

    def take(self, session: Session) -> None:
        for key, seq in self._highest.items():
            queries.raise_sequence(session=session, key=key, at_least=seq)
        for (key, fmt), count in self._wanted.items():
            self._next[(key, fmt)] = queries.take_sequence_block(session=session, key=key, count=count)

    def next_number(self, group: Group) -> str:
        parts = self.parts(group)
        seq = self._next[parts]
        self._next[parts] = seq + 1
        return parts[1].format(seq=seq)


@functools.lru_cache(maxsize=32)
def _number_pattern(number_format: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The regular expression a team's customer number format reads as, and its field names."""
    pattern, names = "", []
    for literal, name, _spec, _conversion in string.Formatter().parse(number_format):
        pattern += re.escape(literal)
        if name is None:
            continue
        names.append(name)
        pattern += {"year": r"(\d{4})", "seq": r"(\d+)"}.get(name, r"([A-Za-z0-9]+)")
    return re.compile(pattern, re.IGNORECASE), tuple(names)


def sheet_number(team: TeamConfig, number: str) -> tuple[str, int] | None:
    """The sequence key and number of a customer number written in the team's format, else None."""
    pattern, names = _number_pattern(team.customer_number)
    match = pattern.fullmatch(number.strip())
    if match is None:
        return None
    found = dict(zip(names, match.groups(), strict=True))
    key, _ = number_parts(team.customer_number, year=int(found.get("year", 0) or 0),
                          region=found.get("region", "XX").upper(), industry=found.get("industry", "XX").upper())
    return key, int(found["seq"])


def _final_status(group: Group) -> str | None:
    """The status of the customer's last row: its own 当前状态, or where its stages took it."""
    status = group.value("status")
    if status is not None:
        return status
    current = "lead"
    for _, explicit, stage in group.timeline:
        current = explicit or status_after(current, stage) or current
    return current if group.history else None


def _customer_values(group: Group, plan: Plan, *, team: TeamConfig, zone: Any, now: datetime) -> dict[str, Any]:
    def instant(cell: sheet.CellDate | None, default: time = DEFAULT_TIME) -> datetime | None:
        return None if cell is None else cell.combine(default).replace(tzinfo=zone).astimezone(UTC)

    owner_written = group.value("owner")
    owner = plan.owners.get(owner_written) if owner_written else plan.default_owner
    last_contact = max(filter(None, [group.last_at, instant(group.value("last_contact"))]), default=None)
    next_step = group.value("next_step")
    next_cell = group.value("next_step_date")
    year = (group.last_at or now).astimezone(zone).year
    next_day = next_cell.day if next_cell else sheet.leading_date(next_step, year=year)
    next_at = (datetime.combine(next_day, next_cell.at if next_cell and next_cell.at else NEXT_STEP_TIME)
               .replace(tzinfo=zone).astimezone(UTC) if next_day else None)
    if next_at is not None and next_at <= now:
        next_at = None  # history: a step planned in the past is not a missed one today
    acquired = instant(group.value("acquired")) or group.first_at or now
    values = {
        "company": group.value("company"), "industry": group.value("industry") or "",
        "company_size": group.value("company_size"), "main_business": group.value("main_business"),
        "region": group.value("region"), "need": group.value("need") or "", "pain_points": group.value("pain_points"),
        "source": group.value("source") or "other", "intent": group.value("intent") or "medium",
        "tags": group.value("tags") or [], "grade": group.value("grade"),
        "annual_purchase": group.value("annual_purchase"), "acquired_at": acquired,
        "status": _final_status(group) or "lead", "owner_id": owner or "",
        "last_contact_at": last_contact, "last_stage": group.value("stage"), "next_step": next_step,
        "next_step_at": next_at, "notes": group.value("customer_notes") or (
            group.value("notes") if plan.header.layout == "register" else None),
    }
    facts = CustomerFacts(grade=values["grade"], status=values["status"], paused=False, assigned_at=now,
                          last_contact_at=last_contact, last_stage=values["last_stage"], next_step_at=next_at)
    due = next_due(facts, team.policy.cadence, tz=team.timezone, holidays=team.holidays)
    values["next_due_at"] = due.at if due else None
    values["due_reason"] = due.reason if due else None
    return values


HISTORY_COLUMNS = ("customer_id", "from_status", "to_status", "changed_by", "changed_at", "reason")


def _history(group: Group, customer_id: int, final: str, *, owner: str, now: datetime) -> list[tuple[Any, ...]]:
    """Status history of a new customer (rows of HISTORY_COLUMNS): each change along its rows in
    date order, at that date."""
    steps: list[tuple[Any, ...]] = []
    status: str | None = None
    derived = "lead"
    by = owner or IMPORTER
    for order, explicit, stage in group.timeline:
        derived = explicit or status_after(derived, stage) or derived
        if derived != status:
            steps.append((customer_id, status, derived, by, _order_time(order), "import"))
            status = derived
    if status != final:
        steps.append((customer_id, status, final, by, group.last_at or now, "import"))
    return steps


UPDATABLE = ("industry", "company_size", "main_business", "region", "need", "pain_points", "source", "intent", "tags",
             "grade", "annual_purchase", "notes")


def _update_customer(session: Session, customer: Customer, group: Group, values: dict[str, Any], *, now: datetime,
                     history: list[dict[str, Any]]) -> set[str]:
    changed: set[str] = set()
    for name in UPDATABLE:
        value = values.get(name)
        if value in (None, "", []) or (name in ("source", "intent") and group.value(name) is None):
            continue
        current = getattr(customer, name)
        if isinstance(value, Decimal) and current is not None:
            current = Decimal(current)
        if current != value:
            setattr(customer, name, value)
            changed.add(name)
    if group.value("acquired") is not None and _minute(customer.acquired_at) != _minute(values["acquired_at"]):
        customer.acquired_at = values["acquired_at"]
        changed.add("acquired_at")
    contacts = {c.name: c for c in customer.contacts}
    for name, details in group.contacts.items():
        contact = contacts.get(name)
        if contact is None:
            customer.contacts.append(Contact(name=name, title=details[0], phone=details[1], email=details[2],
                                             is_primary=not customer.contacts))
            changed.add("contacts")
            continue
        for attr, value in zip(("title", "phone", "email"), details, strict=True):
            if value and getattr(contact, attr) != value:
                setattr(contact, attr, value)
                changed.add("contacts")
    file_last = values["last_contact_at"]
    is_latest = customer.last_contact_at is None or file_last is None or file_last >= customer.last_contact_at
    if values["status"] != customer.status and is_latest and (group.value("status") or group.history):
        history.append({"customer_id": customer.id, "from_status": customer.status, "to_status": values["status"],
                        "changed_by": values["owner_id"] or IMPORTER, "changed_at": file_last or now,
                        "reason": "import"})
        customer.status = values["status"]
        changed.add("status")
    if file_last is not None and (customer.last_contact_at is None or file_last > customer.last_contact_at):
        customer.last_contact_at = file_last
        customer.last_stage = values["last_stage"] or customer.last_stage
        changed.add("last_contact_at")
        if values["next_step"] and customer.next_step != values["next_step"]:
            customer.next_step, customer.next_step_at = values["next_step"], values["next_step_at"]
    if changed:
        customer.search_text = search_text(number=customer.number, company=customer.company,
                                           contacts=[c.name for c in customer.contacts])
        customer.updated_at = now
    return changed


def _write_followups(session: Session, plan: Plan, *, ids: array, team: TeamConfig, result: ImportResult,
                     progress: Progress | None) -> None:
    """Pass 2: the follow-up rows kept by pass 1, streamed into the table (bulk.insert_stream), leaving out
    the ones already there."""
    zone = team.zone
    stored = _stored_identities(session, [customer_id for customer_id in plan.stored_ids if customer_id])
    repeated, first_of_repeated = plan.repeated, set()
    next_steps: dict[tuple[Any, ...], datetime | None] = {}
    years: dict[datetime, int] = {}
    owners, groups, authors, author_codes = plan.owners, plan.groups, plan.authors, plan.author_codes
    derived: dict[int, dict[int, str]] = {}  # a few customers' _statuses_by_row, for rows without a status

    def derived_status(index: int, row: int) -> str | None:
        found = derived.get(index)
        if found is None:
            if len(derived) >= 1_000:
                derived.clear()
            group = groups[index]
            found = derived[index] = _statuses_by_row(group) if group.has_row_without_status else {}
        return found.get(row)

    def rows() -> Iterator[tuple[Any, ...]]:
        count = 0
        for (index, number, occurred, in_file, method, stage, content, feedback, next_step, next_cell, status,
             satisfaction, remarks, owner_written) in plan.spill:
            count += 1
            if progress and count % 1000 == 0:
                progress(1000)
            customer_id = ids[index]
            method = method or "other"
            if in_file in repeated:  # twice in the file: the first is kept
                if in_file in first_of_repeated:
                    result.skipped += 1
                    continue
                first_of_repeated.add(in_file)
            # followup_identity, inline: a file's content is text_of's already (no "\r", stripped).
            if stored is not None and stored.holds(hash((customer_id, _minute(occurred) if occurred.second
                                                         or occurred.microsecond else occurred, method, content or ""))):
                result.skipped += 1
                continue
            author = (owners.get(owner_written) if owner_written else None) or authors[author_codes[index]]
            if next_step is None and next_cell is None:
                next_at = None
            else:
                local_year = years.get(occurred)
                if local_year is None:
                    if len(years) >= 100_000:
                        years.clear()
                    local_year = years[occurred] = occurred.astimezone(zone).year
                step_key = (next_cell, next_step if next_cell is None else None, local_year)
                next_at = next_steps.get(step_key, _MISSING)
                if next_at is _MISSING:
                    next_day = next_cell.day if next_cell else sheet.leading_date(next_step, year=local_year)
                    next_at = (datetime.combine(next_day, next_cell.at if next_cell and next_cell.at else NEXT_STEP_TIME)
                               .replace(tzinfo=zone).astimezone(UTC) if next_day else None)
                    if len(next_steps) >= 100_000:
                        next_steps.clear()
                    next_steps[step_key] = next_at
            yield (customer_id, author or IMPORTER, occurred, occurred, method, stage, content, feedback, next_step,
                   next_at, (author or None) if next_step else None,
                   status or derived_status(index, number), satisfaction, remarks, False)
        if progress:
            progress(count % 1000)

    result.followups += bulk.insert_stream(session=session, model=FollowUp, columns=FOLLOWUP_COLUMNS,
                                           rows=rows(), chunk=FOLLOWUP_BATCH)


class _Identities:
    """The identities (followup_identity) of follow-ups already stored, as a sorted array: 8 bytes
    each, where a set of Python ints took about 70."""

    def __init__(self, hashes: Any) -> None:
        hashes.sort()
        self._hashes = hashes

    def holds(self, identity: int) -> bool:
        position = int(self._hashes.searchsorted(identity))
        return position < len(self._hashes) and int(self._hashes[position]) == identity


def _stored_identities(session: Session, customer_ids: list[int]) -> _Identities | None:
    """The identities of the stored follow-ups of these customers (None when there are none)."""
    import numpy

    if not customer_ids:
        return None
    found = numpy.fromiter((followup_identity(customer_id, occurred, method, notes) for customer_id, occurred, method, notes
                            in queries.followup_identities(session=session, customer_ids=customer_ids)), dtype=numpy.int64)
    return _Identities(found) if len(found) else None


FOLLOWUP_COLUMNS = ("customer_id", "author_id", "occurred_at", "logged_at", "method", "stage", "notes", "feedback",
                    "next_step", "next_step_at", "next_step_owner", "status_after", "satisfaction", "remarks", "late")
FOLLOWUP_BATCH = 20_000


def _statuses_by_row(group: Group) -> dict[int, str]:
    """Where the stages took a customer on each row whose 当前状态 is empty; a row with neither a
    status nor a stage (an interaction history entry exported as a row) says nothing of it."""
    found: dict[int, str] = {}
    current = "lead"
    for order, explicit, stage in group.timeline:
        current = explicit or status_after(current, stage) or current
        if explicit or stage:
            found[_order_row(order)] = current
    return found


# Export -------------------------------------------------------------------------------------------


def export_file(runtime: Runtime, target: Path | BinaryIO, *, fmt: str, lang: str = "en", team: TeamConfig | None = None,
                scope: CustomerScope | None = None, progress: Progress | None = None) -> int:
    """Write the customers (of ``team``, and/or within ``scope``) and their follow-ups; returns
    how many customers were written.

    Formula injection (CVE-2021-25960): a cell that starts with ``=``, ``+``, ``-`` or ``@`` is
    written so that no spreadsheet runs it. In CSV it gets a leading ``'`` — the only thing every
    spreadsheet reading CSV honours, and what import takes off again so a round trip is exact.
    In xlsx every text is a string cell (``t="inlineStr"``, never ``<f>``), and the text columns
    carry Excel's quote prefix style, so the text is shown and kept as typed (an edit in Excel does
    not turn it into a formula either), without an added character.
    """
    team_id = runtime.team_ids[team.name] if team is not None else None
    headers = [sheet.header_for(key, lang) for key in sheet.EXPORT_KEYS]
    writer: _CsvWriter | _XlsxWriter = _XlsxWriter(target, headers) if fmt == "xlsx" else _CsvWriter(target, headers)
    cell = writer.cell
    empty = cell(None)
    stages, methods, statuses = (_word_cells(table, lang, cell) for table in (sheet.STAGE_WORDS, sheet.METHOD_WORDS,
                                                                               sheet.STATUS_WORDS))
    times: dict[tuple[datetime, Any], Any] = {}

    def when(at: datetime | None, zone: Any) -> Any:
        """A stored time as the cell shows it in the team's zone, each distinct one converted once."""
        if at is None:
            return empty
        found = times.get((at, zone))
        if found is None:
            if len(times) >= 100_000:
                times.clear()
            found = times[(at, zone)] = cell(_local(at, zone))
        return found

    def word(words: dict[str | None, Any], key: str | None) -> Any:
        found = words.get(key)
        return found if found is not None else cell(key)

    written = 0

    def pages() -> Iterator[tuple[list[Customer], dict[int, list[Any]]]]:
        """Each page of customers with their follow-ups by customer id (read in ``_read_ahead``'s thread)."""
        after = 0
        while True:
            with runtime.db.read() as session:
                page = queries.customers_page(session=session, after_id=after, limit=EXPORT_PAGE, team_id=team_id,
                                              scope=scope)
                followups = queries.followup_rows_of(session=session, customer_ids=[c.id for c in page])
            if not page:
                return
            by_customer: dict[int, list[Any]] = {}
            for followup in followups:
                history = by_customer.get(followup.customer_id)
                if history is None:
                    history = by_customer[followup.customer_id] = []
                history.append(followup)
            yield page, by_customer
            after = page[-1].id

    def rows(read: Iterator[tuple[list[Customer], dict[int, list[Any]]]]) -> Generator[list[Any], None, None]:
        """The export's rows, a page of customers at a time (the writer pulls them)."""
        nonlocal written
        for page, by_customer in read:
            for customer in page:
                zone = runtime.team_by_id(customer.team_id).zone
                # The customer's cells, converted once for all of its rows.
                cells = _customer_cells(customer, lang, zone)
                base = [cell(cells[key]) for key in CUSTOMER_EXPORT_KEYS]
                history = by_customer.get(customer.id, [])
                for (_, occurred_at, method, stage, notes, feedback, next_step, next_step_at, satisfaction,
                     status_then, remarks) in history:
                    yield [*base, word(stages, stage), when(occurred_at, zone), word(methods, method),
                           cell(notes), cell(feedback), cell(next_step), when(next_step_at, zone),
                           cell(satisfaction), word(statuses, status_then), cell(remarks)]
                last_status = history[-1].status_after if history else None
                if not history or last_status != customer.status:
                    # The customer's current state, on a row without a date (import reads it as the last).
                    yield [*base, empty, empty, empty, empty, empty, cell(customer.next_step),
                           when(customer.next_step_at, zone), empty, word(statuses, customer.status), empty]
                written += 1
            if progress:
                progress(len(page))

    # closing: the reading thread is stopped and joined here, also when the writer fails half-way.
    with contextlib.closing(_read_ahead(pages())) as read, contextlib.closing(rows(read)) as generated:
        writer.write_rows(generated)
    return written


EXPORT_PAGES_WAITING = 1  # pages read ahead and not yet taken: with the one being read and the one written, 3 at most


def _read_ahead(items: Iterator[_T], *, waiting: int = EXPORT_PAGES_WAITING) -> Generator[_T, None, None]:
    """``items``, produced in a thread of its own while the caller works on the previous one.

    An export waits for the database between pages; psycopg (and sqlite3) release the GIL while
    they wait, so the next page is read while this one is written. At most ``waiting`` items wait
    in the queue, so memory stays bounded. An exception in the thread is raised here, in the
    caller, as the export's error. Closing this generator (or leaving it early, or an error in the
    caller) stops the thread and joins it: it never outlives the export.
    """
    handoff: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=waiting)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                handoff.put((True, item))
                if stop.is_set():
                    return
            handoff.put((False, None))
        except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
            if not stop.is_set():
                handoff.put((False, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            more, value = handoff.get()
            if not more:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        # Make room for a put the thread may be blocked in; it then sees ``stop`` and ends.
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        thread.join()


def _word_cells(table: dict[str, tuple[str, str]], lang: str, cell: Callable[[Any], Any]) -> dict[str | None, Any]:
    """Each key of a word table as the export's cell shows it (``sheet.word_for``, converted once)."""
    return {None: cell(None), **{key: cell(sheet.word_for(table, key, lang)) for key in table}}


def _local(at: datetime | None, zone: Any) -> datetime | None:
    return None if at is None else at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


CUSTOMER_EXPORT_KEYS = ("number", "company", "industry", "company_size", "main_business", "region", "contact_name",
                        "contact_title", "phone", "email", "need", "pain_points", "source", "acquired", "intent",
                        "tags", "grade", "annual_purchase", "owner", "customer_notes")
FOLLOWUP_EXPORT_KEYS = ("stage", "date", "method", "content", "feedback", "next_step", "next_step_date",
                        "satisfaction", "status", "notes")
# export_file writes a row as the customer's cells then the follow-up's, in these orders.
assert (*CUSTOMER_EXPORT_KEYS, *FOLLOWUP_EXPORT_KEYS) == sheet.EXPORT_KEYS
assert tuple(c.key for c in queries.EXPORT_FOLLOWUP_COLUMNS) == (
    "customer_id", "occurred_at", "method", "stage", "notes", "feedback", "next_step", "next_step_at", "satisfaction",
    "status_after", "remarks")


def _customer_cells(customer: Customer, lang: str, zone: Any) -> dict[str, Any]:
    contact = customer.primary_contact
    tags = [sheet.word_for(sheet.TAG_WORDS, tag, lang) for tag in customer.tags or []]
    return {
        "number": customer.number, "company": customer.company, "industry": customer.industry,
        "company_size": customer.company_size, "main_business": customer.main_business, "region": customer.region,
        "contact_name": contact.name if contact else None, "contact_title": contact.title if contact else None,
        "phone": contact.phone if contact else None, "email": contact.email if contact else None,
        "need": customer.need, "pain_points": customer.pain_points,
        "source": sheet.word_for(sheet.SOURCE_WORDS, customer.source, lang),
        "acquired": _local(customer.acquired_at, zone),
        "intent": sheet.word_for(sheet.INTENT_WORDS, customer.intent, lang),
        "tags": ("、" if lang == "zh-CN" else ", ").join(t for t in tags if t) or None, "grade": customer.grade,
        "annual_purchase": customer.annual_purchase, "owner": customer.owner_id, "customer_notes": customer.notes,
    }


class _CsvWriter:
    """UTF-8 with a BOM (Excel then reads it as UTF-8), dates as ``YYYY-MM-DD HH:MM``."""

    def __init__(self, target: Path | BinaryIO, headers: list[str]) -> None:
        self._own = isinstance(target, Path | str)
        raw: Any = open(target, "wb") if isinstance(target, Path | str) else target  # noqa: SIM115 - closed in close()
        self._raw = raw
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(headers)

    @staticmethod
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if value.__class__ is str:
            return "'" + value if value[:1] in _FORMULA_FIRST else value
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return sheet.formula_safe(str(value))

    def write_rows(self, rows: Iterator[list[Any]]) -> None:
        """Every row (cells made by cell()), then the file closed (a stream given is flushed and left open)."""
        try:
            self._csv.writerows(rows)
        finally:
            self._text.flush()
            if self._own:
                self._text.close()
            else:
                self._text.detach()


_FORMULA_FIRST = frozenset(sheet.FORMULA_STARTS)


# The export's columns that are not text: dates (date cells) and numbers. Every other column is text.
DATE_EXPORT_KEYS = frozenset({"acquired", "date", "next_step_date"})
NUMBER_EXPORT_KEYS = frozenset({"annual_purchase", "satisfaction"})
EXCEL_FIRST_DAY = datetime(1900, 1, 1)


class _XlsxWriter:
    """rust_xlsxwriter (through rustpy-xlsxwriter) in constant-memory mode: it pulls the rows from
    the export's generator, a page of customers read at a time, and writes each row to a temporary
    file as the next one starts, so memory stays flat; a million rows take about 15 s of its time,
    where XlsxWriter (pure Python, constant-memory mode too) took about 130 s.

    Cells are plain values: text (always a string cell: rust_xlsxwriter's records path never
    writes a formula, a URL or a number from a string), numbers, naive datetimes (date cells);
    empty cells are not written. The date columns carry the date format, every text column Excel's
    quote prefix style: a text that looks like a formula (``=…``, ``+…``, ``-…``, ``@…``) is shown
    as typed and stays text when edited in Excel. rustpy-xlsxwriter sets formats per column, not
    per cell, so the style is on the whole text column, which only holds text."""

    DATE_FORMAT = "yyyy-mm-dd hh:mm"
    SHEET = "Customers"

    def __init__(self, target: Path | BinaryIO, headers: list[str]) -> None:
        self._target: Any = str(target) if isinstance(target, Path | str) else target
        self._headers = headers

    @staticmethod
    def cell(value: Any) -> Any:
        if value is None or value.__class__ is str:
            return value or None
        if isinstance(value, datetime):
            # Excel has no date before 1900: such a time is written as the text import reads back.
            return value if value >= EXCEL_FIRST_DAY else value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return str(value)

    def write_rows(self, rows: Iterator[list[Any]]) -> None:
        """Every row (cells made by cell()) under the header, then the file closed."""
        from rustpy_xlsxwriter import Format, write_worksheet

        headers = self._headers
        date, quoted = Format().set_num_format(self.DATE_FORMAT), Format().set_quote_prefix()
        formats = {header: date if key in DATE_EXPORT_KEYS else quoted
                   for key, header in zip(sheet.EXPORT_KEYS, headers, strict=True) if key not in NUMBER_EXPORT_KEYS}
        first = next(rows, None)
        # The header row is the first record's keys: an export without rows is the header alone.
        records = ((dict(zip(headers, row, strict=True)) for row in itertools.chain([first], rows))
                   if first is not None else iter([dict.fromkeys(headers)]))
        write_worksheet(records, self._target, sheet_name=self.SHEET, column_formats=formats,
                        datetime_format=self.DATE_FORMAT, autofit=False)


def export_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"{path.name}: export writes .xlsx or .csv")


__all__ = ["ImportRefused", "ImportResult", "count_rows", "detect_encoding", "export_file", "export_format",
           "import_file", "read_rows", "sheet_number", "team_directory"]
