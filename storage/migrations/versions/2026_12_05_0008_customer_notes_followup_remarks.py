"""customer notes and follow-up remarks (the spreadsheets' 备注 columns)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("remarks", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.drop_column("remarks")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("notes")
