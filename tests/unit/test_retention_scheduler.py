"""The service's purge schedule: runs at start, repeats, survives a failing purge, stops."""

from __future__ import annotations

import threading
from typing import Any

from chatbot.privacy.retention import RetentionScheduler
from chatbot.store.conversations import PurgeReport


class FlakyStore:
    """Fails on its first purge, then succeeds; signals each call."""

    def __init__(self) -> None:
        self.calls = 0
        self.called = threading.Event()

    def purge(self, dry_run: bool = False) -> PurgeReport:
        self.calls += 1
        self.called.set()
        if self.calls == 1:
            raise RuntimeError("database is locked")
        return PurgeReport(dry_run, "2026-05-01T00:00:00Z", "2025-11-01T00:00:00Z", 1, 2, 3)


def test_a_failed_purge_is_kept_and_the_next_one_runs() -> None:
    store: Any = FlakyStore()
    scheduler = RetentionScheduler(store, interval_s=0.05)
    scheduler.start()
    for _ in range(100):
        if store.calls >= 2:
            break
        store.called.wait(1)
        store.called.clear()
    scheduler.stop()
    assert store.calls >= 2 and scheduler.runs >= 2
    assert scheduler.last_error is None and scheduler.last_report is not None
    assert scheduler.last_report.answers_deleted == 3


def test_a_zero_interval_never_starts_the_thread() -> None:
    store: Any = FlakyStore()
    scheduler = RetentionScheduler(store, interval_s=0)
    scheduler.start()
    scheduler.stop()
    assert store.calls == 0
    scheduler.run_once()
    assert scheduler.last_error == "RuntimeError: database is locked"
