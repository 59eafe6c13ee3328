"""directory inventory

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "directory_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(length=80), nullable=False),
        sa.Column("finding", sa.String(length=80), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("objects", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_directory_finding_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_finding")),
        sa.UniqueConstraint(
            "establishment_id",
            "directory",
            "finding",
            name=op.f("uq_directory_finding_establishment_id_directory_finding"),
        ),
    )
    with op.batch_alter_table("directory_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_finding_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "directory_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directory", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dn", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("sid", sa.String(length=100), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column("last_logon_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_last_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_directory_object_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_object")),
        sa.UniqueConstraint(
            "establishment_id",
            "directory",
            "dn",
            name=op.f("uq_directory_object_establishment_id_directory_dn"),
        ),
    )
    with op.batch_alter_table("directory_object", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_object_establishment_id"), ["establishment_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("directory_object", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_object_establishment_id"))

    op.drop_table("directory_object")
    with op.batch_alter_table("directory_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_finding_establishment_id"))

    op.drop_table("directory_finding")
