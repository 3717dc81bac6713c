"""Bounded admission in front of one model: at most `size` requests wait, served one at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from chatbot.domain import QueueFullError


class RequestQueue:
    """Admits at most `size` waiting requests in front of one model, served one at a time."""

    def __init__(self, size: int, timeout_s: float, typical_answer_s: float = 10.0) -> None:
        self.size = size
        self.timeout_s = timeout_s
        self.typical_answer_s = typical_answer_s
        self._model_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        """Requests waiting for the model now."""
        return self._waiting

    def is_full(self) -> bool:
        """Whether a new request would be refused now."""
        return self._model_lock.locked() and self._waiting >= self.size

    def full_error(self) -> QueueFullError:
        """The error for a refused request, with a Retry-After estimate."""
        retry = max(1, round(self.typical_answer_s * (self._waiting + 1)))
        return QueueFullError(
            f"Le service est très sollicité ({self._waiting} demandes en attente). "
            f"Réessayez dans {retry} secondes.",
            retry,
        )

    def admit(self) -> None:
        """Raise the queue-full error when a new request would be refused now."""
        if self.is_full():
            raise self.full_error()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for the model (or refuse at once when the queue is full)."""
        with self._count_lock:
            if self.is_full():
                raise self.full_error()
            self._waiting += 1
        try:
            acquired = self._model_lock.acquire(timeout=self.timeout_s)
        finally:
            with self._count_lock:
                self._waiting -= 1
        if not acquired:
            raise QueueFullError(
                f"Le modèle n'a pas pu traiter la demande en {self.timeout_s:.0f} s. Réessayez.",
                max(1, round(self.typical_answer_s)),
            )
        try:
            yield
        finally:
            self._model_lock.release()
