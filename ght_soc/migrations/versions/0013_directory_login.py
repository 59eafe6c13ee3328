"""directory login: users vouched for by a directory, with no local password

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("directory", sa.String(length=100), nullable=True))
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)


def downgrade() -> None:
    # Directory accounts have no password to fall back on: they go, with their roles (ON DELETE CASCADE).
    op.execute(sa.text("DELETE FROM user_account WHERE password_hash IS NULL"))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column("directory")
