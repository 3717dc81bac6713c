"""Bounded admission in front of one model: at most `size` requests wait, served one at a time.

A conversation turn reserves its place when it is admitted (`reserve()`), atomically, before the
answer starts streaming: a burst of requests gets at most `size + 1` places (one served, `size`
waiting) and the others are refused at once, with a Retry-After. The turn then uses its place for
each model call (`with reservation.active(): ...` around the calls; `turn()` finds it) and gives
it back when it ends, or when the reservation is dropped unused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from chatbot.domain import QueueFullError

_ACTIVE: ContextVar[Reservation | None] = ContextVar("guichet_reservation", default=None)


class Reservation:
    """One admitted request's place in the queue, held until `release()` (idempotent)."""

    def __init__(self, queue: RequestQueue) -> None:
        self.queue = queue
        self.released = False

    @contextmanager
    def active(self) -> Iterator[None]:
        """Model calls made inside (in this thread) use this place instead of queueing anew."""
        token = _ACTIVE.set(self)
        try:
            yield
        finally:
            _ACTIVE.reset(token)

    def release(self) -> None:
        """Give the place back (once)."""
        self.queue._give_back(self)

    def __del__(self) -> None:  # a turn dropped without being answered frees its place
        if not self.released:
            self.release()


class RequestQueue:
    """Admits at most `size` waiting requests in front of one model, served one at a time."""

    def __init__(self, size: int, timeout_s: float, typical_answer_s: float = 10.0) -> None:
        self.size = size
        self.timeout_s = timeout_s
        self.typical_answer_s = typical_answer_s
        self._model_lock = threading.Lock()
        self._count_lock = threading.RLock()  # re-entrant: a dropped Reservation releases in GC
        self._places = 0  # admitted requests, served or waiting

    @property
    def waiting(self) -> int:
        """Admitted requests not being served now."""
        return max(0, self._places - (1 if self._model_lock.locked() else 0))

    def is_full(self) -> bool:
        """Whether a new request would be refused now."""
        return self._places >= self.size + 1

    def full_error(self) -> QueueFullError:
        """The error for a refused request, with a Retry-After estimate."""
        waiting = self.waiting
        retry = max(1, round(self.typical_answer_s * (waiting + 1)))
        return QueueFullError(
            f"Le service est très sollicité ({waiting} demandes en attente). "
            f"Réessayez dans {retry} secondes.",
            retry,
        )

    def admit(self) -> None:
        """Raise the queue-full error when a new request would be refused now."""
        if self.is_full():
            raise self.full_error()

    def reserve(self) -> Reservation:
        """Take a place atomically, or raise the queue-full error when none is left."""
        with self._count_lock:
            if self.is_full():
                raise self.full_error()
            self._places += 1
            return Reservation(self)

    def _give_back(self, reservation: Reservation) -> None:
        with self._count_lock:
            if not reservation.released:
                reservation.released = True
                self._places -= 1

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for the model with the caller's reservation, or with a place taken now (refused
        at once when the queue is full)."""
        held = _ACTIVE.get()
        own = held is not None and held.queue is self and not held.released
        taken = None if own else self.reserve()
        try:
            if not self._model_lock.acquire(timeout=self.timeout_s):
                raise QueueFullError(
                    f"Le modèle n'a pas pu traiter la demande en {self.timeout_s:.0f} s. "
                    "Réessayez.",
                    max(1, round(self.typical_answer_s)),
                )
            try:
                yield
            finally:
                self._model_lock.release()
        finally:
            if taken is not None:
                taken.release()
