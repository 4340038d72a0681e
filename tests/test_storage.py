"""The schema: migrations match the models, and both databases behave the same."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
