"""outbox: an index on (method, state)

Marking a post sent looks for the edits still waiting for it (pending chat.update rows): without
this index that read visited every pending message, so a fan-out of 10,000 DMs read the outbox
10,000 times over.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_method_state", "outbox", ["method", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_method_state", table_name="outbox")
