"""on-call rota, escalation and notification outbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("mail", "webhook", name="channel", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="deliverystatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_idempotency_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "oncall_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "on_call_engineer",
                "administrator_on_duty",
                "rssi",
                "direction",
                name="escalationlevel",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum("weekly", "custom", name="shiftkind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.String(length=300), nullable=False),
        sa.Column("handover_note", sa.Text(), nullable=False),
        sa.Column("handover_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handover_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_oncall_shift_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_oncall_shift_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_oncall_shift_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_shift")),
    )
    with op.batch_alter_table("oncall_shift", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncall_shift_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index("ix_oncall_shift_level_starts_at", ["level", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncall_shift_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oncall_shift", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncall_shift_user_id"))
        batch_op.drop_index("ix_oncall_shift_level_starts_at")
        batch_op.drop_index(batch_op.f("ix_oncall_shift_ends_at"))

    op.drop_table("oncall_shift")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_status_next_attempt_at")

    op.drop_table("notification")
