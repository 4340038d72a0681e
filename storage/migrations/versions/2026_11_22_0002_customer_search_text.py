"""customer search text

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:09:57.096142
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    contacts: dict[int, list[str]] = {}
    for customer_id, name in conn.execute(sa.text("SELECT customer_id, name FROM contacts ORDER BY id")):
        contacts.setdefault(customer_id, []).append(name)
    for customer_id, number, company in conn.execute(sa.text("SELECT id, number, company FROM customers")).all():
        parts = [number, company, *contacts.get(customer_id, [])]
        text = "\x1f" + "\x1f".join(_fold(p) for p in parts if p)
        conn.execute(sa.text("UPDATE customers SET search_text = :t WHERE id = :i"), {"t": text, "i": customer_id})


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("search_text")
