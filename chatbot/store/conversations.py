"""Sessions and answers: the conversation log the chat uses, residents' rights, and retention.

Everything written here is redacted first (question, answer, feedback comment), and sessions are
stored under their keyed hash only. Staff reads go through `chatbot.store.staff`, which logs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from chatbot.domain import GuichetError
from chatbot.privacy.pseudonyms import Pseudonymizer, new_answer_id, new_session_id
from chatbot.privacy.redaction import Redactor
from chatbot.store.audit_reads import AuditReads, UnknownAnswerError, iso
from chatbot.store.database import checkpoint
from chatbot.store.tables import answers, feedback, sessions

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, as naive UTC (how the database stores times)."""
    return datetime.now(UTC).replace(tzinfo=None)


class UnknownSessionError(GuichetError):
    """A session id that this service never gave out, or that was erased or expired."""


UNKNOWN_SESSION = (
    "Conversation inconnue, effacée ou expirée : commencez une nouvelle conversation "
    "(sans session_id)."
)


@dataclass(frozen=True)
class AnswerRecord:
    """One answer as the chat hands it to the store (original text: the store redacts it)."""

    session_id: str
    question: str
    standalone_question: str
    answer: str
    language: str
    abstained: bool
    reason: str | None
    groundedness: float | None
    passages: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    citation_check: dict[str, Any] | None
    prompt_version: str
    model: str
    model_sha256: str | None
    generation: dict[str, Any]
    timings: dict[str, float]
    tokens: int
    communes: list[str] = field(default_factory=list)
    energy_wh: float | None = None
    emissions_gco2e: float | None = None
    energy_method: str | None = None


@dataclass(frozen=True)
class RetentionPolicy:
    """How long free text and audit records are kept."""

    conversation_days: int = 183
    audit_days: int = 365


@dataclass
class PurgeReport:
    """What a purge removed (or would remove, in a dry run)."""

    dry_run: bool
    conversations_before: str
    audit_before: str
    sessions_deleted: int = 0
    answers_stripped: int = 0
    answers_deleted: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return asdict(self)


