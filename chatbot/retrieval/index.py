"""Qdrant index: one collection with a dense and a BM25 sparse vector, hybrid search fused by RRF."""

from __future__ import annotations

import re
import threading
import uuid
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from qdrant_client import QdrantClient, models

from chatbot.domain import (
    Chunk,
    GuichetError,
    IndexedDocument,
    Passage,
    SearchFilters,
    SourceInfo,
    SparseVector,
)
from chatbot.settings import Settings

DENSE = "dense"
SPARSE = "sparse"
_CHUNK_NAMESPACE = uuid.UUID("6f1d3c1e-8d0a-4b53-9a51-0b5c0e7f4a10")
_UPSERT_BATCH = 128
_SCROLL_PAGE = 1024

# The client checks the server's version in a background thread and warns when it cannot reach
# it; an unreachable server already fails on first use with our own IndexUnavailableError, so the
# warning only comes first and says less. An incompatible version still warns.
warnings.filterwarnings("ignore", message="Failed to obtain server version", category=UserWarning)


class IndexUnavailableError(GuichetError):
    """The index cannot be opened or reached."""


def chunk_point_id(source_id: str, index: int) -> str:
    """The stable id of a document's n-th chunk (a UUID, as Qdrant requires)."""
    return str(uuid.uuid5(_CHUNK_NAMESPACE, f"{source_id}#{index}"))


def collection_name(base: str, embedder_name: str) -> str:
    """Collection name for an embedder, so that each model keeps its own vectors."""
    slug = re.sub(r"[^a-z0-9]+", "-", embedder_name.lower()).strip("-")
    return f"{base}-{slug}"


def open_client(settings: Settings) -> QdrantClient:
    """A Qdrant client for the settings: server URL, ':memory:', or the embedded folder."""
    location = settings.qdrant_url
    if location == ":memory:":
        return QdrantClient(location=":memory:")
    if location:
        api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return QdrantClient(url=location, api_key=api_key, timeout=int(settings.qdrant_timeout_s))
    settings.qdrant_path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(settings.qdrant_path))
    except RuntimeError as error:
        raise IndexUnavailableError(
            f"The embedded index in {settings.qdrant_path} is in use by another process "
            "(is `guichet serve` running?). Stop it, or run a Qdrant server and set "
            "GUICHET_QDRANT_URL so that several processes can share the index."
        ) from error


