"""Small frozen domain types shared by ingestion, retrieval and answering."""

from __future__ import annotations

from dataclasses import dataclass, field


class GuichetError(Exception):
    """A failure with a message a person can act on."""


class GeneratorUnavailableError(GuichetError):
    """The model cannot be loaded or the inference server cannot be reached."""


class QueueFullError(GuichetError):
    """Too many requests are waiting for the model."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class SourceInfo:
    """What the manifest (or the file itself) tells about one document."""

    source_id: str
    title: str
    url: str = ""
    date: str = ""
    commune: str = ""
    licence: str = ""
    official: bool = False  # its contacts are the authority's own (may be relayed to residents)
    payments: bool = False  # it may carry payment requests, IBANs and payment links


@dataclass(frozen=True)
class Block:
    """A unit of a document's structure: a paragraph, list item or table row, under headings."""

    text: str
    headings: tuple[str, ...] = ()
    page: int | None = None
    ocr: bool = False  # read by OCR from a scanned page (no text layer)


@dataclass(frozen=True)
class LoadedDocument:
    """A file's text as structured blocks, with the title found in the file (if any)."""

    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Chunk:
    """A piece of a document, the unit of indexing and retrieval."""

    chunk_id: str
    source: SourceInfo
    index: int
    text: str
    headings: tuple[str, ...] = ()
    page: int | None = None
    doc_version: str = ""
    path: str = ""
    ocr: bool = False  # its text was read by OCR from a scanned page
    indexed_at: str = ""  # when this version was written into the index (UTC, ISO 8601)

    def embedding_text(self) -> str:
        """The text given to the embedder: title and heading path as context, then the body."""
        context = " > ".join((self.source.title, *self.headings))
        return f"{context}\n{self.text}" if context else self.text


@dataclass(frozen=True)
class SparseVector:
    """A sparse lexical vector: term ids and their weights."""

    indices: tuple[int, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and the scores of each search."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    rank: int = 0
    # The dense vector stored in the index for this chunk (document prompt), read back with the
    # search so that the citation check does not embed the passage a second time.
    vector: tuple[float, ...] | None = field(default=None, repr=False, compare=False)

    def as_json(self, n: int | None = None, with_text: bool = True) -> dict[str, object]:
        """The one JSON shape of a passage (search results, answers, audit records, the eval);
        `n` is its number in the answer's sources, `with_text` False leaves out its text."""
        chunk = self.chunk
        shape: dict[str, object] = {} if n is None else {"n": n}
        shape.update(
            chunk_id=chunk.chunk_id,
            source_id=chunk.source.source_id,
            title=chunk.source.title,
            url=chunk.source.url,
            commune=chunk.source.commune,
            date=chunk.source.date,
            page=chunk.page,
            ocr=chunk.ocr,
            headings=list(chunk.headings),
            doc_version=chunk.doc_version,
            rank=self.rank,
            score=round(self.score, 6),
            dense_score=self.dense_score,
            lexical_score=self.lexical_score,
        )
        if with_text:
            shape["text"] = chunk.text
        return shape


@dataclass(frozen=True)
class SearchFilters:
    """Restrict a search to some communes or sources (empty means no restriction)."""

    communes: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexedDocument:
    """What the index holds about one document."""

    source_id: str
    version: str
    path: str
    chunks: int
    title: str = ""
    commune: str = ""
    url: str = ""
    date: str = ""  # the document's own date (manifest, or the crawled page's)
    indexed_at: str = ""  # when its current version was written into the index
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR


@dataclass
class IngestReport:
    """Summary of one ingestion run."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """The JSON summary printed by `guichet ingest --json`."""
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": list(self.failed),
            "seconds": round(self.seconds, 3),
        }
