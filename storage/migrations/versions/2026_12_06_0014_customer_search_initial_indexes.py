"""customer search on SQLite: a one-character query's company rank through the company's first character

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:00:00

SQLite: ``ix_customers_search_initial`` (the company's first character, then contact order) and
``ix_customers_search_team_initial`` (the same within each team): a one-character query's company
matches are read in the order shown, up to the hundredth, without counting or sorting them (see
``storage.search``). PostgreSQL: nothing.
"""

from collections.abc import Sequence

from alembic import op

from storage import search

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search.create_sqlite_initial_indexes(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        search.drop_sqlite_initial_indexes(conn)