class QdrantIndex:
    """The chunks of every document, searchable by meaning (dense) and by words (sparse)."""

    def __init__(self, client: QdrantClient, collection: str, dimension: int, where: str) -> None:
        self._client = client
        self.collection = collection
        self.dimension = dimension
        self._where = where
        # The embedded client is not made for threads: the service's request threads and its
        # crawl schedule take turns. A server handles concurrent calls itself.
        self._lock: AbstractContextManager[Any] = (
            nullcontext() if where.startswith(("http://", "https://")) else threading.RLock()
        )

    @classmethod
    def open(cls, settings: Settings, embedder_name: str, dimension: int) -> QdrantIndex:
        """Open (and create if needed) the collection for this embedder."""
        where = settings.qdrant_url or str(settings.qdrant_path)
        index = cls(
            open_client(settings),
            collection_name(settings.collection, embedder_name),
            dimension,
            where,
        )
        index.ensure_collection()
        return index

    def _call(self, action: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a client call, turning connection failures into an actionable error."""
        try:
            with self._lock:
                return function(*args, **kwargs)
        except GuichetError:
            raise
        except Exception as error:
            if type(error).__name__ in {
                "ResponseHandlingException",
                "ConnectError",
                "ConnectTimeout",
            }:
                raise IndexUnavailableError(
                    f"Cannot reach Qdrant at {self._where} to {action} ({error}). Start the "
                    "server, or unset GUICHET_QDRANT_URL to use the embedded index."
                ) from error
            raise

    def ensure_collection(self) -> None:
        """Create the collection if missing; refuse one whose dense size differs."""
        if self._call("check the collection", self._client.collection_exists, self.collection):
            info = self._client.get_collection(self.collection)
            vectors = info.config.params.vectors
            size = vectors[DENSE].size if isinstance(vectors, dict) else None
            if size != self.dimension:
                raise GuichetError(
                    f"Collection {self.collection} holds {size}-dimension vectors but the "
                    f"embedder gives {self.dimension}. Use another GUICHET_COLLECTION or "
                    "delete the collection and ingest again."
                )
            return
        self._client.create_collection(
            self.collection,
            vectors_config={
                DENSE: models.VectorParams(size=self.dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        if self._where.startswith("http"):
            for key in ("source_id", "commune"):
                self._client.create_payload_index(
                    self.collection, key, field_schema=models.PayloadSchemaType.KEYWORD
                )

    def documents(self) -> dict[str, IndexedDocument]:
        """Every indexed document with its version, path, chunk count, dates and OCR pages."""
        found: dict[str, IndexedDocument] = {}
        offset: Any = None
        fields = ["source_id", "doc_version", "path", "title", "commune", "url", "date",
                  "indexed_at", "ocr", "page"]  # fmt: skip
        while True:
            points, offset = self._call(
                "list documents",
                self._client.scroll,
                self.collection,
                limit=_SCROLL_PAGE,
                offset=offset,
                with_payload=fields,
                with_vectors=False,
            )
            for point in points:
                payload = point.payload or {}
                source_id = str(payload.get("source_id", ""))
                known = found.get(source_id)
                ocr_pages = set(known.ocr_pages if known else ())
                if payload.get("ocr") and payload.get("page") is not None:
                    ocr_pages.add(int(payload["page"]))
                found[source_id] = IndexedDocument(
                    source_id,
                    str(payload.get("doc_version", "")),
                    str(payload.get("path", "")),
                    (known.chunks if known else 0) + 1,
                    str(payload.get("title", "")),
                    str(payload.get("commune", "")),
                    url=str(payload.get("url", "")),
                    date=str(payload.get("date", "")),
                    indexed_at=max(str(payload.get("indexed_at") or ""),
                                   known.indexed_at if known else ""),
                    ocr_pages=tuple(sorted(ocr_pages)),
                )  # fmt: skip
            if offset is None:
                return found

    def document_chunks(self, source_id: str) -> list[Chunk]:
        """A document's chunks in reading order."""
        points, _ = self._call(
            "read a document",
            self._client.scroll,
            self.collection,
            scroll_filter=models.Filter(
                must=[
                    models.FieldCondition(key="source_id", match=models.MatchValue(value=source_id))
                ]
            ),
            limit=10_000,
            with_payload=True,
            with_vectors=False,
        )
        chunks = [_chunk_from_payload(str(p.id), p.payload or {}) for p in points]
        return sorted(chunks, key=lambda chunk: chunk.index)

    def count(self) -> int:
        """Number of chunks in the collection."""
        result = self._call("count chunks", self._client.count, self.collection, exact=True)
        return int(result.count)

    def replace_document(
        self,
        source_id: str,
        chunks: Sequence[Chunk],
        dense: Sequence[Sequence[float]],
        sparse: Sequence[SparseVector],
        replace: bool = True,
    ) -> None:
        """Write a document's chunks, first removing its old ones unless it is known to be new."""
        if replace:
            self.delete_document(source_id)
        points = [
            models.PointStruct(
                id=chunk.chunk_id,
                vector={
                    DENSE: list(vector),
                    SPARSE: models.SparseVector(
                        indices=list(lexical.indices), values=list(lexical.values)
                    ),
                },
                payload=_payload(chunk),
            )
            for chunk, vector, lexical in zip(chunks, dense, sparse, strict=True)
        ]
        for start in range(0, len(points), _UPSERT_BATCH):
            self._call(
                "write chunks",
                self._client.upsert,
                self.collection,
                points=points[start : start + _UPSERT_BATCH],
                wait=True,
            )

    def delete_document(self, source_id: str) -> None:
        """Remove every chunk of a document."""
        self._call(
            "delete a document",
            self._client.delete,
            self.collection,
            points_selector=models.FilterSelector(
                filter=models.Filter(
                    must=[
                        models.FieldCondition(
                            key="source_id", match=models.MatchValue(value=source_id)
                        )
                    ]
                )
            ),
            wait=True,
        )

    def search(
        self,
        dense: Sequence[float],
        sparse: SparseVector,
        limit: int,
        candidates: int,
        rrf_k: int = 60,
        filters: SearchFilters | None = None,
    ) -> list[Passage]:
        """Dense and lexical searches in one batch, fused by reciprocal rank."""
        query_filter = _filter(filters)
        requests = [
            models.QueryRequest(
                query=list(dense), using=DENSE, limit=candidates, filter=query_filter,
                with_payload=True, with_vector=[DENSE],
            )
        ]  # fmt: skip
        if sparse.indices:
            requests.append(
                models.QueryRequest(
                    query=models.SparseVector(indices=list(sparse.indices), values=list(sparse.values)),
                    using=SPARSE, limit=candidates, filter=query_filter, with_payload=True,
                    with_vector=[DENSE],
                )
            )  # fmt: skip
        responses = self._call(
            "search", self._client.query_batch_points, self.collection, requests=requests
        )
        return fuse([response.points for response in responses], limit=limit, rrf_k=rrf_k)

    def close(self) -> None:
        """Release the index (the embedded folder's lock)."""
        self._client.close()


def fuse(result_lists: Sequence[Sequence[Any]], limit: int, rrf_k: int) -> list[Passage]:
    """Reciprocal-rank fusion of [dense, sparse] result lists, keeping each list's own score."""
    fused: dict[str, float] = {}
    scores: dict[str, list[float | None]] = {}
    payloads: dict[str, dict[str, Any]] = {}
    vectors: dict[str, tuple[float, ...] | None] = {}
    for list_index, points in enumerate(result_lists):
        for rank, point in enumerate(points, start=1):
            key = str(point.id)
            fused[key] = fused.get(key, 0.0) + 1.0 / (rrf_k + rank)
            scores.setdefault(key, [None, None])[list_index] = float(point.score)
            payloads[key] = point.payload or {}
            vectors[key] = vectors.get(key) or _dense_vector(getattr(point, "vector", None))
    ordered = sorted(fused, key=lambda key: fused[key], reverse=True)[:limit]
    return [
        Passage(
            chunk=_chunk_from_payload(key, payloads[key]),
            score=fused[key],
            dense_score=scores[key][0],
            lexical_score=scores[key][1],
            rank=rank,
            vector=vectors.get(key),
        )
        for rank, key in enumerate(ordered, start=1)
    ]


def _dense_vector(vector: Any) -> tuple[float, ...] | None:
    """The dense vector of a returned point (named vectors come back as a dict)."""
    if isinstance(vector, dict):
        vector = vector.get(DENSE)
    if isinstance(vector, list) and vector and isinstance(vector[0], int | float):
        return tuple(float(x) for x in vector)
    return None


def _filter(filters: SearchFilters | None) -> models.Filter | None:
    if filters is None:
        return None
    must: list[models.Condition] = []
    if filters.communes:
        must.append(
            models.FieldCondition(key="commune", match=models.MatchAny(any=list(filters.communes)))
        )
    if filters.source_ids:
        must.append(
            models.FieldCondition(
                key="source_id", match=models.MatchAny(any=list(filters.source_ids))
            )
        )
    return models.Filter(must=must) if must else None


def _payload(chunk: Chunk) -> dict[str, Any]:
    source = chunk.source
    return {
        "source_id": source.source_id,
        "title": source.title,
        "url": source.url,
        "date": source.date,
        "commune": source.commune,
        "licence": source.licence,
        "official": source.official,
        "payments": source.payments,
        "chunk_index": chunk.index,
        "headings": list(chunk.headings),
        "page": chunk.page,
        "text": chunk.text,
        "doc_version": chunk.doc_version,
        "path": chunk.path,
        "ocr": chunk.ocr,
        "indexed_at": chunk.indexed_at,
    }


def _chunk_from_payload(point_id: str, payload: dict[str, Any]) -> Chunk:
    source = SourceInfo(
        source_id=str(payload.get("source_id", "")),
        title=str(payload.get("title", "")),
        url=str(payload.get("url", "")),
        date=str(payload.get("date", "")),
        commune=str(payload.get("commune", "")),
        licence=str(payload.get("licence", "")),
        official=bool(payload.get("official", False)),
        payments=bool(payload.get("payments", False)),
    )
    page = payload.get("page")
    return Chunk(
        chunk_id=point_id,
        source=source,
        index=int(payload.get("chunk_index", 0)),
        text=str(payload.get("text", "")),
        headings=tuple(payload.get("headings") or ()),
        page=int(page) if page is not None else None,
        doc_version=str(payload.get("doc_version", "")),
        path=str(payload.get("path", "")),
        ocr=bool(payload.get("ocr", False)),
        indexed_at=str(payload.get("indexed_at") or ""),
    )
