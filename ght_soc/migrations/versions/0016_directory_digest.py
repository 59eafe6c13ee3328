"""directory digest: a fingerprint of each object's stored record, so that a sync compares without decoding

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows get NULL: the next sync rewrites them once and fills it.
    with op.batch_alter_table("directory_object", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_object", schema=None) as batch_op:
        batch_op.drop_column("digest")
