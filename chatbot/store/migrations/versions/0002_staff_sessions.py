"""Server-side staff sign-ins: the cookie holds a random id whose SHA-256 is stored here.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column(
            "id_sha256", sa.String(64), nullable=False, comment="SHA-256 of the cookie's random id"
        ),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["name"], ["staff_users.name"], name="fk_staff_sessions_name", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_sha256", name="pk_staff_sessions"),
    )
    op.create_index("ix_staff_sessions_name", "staff_sessions", ["name"])
    op.create_index("ix_staff_sessions_expires_at", "staff_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("staff_sessions")
