"""Plain rows in bulk (the spreadsheet import): column by column, without the ORM's or the
statement's per-row bookkeeping.

The rows are turned into columns once (``zip``); each column goes through its own bind processing
(UTC, JSON, booleans) the way SQLAlchemy would, a datetime or boolean column converting each
distinct value once and mapping the rest through a dictionary, and Python-side defaults fill the
columns not named, as an INSERT through SQLAlchemy would. Then ``COPY`` on PostgreSQL (psycopg 3),
one ``executemany`` on the driver's cursor on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean
from sqlalchemy.orm import Session

from storage.models import Base, UTCDateTime


def insert_rows(*, session: Session, model: type[Base], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows given as sequences of values in the order of ``columns``."""
    if rows:
        insert_columns(session=session, model=model, columns=dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)),
                       count=len(rows))


def insert_dicts(*, session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Rows given as dicts with the same keys."""
    if rows:
        insert_columns(session=session, model=model, columns={name: [row[name] for row in rows] for name in rows[0]},
                       count=len(rows))


def insert_columns(*, session: Session, model: type[Base], columns: dict[str, list[Any]], count: int) -> None:
    """``count`` rows given column by column (each list ``count`` long)."""
    if not count:
        return
    table: Any = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    data = dict(columns)
    for column in table.c:  # Python-side defaults of the columns not named
        if column.name in data or column.default is None or column.primary_key:
            continue
        default: Any = column.default
        if default.is_scalar:
            data[column.name] = [default.arg] * count
        elif default.is_callable:
            data[column.name] = [default.arg(None) for _ in range(count)]
    names = list(data)
    postgresql = dialect.name == "postgresql"
    for name in names:
        kind = table.c[name].type
        process: Callable[[Any], Any] | None
        if postgresql:  # psycopg adapts the rest; timestamps are stored as naive UTC, as UTCDateTime does
            process = (_naive_utc if isinstance(kind, UTCDateTime)
                       else json.dumps if isinstance(kind, JSON) else None)
        else:
            process = kind.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            data[name] = _converted(data[name], process, distinct=isinstance(kind, UTCDateTime | Boolean))
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        rows = zip(*data.values(), strict=True)
        if postgresql:
            with cursor.copy(f'COPY "{table.name}" ({", ".join(names)}) FROM STDIN') as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        else:
            quote = dialect.identifier_preparer.quote
            cursor.executemany(f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                               f"VALUES ({', '.join('?' * len(names))})", rows)  # type: ignore[arg-type]  # any iterable
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
