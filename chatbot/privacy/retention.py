"""Retention enforced by the service itself: a background thread purges on a schedule."""

from __future__ import annotations

import logging
import threading

from chatbot.store.conversations import ConversationStore, PurgeReport

logger = logging.getLogger("guichet.retention")


class RetentionScheduler:
    """Runs `store.purge()` at start and then every `interval_s` seconds, until stopped."""

    def __init__(self, store: ConversationStore, interval_s: float) -> None:
        self.store = store
        self.interval_s = interval_s
        self.last_report: PurgeReport | None = None
        self.last_error: str | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="guichet-purge", daemon=True)

    def start(self) -> None:
        """Start the schedule (a zero interval disables it)."""
        if self.interval_s > 0:
            self._thread.start()

    def run_once(self) -> None:
        """One purge; an error is logged and kept, never raised into the service."""
        try:
            self.last_report = self.store.purge()
            self.last_error = None
            logger.info("retention purge: %s", self.last_report.as_dict())
        except Exception as error:  # the next run tries again
            self.last_error = f"{type(error).__name__}: {error}"
            logger.exception("retention purge failed")
        self.runs += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        """Stop the schedule and wait for a purge in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
