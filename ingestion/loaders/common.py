"""Helpers shared by the loaders: heading paths, text clean-up, titles."""

from __future__ import annotations

import re
from pathlib import Path

from chatbot.domain import Block

_SPACES = re.compile(r"[ \t\u00a0\u202f]+")


def clean(text: str) -> str:
    """Collapse runs of spaces (keeping line breaks) and trim each line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def title_from_path(path: Path) -> str:
    """A readable title from a file name: 'guide_tri-dechets' -> 'Guide tri dechets'."""
    words = re.sub(r"[_\-]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


def short_title(line: str, limit: int = 100) -> str:
    """A line used as a title, cut at a word boundary when too long."""
    line = line.strip()
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


class HeadingPath:
    """The current chain of headings while walking a document."""

    def __init__(self) -> None:
        self._levels: list[tuple[int, str]] = []

    def enter(self, level: int, text: str) -> None:
        """A heading of this level starts a new section under the shallower ones."""
        self._levels = [(lvl, txt) for lvl, txt in self._levels if lvl < level]
        self._levels.append((level, text))

    def current(self, skip: str = "") -> tuple[str, ...]:
        """The headings from outermost to innermost, without one equal to skip (the title)."""
        return tuple(text for _, text in self._levels if text != skip)


class BlockCollector:
    """Collects blocks under the current heading path, dropping empty text."""

    def __init__(self) -> None:
        self.headings = HeadingPath()
        self.blocks: list[Block] = []
        self.first_heading = ""
        self.title = ""

    def heading(self, level: int, text: str) -> None:
        """Record a heading."""
        text = clean(text).replace("\n", " ")
        if not text:
            return
        if not self.first_heading:
            self.first_heading = text
        self.headings.enter(level, text)

    def add(self, text: str, page: int | None = None, ocr: bool = False) -> None:
        """Add a paragraph-like block under the current headings (`ocr`: read by OCR)."""
        text = clean(text)
        if text:
            self.blocks.append(Block(text, self.headings.current(skip=self.title), page, ocr))
