"""Incremental ingestion: discover files, skip unchanged ones, re-index changed ones, drop gone ones."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from chatbot.domain import Block, Chunk, GuichetError, IndexedDocument, IngestReport, SourceInfo
from chatbot.ports import DocumentEncoder, Embedder, VectorIndex
from chatbot.retrieval.index import chunk_point_id
from ingestion.chunking import chunk_blocks
from ingestion.loaders import load, supported
from ingestion.loaders.common import title_from_path
from ingestion.manifest import (
    IGNORE_FILE,
    MANIFEST_NAMES,
    Manifest,
    ManifestEntry,
    is_ignored,
    read_ignore_patterns,
    read_manifest,
)

# Bump when loaders or chunking change in a way that should re-index every document.
PIPELINE_VERSION = "1"
_FLUSH_CHUNKS = 64

FileDone = Callable[[str, int], None]


@dataclass(frozen=True)
class FoundFile:
    """A file to ingest, with the folder it was found in and that folder's manifest."""

    path: Path
    root: Path
    manifest: Manifest | None

    @property
    def relative(self) -> PurePosixPath:
        """Path inside its folder (the file name for a file given directly)."""
        return PurePosixPath(self.path.relative_to(self.root).as_posix())


@dataclass(frozen=True)
class ChunkingOptions:
    """How documents are cut; part of each document's version key."""

    size: int
    overlap: int


@dataclass
class _Pending:
    chunks: list[tuple[str, list[Chunk], bool]] = field(default_factory=list)

    def size(self) -> int:
        return sum(len(chunks) for _, chunks, _ in self.chunks)


def discover(
    paths: Iterable[Path], manifest: Manifest | None = None
) -> tuple[list[FoundFile], list[Path], list[dict[str, str]]]:
    """Files to ingest, the folders given (whose vanished documents are removed), and errors.

    A manifest given here applies to every path instead of the folders' own manifests.
    """
    found: list[FoundFile] = []
    folders: list[Path] = []
    errors: list[dict[str, str]] = []
    for given in paths:
        path = given.expanduser().resolve()
        if path.is_dir():
            folders.append(path)
            folder_manifest = manifest or read_manifest(path)
            patterns = read_ignore_patterns(path)
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = PurePosixPath(file.relative_to(path).as_posix())
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if file.name in MANIFEST_NAMES or file.name == IGNORE_FILE:
                    continue
                if is_ignored(relative, patterns) or not supported(file):
                    continue
                found.append(FoundFile(file, path, folder_manifest))
        elif path.is_file():
            if supported(path):
                found.append(FoundFile(path, path.parent, manifest or read_manifest(path.parent)))
            else:
                errors.append(
                    {"path": str(given), "error": f"unsupported file type {path.suffix!r}"}
                )
        else:
            errors.append({"path": str(given), "error": "no such file or folder"})
    return found, folders, errors


def source_info(found: FoundFile, title_in_file: str) -> SourceInfo:
    """Metadata for a document: the manifest's, else the file name as id and its own title."""
    entry = found.manifest.lookup(found.relative) if found.manifest else None
    entry = entry or ManifestEntry(id=found.path.stem)
    return SourceInfo(
        source_id=entry.id,
        title=entry.title or title_in_file or title_from_path(found.path),
        url=entry.url,
        date=entry.date,
        commune=entry.commune,
        licence=entry.licence,
        official=entry.is_official,
        payments=entry.allows_payments,
    )


