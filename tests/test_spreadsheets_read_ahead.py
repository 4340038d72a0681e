"""The export reads the next page of customers in a thread while the current one is written
(``spreadsheets._read_ahead``): the same file whatever the page size, a bounded queue, an error in
the reading thread raised as the export's, and the thread gone when the export returns or fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services import spreadsheets
from bot.services.spreadsheets import import_file
from storage import queries
from tests.conftest import Bot
from tests.factories import make_customer
from tests.test_spreadsheets import east, formula_customer, seed_file

THREAD = "export-read-ahead"


def read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD]


@pytest.fixture
def book(bot: Bot, tmp_path: Path) -> Bot:
    """Five customers: the seed's (six follow-ups), one with formula-looking cells, three without follow-ups."""
    import_file(bot.runtime, seed_file(tmp_path), team=east(bot), owner="U0REP1")
    formula_customer(bot)
    for n in range(3):
        make_customer(bot, "U0REP2", f"Quiet Customer {n} Ltd")
    return bot


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_pages_of_one_customer_give_the_same_file_as_one_page(book: Bot, tmp_path: Path, fmt: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    whole = tmp_path / f"whole.{fmt}"
    assert spreadsheets.export_file(book.runtime, whole, fmt=fmt, lang="zh-CN", team=east(book)) == 5
    monkeypatch.setattr(spreadsheets, "EXPORT_PAGE", 1)
    pages: list[int] = []
    paged = tmp_path / f"paged.{fmt}"
    assert spreadsheets.export_file(book.runtime, paged, fmt=fmt, lang="zh-CN", team=east(book),
                                    progress=pages.append) == 5
    assert pages == [1] * 5
    if fmt == "csv":
        assert paged.read_bytes() == whole.read_bytes()
    else:
        import zipfile

        def sheet_xml(path: Path) -> bytes:
            return zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")

        assert sheet_xml(paged) == sheet_xml(whole)
    assert read_ahead_threads() == []


def test_an_error_while_reading_a_page_is_the_exports_error(book: Bot, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "EXPORT_PAGE", 2)
    real = queries.followup_rows_of
    calls: list[threading.Thread] = []

    def failing_on_the_second_page(**kwargs: object) -> list[object]:
        calls.append(threading.current_thread())
        if len(calls) == 2:
            raise ConnectionError("server closed the connection unexpectedly")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "followup_rows_of", failing_on_the_second_page)
    with pytest.raises(ConnectionError, match="server closed the connection"):
        spreadsheets.export_file(book.runtime, tmp_path / "out.csv", fmt="csv", lang="zh-CN", team=east(book))
    assert len(calls) == 2 and all(t.name == THREAD for t in calls)  # read in the thread, not the caller
    assert read_ahead_threads() == []


def test_a_failing_writer_stops_the_reading_thread(book: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "EXPORT_PAGE", 1)

    def progress(done: int) -> None:
        # By now the thread has read the next pages and waits for room in the queue.
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        spreadsheets.export_file(book.runtime, tmp_path / "out.csv", fmt="csv", lang="zh-CN", team=east(book),
                                 progress=progress)
    assert read_ahead_threads() == []


def test_read_ahead_keeps_at_most_the_waiting_items_ahead_of_the_caller() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for n in range(100):
            produced.append(n)
            yield n

    reader = spreadsheets._read_ahead(items(), waiting=2)
    assert next(reader) == 0
    deadline = time.monotonic() + 5
    while len(produced) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # room for the thread to run further ahead, were the queue unbounded
    # Taken by the caller (0), waiting in the queue (1, 2), and the one the thread holds until there is room (3).
    assert produced == [0, 1, 2, 3]
    assert list(reader) == list(range(1, 100))
    assert read_ahead_threads() == []


def test_leaving_read_ahead_early_ends_its_thread_and_closes_the_items() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(1_000)
        finally:
            closed.set()

    reader = spreadsheets._read_ahead(items())
    assert [next(reader), next(reader)] == [0, 1]
    reader.close()
    assert closed.is_set() and read_ahead_threads() == []
