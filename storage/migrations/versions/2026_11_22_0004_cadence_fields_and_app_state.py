"""cadence fields and app state

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:27:59.372133
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("next_step_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_step", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_stage", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_customers_owner_due", ["owner_id", "next_due_at"], unique=False)
    # Until now next_due_at held the rep's planned next step; the cadence engine recomputes it on start.
    op.execute("UPDATE customers SET next_step_at = next_due_at")

    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index("ix_followups_occurred", ["occurred_at"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_occurred")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_owner_due")
        batch_op.drop_column("next_step")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("last_stage")
        batch_op.drop_column("next_step_at")
        batch_op.drop_column("due_reason")

    op.drop_table("app_state")
