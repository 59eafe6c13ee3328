"""network devices (SNMP inventory)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("sys_name", sa.String(length=255), nullable=False),
        sa.Column("sys_descr", sa.Text(), nullable=False),
        sa.Column("sys_object_id", sa.String(length=255), nullable=False),
        sa.Column("sys_contact", sa.String(length=255), nullable=False),
        sa.Column("sys_location", sa.String(length=255), nullable=False),
        sa.Column("vendor", sa.String(length=80), nullable=True),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("serial", sa.String(length=255), nullable=False),
        sa.Column("firmware", sa.String(length=255), nullable=False),
        sa.Column("uptime_ticks", sa.BigInteger(), nullable=False),
        sa.Column("poll_status", sa.String(length=20), nullable=False),
        sa.Column("failure_reason", sa.String(length=20), nullable=True),
        sa.Column("failure_detail", sa.Text(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("silent", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_complete_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_network_device_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_device")),
        sa.UniqueConstraint(
            "establishment_id", "address", name=op.f("uq_network_device_establishment_id_address")
        ),
    )
    with op.batch_alter_table("network_device", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_device_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "device_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_device_change_alert_id_alert"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["network_device.id"],
            name=op.f("fk_device_change_device_id_network_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_device_change_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_change")),
    )
    with op.batch_alter_table("device_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_change_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_device_change_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "device_entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("serial", sa.String(length=255), nullable=False),
        sa.Column("hardware_rev", sa.String(length=255), nullable=False),
        sa.Column("firmware_rev", sa.String(length=255), nullable=False),
        sa.Column("software_rev", sa.String(length=255), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["network_device.id"],
            name=op.f("fk_device_entity_device_id_network_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_device_entity_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_entity")),
        sa.UniqueConstraint("device_id", "index", name=op.f("uq_device_entity_device_id_index")),
    )
    with op.batch_alter_table("device_entity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_entity_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_device_entity_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "device_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["network_device.id"],
            name=op.f("fk_device_finding_device_id_network_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_device_finding_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_finding")),
        sa.UniqueConstraint(
            "device_id", "kind", "subject", name=op.f("uq_device_finding_device_id_kind_subject")
        ),
    )
    with op.batch_alter_table("device_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_finding_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_device_finding_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "network_interface",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("alias", sa.String(length=255), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("speed_bps", sa.BigInteger(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.Column("admin_up", sa.Boolean(), nullable=False),
        sa.Column("oper_up", sa.Boolean(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["network_device.id"],
            name=op.f("fk_network_interface_device_id_network_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_network_interface_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_interface")),
        sa.UniqueConstraint("device_id", "index", name=op.f("uq_network_interface_device_id_index")),
    )
    with op.batch_alter_table("network_interface", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_interface_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_interface_establishment_id"), ["establishment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("network_interface", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_interface_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_network_interface_device_id"))

    op.drop_table("network_interface")
    with op.batch_alter_table("device_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_finding_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_device_finding_device_id"))

    op.drop_table("device_finding")
    with op.batch_alter_table("device_entity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_entity_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_device_entity_device_id"))

    op.drop_table("device_entity")
    with op.batch_alter_table("device_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_change_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_device_change_device_id"))

    op.drop_table("device_change")
    with op.batch_alter_table("network_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_device_establishment_id"))

    op.drop_table("network_device")
