"""Engines, sessions and schema migration.

SQLite needs two adjustments to behave under several threads: WAL so readers do not block the
writer, and ``BEGIN IMMEDIATE`` for write transactions so two writers queue on the lock instead
of failing when both try to upgrade a read lock ("database is locked").
"""

from __future__ import annotations

import fcntl
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
_IMMEDIATE = "followup_immediate"
T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=20, max_overflow=30, **kwargs
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _use_wal(cursor: Any, *, give_up_after: float = 30.0) -> None:
    """Switch the database to WAL (a no-op once it is), waiting while another process holds it.

    Switching needs the database to itself, and SQLite answers "database is locked" at once,
    without its busy handler, while another process is creating the schema: replicas started
    together on a new file would otherwise fail.
    """
    give_up = time.monotonic() + give_up_after
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= give_up:
                raise
            time.sleep(0.05)


class WriteGate:
    """One SQLite writer at a time, queued in-process.

    SQLite's own busy handler makes waiting writers sleep and poll (up to 100 ms a nap), so a
    freed lock can sit idle while they sleep; a condition variable hands it over at once.
    Interactive writes (a user waiting for Slack's 3-second answer) go before background ones
    (delivering the outbox, refreshing a profile).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._waiting_foreground = 0

    @contextmanager
    def hold(self, *, background: bool) -> Iterator[None]:
        with self._cond:
            if not background:
                self._waiting_foreground += 1
            try:
                while self._busy or (background and self._waiting_foreground):
                    self._cond.wait()
            finally:
                if not background:
                    self._waiting_foreground -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


class Database:
    """Owns the engine and hands out sessions: ``read()`` for queries, ``write()`` for changes."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self._local = threading.local()
        self._gate = WriteGate()
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._memory_locks: dict[str, threading.Lock] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def _refuse_nesting(self) -> None:
        """A second session while this thread holds the write lock would wait on itself under load."""
        if getattr(self._local, "writing", False):
            raise RuntimeError("a new session was opened inside a write transaction: pass its session instead")

    @contextmanager
    def read(self) -> Iterator[Session]:
        self._refuse_nesting()
        with self._sessions() as session:
            yield session

    def answered(self, done: bool) -> None:
        """Mark this thread's request as answered (or finished): its writes then yield to others.

        Work a listener does after Slack has its answer is background work: on SQLite, a request
        still waiting for its answer (claiming its delivery, remembering its answer) goes first.
        """
        self._local.answered = done

    @contextmanager
    def write(self, *, background: bool | None = None, flush_wal: bool = True) -> Iterator[Session]:
        """A session whose transaction commits when the block ends, rolls back on error.

        ``background`` marks work nobody is waiting for; on SQLite it yields to interactive writes.
        By default a write is background once this thread's request has been answered.
        ``flush_wal=False`` (PostgreSQL) commits without waiting for the WAL to reach the disk
        (``synchronous_commit off``): for bookkeeping that a server crash may lose without harm,
        on a path where Slack is waiting. SQLite in WAL mode with ``synchronous=NORMAL`` never
        waits for the disk at commit anyway.
        """
        self._refuse_nesting()
        if background is None:
            background = getattr(self._local, "answered", False)
        if self.is_sqlite:
            with self._gate.hold(background=background), self._write_session() as session:
                yield session
        else:
            with self._write_session(flush_wal=flush_wal) as session:
                yield session

    @contextmanager
    def write_connection(self, *, flush_wal: bool = True, background: bool | None = None) -> Iterator[Connection]:
        """Like ``write()``, a Core connection instead of an ORM session: for the bookkeeping every
        request does before its answer (claiming its delivery, remembering its answer), where the
        session's own setting up and tearing down cost more than the one statement it runs."""
        self._refuse_nesting()
        if background is None:
            background = getattr(self._local, "answered", False)
        if self.is_sqlite:
            with self._gate.hold(background=background), self.engine.connect() as conn:
                conn.execution_options(**{_IMMEDIATE: True})
                with self._connection_transaction(conn, flush_wal=True):
                    yield conn
        else:
            with self.engine.connect() as conn, self._connection_transaction(conn, flush_wal=flush_wal):
                yield conn

    def refresh_statistics(self, tables: Sequence[str]) -> None:
        """After a bulk load (an import): PostgreSQL's planner otherwise plans with the tables'
        sizes from before it until autovacuum gets round to them, and an export right after an
        import of 100,000 customers scanned whole tables page after page. SQLite plans from its
        indexes without statistics: nothing to do."""
        if self.is_sqlite:
            return
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")

    @contextmanager
    def own_transactions(self, *, background: bool = True) -> Iterator[OwnTransactions]:
        """Statements run one after the other, each a transaction of its own (``OwnTransactions``)."""
        statements = OwnTransactions(self, background=background)
        try:
            yield statements
        finally:
            statements.close()

    @contextmanager
    def _connection_transaction(self, conn: Connection, *, flush_wal: bool) -> Iterator[None]:
        with conn.begin():
            if not flush_wal:
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            self._local.writing = True
            try:
                yield
            finally:
                self._local.writing = False

    @contextmanager
    def _write_session(self, *, flush_wal: bool = True) -> Iterator[Session]:
        with self._sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={_IMMEDIATE: True})
            elif not flush_wal:
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            self._local.writing = True
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                self._local.writing = False

    @contextmanager
    def lock(self, name: str, *, wait: float = 0.0) -> Iterator[bool]:
        """A lock across every process using this database; yields whether it was acquired.

        PostgreSQL: a session advisory lock (scoped to the schema, released if the process dies).
        SQLite: an exclusive ``flock`` on a file beside the database (one machine, by nature).
        ``wait`` is how many seconds to keep trying; 0 tries once.
        """
        give_up = time.monotonic() + wait
        if self.is_sqlite:
            with self._file_lock(name, give_up) as acquired:
                yield acquired
            return
        with self.engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
            key = int.from_bytes(hashlib.blake2b(f"{schema}:{name}".encode(), digest_size=8).digest(), "big",
                                 signed=True)
            acquired = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            while not acquired and time.monotonic() < give_up:
                time.sleep(0.2)
                acquired = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
                conn.commit()
            try:
                yield acquired
            finally:
                if acquired:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    @contextmanager
    def _file_lock(self, name: str, give_up: float) -> Iterator[bool]:
        database = self.engine.url.database
        if not database or database == ":memory:":
            lock = self._memory_locks.setdefault(name, threading.Lock())
            acquired = lock.acquire(timeout=max(give_up - time.monotonic(), 0)) if give_up > time.monotonic() \
                else lock.acquire(blocking=False)
            try:
                yield acquired
            finally:
                if acquired:
                    lock.release()
            return
        with open(f"{database}.{name}.lock", "a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    acquired = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= give_up:
                        acquired = False
                        break
                    time.sleep(0.1)
            try:
                yield acquired
            finally:
                if acquired:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not inspect(conn).get_table_names()

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision``; replicas starting together migrate once (the others wait)."""
        with self.lock("migrate", wait=600), self.engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class OwnTransactions:
    """Statements that are each a transaction of their own, one after the other: the outbox marks
    each message sent as Slack accepts it, 10,000 of them on a busy morning.

    On PostgreSQL they share one connection in autocommit: a round trip each, with no BEGIN, no
    COMMIT and no check-out from the pool (whose ping is a round trip too); the commit still waits
    for the WAL. A statement that meets a dropped connection (a server restart) is run once more
    on a new one, so statements must be idempotent. On SQLite each is an immediate transaction
    behind the write gate, which is not held between them.
    """

    def __init__(self, db: Database, *, background: bool) -> None:
        self._db = db
        self._background = background
        self._conn: Connection | None = None

    def run(self, statement: Callable[[Connection], T]) -> T:
        if self._db.is_sqlite:
            with self._db.write_connection(background=self._background) as conn:
                return statement(conn)
        self._db._refuse_nesting()
        try:
            return self._on_held_connection(statement)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return self._on_held_connection(statement)

    def _on_held_connection(self, statement: Callable[[Connection], T]) -> T:
        if self._conn is None:
            self._conn = self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._db._local.writing = True
        try:
            return statement(self._conn)
        except BaseException:
            self.close()
            raise
        finally:
            self._db._local.writing = False

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()
