"""Crawled documents into the index: ids from URLs, metadata (commune from the rules or the
manifest), the ingestion pipeline's chunking, and writes only when a document changed."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from chatbot.domain import Block, Chunk, IndexedDocument, SourceInfo
from chatbot.ports import DocumentEncoder, Embedder, VectorIndex
from ingestion.crawl.config import CrawlSource
from ingestion.crawl.discovery import normalize_url
from ingestion.manifest import ManifestEntry, read_manifest_file
from ingestion.pipeline import PIPELINE_VERSION, ChunkingOptions, document_chunks, write_batch

# Bump when extraction changes in a way that should re-index every crawled document.
CRAWL_VERSION = "1"
_FLUSH_CHUNKS = 64


def source_id_for(url: str) -> str:
    """A stable, readable id for a URL: its host and path as a slug, and a short hash."""
    parts = urlsplit(url)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{parts.hostname}{parts.path}?{parts.query}".lower())
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{slug.strip('-')[:60].strip('-')}-{digest}"


def text_hash(blocks: Sequence[Block]) -> str:
    """What identifies a document's text (two URLs with the same hash are duplicates)."""
    text = "\n".join(" ".join(block.text.split()) for block in blocks)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def manifest_by_url(path: Path | None) -> dict[str, ManifestEntry]:
    """A manifest's entries keyed by their normalised `url` (entries without one are left out)."""
    if path is None:
        return {}
    entries = read_manifest_file(path).by_id.values()
    return {key: entry for entry in entries if entry.url and (key := normalize_url(entry.url))}


def describe(
    url: str, title: str, date: str, source: CrawlSource, manifest: dict[str, ManifestEntry]
) -> SourceInfo:
    """The document's metadata: the manifest's entry for its URL first, then what the page
    says, the commune rules and the source's defaults. The URL is the public one."""
    entry = manifest.get(url)
    return SourceInfo(
        source_id=entry.id if entry else source_id_for(url),
        title=(entry.title if entry else "") or title or url,
        url=url,
        date=(entry.date if entry else "") or date,
        commune=(entry.commune if entry else "") or source.commune_for(url),
        licence=(entry.licence if entry else "") or source.licence,
        official=entry.is_official if entry else False,
        payments=entry.allows_payments if entry else False,
    )


class IndexWriter:
    """Writes crawled documents into the index in batches, skipping unchanged ones."""

    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        encoder: DocumentEncoder,
        options: ChunkingOptions,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.encoder = encoder
        self.options = options
        self._known: dict[str, IndexedDocument] = {}
        self._pending: list[tuple[str, list[Chunk], bool]] = []

    def refresh(self) -> None:
        """Read what the index holds (once per crawl)."""
        self._known = self.index.documents()

    def holds(self, source_id: str) -> bool:
        """Whether the index has this document."""
        return source_id in self._known

    def version(self, source: SourceInfo, content_hash: str) -> str:
        """The version key of a document: its text, its metadata but the date (a server's
        Last-Modified may change on every request), the chunking and the code's versions."""
        fields = [source.source_id, source.title, source.url, source.commune, source.licence]
        material = json.dumps([content_hash, fields, self.options.size, self.options.overlap,
                               PIPELINE_VERSION, CRAWL_VERSION])  # fmt: skip
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def write(self, source: SourceInfo, blocks: Sequence[Block], content_hash: str) -> str:
        """Queue a document for writing; 'added', 'updated' or 'unchanged'."""
        key = self.version(source, content_hash)
        known = self._known.get(source.source_id)
        if known is not None and known.version == key:
            return "unchanged"
        chunks = document_chunks(source, blocks, self.options, key, source.url)
        self._pending.append((source.source_id, chunks, known is not None))
        self._known[source.source_id] = IndexedDocument(
            source.source_id, key, source.url, len(chunks), source.title, source.commune
        )
        if sum(len(c) for _, c, _ in self._pending) >= _FLUSH_CHUNKS:
            self.flush()
        return "updated" if known is not None else "added"

    def chunks_of(self, source_id: str) -> int:
        """How many chunks a document has (or will have once flushed)."""
        known = self._known.get(source_id)
        return known.chunks if known else 0

    def delete(self, source_id: str) -> None:
        """Remove a document from the index."""
        self.flush()
        self.index.delete_document(source_id)
        self._known.pop(source_id, None)

    def flush(self) -> None:
        """Embed and write the queued documents."""
        write_batch(self._pending, self.index, self.embedder, self.encoder)
        self._pending.clear()
