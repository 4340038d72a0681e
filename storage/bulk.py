"""Plain rows in bulk (the spreadsheet import): column by column, without the ORM's or the
statement's per-row bookkeeping.

``insert_stream`` takes rows from an iterator a chunk at a time. Each chunk is turned into columns
once (``zip``); each column goes through its own bind processing (UTC, JSON, booleans) the way
SQLAlchemy would, a datetime or boolean column converting each distinct value once and mapping the
rest through a dictionary, and Python-side defaults fill the columns not named, as an INSERT
through SQLAlchemy would. Then one ``COPY`` for all the chunks on PostgreSQL (psycopg 3), one
``executemany`` a chunk on the driver's cursor on SQLite.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean
from sqlalchemy.orm import Session

from storage.models import Base, UTCDateTime

BULK_CACHE_KB = 32 * 1024  # SQLite's page cache while a bulk load runs (its default is 2 MB)


@contextmanager
def bulk_load(session: Session) -> Iterator[None]:
    """On SQLite, a 32 MB page cache for this connection while the block runs, then back to what
    it was. Rows inserted in bulk land in the table in order, but in each index (customers have
    eight, and the search table) in random places: with the default 2 MB, index pages were
    written out and read back again and again, a tenth of a 100,000-customer import's time. The
    cache is the connection's own and bounded, so memory stays flat. Nothing on PostgreSQL,
    whose server has its own shared buffers."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    # The driver's connection itself: set back even when the block failed and the session's
    # transaction waits for its rollback (the pool would keep the larger cache otherwise).
    connection: Any = session.connection().connection.dbapi_connection
    before = int(connection.execute("PRAGMA cache_size").fetchone()[0])
    connection.execute(f"PRAGMA cache_size=-{BULK_CACHE_KB}")
    try:
        yield
    finally:
        connection.execute(f"PRAGMA cache_size={before}")


def insert_dicts(*, session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Rows given as dicts with the same keys."""
    if rows:
        columns = list(rows[0])
        insert_stream(session=session, model=model, columns=columns, rows=([row[c] for c in columns] for row in rows))


def insert_stream(*, session: Session, model: type[Base], columns: Sequence[str], rows: Iterable[Sequence[Any]],
                  chunk: int = 20_000) -> int:
    """Rows from an iterator (values in the order of ``columns``), however many: made and inserted
    ``chunk`` at a time. On PostgreSQL all of them go through one ``COPY``, so the server stores
    the rows sent while this process makes the next ones (with a ``COPY`` a chunk, each chunk's
    rows were made while the server waited, then stored while this process waited); on SQLite,
    one ``executemany`` a chunk. Returns how many rows there were."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    rows = iter(rows)
    first = list(itertools.islice(rows, chunk))
    if not first:
        return 0
    count = 0
    with _statement(session, table, _names(table, columns)) as write:
        batch = first
        while batch:
            write(_prepared(table, dialect, dict(zip(columns, map(list, zip(*batch, strict=True)), strict=True)),
                            len(batch)))
            count += len(batch)
            batch = list(itertools.islice(rows, chunk))
    return count


def _defaulted(table: Any, named: Iterable[str]) -> list[Any]:
    """The columns not named that have a Python-side default (an INSERT through SQLAlchemy fills them)."""
    named = set(named)
    return [column for column in table.c
            if column.name not in named and column.default is not None and not column.primary_key]


def _names(table: Any, columns: Iterable[str]) -> list[str]:
    columns = list(columns)
    return [*columns, *(column.name for column in _defaulted(table, columns))]


def _prepared(table: Any, dialect: Any, columns: dict[str, list[Any]], count: int) -> Iterator[tuple[Any, ...]]:
    """The rows to send, in the order of ``_names``: Python-side defaults filled, each column
    through its own bind processing (UTC, JSON, booleans) the way SQLAlchemy would."""
    data = dict(columns)
    for column in _defaulted(table, columns):
        default: Any = column.default
        if default.is_scalar:
            data[column.name] = [default.arg] * count
        elif default.is_callable:
            data[column.name] = [default.arg(None) for _ in range(count)]
    postgresql = dialect.name == "postgresql"
    for name in data:
        kind = table.c[name].type
        process: Callable[[Any], Any] | None
        if postgresql:  # psycopg adapts the rest; timestamps are stored as naive UTC, as UTCDateTime does
            process = (_naive_utc if isinstance(kind, UTCDateTime)
                       else json.dumps if isinstance(kind, JSON) else None)
        else:
            process = kind.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            data[name] = _converted(data[name], process, distinct=isinstance(kind, UTCDateTime | Boolean))
    return zip(*data.values(), strict=True)


@contextmanager
def _statement(session: Session, table: Any, names: list[str]) -> Iterator[Callable[[Iterator[tuple[Any, ...]]], None]]:
    """A function that inserts rows of ``names`` into ``table``: into one ``COPY`` on PostgreSQL
    (psycopg 3), ended when the block ends; one ``executemany`` a call on SQLite."""
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if session.get_bind().dialect.name == "postgresql":
            with cursor.copy(f'COPY "{table.name}" ({", ".join(names)}) FROM STDIN') as copy:
                def send(rows: Iterator[tuple[Any, ...]]) -> None:
                    write = copy.write_row
                    for row in rows:
                        write(row)

                yield send
        else:
            quote = session.get_bind().dialect.identifier_preparer.quote
            statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                         f"VALUES ({', '.join('?' * len(names))})")
            yield lambda rows: cursor.executemany(statement, rows)  # type: ignore[arg-type]  # any iterable
    finally:
        cursor.close()


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _converted(values: list[Any], process: Callable[[Any], Any], *, distinct: bool) -> list[Any]:
    """``process`` applied to every value but None; with ``distinct``, once per distinct value."""
    if not distinct:
        return [None if value is None else process(value) for value in values]
    table = {value: None if value is None else process(value) for value in set(values)}
    return list(map(table.__getitem__, values))
