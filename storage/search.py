"""Customer search (type-ahead, ``/followup find``, a customer named by number or name) through an index.

The order is the one the plain query (``scan``) gives, the reference the tests compare with: the
number itself, then numbers that start with the query, then companies that start with it, then a
contact name or a word that starts with it, then a match anywhere; within a rank the most recently
contacted first, then the newest. Only live customers the asker may see, at most ``limit``. After
all of them, for a query of Latin letters and digits, the companies whose pinyin initials start with
it (``hwjs``: 华为技术…; ``customers.pinyin``, ``storage.pinyin``) that the text did not match, in the
same order (``pinyin_ids``, through ``ix_customers_search_pinyin`` on both databases, revision 0015).

How it stays fast on a million customers: each rank is one SQL query that applies the visibility
and sorts in SQL, asked only for the rows still missing, so a query matching half the customers
reads about ``limit`` of them instead of ranking them all (ranks 0 and 1 are read together). A
rank's rows come one of two ways, chosen by counting its candidates through their index:
- few (under ``dense``): read those candidates and sort them;
- many: walk an index in contact order (everyone's, or each supervised team's: a supervisor never
  walks other teams' rows) and stop at the ``limit``-th match, about ``limit × rows / dense`` rows.
  ``dense`` balances the two (measured): sqrt(5 × customers) on SQLite, about 700 at 100,000;
  sqrt(10 × customers) on PostgreSQL, 1,000 at 100,000 and 3,200 at a million. The order indexes
  hold every column a rank's test reads (index-only walks). Where the candidates' index holds every
  column too (SQLite's company rank), a candidate costs about a row of the walk: sqrt(100 ×
  customers), 3,200 at 100,000.
Candidates come from ``lower(number)`` (the number ranks) and:
- SQLite: the company rank from ``ix_customers_search_lead``, a B-tree on the search text after the
  number (revision 0013) holding the columns of visibility, order and the rank's own test: the
  company's matches are one range of it, sorted without the table, and the rank's test (not a
  number match; the folded number as ``lower`` gives it) is made on the first ``limit`` + 20 only.
  Ranks 3 and 4 from the FTS5 table ``customer_search`` (trigram tokenizer, kept by triggers on
  customers). ``body`` is the search text plus a closing unit separator (any substring of three
  characters or more); ``starts`` is the search text with two STX before each field and word start,
  so a one- or two-character field or word start is a trigram too (``"\x02\x02a"``, ``"\x02ac"``);
  ``lead`` (the text after the number, behind two STX) answered the company rank before 0013 and
  is no longer read. For three characters or more with fewer company matches than still needed,
  ranks 2 to 4 are read together, sorted from the ``body`` phrase's rows (every match is one).
  Without FTS5 (not compiled in: the migration skips the table) every search is the plain ``scan``.
  LIKE patterns are expressions, never a bare parameter: SQLite prepares a statement with
  ``column LIKE ?`` in its WHERE again at each run (0.08 ms, more than most of these statements).
- PostgreSQL: a ``pg_trgm`` GIN index on ``search_text`` answers the same LIKE patterns, a B-tree on
  the company field the company rank. Planner settings for the statements of a search: custom plans
  (a prepared statement's generic plan cannot use a LIKE pattern), no parallel workers, and for a
  walk in contact order no sequential scans, bitmaps or sorts (see ``planner``).
What no index answers: a query of one or two characters found in no field or word start (rank 4
of "zq") is a walk of every visible row in contact order, index-only: about 10 ms per 100,000
rows on SQLite, 20 ms on PostgreSQL.
The statements depend on the query only through bound values: each shape is built and compiled
once (its conditions too) and run straight through the driver.
A rep (own customers only) is answered by the plain query over their own rows (the owner index).
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.orm import Session, selectinload

from storage.models import Customer
from storage.queries import LIVE, CustomerScope
from storage.queries import _escape_like as escape_like

log = logging.getLogger(__name__)

FTS_TABLE = "customer_search"
DENSE: int | None = None  # candidates from which a rank is read in contact order (None: from the table's size)
TESTED_SLACK = 20  # candidates read beyond those needed, for the few that fail their rank's own test
STX2 = "\x02\x02"  # marks a field or word start in the ``starts`` column
SEP = "\x1f"  # separates the fields of ``customers.search_text``
NUMBER_INDEX = "ix_customers_search_number"
ORDER_INDEX = "ix_customers_search_contact_order"
TEAM_ORDER_INDEX = "ix_customers_search_team_contact_order"
TRGM_INDEX = "ix_customers_search_trgm"
OWNER_ORDER_INDEX = "ix_customers_search_owner_contact_order"  # PostgreSQL: a supervisor's own, in order
COMPANY_INDEX = "ix_customers_search_company"  # PostgreSQL: the company field of the search text
COMPANY_SQL = "split_part(search_text, E'\\x1f', 3)"
LEAD_INDEX = "ix_customers_search_lead"  # SQLite: the text after the number, with the columns a rank reads
LEAD_SQL = "substr(search_text, 2 + instr(substr(search_text, 2), char(31)))"  # the company, then the contacts
INITIAL_SQL = "substr(search_text, 2 + instr(substr(search_text, 2), char(31)), 1)"  # the company's first character
INITIAL_INDEX = "ix_customers_search_initial"  # SQLite: the company's first character, in contact order
TEAM_INITIAL_INDEX = "ix_customers_search_team_initial"  # the same in each team
PINYIN_INDEX = "ix_customers_search_pinyin"  # the company's pinyin initials (revision 0015)
TRIGGERS = ("customer_search_insert", "customer_search_delete", "customer_search_update")
INDEXES = (NUMBER_INDEX, ORDER_INDEX, TEAM_ORDER_INDEX, TRGM_INDEX, COMPANY_INDEX, OWNER_ORDER_INDEX, LEAD_INDEX,
           INITIAL_INDEX, TEAM_INITIAL_INDEX, PINYIN_INDEX)
SQLITE_INDEXES = (NUMBER_INDEX, ORDER_INDEX, TEAM_ORDER_INDEX, LEAD_INDEX, INITIAL_INDEX, TEAM_INITIAL_INDEX)


# Schema (revision 0010) --------------------------------------------------------------------------


def _columns_sql(value: str) -> str:
    """``body, starts, lead`` of the FTS5 row for the search text ``value`` (an SQL expression)."""
    body = f"{value} || char(31)"
    starts = f"replace(replace({value}, ' ', ' ' || char(2, 2)), char(31), char(31) || char(2, 2))"
    lead = f"char(2, 2) || substr({value}, 2 + instr(substr({value}, 2), char(31)))"
    return f"{body}, {starts}, {lead}"


def fts5_available(conn: Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34+); tests force False."""
    try:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE temp.followup_fts5_probe USING fts5(x, tokenize='trigram')")
    except Exception:  # noqa: BLE001 - "no such module: fts5" / "no such tokenizer: trigram"
        return False
    conn.exec_driver_sql("DROP TABLE temp.followup_fts5_probe")
    return True


