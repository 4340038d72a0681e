"""The schema: migrations match the models, and both databases behave the same."""

from __future__ import annotations

from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from storage.db import Database
from storage.models import Base
from storage.search import is_search_object


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_customers_search")
def test_migrations_match_the_models(bot_server) -> None:
    """Every model change needs a migration: the migrated database must equal the models."""
    db: Database = bot_server.db
    with db.engine.connect() as conn:
        # The search index (storage/search.py: FTS5 table, pg_trgm and expression indexes) is not modelled.
        context = MigrationContext.configure(conn, opts={
            "include_name": lambda name, type_, _parents: not is_search_object(name, type_)})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_start_from_an_empty_database(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert db.is_empty()
    db.migrate()
    assert db.current_revision() == db.head_revision()
    db.dispose()


def test_own_transactions_commit_each_statement_and_survive_a_dropped_connection(bot_server) -> None:
    """The outbox's marks: each statement is committed on its own (another session sees it at once),
    and on PostgreSQL a connection dropped between two (a server restart) is replaced, not fatal."""
    db: Database = bot_server.db
    with db.write() as session:
        session.execute(text("DELETE FROM app_state WHERE key LIKE 'own-tx:%'"))
    with db.own_transactions() as statements:
        statements.run(lambda conn: conn.execute(text("INSERT INTO app_state (key, value) VALUES ('own-tx:1', 'a')")))
        with db.read() as session:  # committed, and SQLite's write gate is not held between statements
            assert session.scalar(text("SELECT value FROM app_state WHERE key = 'own-tx:1'")) == "a"
        with db.write() as session:
            session.execute(text("INSERT INTO app_state (key, value) VALUES ('own-tx:2', 'b')"))
        if not db.is_sqlite:
            pid = statements.run(lambda conn: conn.execute(text("SELECT pg_backend_pid()")).scalar())
            with db.engine.connect() as admin:
                assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        statements.run(lambda conn: conn.execute(text("UPDATE app_state SET value = 'c' WHERE key = 'own-tx:1'")))
    with db.read() as session:
        assert dict(session.execute(text("SELECT key, value FROM app_state WHERE key LIKE 'own-tx:%'")).all()) == {
            "own-tx:1": "c", "own-tx:2": "b"}


def test_rows_streamed_in_bulk_are_stored_as_the_orm_would_store_them(bot) -> None:
    """bulk.insert_stream: rows from an iterator across several chunks (one COPY on PostgreSQL),
    aware times stored as UTC, JSON as JSON; an empty iterator inserts nothing."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import select

    from storage import bulk
    from storage.models import AuditEntry

    shanghai = timezone(timedelta(hours=8))
    made = [(datetime(2024, 3, 1, 9, n, tzinfo=shanghai), "import", "customer.import", "customers", n, None,
             {"number": f"CL{n}", "company": f"<客户 {n}> & Co"}) for n in range(5)]
    columns = ("at", "actor_id", "action", "entity_type", "entity_id", "before", "after")
    with bot.db.write() as session:
        assert bulk.insert_stream(session=session, model=AuditEntry, columns=columns, rows=iter(made), chunk=2) == 5
        assert bulk.insert_stream(session=session, model=AuditEntry, columns=columns, rows=iter([]), chunk=2) == 0
    with bot.db.read() as session:
        stored = session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.import")
                                 .order_by(AuditEntry.entity_id)).all()
        assert [(entry.at, entry.entity_id, entry.before, entry.after) for entry in stored] == [
            (at.astimezone(UTC), n, None, after) for at, _, _, _, n, _, after in made]


def test_a_bulk_load_on_sqlite_has_a_larger_page_cache_and_gives_it_back(bot) -> None:
    """bulk.bulk_load: 32 MB of SQLite page cache while the block runs, the connection's own setting
    back afterwards, also when the block failed (the pool keeps the connection); nothing changes on
    PostgreSQL."""
    import pytest

    from storage import bulk

    if not bot.db.is_sqlite:
        with bot.db.write() as session, bulk.bulk_load(session):
            pass
        return

    def cache_size(session) -> int:
        return int(session.connection().connection.dbapi_connection.execute("PRAGMA cache_size").fetchone()[0])

    with bot.db.write() as session:
        before = cache_size(session)
        with bulk.bulk_load(session):
            assert cache_size(session) == -bulk.BULK_CACHE_KB != before
        assert cache_size(session) == before
        with pytest.raises(ZeroDivisionError), bulk.bulk_load(session):
            assert cache_size(session) == -bulk.BULK_CACHE_KB
            1 / 0  # noqa: B018
        assert cache_size(session) == before
