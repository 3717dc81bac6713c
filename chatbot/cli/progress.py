"""Progress of long command-line jobs: a live bar in a terminal, dated lines in a log.

An overnight `guichet eval` or a large `guichet ingest` usually runs with its output sent to a
file (cron, systemd, nohup). A live bar draws nothing there, so when standard error is not a
terminal the same events become plain lines: one when a stage starts, then one at most every
`every_s` seconds, and one when the stage is complete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console


def format_duration(seconds: float) -> str:
    """'42 s', '3 min 05 s', '1 h 02 min'."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class LogLinesProgress:
    """Stages and counts written as lines, without flooding the log."""

    def __init__(
        self,
        write: Callable[[str], None],
        every_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._every_s = every_s
        self._clock = clock
        self._label = ""
        self._total: int | None = None
        self._done = 0
        self._detail = ""
        self._started = 0.0
        self._last_line = 0.0

    def stage(self, label: str, total: int | None) -> None:
        """Start a stage (or give the current one its total)."""
        if label == self._label:
            self._total = total
            return
        self._label, self._total, self._done, self._detail = label, total, 0, ""
        self._started = self._last_line = self._clock()
        self._write(f"{label}: started" + (f", {total} to do" if total is not None else ""))

    def advance(self, steps: int = 1, detail: str = "") -> None:
        """Count finished items; write a line if enough time passed or the stage is complete."""
        self._done += steps
        self._detail = detail or self._detail
        now = self._clock()
        complete = self._total is not None and self._done >= self._total
        if complete or now - self._last_line >= self._every_s:
            self._last_line = now
            self._write(self._line(now))

    def _line(self, now: float) -> str:
        elapsed = now - self._started
        if self._total:
            share = self._done / self._total
            text = f"{self._label}: {self._done}/{self._total} ({share:.0%})"
            if 0 < share < 1:
                text += f", about {format_duration(elapsed * (1 - share) / share)} left"
        else:
            text = f"{self._label}: {self._done} done"
        if self._detail:
            text += f", {self._detail}"
        return f"{text}, {format_duration(elapsed)} elapsed"

    def __enter__(self) -> LogLinesProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class BarProgress:
    """One live bar per stage, on a terminal."""

    def __init__(self, console: Console, transient: bool) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                             TimeRemainingColumn(), console=console,
                             transient=transient)  # fmt: skip
        self._task: Any = None
        self._label = ""

    def stage(self, label: str, total: int | None) -> None:
        """Start a bar (or set the total of the current one)."""
        if self._task is not None and label == self._label:
            self._bar.update(self._task, total=total)
            return
        if self._task is not None:
            self._bar.stop_task(self._task)
        self._label = label
        self._task = self._bar.add_task(label, total=total, detail="")

    def advance(self, steps: int = 1, detail: str = "") -> None:
        """Move the current bar on."""
        if self._task is None:
            return
        if detail:
            self._bar.update(self._task, advance=steps, detail=detail)
        else:
            self._bar.advance(self._task, steps)

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def progress_display(console: Console, transient: bool) -> BarProgress | LogLinesProgress:
    """A bar where a person watches a terminal, log lines otherwise."""
    if console.is_terminal:
        return BarProgress(console, transient)
    return LogLinesProgress(lambda line: console.print(line, markup=False, highlight=False))
