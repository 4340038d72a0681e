"""customer search on PostgreSQL: covering contact-order indexes, company and owner-order indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 16:00:00

Revision 0010 first made PostgreSQL's contact-order indexes without the columns a rank reads; a
database migrated then gets them rebuilt here (index-only walks), and the company-field and
owner-order indexes it lacked. A database migrated since has them all from 0010: nothing changes.
SQLite: nothing.
"""

from collections.abc import Sequence

from alembic import op

from storage import search

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _covering(index: str) -> bool:
    """Whether ``index`` holds the columns a rank reads (or is not there: it will be made so)."""
    row = op.get_bind().exec_driver_sql(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = %(n)s",
        {"n": index}).first()
    return row is None or "INCLUDE" in row[0]


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for index in (search.ORDER_INDEX, search.TEAM_ORDER_INDEX):
        if not _covering(index):
            conn.exec_driver_sql(f"DROP INDEX {index}")
    search.create_postgresql_index(conn)


def downgrade() -> None:
    """The indexes as 0010 first made them."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for index in (search.ORDER_INDEX, search.TEAM_ORDER_INDEX, search.COMPANY_INDEX, search.OWNER_ORDER_INDEX):
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
    conn.exec_driver_sql(f"CREATE INDEX {search.ORDER_INDEX} ON customers (last_contact_at DESC NULLS LAST, id DESC)")
    conn.exec_driver_sql(f"CREATE INDEX {search.TEAM_ORDER_INDEX} "
                         "ON customers (team_id, last_contact_at DESC NULLS LAST, id DESC)")
