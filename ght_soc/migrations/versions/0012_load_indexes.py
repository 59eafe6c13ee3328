"""load indexes: the alerts list newest first, open alerts counted per establishment from the index

Measured by bench/web_load (100,000 alerts): the list sorted every matching row on each page, and the
overview's count read every alert row through the establishment index; (establishment_id, status) covers it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The status index goes: SQLite (no statistics) preferred it to the date order and sorted every open alert.
    op.drop_index("ix_alert_status", table_name="alert")
    op.create_index("ix_alert_occurred_at_id", "alert", ["occurred_at", "id"], unique=False)
    op.create_index("ix_alert_establishment_id_status", "alert", ["establishment_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_alert_establishment_id_status", table_name="alert")
    op.drop_index("ix_alert_occurred_at_id", table_name="alert")
    op.create_index("ix_alert_status", "alert", ["status"], unique=False)
