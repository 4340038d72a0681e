"""customer search index: FTS5 trigram table (SQLite) or pg_trgm GIN index (PostgreSQL), number and order indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00

SQLite: ``customer_search`` is a contentless FTS5 table (trigram tokenizer) kept in sync with
``customers.search_text`` by three triggers; it is created only where FTS5 is compiled in (search
falls back to a plain scan without it). ``body`` is the search text plus a closing unit separator;
``starts`` has two STX characters before every field and word start, so that a word start of one
or two characters is a trigram too (see ``storage.search``).

PostgreSQL: ``pg_trgm`` is created in the ``public`` schema unless it exists already (it can live in
one schema of a database only, and every schema's index needs it), and the operator class is named
with that schema, so it works whatever the connection's ``search_path``. Downgrade leaves the
extension: other schemas' indexes may use it.

Note for later migrations: a batch (copy-and-move) alteration of ``customers`` on SQLite drops
these triggers with the old table; ``storage.search.create_sqlite_index`` puts them back.
"""

from collections.abc import Sequence

from alembic import op

from storage import search

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        search.create_postgresql_index(conn)
    else:
        search.create_sqlite_index(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        search.drop_postgresql_index(conn)
    else:
        search.drop_sqlite_index(conn)
