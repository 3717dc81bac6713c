"""One conversation turn, the same for the API, the command line and the agent console:
validate the message and the session, admit it to the model's queue, answer, record, shape."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from chatbot.answering.pipeline import Answer, Answerer, Sentence, Style
from chatbot.domain import GuichetError, SearchFilters
from chatbot.energy import EnergyEstimate, EnergyMeter
from chatbot.ports import AdmissionQueue, QueuePlace
from chatbot.store.audit_records import audit_record
from chatbot.store.conversations import ConversationStore


class MessageRejectedError(GuichetError):
    """A message that cannot be answered as sent (empty or too long)."""

    def __init__(self, message: str, too_long: bool = False) -> None:
        super().__init__(message)
        self.too_long = too_long


class ConversationTooLongError(GuichetError):
    """A conversation that reached its maximum number of exchanges."""


@dataclass(frozen=True)
class TurnLimits:
    """Bounds on what one turn may carry."""

    max_message_chars: int = 2000
    max_history_turns: int = 20
    history_in_prompt: int = 4


@dataclass(frozen=True)
class Turn:
    """A validated question within its conversation, holding its place in the model's queue
    (given back when the turn has been answered, or when it is dropped unanswered)."""

    session_id: str
    message: str
    history: list[tuple[str, str]]
    reservation: QueuePlace | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class AnsweredTurn:
    """A turn's answer, recorded under `answer_id`."""

    turn: Turn
    answer: Answer
    answer_id: str

    def payload(self) -> dict[str, Any]:
        """The JSON object returned by the API and `guichet ask --json`."""
        return answer_payload(self.turn, self.answer, self.answer_id)


AnswerObserver = Callable[[Answer, EnergyEstimate | None], None]


class ConversationService:
    """Opens, answers and records conversation turns."""

    def __init__(
        self,
        answerer: Answerer,
        store: ConversationStore,
        limits: TurnLimits,
        queue: AdmissionQueue | None = None,
        model_sha256: str | None = None,
        energy: EnergyMeter | None = None,
    ) -> None:
        self.answerer = answerer
        self.store = store
        self.limits = limits
        self.queue = queue
        self.model_sha256 = model_sha256
        self.energy = energy
        self.observers: list[AnswerObserver] = []  # e.g. the Prometheus metrics

    def open(self, message: str, session_id: str | None = None) -> Turn:
        """Check the message, the model's queue and the session (creating one when none is
        given, and only once the turn is admitted: a refused turn leaves no empty session)."""
        text = message.strip()
        if not text:
            raise MessageRejectedError("Le message est vide : écrivez votre question.")
        if len(text) > self.limits.max_message_chars:
            raise MessageRejectedError(
                f"Le message fait {len(text)} caractères ; la limite est de "
                f"{self.limits.max_message_chars}. Raccourcissez votre question.",
                too_long=True,
            )
        if session_id is not None:
            self.store.require_session(session_id)
            if self.store.turns(session_id) >= self.limits.max_history_turns:
                raise ConversationTooLongError(
                    f"Cette conversation a atteint {self.limits.max_history_turns} échanges : "
                    "commencez une nouvelle conversation."
                )
        reservation = self._reserve()
        try:
            if session_id is None:
                return Turn(self.store.new_session(), text, [], reservation)
            history = self.store.history(session_id, limit=self.limits.history_in_prompt)
            return Turn(session_id, text, history, reservation)
        except BaseException:
            if reservation is not None:
                reservation.release()
            raise

    def _reserve(self) -> QueuePlace | None:
        """A place in the model's queue, taken atomically (QueueFullError when none is left);
        None where the model is behind a server that queues requests itself."""
        return self.queue.reserve() if self.queue is not None else None

    def answer(
        self, turn: Turn, filters: SearchFilters | None = None, style: Style = "standard"
    ) -> AnsweredTurn:
        """The checked answer to a turn, recorded."""
        final: AnsweredTurn | None = None
        for event in self.stream(turn, filters, style):
            if isinstance(event, AnsweredTurn):
                final = event
        if final is None:  # pragma: no cover - the pipeline always ends with an Answer
            raise GuichetError("La réponse n'a pas pu être produite. Réessayez.")
        return final

    def stream(
        self, turn: Turn, filters: SearchFilters | None = None, style: Style = "standard"
    ) -> Iterator[Sentence | AnsweredTurn]:
        """The answer's events as they come, then the recorded answer (authoritative). The
        model calls use the turn's place in the queue, given back at the end."""
        events = self.answerer.stream(turn.message, turn.history, filters, style)
        place = turn.reservation
        try:
            while True:
                with place.active() if place is not None else nullcontext():
                    event = next(events, None)
                if event is None:
                    return
                if isinstance(event, Answer):
                    yield AnsweredTurn(turn, event, self.record(turn, event))
                else:
                    yield event
        finally:
            if isinstance(events, Generator):
                events.close()  # ends the generation and frees the model now
            if place is not None:
                place.release()

    def record(self, turn: Turn, answer: Answer) -> str:
        """Store the exchange with its audit record (the store redacts it); return its id."""
        energy = None
        if self.energy is not None:
            energy = self.energy.for_seconds(answer.timings.get("total_ms", 0.0) / 1000)
        record = audit_record(
            turn.session_id, turn.message, answer, self.answerer.config, self.model_sha256, energy
        )
        answer_id = self.store.record(record)
        for observer in self.observers:
            observer(answer, energy)
        return answer_id


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
        "dropped_sentences": [verdict.as_json() for verdict in answer.dropped],
        "passages": [passage.as_json(n) for n, passage in enumerate(answer.passages, start=1)],
        "standalone_question": answer.standalone_question,
        "search_question": answer.search_question,
        "model": answer.model,
        "tokens": answer.tokens,
        "timings": answer.timings,
    }
