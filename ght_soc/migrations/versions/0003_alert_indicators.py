"""alert indicators

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "alert_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_indicator_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_indicator")),
        sa.UniqueConstraint("alert_id", "kind", "value", name=op.f("uq_alert_indicator_alert_id_kind_value")),
    )
    with op.batch_alter_table("alert_indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_indicator_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_alert_indicator_kind_value", ["kind", "value"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("alert_indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_indicator_kind_value")
        batch_op.drop_index(batch_op.f("ix_alert_indicator_alert_id"))

    op.drop_table("alert_indicator")
