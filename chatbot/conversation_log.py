"""Minimal conversation log in SQLite, behind the small interface the GDPR store will replace."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chatbot.domain import GuichetError


class UnknownSessionError(GuichetError):
    """A session id that this service never gave out (or has erased)."""


@dataclass(frozen=True)
class Exchange:
    """One question and its answer, as logged."""

    session_id: str
    question: str
    answer: str
    language: str
    abstained: bool
    citations: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    groundedness: float | None = None


class ConversationLog(Protocol):
    """Where conversations are kept."""

    def new_session(self) -> str: ...
    def require_session(self, session_id: str) -> None: ...
    def history(self, session_id: str, limit: int) -> list[tuple[str, str]]: ...
    def turns(self, session_id: str) -> int: ...
    def record(self, exchange: Exchange) -> str: ...
    def riskiest(self, limit: int = 50) -> list[dict[str, Any]]: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS exchanges (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id), created REAL NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, language TEXT NOT NULL, abstained INTEGER NOT NULL,
    citations TEXT NOT NULL, timings TEXT NOT NULL, extra TEXT NOT NULL, groundedness REAL
);
CREATE INDEX IF NOT EXISTS exchanges_session ON exchanges(session_id, created);
"""
_RISK_INDEX = "CREATE INDEX IF NOT EXISTS exchanges_risk ON exchanges(groundedness)"


class SqliteConversationLog:
    """A SQLite file in write-ahead-log mode; safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(exchanges)")}
        if "groundedness" not in columns:  # logs written before the online score existed
            try:
                self._db.execute("ALTER TABLE exchanges ADD COLUMN groundedness REAL")
            except sqlite3.OperationalError as error:  # another process added it just now
                if "duplicate column" not in str(error):
                    raise
        self._db.execute(_RISK_INDEX)
        self._lock = threading.Lock()

    def new_session(self) -> str:
        """A new random session id."""
        session_id = secrets.token_urlsafe(18)
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?, ?)", (session_id, time.time()))
        return session_id

    def require_session(self, session_id: str) -> None:
        """Raise UnknownSessionError unless the session exists."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise UnknownSessionError(
                "Conversation inconnue ou expirée : commencez une nouvelle conversation "
                "(sans session_id)."
            )

    def history(self, session_id: str, limit: int) -> list[tuple[str, str]]:
        """The last `limit` (question, answer) pairs, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question, answer FROM exchanges WHERE session_id = ? "
                "ORDER BY created DESC LIMIT ?",
                (session_id, limit),
            ).fetchall()
        return [(str(q), str(a)) for q, a in reversed(rows)]

    def turns(self, session_id: str) -> int:
        """Exchanges so far in a session."""
        with self._lock:
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM exchanges WHERE session_id = ?", (session_id,)
            ).fetchone()
        return int(count)

    def record(self, exchange: Exchange) -> str:
        """Store an exchange; return its id."""
        answer_id = secrets.token_urlsafe(12)
        with self._lock:
            self._db.execute(
                "INSERT INTO exchanges (id, session_id, created, question, answer, language, abstained, "
                "citations, timings, extra, groundedness) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, exchange.session_id, time.time(), exchange.question, exchange.answer,
                 exchange.language, int(exchange.abstained), json.dumps(exchange.citations),
                 json.dumps(exchange.timings), json.dumps(exchange.extra, default=str),
                 exchange.groundedness),
            )  # fmt: skip
        return answer_id

    def riskiest(self, limit: int = 50) -> list[dict[str, Any]]:
        """Answers (not declines) with the lowest groundedness score first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, session_id, created, question, answer, groundedness FROM exchanges "
                "WHERE groundedness IS NOT NULL AND abstained = 0 ORDER BY groundedness ASC, created DESC LIMIT ?",
                (limit,),
            ).fetchall()
        keys = ("answer_id", "session_id", "created", "question", "answer", "groundedness")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def close(self) -> None:
        """Close the database."""
        self._db.close()
