"""alert deduplication, linked events, status history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "new",
                "acknowledged",
                "closed",
                "false_positive",
                name="alertstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "new",
                "acknowledged",
                "closed",
                "false_positive",
                name="alertstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["user_account.id"],
            name=op.f("fk_alert_change_actor_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_change_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_change")),
    )
    with op.batch_alter_table("alert_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_change_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event_ref", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_event_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_event")),
        sa.UniqueConstraint("alert_id", "event_ref", name=op.f("uq_alert_event_alert_id_event_ref")),
    )
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_event_alert_id"), ["alert_id"], unique=False)

    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=200), nullable=True))
        # Alerts raised before deduplication each stand for one detection.
        batch_op.add_column(sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("establishment_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index("ix_alert_dedup_key_last_seen_at", ["dedup_key", "last_seen_at"], unique=False)


def downgrade() -> None:
    # Alerts on unattributed events cannot exist in the older schema.
    op.execute("DELETE FROM alert WHERE establishment_id IS NULL")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_dedup_key_last_seen_at")
        batch_op.alter_column("establishment_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("first_seen_at")
        batch_op.drop_column("count")
        batch_op.drop_column("dedup_key")
        batch_op.drop_column("rule_id")

    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_event_alert_id"))

    op.drop_table("alert_event")
    with op.batch_alter_table("alert_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_change_alert_id"))

    op.drop_table("alert_change")
