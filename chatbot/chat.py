"""One conversation turn: validate the message and session, answer, log, and shape the result."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chatbot.answering import Answer, Answerer, Token
from chatbot.conversation_log import ConversationLog, Exchange
from chatbot.domain import GuichetError
from chatbot.serialize import passage_json
from chatbot.settings import Settings


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
    log: ConversationLog, settings: Settings, message: str, session_id: str | None
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


def record_turn(log: ConversationLog, turn: Turn, answer: Answer) -> str:
    """Log the exchange; return the answer id."""
    return log.record(
        Exchange(
            session_id=turn.session_id,
            question=turn.message,
            answer=answer.text,
            language=answer.language,
            abstained=answer.abstained,
            citations=[c.as_dict() for c in answer.citations],
            timings=answer.timings,
            groundedness=answer.groundedness,
            extra={
                "reason": answer.reason,
                "standalone_question": answer.standalone_question,
                "passages": [p.chunk.chunk_id for p in answer.passages],
                "model": answer.model,
                "prompt_version": answer.prompt_version,
                "tokens": answer.tokens,
                "groundedness": answer.groundedness,
            },
        )
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