def version_key(content_hash: str, found: FoundFile, options: ChunkingOptions) -> str:
    """What decides whether a document must be re-indexed: content, metadata and chunking."""
    entry = found.manifest.lookup(found.relative) if found.manifest else None
    material = json.dumps(
        [content_hash, entry.__dict__ if entry else None, options.size, options.overlap,
         PIPELINE_VERSION, str(found.path)],
        sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def ingest(
    paths: Sequence[Path],
    index: VectorIndex,
    embedder: Embedder,
    encoder: DocumentEncoder,
    options: ChunkingOptions,
    max_file_bytes: int,
    on_file: FileDone | None = None,
    on_start: Callable[[int], None] | None = None,
    manifest: Manifest | None = None,
) -> IngestReport:
    """Bring the index in line with the given files and folders; report what changed."""
    started = time.perf_counter()
    found, folders, errors = discover(paths, manifest)
    report = IngestReport(failed=errors)
    if on_start is not None:
        on_start(len(found))
    indexed = index.documents()
    seen: dict[str, Path] = {}
    pending = _Pending()
    chunks_in_scope = 0

    def flush() -> None:
        _write(pending, index, embedder, encoder, report)

    for item in found:
        try:
            prepared = _prepare(item, options, max_file_bytes, indexed, seen)
        except GuichetError as error:
            report.failed.append({"path": str(item.path), "error": str(error)})
            if on_file:
                on_file(str(item.path), 0)
            continue
        report.documents += 1
        if prepared.outcome == "unchanged":
            report.unchanged += 1
            chunks_in_scope += indexed[prepared.source_id].chunks
        else:
            pending.chunks.append(
                (prepared.source_id, prepared.chunks, prepared.outcome == "updated")
            )
            chunks_in_scope += len(prepared.chunks)
            if pending.size() >= _FLUSH_CHUNKS:
                flush()
        if on_file:
            on_file(str(item.path), len(prepared.chunks))
    flush()
    report.removed = _remove_vanished(index, indexed, seen, folders)
    report.chunks = chunks_in_scope
    report.seconds = time.perf_counter() - started
    return report


@dataclass(frozen=True)
class _Prepared:
    source_id: str
    outcome: str  # "added", "updated" or "unchanged"
    chunks: list[Chunk]


def _prepare(
    item: FoundFile,
    options: ChunkingOptions,
    max_file_bytes: int,
    indexed: dict[str, IndexedDocument],
    seen: dict[str, Path],
) -> _Prepared:
    """Decide what to do with one file; load and chunk it unless it is unchanged."""
    source_id = source_info(item, "").source_id
    if source_id in seen:
        raise GuichetError(
            f"id {source_id!r} is already used by {seen[source_id]}; give each file its own id "
            "in sources.yaml or rename one"
        )
    seen[source_id] = item.path  # from here on, a failure keeps the indexed version
    size = item.path.stat().st_size
    if size > max_file_bytes:
        raise GuichetError(
            f"file is {size / 1e6:.1f} MB, over the {max_file_bytes / 1e6:.0f} MB limit "
            "(GUICHET_MAX_FILE_MB)"
        )
    content_hash = hashlib.sha256(item.path.read_bytes()).hexdigest()[:16]
    key = version_key(content_hash, item, options)
    known = indexed.get(source_id)
    if known is not None and known.version == key:
        return _Prepared(source_id, "unchanged", [])
    document = load(item.path)
    source = source_info(item, document.title)
    chunks = document_chunks(source, document.blocks, options, key, str(item.path))
    return _Prepared(source_id, "updated" if known is not None else "added", chunks)


def document_chunks(
    source: SourceInfo, blocks: Sequence[Block], options: ChunkingOptions, version: str, path: str
) -> list[Chunk]:
    """A document's blocks cut into chunks, each with the document's metadata, its version, where
    it was read (a file's path, a crawled document's URL) and its OCR mark. Used by folder
    ingestion and by the crawler."""
    pieces = chunk_blocks(blocks, options.size, options.overlap)
    return [
        Chunk(
            chunk_id=chunk_point_id(source.source_id, number),
            source=source,
            index=number,
            text=piece.text,
            headings=piece.headings,
            page=piece.page,
            doc_version=version,
            path=path,
            ocr=piece.ocr,
        )
        for number, piece in enumerate(pieces)
    ]


def _write(
    pending: _Pending,
    index: VectorIndex,
    embedder: Embedder,
    encoder: DocumentEncoder,
    report: IngestReport,
) -> None:
    """Embed the pending documents' chunks in one go and replace them in the index."""
    write_batch(pending.chunks, index, embedder, encoder)
    for _, _, is_update in pending.chunks:
        if is_update:
            report.updated += 1
        else:
            report.added += 1
    pending.chunks.clear()


def write_batch(
    batch: Sequence[tuple[str, list[Chunk], bool]],
    index: VectorIndex,
    embedder: Embedder,
    encoder: DocumentEncoder,
) -> None:
    """Embed a batch of documents' chunks in one call and write each document (replacing its old
    chunks when it is an update), stamped with the time it was indexed. Used by folder ingestion
    and by the crawler."""
    if not batch:
        return
    texts = [chunk.embedding_text() for _, chunks, _ in batch for chunk in chunks]
    dense = embedder.embed_documents(texts)
    indexed_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    position = 0
    for source_id, chunks, is_update in batch:
        vectors = dense[position : position + len(chunks)]
        position += len(chunks)
        sparse = [encoder.encode_document(chunk.embedding_text()) for chunk in chunks]
        stamped = [dataclasses.replace(chunk, indexed_at=indexed_at) for chunk in chunks]
        index.replace_document(source_id, stamped, vectors, sparse, replace=is_update)


def _remove_vanished(
    index: VectorIndex,
    indexed: dict[str, IndexedDocument],
    seen: dict[str, Path],
    folders: list[Path],
) -> int:
    """Remove documents whose file was inside a given folder and is no longer found there."""
    removed = 0
    for source_id, known in indexed.items():
        if source_id in seen:
            continue
        if any(Path(known.path).is_relative_to(folder) for folder in folders):
            index.delete_document(source_id)
            removed += 1
    return removed


class Ingester:
    """Ingestion into one index with one embedder, built once by `chatbot.wiring`."""

    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        encoder: DocumentEncoder,
        options: ChunkingOptions,
        max_file_bytes: int,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.encoder = encoder
        self.options = options
        self.max_file_bytes = max_file_bytes

    def run(
        self,
        paths: Sequence[Path],
        on_file: FileDone | None = None,
        on_start: Callable[[int], None] | None = None,
        manifest: Manifest | None = None,
    ) -> IngestReport:
        """Bring the index in line with the given files and folders."""
        return ingest(
            paths, self.index, self.embedder, self.encoder, self.options, self.max_file_bytes,
            on_file=on_file, on_start=on_start, manifest=manifest,
        )  # fmt: skip
