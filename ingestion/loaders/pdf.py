"""PDF: text page by page, page numbers kept, hard line wraps joined."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from chatbot.domain import LoadedDocument
from ingestion.loaders.common import BlockCollector, short_title, title_from_path

_HYPHEN_WRAP = re.compile(r"(\w)-\n(\w)")
_BLANK_LINES = re.compile(r"\n\s*\n")


def load_pdf(path: Path) -> LoadedDocument:
    """Each page's paragraphs become blocks carrying their page number (1-based)."""
    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("the PDF is password-protected")
    collector = BlockCollector()
    pages = [page.extract_text() or "" for page in reader.pages]
    meta_title = str(reader.metadata.title or "") if reader.metadata else ""
    first_line = next((ln.strip() for p in pages for ln in p.splitlines() if ln.strip()), "")
    collector.title = meta_title.strip() or (short_title(first_line) if first_line else "")
    collector.title = collector.title or title_from_path(path)
    for number, text in enumerate(pages, start=1):
        text = _HYPHEN_WRAP.sub(r"\1\2", text)
        for paragraph in _BLANK_LINES.split(text):
            collector.add(paragraph, page=number)
    return LoadedDocument(collector.title, tuple(collector.blocks))
