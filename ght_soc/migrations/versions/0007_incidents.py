"""incidents, timeline, tasks, observables, evidence, playbook runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "ransomware",
                "mailbox_compromise",
                "host_compromise",
                "edge_device_compromise",
                "account_compromise",
                "phishing",
                "data_leak",
                "ddos",
                "exploited_vulnerability",
                "vendor_remote_access",
                "hosting_outage",
                "telecom_loss",
                "power_outage",
                "other",
                name="incidentcategory",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "informational",
                "low",
                "medium",
                "high",
                "critical",
                name="alertseverity",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "qualified",
                "contained",
                "resolved",
                "closed",
                name="incidentstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "malice",
            sa.Enum("unknown", "malicious", "not_malicious", name="malice", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("qualified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_incident_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user_account.id"],
            name=op.f("fk_incident_owner_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("reference", name=op.f("uq_incident_reference")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_evidence_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_evidence_uploaded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)

    op.create_table(
        "incident_establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name=op.f("fk_incident_establishment_establishment_id_establishment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_establishment_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_establishment")),
        sa.UniqueConstraint(
            "incident_id",
            "establishment_id",
            name=op.f("uq_incident_establishment_incident_id_establishment_id"),
        ),
    )
    with op.batch_alter_table("incident_establishment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_establishment_establishment_id"), ["establishment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_establishment_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="taskstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_incident_task_assignee_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_task_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task")),
    )
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_task_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "observable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ip",
                "host",
                "account",
                "hash",
                "domain",
                "url",
                name="observablekind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_observable_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observable")),
        sa.UniqueConstraint(
            "incident_id", "kind", "value", name=op.f("uq_observable_incident_id_kind_value")
        ),
    )
    with op.batch_alter_table("observable", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_observable_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "playbook_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum("running", "completed", "cancelled", name="runstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("joins", sa.JSON(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_by_name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_playbook_run_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["user_account.id"],
            name=op.f("fk_playbook_run_started_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_run")),
    )
    with op.batch_alter_table("playbook_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playbook_run_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_playbook_run_status"), ["status"], unique=False)

    op.create_table(
        "timeline_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "note",
                "opened",
                "status",
                "severity",
                "field",
                "alert",
                "establishment",
                "task",
                "observable",
                "evidence",
                "step",
                "decision",
                "notification",
                "qualification",
                "declaration",
                name="timelinekind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_timeline_entry_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_timeline_entry_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entry")),
    )
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeline_entry_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_timeline_entry_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "playbook_run_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "retry_wait",
                "failed",
                "done",
                "skipped",
                name="stepstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("parallel_of", sa.String(length=64), nullable=True),
        sa.Column("branch", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wake_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["playbook_run.id"],
            name=op.f("fk_playbook_run_step_run_id_playbook_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_run_step")),
        sa.UniqueConstraint("run_id", "step_id", name=op.f("uq_playbook_run_step_run_id_step_id")),
    )
    with op.batch_alter_table("playbook_run_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playbook_run_step_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_playbook_run_step_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_playbook_run_step_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_playbook_run_step_wake_at"), ["wake_at"], unique=False)

    op.create_table(
        "playbook_approval_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_step_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("option", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_step_id"],
            ["playbook_run_step.id"],
            name=op.f("fk_playbook_approval_vote_run_step_id_playbook_run_step"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_playbook_approval_vote_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_approval_vote")),
        sa.UniqueConstraint(
            "run_step_id", "user_id", name=op.f("uq_playbook_approval_vote_run_step_id_user_id")
        ),
    )
    with op.batch_alter_table("playbook_approval_vote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playbook_approval_vote_run_step_id"), ["run_step_id"], unique=False
        )

    op.create_table(
        "playbook_run_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_step_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "started",
                "succeeded",
                "failed",
                "interrupted",
                name="attemptstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_step_id"],
            ["playbook_run_step.id"],
            name=op.f("fk_playbook_run_action_run_step_id_playbook_run_step"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_run_action")),
        sa.UniqueConstraint(
            "run_step_id", "attempt", name=op.f("uq_playbook_run_action_run_step_id_attempt")
        ),
    )
    with op.batch_alter_table("playbook_run_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playbook_run_action_run_step_id"), ["run_step_id"], unique=False)

    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_alert_incident_id"), ["incident_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_alert_incident_id_incident"),
            "incident",
            ["incident_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_incident_id_incident"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_alert_incident_id"))
        batch_op.drop_column("incident_id")

    with op.batch_alter_table("playbook_run_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playbook_run_action_run_step_id"))

    op.drop_table("playbook_run_action")
    with op.batch_alter_table("playbook_approval_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playbook_approval_vote_run_step_id"))

    op.drop_table("playbook_approval_vote")
    with op.batch_alter_table("playbook_run_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playbook_run_step_wake_at"))
        batch_op.drop_index(batch_op.f("ix_playbook_run_step_status"))
        batch_op.drop_index(batch_op.f("ix_playbook_run_step_run_id"))
        batch_op.drop_index(batch_op.f("ix_playbook_run_step_deadline_at"))

    op.drop_table("playbook_run_step")
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_entry_incident_id"))
        batch_op.drop_index(batch_op.f("ix_timeline_entry_at"))

    op.drop_table("timeline_entry")
    with op.batch_alter_table("playbook_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playbook_run_status"))
        batch_op.drop_index(batch_op.f("ix_playbook_run_incident_id"))

    op.drop_table("playbook_run")
    with op.batch_alter_table("observable", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observable_incident_id"))

    op.drop_table("observable")
    with op.batch_alter_table("incident_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_task_incident_id"))

    op.drop_table("incident_task")
    with op.batch_alter_table("incident_establishment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_establishment_incident_id"))
        batch_op.drop_index(batch_op.f("ix_incident_establishment_establishment_id"))

    op.drop_table("incident_establishment")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_incident_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_status"))
        batch_op.drop_index(batch_op.f("ix_incident_created_at"))

    op.drop_table("incident")