def create_sqlite_index(conn: Connection) -> None:
    """The FTS5 table filled from the customers, its triggers, and the number and order indexes."""
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {NUMBER_INDEX} "
                         "ON customers (lower(number), team_id, owner_id, registration)")
    # Contact order with every column a rank's condition reads: walked in order without the table.
    rank_columns = "owner_id, registration, number, search_text"
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {ORDER_INDEX} "
                         f"ON customers (last_contact_at, id, team_id, {rank_columns})")
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {TEAM_ORDER_INDEX} "
                         f"ON customers (team_id, last_contact_at, id, {rank_columns})")
    if not fts5_available(conn):
        log.warning("SQLite without FTS5 (trigram): customer search scans the customers table")
        return
    conn.exec_driver_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                         "body, starts, lead, content='', tokenize='trigram')")
    conn.exec_driver_sql(f"DELETE FROM {FTS_TABLE}")
    columns = "rowid, body, starts, lead"
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE} ({columns}) SELECT id, {_columns_sql('search_text')} FROM customers")
    new = f"new.id, {_columns_sql('new.search_text')}"
    old = f"'delete', old.id, {_columns_sql('old.search_text')}"
    conn.exec_driver_sql(_insert_trigger_sql())
    conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER DELETE ON customers BEGIN "
                         f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, {columns}) VALUES ({old}); END")
    conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER UPDATE OF id, search_text ON customers "
                         f"BEGIN INSERT INTO {FTS_TABLE} ({FTS_TABLE}, {columns}) VALUES ({old}); "
                         f"INSERT INTO {FTS_TABLE} ({columns}) VALUES ({new}); END")


def _insert_trigger_sql() -> str:
    """The trigger that gives a new customer its FTS5 row (revision 0010)."""
    return (f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON customers BEGIN "
            f"INSERT INTO {FTS_TABLE} (rowid, body, starts, lead) VALUES (new.id, {_columns_sql('new.search_text')}); "
            "END")


@contextmanager
def customers_inserted_in_bulk(session: Session) -> Iterator[None]:
    """For a block that inserts many customers inside ``session``'s transaction (an import): on
    SQLite, their FTS5 rows are made by one statement when the block ends instead of by the insert
    trigger row by row, the trigger dropped meanwhile and made again. The rows are the trigger's
    own; one statement makes them ten times faster (100,000 customers: 1 s instead of 9 s; the
    trigger's inserts each flush FTS5's pending terms). It all happens inside the caller's
    transaction, which SQLite lets no other writer share, and DDL is transactional there: a
    rollback (a failure, a dry run) gives the trigger back as it was. Nothing on PostgreSQL, where
    the trigram index is an ordinary index, or without FTS5."""
    if session.get_bind().dialect.name != "sqlite" or session.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": TRIGGERS[0]}).first() is None:
        yield
        return
    before = session.execute(text("SELECT coalesce(max(id), 0) FROM customers")).scalar_one()
    session.execute(text(f"DROP TRIGGER {TRIGGERS[0]}"))
    yield
    session.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, body, starts, lead) "
                         f"SELECT id, {_columns_sql('search_text')} FROM customers WHERE id > :before"),
                    {"before": before})
    session.execute(text(_insert_trigger_sql()))


def drop_sqlite_index(conn: Connection) -> None:
    for trigger in TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    for index in SQLITE_INDEXES:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")


