"""customers.pinyin: the company's pinyin initials, and their index (both databases)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:00:00

``customers.pinyin`` holds the company's pinyin initials (``hwjsyxgs`` for 华为技术有限公司; empty
for a name without Chinese characters), kept by the ORM on every write of a company
(``storage.pinyin``); existing customers get theirs here. ``ix_customers_search_pinyin`` answers a
prefix of them (search's last rank, ``storage.search``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import search
from storage.pinyin import pinyin_initials

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 10_000


def upgrade() -> None:
    # Plain ALTER TABLE on both (a batch copy of customers on SQLite would lose its expression
    # indexes and the FTS5 triggers).
    op.add_column("customers", sa.Column("pinyin", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    customers = sa.table("customers", sa.column("id", sa.Integer), sa.column("company", sa.Text),
                         sa.column("pinyin", sa.Text))
    last = 0
    while True:
        rows = conn.execute(sa.select(customers.c.id, customers.c.company).where(customers.c.id > last)
                            .order_by(customers.c.id).limit(CHUNK)).all()
        if not rows:
            break
        last = rows[-1][0]
        named = [{"key": id_, "pinyin": initials} for id_, company in rows if (initials := pinyin_initials(company or ""))]
        if named:
            conn.execute(customers.update().where(customers.c.id == sa.bindparam("key"))
                         .values(pinyin=sa.bindparam("pinyin")), named)
    search.create_pinyin_index(conn)


def downgrade() -> None:
    search.drop_pinyin_index(op.get_bind())
    op.drop_column("customers", "pinyin")  # SQLite 3.35+: ALTER TABLE ... DROP COLUMN
