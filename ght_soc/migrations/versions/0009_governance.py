"""shared resources and obligations

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("person", "provider", name="resourcekind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_resource")),
    )
    op.create_table(
        "cyber_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("it_budget", sa.BigInteger(), nullable=False),
        sa.Column("cyber_budget", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_cyber_budget_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cyber_budget")),
        sa.UniqueConstraint("establishment_id", "year", name=op.f("uq_cyber_budget_establishment_id_year")),
    )
    with op.batch_alter_table("cyber_budget", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cyber_budget_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "evidence_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_evidence_document_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_document")),
    )
    with op.batch_alter_table("evidence_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_document_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "governance_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "designation_expiring",
                "exercise_due",
                "budget_missing",
                name="reminderkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_governance_reminder_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_reminder")),
        sa.UniqueConstraint(
            "establishment_id",
            "kind",
            "subject",
            "due_on",
            name=op.f("uq_governance_reminder_establishment_id_kind_subject_due_on"),
        ),
    )
    with op.batch_alter_table("governance_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_reminder_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "maturity_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_maturity_snapshot_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maturity_snapshot")),
        sa.UniqueConstraint(
            "establishment_id", "taken_on", name=op.f("uq_maturity_snapshot_establishment_id_taken_on")
        ),
    )
    with op.batch_alter_table("maturity_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maturity_snapshot_establishment_id"), ["establishment_id"], unique=False
        )

    op.create_table(
        "compliance_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "met",
                "partial",
                "late",
                "not_met",
                "unknown",
                "not_applicable",
                name="compliancestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum("standard", "reinforced", name="hygienelevel", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("is_override", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_compliance_record_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_document.id"],
            name=op.f("fk_compliance_record_evidence_id_evidence_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_record_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_record")),
    )
    with op.batch_alter_table("compliance_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_record_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_compliance_record_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_record_item_key"), ["item_key"], unique=False)

    op.create_table(
        "crisis_exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "level",
            sa.Enum("level_1", "level_2", "level_3", name="exerciselevel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("scenario", sa.String(length=300), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_crisis_exercise_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_document.id"],
            name=op.f("fk_crisis_exercise_evidence_id_evidence_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_exercise")),
    )
    with op.batch_alter_table("crisis_exercise", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crisis_exercise_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_crisis_exercise_evidence_id"), ["evidence_id"], unique=False)

    op.create_table(
        "designation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "pooled_rssi",
                "security_correspondent",
                "dpo",
                "declarant_delegate",
                "on_call_engineer",
                "ir_provider",
                name="designationrole",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("share_value", sa.Double(), nullable=False),
        sa.Column(
            "share_unit",
            sa.Enum("percent", "days_per_month", name="shareunit", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("act_date", sa.Date(), nullable=True),
        sa.Column("act_reference", sa.String(length=200), nullable=True),
        sa.Column("act_document_id", sa.Integer(), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["act_document_id"],
            ["evidence_document.id"],
            name=op.f("fk_designation_act_document_id_evidence_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_designation_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["shared_resource.id"],
            name=op.f("fk_designation_resource_id_shared_resource"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_designation")),
    )
    with op.batch_alter_table("designation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_designation_act_document_id"), ["act_document_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_designation_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_designation_resource_id"), ["resource_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("designation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_designation_resource_id"))
        batch_op.drop_index(batch_op.f("ix_designation_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_designation_act_document_id"))

    op.drop_table("designation")
    with op.batch_alter_table("crisis_exercise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crisis_exercise_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_crisis_exercise_establishment_id"))

    op.drop_table("crisis_exercise")
    with op.batch_alter_table("compliance_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_record_item_key"))
        batch_op.drop_index(batch_op.f("ix_compliance_record_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_compliance_record_establishment_id"))

    op.drop_table("compliance_record")
    with op.batch_alter_table("maturity_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maturity_snapshot_establishment_id"))

    op.drop_table("maturity_snapshot")
    with op.batch_alter_table("governance_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_reminder_establishment_id"))

    op.drop_table("governance_reminder")
    with op.batch_alter_table("evidence_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_document_establishment_id"))

    op.drop_table("evidence_document")
    with op.batch_alter_table("cyber_budget", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cyber_budget_establishment_id"))

    op.drop_table("cyber_budget")
    op.drop_table("shared_resource")
