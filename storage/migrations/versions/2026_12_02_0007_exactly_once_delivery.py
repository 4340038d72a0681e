"""exactly-once delivery: claim owners, failure windows, rate-limit blocks, one open churn alert

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("first_failed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("on_behalf_of", sa.String(length=40), nullable=True))
    op.create_table(
        "slack_rate_limits",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_slack_rate_limits")),
    )
    # Two schedulers could open two alerts for one customer: keep the newest open one.
    op.execute(
        "UPDATE churn_alerts SET closed_at = raised_at, outcome = 'retained', closed_by = 'system', "
        "outcome_reason = 'duplicate alert' WHERE closed_at IS NULL AND id NOT IN "
        "(SELECT max(id) FROM churn_alerts WHERE closed_at IS NULL GROUP BY customer_id)"
    )
    op.create_index("uq_churn_alerts_one_open", "churn_alerts", ["customer_id"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_churn_alerts_one_open", table_name="churn_alerts")
    op.drop_table("slack_rate_limits")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("on_behalf_of")
        batch.drop_column("first_failed_at")
        batch.drop_column("claimed_by")
