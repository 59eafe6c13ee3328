"""connector status

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "connector_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("events_per_second", sa.Double(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_connector_status_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_status")),
        sa.UniqueConstraint(
            "kind", "name", "establishment_id", name=op.f("uq_connector_status_kind_name_establishment_id")
        ),
    )
    with op.batch_alter_table("connector_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connector_status_establishment_id"), ["establishment_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("connector_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_status_establishment_id"))

    op.drop_table("connector_status")