class ConversationStore(AuditReads):
    """Conversations, answers with their audit records, and feedback (the audit reads are
    inherited from `AuditReads`)."""

    def __init__(
        self,
        engine: Engine,
        pseudonymizer: Pseudonymizer,
        redactor: Redactor,
        retention: RetentionPolicy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.pseudonymizer = pseudonymizer
        self.redactor = redactor
        self.retention = retention or RetentionPolicy()
        self.clock = clock

    # -- The chat's conversation log ------------------------------------------------------------

    def new_session(self) -> str:
        """A new random session id; only its keyed hash is stored."""
        session_id = new_session_id()
        now = self.clock()
        with self.engine.begin() as db:
            db.execute(
                insert(sessions).values(
                    key=self.pseudonymizer.key(session_id), created_at=now, last_active_at=now
                )
            )
        return session_id

    def require_session(self, session_id: str) -> None:
        """Raise UnknownSessionError unless the session exists."""
        key = self.pseudonymizer.key(session_id)
        with self.engine.connect() as db:
            found = db.execute(select(sessions.c.key).where(sessions.c.key == key)).first()
        if found is None:
            raise UnknownSessionError(UNKNOWN_SESSION)

    def history(self, session_id: str, limit: int) -> list[tuple[str, str]]:
        """The last `limit` (question, answer) pairs, oldest first, as stored (redacted)."""
        key = self.pseudonymizer.key(session_id)
        query = (
            select(answers.c.question, answers.c.answer)
            .where(answers.c.session_key == key, answers.c.stripped_at.is_(None))
            .order_by(answers.c.created_at.desc(), answers.c.id)
            .limit(limit)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [(row.question or "", row.answer or "") for row in reversed(rows)]

    def turns(self, session_id: str) -> int:
        """Answers so far in a session."""
        key = self.pseudonymizer.key(session_id)
        with self.engine.connect() as db:
            count = db.execute(
                select(func.count()).select_from(answers).where(answers.c.session_key == key)
            ).scalar_one()
        return int(count)

    def record(self, record: AnswerRecord) -> str:
        """Store an answer (redacted) in one transaction; return its id."""
        answer_id = new_answer_id()
        now = self.clock()
        question = self.redactor.redact(record.question)
        standalone = self.redactor.redact(record.standalone_question)
        text = self.redactor.redact(record.answer)
        counts = question.counts + text.counts
        citation_check = _redact_verdicts(record.citation_check, self.redactor)
        key = self.pseudonymizer.key(record.session_id)
        with self.engine.begin() as db:
            updated = db.execute(
                update(sessions).where(sessions.c.key == key).values(last_active_at=now)
            )
            if updated.rowcount == 0:
                raise UnknownSessionError(UNKNOWN_SESSION)
            db.execute(
                insert(answers).values(
                    id=answer_id,
                    session_key=key,
                    created_at=now,
                    question=question.text,
                    standalone_question=standalone.text,
                    answer=text.text,
                    language=record.language,
                    abstained=record.abstained,
                    reason=record.reason,
                    groundedness=record.groundedness,
                    passages=record.passages,
                    citations=record.citations,
                    citation_check=citation_check,
                    communes=sorted(set(record.communes)),
                    prompt_version=record.prompt_version,
                    model=record.model,
                    model_sha256=record.model_sha256,
                    generation=record.generation,
                    timings=record.timings,
                    tokens=record.tokens,
                    energy_wh=record.energy_wh,
                    emissions_gco2e=record.emissions_gco2e,
                    energy_method=record.energy_method,
                    redactions=dict(sorted(counts.items())),
                )
            )
        return answer_id

    # -- Residents' rights -----------------------------------------------------------------------

    def export(self, session_id: str) -> dict[str, Any]:
        """Everything stored about a session, as the resident may download it."""
        key = self.pseudonymizer.key(session_id)
        with self.engine.connect() as db:
            session = db.execute(select(sessions).where(sessions.c.key == key)).first()
            if session is None:
                raise UnknownSessionError(UNKNOWN_SESSION)
            rows = db.execute(
                select(
                    answers,
                    feedback.c.helpful,
                    feedback.c.comment,
                    feedback.c.created_at.label("feedback_at"),
                )
                .outerjoin(feedback, feedback.c.answer_id == answers.c.id)
                .where(answers.c.session_key == key)
                .order_by(answers.c.created_at, answers.c.id)
            ).all()
        return {
            "session": {
                "created_at": iso(session.created_at),
                "last_active_at": iso(session.last_active_at),
            },
            "retention": {
                "conversation_days": self.retention.conversation_days,
                "audit_days": self.retention.audit_days,
            },
            "exchanges": [
                {
                    "answer_id": row.id,
                    "at": iso(row.created_at),
                    "question": row.question,
                    "answer": row.answer,
                    "language": row.language,
                    "declined": row.abstained,
                    "sources": [
                        {k: c.get(k) for k in ("n", "source_id", "title", "url")}
                        for c in row.citations
                    ],
                    "feedback": None
                    if row.helpful is None
                    else {
                        "helpful": row.helpful,
                        "comment": row.comment,
                        "at": iso(row.feedback_at),
                    },
                }
                for row in rows
            ],
        }

    def erase(self, session_id: str) -> int:
        """Delete a session and every answer, audit record and feedback of it; return answers."""
        key = self.pseudonymizer.key(session_id)
        with self.engine.begin() as db:
            ids = select(answers.c.id).where(answers.c.session_key == key)
            db.execute(delete(feedback).where(feedback.c.answer_id.in_(ids)))
            removed = db.execute(delete(answers).where(answers.c.session_key == key)).rowcount
            if db.execute(delete(sessions).where(sessions.c.key == key)).rowcount == 0:
                raise UnknownSessionError(UNKNOWN_SESSION)
        checkpoint(self.engine)  # the erased text leaves the write-ahead log too
        return int(removed)

    def add_feedback(self, answer_id: str, helpful: bool, comment: str | None) -> None:
        """Record (or replace) the resident's verdict on an answer; the comment is redacted."""
        text = self.redactor.redact(comment.strip()).text if comment and comment.strip() else None
        now = self.clock()
        with self.engine.begin() as db:
            row = db.execute(select(answers.c.stripped_at).where(answers.c.id == answer_id)).first()
            if row is None or row.stripped_at is not None:
                raise UnknownAnswerError(
                    "Réponse inconnue ou trop ancienne : l'avis ne peut pas être enregistré."
                )
            values = {"created_at": now, "helpful": helpful, "comment": text}
            changed = db.execute(
                update(feedback).where(feedback.c.answer_id == answer_id).values(**values)
            )
            if changed.rowcount == 0:
                try:
                    with db.begin_nested():
                        db.execute(insert(feedback).values(answer_id=answer_id, **values))
                except IntegrityError:  # a second click raced the first
                    db.execute(
                        update(feedback).where(feedback.c.answer_id == answer_id).values(**values)
                    )

    # -- Retention -------------------------------------------------------------------------------

    def purge(self, dry_run: bool = False) -> PurgeReport:
        """Apply the retention periods: free text first, whole audit records later."""
        now = self.clock()
        conversations_before = now - timedelta(days=self.retention.conversation_days)
        audit_before = now - timedelta(days=self.retention.audit_days)
        report = PurgeReport(dry_run, iso(conversations_before), iso(audit_before))
        old_answer = answers.c.created_at < audit_before
        to_strip = and_(
            answers.c.created_at < conversations_before, answers.c.stripped_at.is_(None)
        )
        old_session = sessions.c.last_active_at < conversations_before
        with self.engine.begin() as db:
            report.answers_deleted = _count(db, answers, old_answer)
            report.answers_stripped = _count(db, answers, and_(to_strip, ~old_answer))
            report.sessions_deleted = _count(db, sessions, old_session)
            if dry_run:
                return report
            doomed = select(answers.c.id).where(old_answer)
            db.execute(delete(feedback).where(feedback.c.answer_id.in_(doomed)))
            db.execute(delete(answers).where(old_answer))
            stripped = select(answers.c.id).where(to_strip)
            db.execute(
                update(feedback).where(feedback.c.answer_id.in_(stripped)).values(comment=None)
            )
            for answer_id, check in db.execute(
                select(answers.c.id, answers.c.citation_check).where(to_strip)
            ).all():  # the sentences verification dropped are free text too
                stored: dict[str, Any] = check if isinstance(check, dict) else {}
                if stored.get("verdicts"):
                    verdicts: list[dict[str, Any]] = stored["verdicts"]
                    kept = {**stored, "verdicts": [{**v, "sentence": None} for v in verdicts]}
                    db.execute(
                        update(answers).where(answers.c.id == answer_id).values(citation_check=kept)
                    )
            db.execute(
                update(answers)
                .where(to_strip)
                .values(
                    question=None,
                    standalone_question=None,
                    answer=None,
                    session_key=None,
                    stripped_at=now,
                )
            )
            # Answers of a session that stayed active keep their session until they are stripped.
            db.execute(
                update(answers)
                .where(answers.c.session_key.in_(select(sessions.c.key).where(old_session)))
                .values(session_key=None)
            )
            db.execute(delete(sessions).where(old_session))
        checkpoint(self.engine)
        return report


def _redact_verdicts(check: dict[str, Any] | None, redactor: Redactor) -> dict[str, Any] | None:
    """The citation check with the text of each verdict's sentence redacted."""
    if not check or not check.get("verdicts"):
        return check
    verdicts = [
        {**v, "sentence": redactor.redact(v.get("sentence") or "").text} for v in check["verdicts"]
    ]
    return {**check, "verdicts": verdicts}


def _count(db: Connection, table: Table, where: Any) -> int:
    return int(db.execute(select(func.count()).select_from(table).where(where)).scalar_one())
