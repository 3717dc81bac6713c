"""OCR of scanned PDF pages (no text layer): pdfium renders the page, Tesseract reads it.

Tesseract and its French model come from Debian (`tesseract-ocr`, `tesseract-ocr-fra`), installed
by `deploy/install-test-packages.sh`; without them, scanned pages are reported, never guessed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("guichet.ocr")


@dataclass(frozen=True)
class OcrOptions:
    """How scanned pages are read."""

    enabled: bool = True
    languages: str = "fra"
    dpi: int = 300
    max_pages: int = 50
    timeout_s: float = 120.0


DEFAULT_OCR = OcrOptions()


@functools.lru_cache(maxsize=8)
def ocr_problem(languages: str) -> str | None:
    """Why OCR cannot run here (a sentence), or None when Tesseract and its models are present."""
    try:
        import pytesseract

        available = set(pytesseract.get_languages(config=""))
    except Exception as error:  # not installed, or a broken installation
        return (
            f"Tesseract est introuvable ({type(error).__name__}) : installez les paquets Debian "
            "tesseract-ocr et tesseract-ocr-fra (deploy/install-test-packages.sh)"
        )
    missing = [lang for lang in languages.split("+") if lang not in available]
    if missing:
        return (
            f"modèle Tesseract {', '.join(missing)} absent : installez "
            f"{' '.join('tesseract-ocr-' + lang for lang in missing)}"
        )
    return None


def ocr_pdf_pages(path: Path, pages: Sequence[int], options: OcrOptions) -> dict[int, str]:
    """The text Tesseract reads on each given page (1-based) of a PDF, at most `max_pages`."""
    import pypdfium2
    import pytesseract

    found: dict[int, str] = {}
    document = pypdfium2.PdfDocument(str(path))
    try:
        for number in list(pages)[: options.max_pages]:
            page = document[number - 1]
            try:
                image = page.render(scale=options.dpi / 72).to_pil()
            finally:
                page.close()
            try:
                text = pytesseract.image_to_string(
                    image, lang=options.languages, timeout=options.timeout_s
                )
            except RuntimeError as error:  # pytesseract's time-out; the page is reported empty
                logger.warning("OCR of page %d of %s failed: %s", number, path, error)
                text = ""
            found[number] = str(text)
    finally:
        document.close()
    return found
