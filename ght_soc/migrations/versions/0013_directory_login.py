"""directory login: users vouched for by a directory, with no local password

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("directory", sa.String(length=100), nullable=True))
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)


def downgrade() -> None:
    # Directory accounts stay (incidents and runs name them) but can no longer log in: "!" is no argon2 hash.
    op.execute(sa.text("UPDATE user_account SET password_hash = '!' WHERE password_hash IS NULL"))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column("directory")
