"""Plain text and Markdown."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from chatbot.domain import LoadedDocument
from ingestion.loaders.common import BlockCollector, short_title, title_from_path

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_END_PUNCTUATION = tuple('.:;,!?…)»"')


def read_text(path: Path) -> str:
    """Decode a text file as UTF-8 (with or without BOM), falling back to Windows-1252."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ValueError("the file holds binary data, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def looks_like_heading(line: str, next_line: str) -> bool:
    """A short capitalised line without final punctuation, followed by text, is a heading."""
    line = line.strip()
    if not line or not next_line.strip() or len(line) > 80 or len(line.split()) > 10:
        return False
    if line.endswith(_END_PUNCTUATION) or _LIST_ITEM.match(line):
        return False
    return line[0].isupper() or line[0].isdigit()


def load_text(path: Path) -> LoadedDocument:
    """Plain text: blank lines separate paragraphs; short title-like lines become headings."""
    lines = read_text(path).splitlines()
    collector = BlockCollector()
    first = next((line.strip() for line in lines if line.strip()), "")
    collector.title = short_title(first) if first else title_from_path(path)
    paragraph: list[str] = []

    def flush() -> None:
        collector.add("\n".join(paragraph))
        paragraph.clear()

    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if not line.strip():
            flush()
        elif number > 0 and looks_like_heading(line, following):
            flush()
            collector.heading(2, line)
        else:
            paragraph.append(line)
    flush()
    return LoadedDocument(collector.title, tuple(collector.blocks))


def _strip_markdown(text: str) -> str:
    return _MD_EMPHASIS.sub("", _MD_LINK.sub(r"\1", text))


def load_markdown(path: Path) -> LoadedDocument:
    """Markdown: '#' headings give the path, blank lines separate blocks; front matter is read."""
    text = read_text(path)
    collector = BlockCollector()
    front_title = ""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            meta = yaml.safe_load(text[4:end]) or {}
            front_title = str(meta.get("title", "")) if isinstance(meta, dict) else ""
            text = text[end + 4 :]
    lines = text.splitlines()
    first_h1 = next(
        (m.group(2) for m in map(_MD_HEADING.match, lines) if m and m.group(1) == "#"), ""
    )
    collector.title = _strip_markdown(front_title or first_h1) or title_from_path(path)
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        collector.add(_strip_markdown("\n".join(paragraph)))
        paragraph.clear()

    for line in lines:
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        heading = None if in_code else _MD_HEADING.match(line)
        if heading:
            flush()
            collector.heading(len(heading.group(1)), _strip_markdown(heading.group(2)))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
    flush()
    return LoadedDocument(collector.title, tuple(collector.blocks))
