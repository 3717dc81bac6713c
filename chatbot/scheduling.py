"""Jobs the service runs itself on a schedule (retention purge, re-crawl): one background thread
each, a run at start then every `interval_s` seconds; an error is logged and kept, never raised
into the service, and the next run tries again."""

from __future__ import annotations

import logging
import threading
from typing import Generic, TypeVar

Report = TypeVar("Report")


class PeriodicJob(Generic[Report]):
    """Subclasses say what one run does (`run`) and what to log of its report (`describe`)."""

    def __init__(self, name: str, interval_s: float, logger: logging.Logger) -> None:
        self.interval_s = interval_s
        self.logger = logger
        self.last_report: Report | None = None
        self.last_error: str | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"guichet-{name}", daemon=True)

    def run(self, stop: threading.Event) -> Report:
        """One run (it may end early once `stop` is set)."""
        raise NotImplementedError

    def describe(self, report: Report) -> list[str]:
        """The log lines of a finished run."""
        return [str(report)]

    def start(self) -> None:
        """Start the schedule (a zero interval disables it)."""
        if self.interval_s > 0:
            self._thread.start()

    def run_once(self) -> None:
        """One run; an error is logged and kept, never raised into the service."""
        try:
            self.last_report = self.run(self._stop)
            self.last_error = None
            for line in self.describe(self.last_report):
                self.logger.info("%s", line)
        except Exception as error:  # the next run tries again
            self.last_error = f"{type(error).__name__}: {error}"
            self.logger.exception("scheduled job failed")
        self.runs += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        """Stop the schedule and wait (a minute at most) for a run in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
