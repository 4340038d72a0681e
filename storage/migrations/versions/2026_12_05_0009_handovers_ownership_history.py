"""handovers and the ownership history

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("from_user", sa.String(length=40), nullable=False),
        sa.Column("to_user", sa.String(length=40), nullable=True),
        sa.Column("numbers", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("moved", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_handovers_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index("ix_handovers_from_state", "handovers", ["from_user", "state"], unique=False)
    op.create_index("uq_handovers_one_draft", "handovers", ["from_user", "team_id"], unique=True,
                    sqlite_where=sa.text("state = 'draft'"), postgresql_where=sa.text("state = 'draft'"))
    op.create_table(
        "ownership_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("from_owner", sa.String(length=40), nullable=False),
        sa.Column("to_owner", sa.String(length=40), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=40), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_ownership_history_customer_id_customers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"],
                                name=op.f("fk_ownership_history_handover_id_handovers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_history")),
    )
    op.create_index(op.f("ix_ownership_history_customer_id"), "ownership_history", ["customer_id"], unique=False)
    op.create_index(op.f("ix_ownership_history_handover_id"), "ownership_history", ["handover_id"], unique=False)
    op.create_index("ix_ownership_history_to_owner", "ownership_history", ["to_owner", "effective_on"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_ownership_history_to_owner", table_name="ownership_history")
    op.drop_index(op.f("ix_ownership_history_handover_id"), table_name="ownership_history")
    op.drop_index(op.f("ix_ownership_history_customer_id"), table_name="ownership_history")
    op.drop_table("ownership_history")
    op.drop_index("uq_handovers_one_draft", table_name="handovers")
    op.drop_index("ix_handovers_from_state", table_name="handovers")
    op.drop_table("handovers")
