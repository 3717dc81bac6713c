"""The indexed documents as `guichet sources` lists them: every document of the index, whether
ingested from a folder or crawled, and every URL the crawler knows, each with its dates, its
state and the pages read by OCR.

A read model over the two records there are, and nothing stored of its own: the index's payloads
(which `write_batch` stamps with the time of indexing, for folder and crawled documents alike)
and the crawl state (when each URL was last seen and changed, gone or removed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from chatbot.domain import IndexedDocument
from ingestion.crawl.state import GONE_PENDING, INDEXED, CrawlState, UrlState

# Where a document comes from
FOLDER = "folder"  # `guichet ingest` of a folder or a file
WEB = "web"  # `guichet crawl`

# States besides the crawler's (ingestion.crawl.state)
FILE_MISSING = "file_missing"  # a folder document whose file is gone: its next ingest removes it
NOT_IN_INDEX = "not_in_index"  # crawled as indexed, but absent from this index (another model's)


@dataclass(frozen=True)
class SourceEntry:
    """One listed document or crawled URL."""

    origin: str  # FOLDER or WEB
    source_id: str
    title: str
    url: str  # its public address (a crawled URL, or the manifest's url of a file)
    path: str  # the file it was read from (folder documents)
    state: str
    date: str = ""  # the document's own date (manifest, or the page's date)
    indexed_at: str = ""  # when its current version was written into the index
    first_seen: str = ""  # crawled: first fetched
    last_seen: str = ""  # crawled: last answered (200 or 304)
    last_changed: str = ""  # crawled: last found with another text
    gone_since: str = ""  # crawled: first answered 404/410
    commune: str = ""
    chunks: int = 0
    ocr_pages: tuple[int, ...] = ()
    source: str = ""  # the crawl source's name
    kind: str = ""  # crawled: page, pdf, docx, odt
    http_status: int = 0
    note: str = ""

    @property
    def ocr(self) -> bool:
        """Whether some of its text was read by OCR."""
        return bool(self.ocr_pages)

    @property
    def location(self) -> str:
        """Its address, else its file."""
        return self.url or self.path

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of `guichet sources --json`."""
        shape = dataclasses.asdict(self)
        shape["ocr_pages"] = list(self.ocr_pages)
        shape["ocr"] = self.ocr
        return shape


def is_web_address(path: str) -> bool:
    """Whether an indexed document's path is a URL (the crawler stores its public address)."""
    return path.startswith(("http://", "https://"))


def list_sources(
    documents: Mapping[str, IndexedDocument] | None,
    records: Iterable[UrlState],
    file_exists: Callable[[Path], bool] = Path.is_file,
) -> list[SourceEntry]:
    """Folder documents then crawled URLs, each by address. `documents` is what the index holds,
    None when it could not be read (the crawl records are then listed as they are)."""
    held = documents or {}
    entries: list[SourceEntry] = []
    crawled: set[str] = set()
    for record in records:
        indexed = record.state in {INDEXED, GONE_PENDING}
        document = held.get(record.source_id) if indexed and record.source_id else None
        if document is not None:
            crawled.add(document.source_id)
        entries.append(_crawled(record, document, missing=indexed and documents is not None))
    entries += [_ingested(d, file_exists) for d in held.values() if d.source_id not in crawled]
    return sorted(entries, key=lambda entry: (entry.origin != FOLDER, entry.location))


def _crawled(record: UrlState, document: IndexedDocument | None, missing: bool) -> SourceEntry:
    """A crawl record, with what the index holds of its document."""
    state, note = record.state, record.note
    if document is None and missing:
        state = NOT_IN_INDEX
        note = note or "absent de cet index : le prochain `guichet crawl` l'indexe à nouveau"
    return SourceEntry(
        WEB, record.source_id, record.title or (document.title if document else ""), record.url,
        "", state, record.date, document.indexed_at if document else "", record.first_seen,
        record.last_seen, record.last_changed, record.gone_since, record.commune,
        document.chunks if document else (0 if missing else record.chunks),
        tuple(record.ocr_pages) or (document.ocr_pages if document else ()), record.source,
        record.kind, record.http_status, note,
    )  # fmt: skip


def _ingested(document: IndexedDocument, file_exists: Callable[[Path], bool]) -> SourceEntry:
    """An indexed document without a crawl record: a folder's (or a crawled one whose crawl
    state is gone, known by its URL path)."""
    web = is_web_address(document.path)
    state, note = INDEXED, ""
    if not web and document.path and not file_exists(Path(document.path)):
        state = FILE_MISSING
        note = "fichier introuvable : retiré au prochain `guichet ingest` de son dossier"
    return SourceEntry(
        WEB if web else FOLDER, document.source_id, document.title,
        document.url or (document.path if web else ""), "" if web else document.path, state,
        document.date, document.indexed_at, commune=document.commune, chunks=document.chunks,
        ocr_pages=document.ocr_pages, note=note,
    )  # fmt: skip


def crawl_records(path: Path) -> list[UrlState]:
    """Every URL of the crawl state file, none when there is no such file (nothing crawled)."""
    if not path.is_file():
        return []
    state = CrawlState(path)
    try:
        return state.records()
    finally:
        state.close()
