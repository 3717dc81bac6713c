"""Linked documents (PDF, DOCX, ODT): recognised by type and signature, checked against
decompression bombs, then read by the ordinary loaders (PDF tables and OCR included)."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from chatbot.domain import GuichetError, LoadedDocument
from ingestion.loaders import UnreadableDocumentError, load
from ingestion.loaders.ocr import OcrOptions
from ingestion.loaders.pdf import read_pdf

MEDIA_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
}
_GENERIC = {"", "application/octet-stream", "binary/octet-stream", "application/download",
            "application/x-download", "application/force-download"}  # fmt: skip
_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_REQUIRED_MEMBER = {"docx": "word/document.xml", "odt": "content.xml"}


class DocumentError(GuichetError):
    """A linked document that is not indexed; the message says why, in French."""


@dataclass(frozen=True)
class ReadDocument:
    """A document's text and what reading it found."""

    document: LoadedDocument
    ocr_pages: tuple[int, ...] = ()
    empty_pages: tuple[int, ...] = ()
    table_pages: tuple[int, ...] = ()


def document_kind(content_type: str, url: str) -> str | None:
    """'pdf', 'docx' or 'odt' from the media type (or the URL's extension for a generic
    one); None for anything else."""
    kind = MEDIA_TYPES.get(content_type)
    if kind is None and content_type in _GENERIC:
        suffix = urlsplit(url).path.lower().rsplit(".", 1)[-1]
        kind = suffix if suffix in {"pdf", "docx", "odt"} else None
    return kind


def check_signature(body: bytes, kind: str) -> None:
    """Refuse bytes that are not what the server says they are."""
    if kind == "pdf" and b"%PDF-" not in body[:1024]:
        what = "une archive ZIP" if body.startswith(b"PK") else "autre chose"
        raise DocumentError(f"annoncé comme PDF mais c'est {what} : non indexé")
    if kind in _REQUIRED_MEMBER and not body.startswith(b"PK\x03\x04"):
        raise DocumentError(
            f"annoncé comme {kind.upper()} mais ce n'est pas une archive : non indexé"
        )


def check_pdf_streams(body: bytes, limit: int) -> None:
    """Inflate every Flate stream of a PDF within `limit` bytes in all (decompression bombs)."""
    total = 0
    for match in _STREAM.finditer(body):
        end = body.find(b"endstream", match.end())
        if end < 0:
            break
        try:
            total += _inflated_size(body[match.end() : end], limit - total)
        except zlib.error:
            continue  # not a Flate stream (images, fonts with other filters)
        if total > limit:
            raise DocumentError(
                f"PDF dont le contenu décompressé dépasse {limit / 1e6:.0f} Mo (bombe de "
                "décompression ?) : non indexé (GUICHET_CRAWL_MAX_UNPACKED_MB)"
            )


def _inflated_size(data: bytes, cap: int) -> int:
    """How many bytes Flate data inflates to, counted 16 MB at a time, stopping past `cap`."""
    decoder = zlib.decompressobj()
    size = 0
    while data and size <= cap:
        size += len(decoder.decompress(data, 1 << 24))
        data = decoder.unconsumed_tail
    return size


def check_archive(body: bytes, kind: str, limit: int) -> None:
    """A DOCX or ODT is a ZIP archive: its declared unpacked size must stay within `limit`."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise DocumentError(f"archive {kind.upper()} illisible ({error}) : non indexée") from error
    if sum(member.file_size for member in members) > limit or len(members) > 10_000:
        raise DocumentError(
            f"{kind.upper()} dont le contenu décompressé dépasse {limit / 1e6:.0f} Mo (bombe de "
            "décompression ?) : non indexé (GUICHET_CRAWL_MAX_UNPACKED_MB)"
        )
    if _REQUIRED_MEMBER[kind] not in {member.filename for member in members}:
        raise DocumentError(
            f"archive sans {_REQUIRED_MEMBER[kind]} : ce n'est pas un {kind.upper()}"
        )


def read_document(
    body: bytes, kind: str, url: str, unpacked_limit: int, ocr: OcrOptions
) -> ReadDocument:
    """The document's blocks; raise DocumentError when it cannot or must not be indexed."""
    check_signature(body, kind)
    if kind == "pdf":
        check_pdf_streams(body, unpacked_limit)
    else:
        check_archive(body, kind, unpacked_limit)
    with tempfile.TemporaryDirectory(prefix="guichet-crawl-") as folder:
        stem = re.sub(r"[^\w-]+", "_", Path(urlsplit(url).path).stem)[:80] or "document"
        path = Path(folder) / f"{stem}.{kind}"
        path.write_bytes(body)
        try:
            if kind != "pdf":
                return ReadDocument(load(path))
            document, details = read_pdf(path, ocr)
        except UnreadableDocumentError as error:
            raise DocumentError(f"{kind.upper()} illisible : {error}") from error
        except Exception as error:  # every parser has its own exception types
            raise DocumentError(
                f"{kind.upper()} illisible ({type(error).__name__}: {error})"
            ) from error
    if not any(block.text.strip() for block in document.blocks):
        reason = f" ({details.ocr_problem})" if details.ocr_problem else ""
        raise DocumentError(f"aucun texte trouvé, même par OCR{reason} : non indexé")
    return ReadDocument(document, details.ocr_pages, details.empty_pages, details.table_pages)
