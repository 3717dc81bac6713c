"""PDF: text page by page, page numbers kept, hard line wraps joined; ruled tables become Markdown
tables, scanned pages (no text layer) are read by OCR."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader

from chatbot.domain import LoadedDocument
from ingestion.loaders.common import BlockCollector, short_title, title_from_path
from ingestion.loaders.ocr import DEFAULT_OCR, OcrOptions, ocr_pdf_pages, ocr_problem
from ingestion.loaders.tables import is_markdown_table, pdf_page_parts

_HYPHEN_WRAP = re.compile(r"(\w)-\n(\w)")
_BLANK_LINES = re.compile(r"\n\s*\n")
_PATH_OPERATOR = re.compile(rb"(?:-?[\d.]+\s+){2}l\b|(?:-?[\d.]+\s+){4}re\b")  # line, rectangle
logger = logging.getLogger("guichet.pdf")


@dataclass(frozen=True)
class PdfDetails:
    """What reading a PDF found besides its text: OCR'd, empty and table pages (1-based)."""

    pages: int
    ocr_pages: tuple[int, ...] = ()
    empty_pages: tuple[int, ...] = ()
    table_pages: tuple[int, ...] = ()
    ocr_problem: str = ""


def load_pdf(path: Path) -> LoadedDocument:
    """Each page's paragraphs become blocks carrying their page number (1-based)."""
    return read_pdf(path)[0]


def read_pdf(path: Path, ocr: OcrOptions = DEFAULT_OCR) -> tuple[LoadedDocument, PdfDetails]:
    """The document's blocks, and which pages needed OCR, stayed empty or held tables."""
    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("the PDF is password-protected")
    collector = BlockCollector()
    pages = [page.extract_text() or "" for page in reader.pages]
    blank = [number for number, text in enumerate(pages, start=1) if not text.strip()]
    problem = ocr_problem(ocr.languages) if blank and ocr.enabled else None
    read_by_ocr = ocr_pdf_pages(path, blank, ocr) if blank and ocr.enabled and not problem else {}
    for number, text in read_by_ocr.items():
        pages[number - 1] = text
    ruled = {n for n, page in enumerate(reader.pages, start=1) if _has_rules(page)}
    tables = _tables(path, ruled - set(blank)) if ruled - set(blank) else {}
    meta_title = str(reader.metadata.title or "") if reader.metadata else ""
    first_line = next((ln.strip() for p in pages for ln in p.splitlines() if ln.strip()), "")
    collector.title = meta_title.strip() or (short_title(first_line) if first_line else "")
    collector.title = collector.title or title_from_path(path)
    for number, text in enumerate(pages, start=1):
        scanned = number in read_by_ocr  # its blocks are marked as read by OCR
        parts = tables.get(number) if not scanned else None
        for part in parts or [text]:
            if is_markdown_table(part):
                collector.add(part, page=number, ocr=scanned)
                continue
            for paragraph in _BLANK_LINES.split(_HYPHEN_WRAP.sub(r"\1\2", part)):
                collector.add(paragraph, page=number, ocr=scanned)
    details = PdfDetails(
        pages=len(pages),
        ocr_pages=tuple(n for n, text in read_by_ocr.items() if text.strip()),
        empty_pages=tuple(n for n, text in enumerate(pages, start=1) if not text.strip()),
        table_pages=tuple(sorted(n for n in tables if n not in read_by_ocr)),
        ocr_problem=problem or "",
    )
    return LoadedDocument(collector.title, tuple(collector.blocks)), details


def _has_rules(page: PageObject) -> bool:
    """Whether a page draws enough lines or rectangles to hold a ruled table (a cheap look at
    its content stream and forms, so that pdfplumber only parses the pages worth it)."""
    try:
        streams = [page.get_contents()]
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        for item in xobjects.get_object().values() if xobjects is not None else ():
            if item.get_object().get("/Subtype") == "/Form":
                streams.append(item.get_object())
        data = b"".join(stream.get_data() for stream in streams if stream is not None)
    except Exception:  # an odd page structure: let pdfplumber look
        return True
    return len(_PATH_OPERATOR.findall(data)) >= 4


def _tables(path: Path, pages: set[int]) -> dict[int, list[str]]:
    """Pages with ruled tables; a PDF pdfplumber cannot read keeps pypdf's text."""
    try:
        return pdf_page_parts(path, pages)
    except Exception as error:  # pdfminer has many exception types
        logger.warning("tables not read in %s: %s: %s", path, type(error).__name__, error)
        return {}
