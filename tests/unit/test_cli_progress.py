"""Progress written as log lines when nobody watches a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from chatbot.cli.progress import (
    BarProgress,
    LogLinesProgress,
    format_duration,
    progress_display,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_durations_read_naturally() -> None:
    assert format_duration(42.9) == "42 s"
    assert format_duration(185) == "3 min 05 s"
    assert format_duration(3720) == "1 h 02 min"


def test_lines_are_spaced_in_time_and_the_end_of_a_stage_is_always_written() -> None:
    lines: list[str] = []
    clock = Clock()
    progress = LogLinesProgress(lines.append, every_s=30, clock=clock)
    progress.stage("Réponses", 4)
    clock.now += 10
    progress.advance()  # 10 s after the start: too soon for a line
    clock.now += 30
    progress.advance()  # 40 s: a line, with an estimate from the pace so far
    progress.advance()  # same instant: nothing
    clock.now += 5
    progress.advance()  # complete: always written
    assert lines == [
        "Réponses: started, 4 to do",
        "Réponses: 2/4 (50%), about 40 s left, 40 s elapsed",
        "Réponses: 4/4 (100%), 45 s elapsed",
    ]


def test_a_stage_without_total_counts_and_shows_its_detail_then_gets_its_total() -> None:
    lines: list[str] = []
    clock = Clock()
    progress = LogLinesProgress(lines.append, every_s=30, clock=clock)
    progress.stage("Ingesting", None)
    clock.now += 31
    progress.advance(detail="12 chunks")
    progress.stage("Ingesting", 2)  # same stage: only the total changes, no new line
    clock.now += 1
    progress.advance(detail="20 chunks")
    progress.stage("Recherche", 1)
    assert lines == [
        "Ingesting: started",
        "Ingesting: 1 done, 12 chunks, 31 s elapsed",
        "Ingesting: 2/2 (100%), 20 chunks, 32 s elapsed",
        "Recherche: started, 1 to do",
    ]


def test_a_terminal_gets_a_bar_and_a_file_gets_lines() -> None:
    to_file = Console(file=io.StringIO(), force_terminal=False)
    to_terminal = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(progress_display(to_file, transient=False), LogLinesProgress)
    assert isinstance(progress_display(to_terminal, transient=False), BarProgress)
    with progress_display(to_file, transient=True) as progress:
        progress.stage("Juge local (ragas)", 1)
        progress.advance()
    assert to_file.file.getvalue().splitlines()[-1].startswith("Juge local (ragas): 1/1 (100%)")  # type: ignore[attr-defined]


def test_the_bar_takes_the_same_calls() -> None:
    terminal = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress_display(terminal, transient=False) as progress:
        progress.stage("Ingesting", None)
        progress.advance(detail="3 chunks")
        progress.stage("Ingesting", 2)
        progress.advance()
    assert "2/2" in terminal.file.getvalue() and "3 chunks" in terminal.file.getvalue()  # type: ignore[attr-defined]
