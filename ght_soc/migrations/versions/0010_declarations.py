"""national declarations: qualification answers and declaration documents

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regime_id", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("finess_ej", sa.String(length=9), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "ready",
                "approved",
                "sent",
                "obsolete",
                name="declarationstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("bound_reason", sa.Text(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("covers", sa.JSON(), nullable=False),
        sa.Column("finess_et", sa.JSON(), nullable=False),
        sa.Column("t0_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("t0_set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("t0_set_by_id", sa.Integer(), nullable=True),
        sa.Column("t0_set_by_name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draft_values", sa.JSON(), nullable=False),
        sa.Column("edited_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dpo_reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dpo_reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("dpo_reviewed_by_name", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_name", sa.String(length=200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_by_name", sa.String(length=200), nullable=False),
        sa.Column("sent_channel", sa.String(length=200), nullable=False),
        sa.Column("sent_reference", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user_account.id"],
            name=op.f("fk_declaration_approved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dpo_reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_declaration_dpo_reviewed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_declaration_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_declaration_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["user_account.id"],
            name=op.f("fk_declaration_sent_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["t0_set_by_id"],
            ["user_account.id"],
            name=op.f("fk_declaration_t0_set_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint(
            "incident_id",
            "regime_id",
            "finess_ej",
            "stage",
            "sequence",
            name=op.f("uq_declaration_incident_id_regime_id_finess_ej_stage_sequence"),
        ),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declaration_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_declaration_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declaration_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_declaration_regime_id"), ["regime_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_declaration_status"), ["status"], unique=False)

    op.create_table(
        "incident_qualification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_name", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_qualification_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_qualification_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_qualification")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_qualification_incident_id")),
    )
    with op.batch_alter_table("incident_qualification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_qualification_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_qualification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_qualification_incident_id"))

    op.drop_table("incident_qualification")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_status"))
        batch_op.drop_index(batch_op.f("ix_declaration_regime_id"))
        batch_op.drop_index(batch_op.f("ix_declaration_incident_id"))
        batch_op.drop_index(batch_op.f("ix_declaration_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_declaration_deadline_at"))

    op.drop_table("declaration")
