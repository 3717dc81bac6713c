"""Sessions, answers with their audit records, feedback, staff users and the append-only access log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY_SQLITE = """
CREATE TRIGGER access_log_no_{verb} BEFORE {verb} ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END
"""
_APPEND_ONLY_POSTGRES = [
    """
    CREATE FUNCTION access_log_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'access_log is append-only'; END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()
    """,
]


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column(
            "key", sa.String(64), nullable=False, comment="HMAC-SHA256 of the resident's session id"
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_active_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sessions"),
    )
    op.create_index("ix_sessions_last_active_at", "sessions", ["last_active_at"])
    op.create_table(
        "answers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_key", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("standalone_question", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("stripped_at", sa.DateTime(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("groundedness", sa.Float(), nullable=True),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("citation_check", sa.JSON(), nullable=True),
        sa.Column("communes", sa.JSON(), nullable=False),
        sa.Column("prompt_version", sa.String(40), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=True),
        sa.Column("generation", sa.JSON(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("redactions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_key"], ["sessions.key"], name="fk_answers_session_key", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
    )
    for column in ("session_key", "created_at", "stripped_at", "abstained", "groundedness"):
        op.create_index(f"ix_answers_{column}", "answers", [column])
    op.create_table(
        "feedback",
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name="fk_feedback_answer_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("answer_id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_helpful", "feedback", ["helpful"])
    op.create_table(
        "staff_users",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_staff_users"),
        sa.UniqueConstraint("token_sha256", name="uq_staff_users_token_sha256"),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_log"),
        sa.UniqueConstraint("entry_hash", name="uq_access_log_entry_hash"),
        comment="Append-only: triggers refuse UPDATE and DELETE; entries are hash-chained.",
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in _APPEND_ONLY_POSTGRES:
            op.execute(statement)
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(_APPEND_ONLY_SQLITE.format(verb=verb))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
    for table in ("access_log", "staff_users", "feedback", "answers", "sessions"):
        op.drop_table(table)
