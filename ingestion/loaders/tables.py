"""Tables as Markdown: each row kept whole, the header repeated in every chunk that holds rows.

A price or an opening hour stays attached to its row and its column: HTML tables (spans
filled in), PDF tables found by pdfplumber and trafilatura's tables all become one Markdown block,
which the chunker cuts between rows only (`split_markdown_table`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bs4.element import Tag

_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")
_SPACES = re.compile(r"\s+")


def _cell(value: object) -> str:
    text = "" if value is None else _SPACES.sub(" ", str(value)).strip()
    return text.replace("|", "\\|")


def markdown_table(rows: Sequence[Sequence[object]], header_rows: int = 1) -> str:
    """A Markdown table; the first `header_rows` rows are joined into its header (at least one).

    Empty rows and empty columns are dropped; a table with a single row or column is returned
    as plain lines, since it has no header to repeat.
    """
    grid = [[_cell(value) for value in row] for row in rows]
    grid = [row for row in grid if any(row)]
    if not grid:
        return ""
    width = max(len(row) for row in grid)
    grid = [row + [""] * (width - len(row)) for row in grid]
    keep = [col for col in range(width) if any(row[col] for row in grid)]
    grid = [[row[col] for col in keep] for row in grid]
    if len(grid) < 2 or len(keep) < 2:
        return "\n".join(" | ".join(cell for cell in row if cell) for row in grid)
    heads = max(1, min(header_rows, len(grid) - 1))
    header = [
        " / ".join(dict.fromkeys(row[col] for row in grid[:heads] if row[col]))
        for col in range(len(keep))
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in grid[heads:])
    return "\n".join(lines)


def is_markdown_table(text: str) -> bool:
    """Whether a block is a Markdown table (a header line, its separator, rows)."""
    lines = text.splitlines()
    return (
        len(lines) >= 2
        and all(line.startswith("|") for line in lines)
        and bool(_SEPARATOR.match(lines[1].replace(" ", "")))
    )


def split_markdown_table(text: str, size: int) -> list[str]:
    """Cut a Markdown table between rows into pieces of at most `size` characters, each one
    starting with the header; a single row too long for one piece is cut at word boundaries."""
    lines = text.splitlines()
    head = "\n".join(lines[:2])
    room = max(size - len(head) - 1, 40)
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    for row in lines[2:]:
        parts = [row] if len(row) <= room else _cut(row, room)
        for part in parts:
            if current and length + len(part) + 1 > room:
                pieces.append("\n".join([head, *current]))
                current, length = [], 0
            current.append(part)
            length += len(part) + 1
    if current:
        pieces.append("\n".join([head, *current]))
    return pieces


def _cut(row: str, room: int) -> list[str]:
    out: list[str] = []
    current = ""
    for word in row.split(" "):
        if current and len(current) + 1 + len(word) > room:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*out, current] if current else out


def html_table_rows(table: Tag) -> tuple[list[list[str]], int]:
    """The cells of an HTML table, row and column spans filled in, and its header row count."""
    grid: list[list[str]] = []
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still spanned)
    header_rows = 0
    body_started = False
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        row: list[str] = []
        cells = list(tr.find_all(["td", "th"], recursive=False))
        is_header = bool(cells) and (
            all(c.name == "th" for c in cells) or tr.find_parent("thead") is not None
        )
        if is_header and not body_started:
            header_rows += 1
        else:
            body_started = True
        column = 0
        queue = list(cells)
        while queue or column in pending:
            if column in pending:
                text, left = pending.pop(column)
                row.append(text)
                if left > 1:
                    pending[column] = (text, left - 1)
                column += 1
                continue
            cell = queue.pop(0)
            text = cell.get_text(" ")
            span = _int(cell.get("colspan"))
            down = _int(cell.get("rowspan"))
            for _ in range(span):
                row.append(text)
                if down > 1:
                    pending[column] = (text, down - 1)
                column += 1
        grid.append(row)
    return grid, header_rows


def _int(value: Any) -> int:
    try:
        return max(1, min(int(str(value)), 100))
    except (TypeError, ValueError):
        return 1


def pdf_page_parts(path: Path, pages: set[int] | None = None) -> dict[int, list[str]]:
    """For each page (1-based, among `pages` if given) that holds ruled tables: its text and
    Markdown tables in reading order (text above a table, the table, text below). Pages without
    tables are left out."""
    import pdfplumber

    found: dict[int, list[str]] = {}
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            if pages is not None and number not in pages:
                continue
            tables = sorted(page.find_tables(), key=lambda table: table.bbox[1])
            if not tables:
                page.close()
                continue
            parts: list[str] = []
            top = 0.0
            boxes = [table.bbox for table in tables]
            for table, box in zip(tables, boxes, strict=True):
                parts.append(_text_between(page, top, box[1], boxes))
                parts.append(markdown_table(table.extract()))
                top = box[3]
            parts.append(_text_between(page, top, float(page.height), boxes))
            found[number] = [part for part in parts if part.strip()]
            page.close()
    return found


def _text_between(page: Any, top: float, bottom: float, boxes: list[Any]) -> str:
    """The page's text between two heights, outside every table."""
    if bottom - top < 1:
        return ""

    def outside(obj: dict[str, Any]) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        inside = any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)
        return not inside and top <= y <= bottom

    text = page.filter(lambda obj: "x0" not in obj or outside(obj)).extract_text()
    return str(text or "")
