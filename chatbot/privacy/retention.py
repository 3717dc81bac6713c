"""Retention enforced by the service itself: a background thread purges on a schedule."""

from __future__ import annotations

import logging
import threading

from chatbot.scheduling import PeriodicJob
from chatbot.store.conversations import ConversationStore, PurgeReport

logger = logging.getLogger("guichet.retention")


class RetentionScheduler(PeriodicJob[PurgeReport]):
    """Runs `store.purge()` at start and then every `interval_s` seconds, until stopped."""

    def __init__(self, store: ConversationStore, interval_s: float) -> None:
        super().__init__("purge", interval_s, logger)
        self.store = store

    def run(self, stop: threading.Event) -> PurgeReport:
        """One purge."""
        return self.store.purge()

    def describe(self, report: PurgeReport) -> list[str]:
        """The purge's counts."""
        return [f"retention purge: {report.as_dict()}"]
