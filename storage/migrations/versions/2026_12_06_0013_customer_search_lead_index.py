"""customer search on SQLite: the company rank through a B-tree on the text after the number

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00

SQLite: ``ix_customers_search_lead`` on the search text after the number (the company, then the
contacts) with the columns the company rank's test and order read: a query's company matches are a
range of it, counted and sorted without reading the table (see ``storage.search``). PostgreSQL:
nothing (its company-field index answers the same since 0010/0012).
"""

from collections.abc import Sequence

from alembic import op

from storage import search

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search.create_sqlite_lead_index(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search.drop_sqlite_lead_index(conn)
