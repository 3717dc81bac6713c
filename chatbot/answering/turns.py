"""One conversation turn: validate the message and session, answer, log, and shape the result."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from chatbot.answering.pipeline import Answer, Answerer, AnsweringConfig, Token
from chatbot.domain import GuichetError
from chatbot.answering.serialize import passage_json
from chatbot.settings import Settings
from chatbot.store.conversations import AnswerRecord, ConversationStore


class MessageRejectedError(GuichetError):
    """A message that cannot be answered as sent (empty or too long)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ConversationTooLongError(GuichetError):
    """A conversation that reached its maximum number of exchanges."""


@dataclass(frozen=True)
class Turn:
    """A validated question within its conversation."""

    session_id: str
    message: str
    history: list[tuple[str, str]]


def open_turn(
    log: ConversationStore, settings: Settings, message: str, session_id: str | None
) -> Turn:
    """Check the message and the session (creating one when none is given)."""
    text = message.strip()
    if not text:
        raise MessageRejectedError("Le message est vide : écrivez votre question.", 422)
    if len(text) > settings.max_message_chars:
        raise MessageRejectedError(
            f"Le message fait {len(text)} caractères ; la limite est de "
            f"{settings.max_message_chars}. Raccourcissez votre question.",
            413,
        )
    if session_id is None:
        return Turn(log.new_session(), text, [])
    log.require_session(session_id)
    if log.turns(session_id) >= settings.max_history_turns:
        raise ConversationTooLongError(
            f"Cette conversation a atteint {settings.max_history_turns} échanges : "
            "commencez une nouvelle conversation."
        )
    return Turn(session_id, text, log.history(session_id, limit=4))


def stream_turn(answerer: Answerer, turn: Turn) -> Iterator[Token | Answer]:
    """The answer's events for a turn."""
    return answerer.stream(turn.message, turn.history)


def record_turn(
    store: ConversationStore,
    turn: Turn,
    answer: Answer,
    config: AnsweringConfig,
    model_sha256: str | None,
) -> str:
    """Store the exchange with its audit record (the store redacts it); return the answer id."""
    return store.record(audit_record(turn, answer, config, model_sha256))


def audit_record(
    turn: Turn, answer: Answer, config: AnsweringConfig, model_sha256: str | None
) -> AnswerRecord:
    """Everything an auditor needs to replay how this answer was made."""
    shown = {p.chunk.chunk_id for p in answer.passages}
    passages = [
        {
            "chunk_id": p.chunk.chunk_id,
            "source_id": p.chunk.source.source_id,
            "title": p.chunk.source.title,
            "url": p.chunk.source.url,
            "commune": p.chunk.source.commune,
            "doc_version": p.chunk.doc_version,
            "page": p.chunk.page,
            "headings": list(p.chunk.headings),
            "rank": p.rank,
            "score": p.score,
            "dense_score": p.dense_score,
            "lexical_score": p.lexical_score,
            "shown": p.chunk.chunk_id in shown,
        }
        for p in (answer.retrieved or answer.passages)
    ]
    check = answer.check
    return AnswerRecord(
        session_id=turn.session_id,
        question=turn.message,
        standalone_question=answer.standalone_question,
        answer=answer.text,
        language=answer.language,
        abstained=answer.abstained,
        reason=answer.reason,
        groundedness=answer.groundedness,
        passages=passages,
        citations=[c.as_dict() for c in answer.citations],
        citation_check=None
        if check is None
        else {
            "cited": list(check.cited),
            "removed_markers": check.removed_markers,
            "unsupported": check.unsupported,
            "uncited": check.uncited,
            "sentences": [
                {
                    "sources": list(s.sources),
                    "support": s.support,
                    "supported": s.supported,
                    "attributed": s.attributed,
                }
                for s in check.sentences
            ],
        },
        prompt_version=answer.prompt_version,
        model=answer.model,
        model_sha256=model_sha256,
        generation={
            **asdict(config.generation),
            "relevance_threshold": config.relevance_threshold,
            "support_threshold": config.support_threshold,
            "context_passages": config.context_passages,
            "context_chars": config.context_chars,
        },
        timings=answer.timings,
        tokens=answer.tokens,
        communes=sorted(
            {p.chunk.source.commune for p in answer.passages if p.chunk.source.commune}
        ),
    )


def answer_payload(turn: Turn, answer: Answer, answer_id: str) -> dict[str, Any]:
    """The JSON object returned by the API and `guichet ask --json`."""
    check = answer.check
    return {
        "session_id": turn.session_id,
        "answer_id": answer_id,
        "answer": answer.text,
        "language": answer.language,
        "abstained": answer.abstained,
        "reason": answer.reason,
        "citations": [c.as_dict() for c in answer.citations],
        "contact": answer.contact.as_dict() if answer.contact else None,
        "groundedness": round(answer.groundedness, 3) if answer.groundedness is not None else None,
        "unsupported_sentences": check.unsupported if check else 0,
        "uncited_sentences": check.uncited if check else 0,
        "passages": [
            {"n": n, **passage_json(passage)} for n, passage in enumerate(answer.passages, start=1)
        ],
        "standalone_question": answer.standalone_question,
        "model": answer.model,
        "tokens": answer.tokens,
        "timings": answer.timings,
    }
