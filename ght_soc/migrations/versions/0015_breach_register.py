"""breach register: every personal-data breach of each controller, notified or not (GDPR art. 33(5))

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=30)


def upgrade() -> None:
    op.create_table(
        "breach_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("finess_ej", sa.String(length=9), nullable=False),
        sa.Column("origin", _enum("breachorigin", "qualification", "manual"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("circumstances", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confidentiality", sa.Boolean(), nullable=False),
        sa.Column("integrity", sa.Boolean(), nullable=False),
        sa.Column("availability", sa.Boolean(), nullable=False),
        sa.Column("data_categories", sa.Text(), nullable=False),
        sa.Column("health_data", sa.Boolean(), nullable=False),
        sa.Column("person_categories", sa.Text(), nullable=False),
        sa.Column("persons_count", sa.Integer(), nullable=True),
        sa.Column("records_count", sa.Integer(), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("risk", _enum("gdprrisk", "unlikely", "risk", "high"), nullable=False),
        sa.Column("risk_reasoning", sa.Text(), nullable=False),
        sa.Column(
            "cnil_decision", _enum("cnildecision", "pending", "notified", "not_required"), nullable=False
        ),
        sa.Column("cnil_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cnil_channel", sa.String(length=200), nullable=False),
        sa.Column("cnil_reference", sa.String(length=200), nullable=False),
        sa.Column("cnil_reasoning", sa.Text(), nullable=False),
        sa.Column("late_reasons", sa.Text(), nullable=False),
        sa.Column(
            "persons_decision",
            _enum("personsdecision", "pending", "informed", "not_required"),
            nullable=False,
        ),
        sa.Column("persons_informed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("persons_channel", sa.String(length=200), nullable=False),
        sa.Column("persons_reasoning", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("edited_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_name", sa.String(length=200), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_breach_record_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_breach_record_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_breach_record_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_breach_record_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_record")),
        sa.UniqueConstraint(
            "establishment_id", "year", "number", name=op.f("uq_breach_record_establishment_id_year_number")
        ),
    )
    with op.batch_alter_table("breach_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_breach_record_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_breach_record_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("breach_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breach_record_incident_id"))
        batch_op.drop_index(batch_op.f("ix_breach_record_establishment_id"))

    op.drop_table("breach_record")
