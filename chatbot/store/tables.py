"""The schema. Times are naive UTC on every backend; free text is always redacted before it lands.

Free-text columns (question, standalone_question, answer, feedback.comment) are emptied when the
conversation's retention ends; the rest of an answer row is its audit record, kept longer.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sessions = Table(
    "sessions",
    metadata,
    Column("key", String(64), primary_key=True, comment="HMAC-SHA256 of the resident's session id"),
    Column("created_at", DateTime, nullable=False),
    Column("last_active_at", DateTime, nullable=False, index=True),
)

answers = Table(
    "answers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "session_key",
        String(64),
        ForeignKey("sessions.key", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    Column("created_at", DateTime, nullable=False, index=True),
    # Free text, redacted; emptied when the conversation's retention ends.
    Column("question", Text, nullable=True),
    Column("standalone_question", Text, nullable=True),
    Column("answer", Text, nullable=True),
    Column("stripped_at", DateTime, nullable=True, index=True),
    # The audit record.
    Column("language", String(16), nullable=False),
    Column("abstained", Boolean, nullable=False, index=True),
    Column("reason", String(40), nullable=True),
    Column("groundedness", Float, nullable=True, index=True),
    Column("passages", JSON, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("citation_check", JSON, nullable=True),
    Column("communes", JSON, nullable=False),
    Column("prompt_version", String(40), nullable=False),
    Column("model", String(200), nullable=False),
    Column("model_sha256", String(64), nullable=True),
    Column("generation", JSON, nullable=False),
    Column("timings", JSON, nullable=False),
    Column("tokens", Integer, nullable=False),
    Column("energy_wh", Float, nullable=True, comment="estimated energy of the answer, Wh"),
    Column("emissions_gco2e", Float, nullable=True, comment="estimated emissions, gCO2e"),
    Column("energy_method", String(40), nullable=True, comment="how energy_wh was obtained"),
    Column("redactions", JSON, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("answer_id", String(32), ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("helpful", Boolean, nullable=False, index=True),
    Column("comment", Text, nullable=True),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True, comment="SHA-256 of the cookie's random id"),
    Column(
        "name",
        String(80),
        ForeignKey("staff_users.name", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False, index=True),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(120), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("previous_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
    comment="Append-only: triggers refuse UPDATE and DELETE; entries are hash-chained.",
)