def create_sqlite_lead_index(conn: Connection) -> None:
    """(Revision 0013) The company rank's candidates as a range of one B-tree, with every column its
    test and order read: counted and read without the table (the FTS5 ``lead`` phrase read the table
    for each)."""
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {LEAD_INDEX} ON customers "
                         f"({LEAD_SQL}, last_contact_at, team_id, owner_id, registration, number, search_text)")


def drop_sqlite_lead_index(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {LEAD_INDEX}")


def create_sqlite_initial_indexes(conn: Connection) -> None:
    """(Revision 0014) A one-character query's company rank in contact order: everyone's, and each
    team's (a supervisor's). Its rows are an equality range of these, already in order: read up to
    the ``limit``-th without a count or a sort (the walk of every row in contact order read about
    ``limit × customers / matches`` rows: 1.3 ms for "a" on 100,000)."""
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {INITIAL_INDEX} ON customers ({INITIAL_SQL}, last_contact_at, id)")
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {TEAM_INITIAL_INDEX} "
                         f"ON customers (team_id, {INITIAL_SQL}, last_contact_at, id)")


def drop_sqlite_initial_indexes(conn: Connection) -> None:
    for index in (INITIAL_INDEX, TEAM_INITIAL_INDEX):
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")


def create_pinyin_index(conn: Connection) -> None:
    """(Revision 0015) The company's pinyin initials, for a prefix of them (both databases)."""
    opclass = " text_pattern_ops" if conn.dialect.name == "postgresql" else ""
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {PINYIN_INDEX} ON customers (pinyin{opclass})")


def drop_pinyin_index(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PINYIN_INDEX}")


def _trgm_schema(conn: Connection) -> str | None:
    return conn.execute(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                             "WHERE e.extname = 'pg_trgm'")).scalar()


def create_postgresql_index(conn: Connection) -> None:
    """``pg_trgm`` (in ``public`` unless it exists already) and its GIN index, the number and order indexes."""
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS {NUMBER_INDEX} "
                      "ON customers (lower(number) text_pattern_ops, team_id, owner_id, registration)"))
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS {COMPANY_INDEX} "
                      f"ON customers ({COMPANY_SQL} text_pattern_ops)"))
    # Contact order with every column a rank's condition reads: index-only scans, stopped at the 100th.
    rank_columns = "owner_id, registration, number, search_text"
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS {ORDER_INDEX} ON customers "
                      f"(last_contact_at DESC NULLS LAST, id DESC) INCLUDE (team_id, {rank_columns})"))
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS {TEAM_ORDER_INDEX} ON customers "
                      f"(team_id, last_contact_at DESC NULLS LAST, id DESC) INCLUDE ({rank_columns})"))
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS {OWNER_ORDER_INDEX} ON customers "
                      "(owner_id, last_contact_at DESC NULLS LAST, id DESC) INCLUDE (team_id, registration, number, "
                      "search_text)"))
    schema = _trgm_schema(conn)
    if schema is None:
        try:
            with conn.begin_nested():  # another schema's migration may create it at the same moment
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        except Exception as exc:  # noqa: BLE001 - not installed, or no right to create it
            log.warning("pg_trgm could not be created (%s): customer search without a trigram index", exc)
        schema = _trgm_schema(conn)
        if schema is None:
            return
    quoted = '"' + schema.replace('"', '""') + '"'
    conn.execute(text(f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON customers "
                      f"USING gin (search_text {quoted}.gin_trgm_ops)"))


def drop_postgresql_index(conn: Connection) -> None:
    for index in INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS {index}"))


def is_search_object(name: str | None, type_: str) -> bool:
    """The objects above, which the models do not declare (for comparing the models with migrations)."""
    return bool(name) and ((type_ == "index" and name in INDEXES) or
                           (type_ == "table" and str(name).startswith(FTS_TABLE)))


# Queries -----------------------------------------------------------------------------------------


def _sqlite_table_hint(compiler: SQLiteCompiler, table_: Any, hint: str | None) -> str | None:
    return hint


# SQLAlchemy drops table hints on SQLite; these queries name the index to read (``INDEXED BY``,
# ``NOT INDEXED``), so that a rank is read through its candidates or in contact order as chosen.
SQLiteCompiler.get_from_hint_text = _sqlite_table_hint  # type: ignore[method-assign,assignment]


def rank_of(folded: str) -> ColumnElement[int]:
    """The rank of a customer for ``folded`` (0 best .. 4), as the plain query has always ranked."""
    escaped = escape_like(folded)
    number = func.lower(Customer.number)
    return case(
        (number == folded, 0),
        (number.like(escaped + "%", escape="\\"), 1),
        (Customer.search_text.like(literal(SEP) + number + literal(SEP + escaped + "%"), escape="\\"), 2),
        (or_(Customer.search_text.like("%" + SEP + escaped + "%", escape="\\"),
             Customer.search_text.like("% " + escaped + "%", escape="\\")), 3),
        else_=4,
    )


def _contains(folded: str) -> ColumnElement[bool]:
    return Customer.search_text.like("%" + escape_like(folded) + "%", escape="\\")


def _newest_first(dialect: str) -> list[Any]:
    # SQLite sorts NULL first ascending, hence last descending: its plain DESC walks the index backwards.
    contact = Customer.last_contact_at.desc() if dialect == "sqlite" else Customer.last_contact_at.desc().nulls_last()
    return [contact, Customer.id.desc()]


