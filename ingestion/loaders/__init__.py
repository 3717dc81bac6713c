"""Read a file into structured blocks (headings, paragraphs, pages), chosen by its extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chatbot.domain import GuichetError, LoadedDocument
from ingestion.loaders.html import load_html
from ingestion.loaders.office import load_docx, load_odt
from ingestion.loaders.pdf import load_pdf
from ingestion.loaders.text import load_markdown, load_text

Loader = Callable[[Path], LoadedDocument]

LOADERS: dict[str, Loader] = {
    ".txt": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".odt": load_odt,
}


class UnreadableDocumentError(GuichetError):
    """A file that cannot be turned into text."""


def supported(path: Path) -> bool:
    """Whether a file's extension has a loader."""
    return path.suffix.lower() in LOADERS


def load(path: Path) -> LoadedDocument:
    """Load a file; raise UnreadableDocumentError with the reason when it cannot be read."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableDocumentError(
            f"unsupported file type {path.suffix!r} (supported: {', '.join(sorted(LOADERS))})"
        )
    try:
        document = loader(path)
    except UnreadableDocumentError:
        raise
    except Exception as error:  # every parser has its own exception types
        raise UnreadableDocumentError(
            f"cannot read {path.suffix.lstrip('.').upper()} file: {type(error).__name__}: {error}"
        ) from error
    if not any(block.text.strip() for block in document.blocks):
        raise UnreadableDocumentError("no text found in the file (empty, or a scanned image?)")
    return document