def _plain(entity: Any, session: Session, scope: CustomerScope, folded: str, limit: int) -> Select[Any]:
    return (select(entity).where(LIVE, scope.clause(), _contains(folded))
            .order_by(rank_of(folded), *_newest_first(session.get_bind().dialect.name)).limit(limit))


def scan(*, session: Session, scope: CustomerScope, folded: str, limit: int) -> list[Customer]:
    """The plain query: every visible customer whose search text contains ``folded``, ranked in one sort."""
    return list(session.scalars(_plain(Customer, session, scope, folded, limit)))


_has_fts: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def has_text_index(session: Session) -> bool:
    """SQLite: whether the FTS5 table exists (it does not where FTS5 was missing when migrating);
    looked up once per engine (the schema is migrated before anything searches)."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return True
    if not isinstance(engine, Engine):
        engine = engine.engine
    found = _has_fts.get(engine)
    if found is None:
        found = _has_fts[engine] = session.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": FTS_TABLE}).first() is not None
    return found


def _fts_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _next_prefix(value: str) -> str | None:
    """The smallest string above every string starting with ``value`` (binary order), None if none."""
    for i in range(len(value) - 1, -1, -1):
        code = ord(value[i]) + 1
        if code == 0xD800:
            code = 0xE000
        if code <= 0x10FFFF:
            return value[:i] + chr(code)
    return None


_Shape = tuple[Any, ...]
_compiled: dict[_Shape, Any] = {}  # (dialect, what, rank, scope's shape, ...) -> the statement compiled once


def _run(session: Session, shape: _Shape, build: Any, params: dict[str, Any]) -> list[Any]:
    """Run the statement ``build`` makes for ``shape`` (built and compiled once) on the session's
    connection, straight through the driver: ``params`` are only values."""
    dialect = session.get_bind().dialect
    key = (dialect.name, *shape)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = build().compile(dialect=dialect)
    values = compiled.construct_params(params)
    cursor = session.connection().connection.cursor()
    try:
        if compiled.positiontup is not None:
            cursor.execute(compiled.string, tuple(values[name] for name in compiled.positiontup))
        else:
            cursor.execute(compiled.string, values)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _params(folded: str, scope: CustomerScope, dense: int, dense_covered: int) -> dict[str, Any]:
    """Every value the statements below bind, for ``folded`` and ``scope``."""
    escaped = escape_like(folded)
    marked = folded.replace(" ", " " + STX2)
    mark = STX2 if len(folded) == 1 else STX2[0]
    values: dict[str, Any] = {
        "q": folded, "q_next": _next_prefix(folded), "q_prefix": escaped + "%", "q_company": SEP + escaped + "%",
        "q_field": "%" + SEP + escaped + "%", "q_word": "% " + escaped + "%", "q_contains": "%" + escaped + "%",
        "fts_starts": "{starts} : " + _fts_phrase(mark + marked), "fts_body": "{body} : " + _fts_phrase(folded),
        "user": scope.user_id, "dense": dense, "dense_covered": dense_covered,
    }
    values.update({f"team_{i}": team_id for i, team_id in enumerate(scope.team_ids)})
    return values


class _Search:
    """One search: per rank, a count of its visible rows through its candidates, then its rows read
    sorted from the candidates or in contact order. The statements depend on the query only through
    bound values: each shape is built and compiled once, then run as plain SQL (most of a search's
    time was SQLAlchemy building and compiling them)."""

    def __init__(self, session: Session, scope: CustomerScope, folded: str, dense: int, dense_covered: int) -> None:
        self.session, self.scope, self.folded, self.dense, self.dense_covered = session, scope, folded, dense, dense_covered
        self.dialect = session.get_bind().dialect
        self.params = _params(folded, scope, dense, dense_covered)
        self.scope_shape = ("all",) if scope.everything else ("teams", len(scope.team_ids))
        self.number = func.lower(Customer.number)
        self.open = ("open",) if _next_prefix(folded) is None else ()  # no string above the query's prefixes
        self.counts: dict[tuple[int, ...], int] = {}

    def _run(self, shape: _Shape, build: Any, need: int, **values: Any) -> list[Any]:
        return _run(self.session, (*shape, *self.scope_shape), build, {**self.params, "need": need, **values})

    def rank(self) -> ColumnElement[int]:
        number, text_ = self.number, Customer.search_text
        return case(
            (number == bindparam("q"), 0),
            (number.like(bindparam("q_prefix"), escape="\\"), 1),
            (text_.like(literal(SEP) + number + bindparam("q_company"), escape="\\"), 2),
            (or_(text_.like(bindparam("q_field"), escape="\\"), text_.like(bindparam("q_word"), escape="\\")), 3),
            else_=4,
        )

    def scope_clause(self) -> ColumnElement[bool]:
        if self.scope.everything:
            return true()
        teams: list[Any] = [bindparam(f"team_{i}") for i in range(len(self.scope.team_ids))]
        return or_(Customer.owner_id == bindparam("user"), Customer.team_id.in_(teams))

    def contains(self) -> ColumnElement[bool]:
        """The search text contains the query. On SQLite the pattern is an expression, not a bare
        parameter: a statement with ``column LIKE ?`` in its WHERE is prepared again each time that
        parameter is bound (SQLite may plan a LIKE by its pattern), which cost more than running
        most of these statements (0.08 ms of an 0.09 ms one)."""
        pattern: Any = bindparam("q_contains")
        if self.dialect.name == "sqlite":
            pattern = pattern.concat(literal_column("''"))
        return Customer.search_text.like(pattern, escape="\\")

    def lead_range(self) -> ColumnElement[bool]:
        """SQLite: the search text after the number starts with the query (a range of ``LEAD_INDEX``)."""
        lead: ColumnElement[Any] = literal_column(LEAD_SQL)
        if _next_prefix(self.folded) is None:
            return lead >= bindparam("q")
        return and_(lead >= bindparam("q"), lead < bindparam("q_next"))

    def exact(self, rank: int) -> list[ColumnElement[bool]]:
        """The customers of ``rank`` the asker may see, as the plain query ranks them."""
        if rank == 2 and self.dialect.name == "sqlite":
            return [LIVE, self.scope_clause(), self.company_rank(Customer.number, Customer.search_text)]
        # The cheap test first: most rows read in contact order fail it and are not ranked.
        return [self.contains(), LIVE, self.scope_clause(), self.rank() == rank]

    def company_rank(self, number: Any, text_: Any) -> ColumnElement[bool]:
        """SQLite: ``rank() == 2`` without the CASE (most of a candidate's cost) for a row's number and
        search text: not a number that starts with the query (ranks 0 and 1: on folded text LIKE's
        prefix is this range), and the company after the number does. It implies the match anywhere."""
        lowered = func.lower(number)
        number_prefix: ColumnElement[bool] = lowered >= bindparam("q")
        if not self.open:
            number_prefix = and_(number_prefix, lowered < bindparam("q_next"))
        return and_(~number_prefix, text_.like(literal(SEP) + lowered + bindparam("q_company"), escape="\\"))

    def candidates(self, rank: int) -> tuple[Callable[[], ColumnElement[bool]] | None, str, _Shape]:
        """What builds an indexed condition true for every customer of ``rank`` (None: no index
        helps), SQLite's hint to read it through that index, and what makes its statements' shape.
        The condition is built only when a statement of that shape is first compiled."""
        q, sqlite = self.folded, self.dialect.name == "sqlite"
        by_number = f"INDEXED BY {NUMBER_INDEX}"
        open_ = self.open
        if rank == 0:
            return (lambda: self.number == bindparam("q")), by_number, ()
        if rank == 1:
            if not sqlite:
                return (lambda: self.number.like(bindparam("q_prefix"), escape="\\")), by_number, ()
            if open_:
                return (lambda: self.number >= bindparam("q")), by_number, open_
            return (lambda: and_(self.number >= bindparam("q"), self.number < bindparam("q_next"))), by_number, ()
        if sqlite:
            if rank == 2:
                return self.lead_range, f"INDEXED BY {LEAD_INDEX}", open_
            if rank == 4 and len(q) < 3:
                return None, "", ()
            match: Any = bindparam({3: "fts_starts", 4: "fts_body"}[rank])
            return (lambda: _fts(match)), "NOT INDEXED", ()
        if rank == 2:
            return (lambda: literal_column(COMPANY_SQL).like(bindparam("q_prefix"), escape="\\")), "", ()
        if rank == 3:
            return (lambda: or_(Customer.search_text.like(bindparam("q_field"), escape="\\"),
                                Customer.search_text.like(bindparam("q_word"), escape="\\"))), "", ()
        if len(q) < 3:
            return None, "", ()
        return (lambda: Customer.search_text.like(bindparam("q_contains"), escape="\\")), "", ()

    def covered(self, rank: int) -> bool:
        """Whether ``rank``'s candidates come from an index holding every column their test and order
        read (SQLite's company rank: such a row costs about a row of a walk in order)."""
        return rank == 2 and self.dialect.name == "sqlite"

    def dense_for(self, rank: int) -> int:
        """Candidates from which ``rank`` is read in contact order instead."""
        return self.dense_covered if self.covered(rank) else self.dense

    def run(self, limit: int) -> list[int]:
        """The first ``limit`` matches: ranks 0 and 1 together, then one rank after the other. On
        SQLite, for three characters or more and fewer company matches than still needed, ranks 2 to
        4 together: every match contains the query, so the FTS5 ``body`` phrase's rows are candidates
        for all three, and fewer than ``dense`` of them are read and sorted in one statement (the
        plain query over them) instead of a count and a read for each rank."""
        ids = self.ids((0, 1), limit)
        rest = (2, 3, 4)
        if (len(ids) < limit and self.dialect.name == "sqlite" and len(self.folded) >= 3
                and self.counted((2,)) < limit - len(ids)):
            return ids + self.ids(rest, limit - len(ids))
        for rank in rest:
            if len(ids) >= limit:
                break
            ids += self.ids((rank,), limit - len(ids))
        return ids

    def counted(self, ranks: tuple[int, ...]) -> int:
        """``_count`` of ``ranks`` through their candidates' index, once per search."""
        if ranks not in self.counts:
            condition, hint, shape = self.candidates(ranks[-1])
            assert condition is not None
            self.counts[ranks] = self._count(ranks, condition, hint, shape)
        return self.counts[ranks]

    def ids(self, ranks: tuple[int, ...], need: int) -> list[int]:
        """The first ``need`` customers of ``ranks`` (the best rank first, then in contact order)."""
        condition, hint, shape = self.candidates(ranks[-1])
        if ranks == (2,) and self.dialect.name == "sqlite" and len(self.folded) == 1:
            return self._in_order(2, need, by_initial=True)
        if condition is not None and (ranks == (0,) or self.counted(ranks) < self.dense_for(ranks[-1])):
            return self._sorted(ranks, condition, hint, shape, need)
        if len(ranks) > 1:  # in contact order: one rank after the other
            found: list[int] = []
            for rank in ranks:
                found += self.ids((rank,), need - len(found)) if len(found) < need else []
            return found
        with planner(self.session, enable_seqscan="off", enable_bitmapscan="off", enable_sort="off"):
            return self._in_order(ranks[0], need)

    def _in_ranks(self, ranks: tuple[int, ...]) -> list[ColumnElement[bool]]:
        if len(ranks) == 1:
            return self.exact(ranks[0])
        return [self.contains(), LIVE, self.scope_clause(), self.rank().between(ranks[0], ranks[-1])]

    def _count(self, ranks: tuple[int, ...], condition: Callable[[], ColumnElement[bool]], hint: str,
               shape: _Shape) -> int:
        """The ranks' candidates, counted up to their ``dense_for`` from their index alone: the FTS5
        table, or the number or company index with its columns of visibility (SQLite), the rank's
        index (PostgreSQL). A rank is only read while the ranks before it have fewer than ``limit``
        rows, so its candidates are its rows but for fewer than ``limit`` (and, for a supervisor,
        other teams' rows: reading in contact order then walks at most their own teams' rows)."""
        def build() -> Any:
            limit = bindparam("dense_covered" if self.covered(ranks[-1]) else "dense", type_=Integer)
            if self.dialect.name == "sqlite" and ranks[-1] >= 3:
                fts = table(FTS_TABLE, column("rowid"))
                match = {3: "fts_starts", 4: "fts_body"}[ranks[-1]]
                probe = select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(bindparam(match))).limit(limit)
            elif self.dialect.name == "sqlite":
                probe = (select(Customer.id).with_hint(Customer, hint, "sqlite")
                         .where(condition(), LIVE, self.scope_clause()).limit(limit))
            else:  # the index alone where it can: a supervisor's walk is bounded by their teams' rows
                probe = select(Customer.id).where(condition()).limit(limit)
            return select(func.count()).select_from(probe.subquery())
        return int(self._run(("count", ranks, *shape), build, 0)[0][0])

    def _sorted(self, ranks: tuple[int, ...], condition: Callable[[], ColumnElement[bool]], hint: str,
                shape: _Shape, need: int) -> list[int]:
        """Every candidate read through its index, then sorted (fewer than ``dense`` of them)."""
        if len(ranks) == 1 and self.covered(ranks[0]):
            tested = self._sorted_then_tested(ranks[0], condition, hint, shape, need)
            if tested is not None:
                return tested

        def build() -> Any:
            exact, limit = self._in_ranks(ranks), bindparam("need", type_=Integer)
            order = [self.rank()] if len(ranks) > 1 else []
            if self.dialect.name == "sqlite":
                return (select(Customer.id).with_hint(Customer, hint, "sqlite").where(condition(), *exact)
                        .order_by(*order, *_newest_first("sqlite")).limit(limit))
            # The candidates through their index, then the sort: OFFSET 0 keeps the planner from
            # walking an order index instead (it guesses a LIKE's matches few, and would filter).
            found = (select(Customer.id, Customer.last_contact_at, *(o.label(f"rank_{i}") for i, o in enumerate(order)))
                     .where(condition(), *exact).offset(0).subquery())
            return (select(found.c.id)
                    .order_by(*(found.c[f"rank_{i}"] for i in range(len(order))),
                              found.c.last_contact_at.desc().nulls_last(), found.c.id.desc())
                    .limit(limit))
        return [row[0] for row in self._run(("sorted", ranks, *shape), build, need)]

    def _sorted_then_tested(self, rank: int, condition: Callable[[], ColumnElement[bool]], hint: str,
                            shape: _Shape, need: int) -> list[int] | None:
        """A covered rank's visible candidates sorted from its index alone, the rank's own test made
        on the first ``need + TESTED_SLACK`` only (a candidate that fails it is a rare one: a number
        that starts with the query, one whose folded form differs); None when too few of those pass.
        The first ``need`` that pass are the rank's first ``need``: every customer of the rank is a
        candidate, and the candidates come in the rank's order."""
        def build() -> Any:
            first = (select(Customer.id, Customer.last_contact_at, Customer.number, Customer.search_text)
                     .with_hint(Customer, hint, "sqlite").where(condition(), LIVE, self.scope_clause())
                     .order_by(*_newest_first("sqlite")).limit(bindparam("read", type_=Integer)).subquery())
            passes = case((self.company_rank(first.c.number, first.c.search_text), 1), else_=0)
            return select(first.c.id, passes).order_by(first.c.last_contact_at.desc(), first.c.id.desc())
        read = need + TESTED_SLACK
        rows = self._run(("tested", rank, *shape), build, need, read=read)
        found = [id_ for id_, passes in rows if passes]
        return found[:need] if len(found) >= need or len(rows) < read else None

    def _in_order(self, rank: int, need: int, *, by_initial: bool = False) -> list[int]:
        """Matches read in contact order through an order index, stopping at ``need``: everyone's
        order for an admin; each supervised team's, and their own customers elsewhere, merged.
        The order indexes hold every column the test reads: the table is not touched.
        ``by_initial`` (SQLite, the company rank of a one-character query): through the indexes of
        the company's first character instead, which hold only that rank's candidates."""
        everyone, each_team = (INITIAL_INDEX, TEAM_INITIAL_INDEX) if by_initial else (ORDER_INDEX, TEAM_ORDER_INDEX)

        def build() -> Any:
            order, exact, limit = _newest_first(self.dialect.name), self.exact(rank), bindparam("need", type_=Integer)
            # A cheap narrowing first, in the parts read through an order index only: elsewhere it
            # would draw the planner to its own index (every "a" company, to find one owner's).
            narrow: list[ColumnElement[bool]] = []
            if by_initial:
                narrow = [literal_column(INITIAL_SQL) == bindparam("q")]
            elif rank == 2 and self.dialect.name == "sqlite":  # the company's start: "a" is in most rows
                narrow = [self.lead_range()]
            if self.scope.everything:
                return (select(Customer.id).with_hint(Customer, f"INDEXED BY {everyone}", "sqlite")
                        .where(*narrow, *exact).order_by(*order).limit(limit))
            teams: list[Any] = [bindparam(f"team_{i}") for i in range(len(self.scope.team_ids))]
            parts: list[Select[int, datetime | None]] = [
                select(Customer.id, Customer.last_contact_at)
                .with_hint(Customer, f"INDEXED BY {each_team}", "sqlite")
                .where(Customer.team_id == team, *narrow, *exact).order_by(*order).limit(limit)
                for team in teams
            ]
            parts.append(select(Customer.id, Customer.last_contact_at)
                         .where(Customer.owner_id == bindparam("user"), Customer.team_id.not_in(teams), *exact)
                         .order_by(*order).limit(limit))
            merged = union_all(*(select(part.subquery()) for part in parts)).subquery()
            contact = merged.c.last_contact_at.desc()
            return (select(merged.c.id)
                    .order_by(contact if self.dialect.name == "sqlite" else contact.nulls_last(), merged.c.id.desc())
                    .limit(limit))
        return [row[0] for row in self._run(("in_order", rank, *self.open, *(("initial",) if by_initial else ())),
                                            build, need)]


@contextmanager
def planner(session: Session, **settings: str) -> Iterator[None]:
    """PostgreSQL: planner settings for the statements inside, then back as they were (SQLite: nothing).

    A rank read in contact order has, by its count, many matches; the planner cannot know it (it
    guesses a LIKE '%…%' rare) and would sort every row of the team: without sequential scans,
    bitmaps and sorts, the walk down an order index is what is left."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    names = list(settings)
    old = session.execute(text("SELECT " + ", ".join(
        [*(f"current_setting('{name}')" for name in names),
         *(f"set_config('{name}', :{name}, true)" for name in names)])), settings).one()
    try:
        yield
    finally:
        session.execute(text("SELECT " + ", ".join(f"set_config('{name}', :old_{name}, true)" for name in names)),
                        {f"old_{name}": old[i] for i, name in enumerate(names)})


def _fts(query: Any) -> ColumnElement[bool]:
    """Customers the FTS5 ``query`` matches (a column filter and a quoted phrase of three characters or more)."""
    fts = table(FTS_TABLE, column("rowid"))
    return Customer.id.in_(select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(query)))


_sizes: weakref.WeakKeyDictionary[Engine, tuple[float, int]] = weakref.WeakKeyDictionary()


def _dense(session: Session) -> tuple[int, int]:
    """How many candidates make a rank worth reading in contact order: sqrt(5 × customers) on SQLite,
    sqrt(10 × customers) on PostgreSQL, the balance measured on 100,000 and 1,000,000 customers
    (counted again every ten minutes: PostgreSQL's estimate, SQLite's largest id); and where the
    candidates come from an index holding every column read (SQLite's company rank), sqrt(100 ×
    customers): such a candidate costs about what a row of the walk does, and the walk reads about
    100 × customers / candidates rows (measured on 100,000: "ac", 1,663 candidates, 0.5 ms sorted
    against 1.5 ms in order; "a", 6,700, 1.9 ms against 1.4 ms)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    now = time.monotonic()
    known = _sizes.get(engine)
    if known is None or now - known[0] > 600:
        sql = ("SELECT coalesce(max(id), 0) FROM customers" if engine.dialect.name == "sqlite" else
               "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'customers'::regclass")
        known = _sizes[engine] = (now, int(session.execute(text(sql)).scalar() or 0))
    # A walk in order reads an index-only row on SQLite (a twentieth of fetching a candidate); on
    # PostgreSQL often the row too (pages changed since the last vacuum): more.
    factor = 5 if engine.dialect.name == "sqlite" else 10
    return (min(max(int(math.sqrt(factor * known[1])), 500), 20_000),
            min(max(int(math.sqrt(100 * known[1])), 500), 50_000))


def search_ids(*, session: Session, scope: CustomerScope, folded: str, limit: int,
               dense: int | None = None) -> list[int]:
    """The ids of the customers whose number, company or contact names contain ``folded``, best
    first (see the module), then those whose company's pinyin initials start with it."""
    if not folded or limit <= 0:
        return []
    if not (scope.everything or scope.team_ids) or not has_text_index(session):
        ids = list(session.scalars(_plain(Customer.id, session, scope, folded, limit)))
    else:
        forced = dense or DENSE  # tests: every rank read one way
        search = _Search(session, scope, folded, *((forced, forced) if forced else _dense(session)))
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for any
        # pattern: a LIKE's plan needs the pattern. Workers cost more to start than 100 rows take.
        with planner(session, plan_cache_mode="force_custom_plan", max_parallel_workers_per_gather="0"):
            ids = search.run(limit)
    if len(ids) < limit and is_pinyin_query(folded):
        ids += pinyin_ids(session=session, scope=scope, folded=folded, limit=limit - len(ids))
    return ids


def is_pinyin_query(folded: str) -> bool:
    """Latin letters and digits only: what a company's pinyin initials are made of."""
    return folded.isascii() and folded.isalnum()


def pinyin_ids(*, session: Session, scope: CustomerScope, folded: str, limit: int) -> list[int]:
    """The last rank: customers whose company's pinyin initials start with ``folded`` (``hwjs``,
    华为技术) and whose search text does not contain it (those are in the ranks before, all of them
    when this one is read: they were fewer than ``limit``), in contact order, through
    ``PINYIN_INDEX``."""
    dialect = session.get_bind().dialect.name
    open_ = _next_prefix(folded) is None
    teams = len(scope.team_ids)

    def build() -> Any:
        if dialect == "sqlite":
            pattern: Any = bindparam("q_contains").concat(literal_column("''"))  # see ``_Search.contains``
            starts = Customer.pinyin >= bindparam("q")
            initials = starts if open_ else and_(starts, Customer.pinyin < bindparam("q_next"))
        else:
            pattern = bindparam("q_contains")
            initials = Customer.pinyin.like(bindparam("q_prefix"), escape="\\")
        if scope.everything:
            visible: ColumnElement[bool] = true()
        else:
            visible = Customer.owner_id == bindparam("user")
            if teams:
                visible = or_(visible, Customer.team_id.in_([bindparam(f"team_{i}") for i in range(teams)]))
        # Through the initials' range (SQLite would rather read every visible row of a team by its
        # index: 65 ms for a supervisor, against 0.1 ms).
        return (select(Customer.id).with_hint(Customer, f"INDEXED BY {PINYIN_INDEX}", "sqlite")
                .where(initials, ~Customer.search_text.like(pattern, escape="\\"), LIVE, visible)
                .order_by(*_newest_first(dialect)).limit(bindparam("need", type_=Integer)))

    shape = ("pinyin", "all" if scope.everything else teams, open_)
    rows = _run(session, shape, build, {**_params(folded, scope, 0, 0), "need": limit})
    return [row[0] for row in rows]


def search_customers(*, session: Session, scope: CustomerScope, folded: str, limit: int,
                     dense: int | None = None) -> list[Customer]:
    """The customers of ``search_ids``, in its order."""
    ids = search_ids(session=session, scope=scope, folded=folded, limit=limit, dense=dense)
    if not ids:
        return []
    by_id = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [by_id[i] for i in ids]


@dataclass(frozen=True, slots=True)
class Option:
    """What the customer picker shows of a customer."""

    id: int
    number: str
    company: str


def search_options(*, session: Session, scope: CustomerScope, folded: str, limit: int) -> list[Option]:
    """``search_ids``' customers as picker options (three columns, no objects: type-ahead's hot path)."""
    ids = search_ids(session=session, scope=scope, folded=folded, limit=limit)
    if not ids:
        return []
    names = [f"id_{i}" for i in range(len(ids))]
    rows = _run(session, ("options", len(ids)), lambda: select(Customer.id, Customer.number, Customer.company)
                .where(Customer.id.in_([bindparam(name, type_=Integer) for name in names])), dict(zip(names, ids, strict=True)))
    by_id = {id_: Option(id_, number, company) for id_, number, company in rows}
    return [by_id[i] for i in ids]


def visible_by_number(*, session: Session, scope: CustomerScope, number: str,
                      with_contacts: bool = True) -> Customer | None:
    """The customer of this number the scope sees; ``with_contacts=False`` for callers that never read
    them (a quick entry's lookup, before its answer): one query instead of two."""
    statement = select(Customer).where(func.lower(Customer.number) == number.lower(), LIVE, scope.clause())
    if with_contacts:
        statement = statement.options(selectinload(Customer.contacts))
    return session.scalars(statement).one_or_none()


__all__: Sequence[str] = ("search_ids", "search_customers", "search_options", "Option", "scan", "visible_by_number",
                          "rank_of", "escape_like")
