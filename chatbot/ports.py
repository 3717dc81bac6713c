"""The seams of the core: what answering, retrieval and ingestion need from their collaborators.

Each protocol is small and declares everything callers may use, so that no caller probes an
object with `getattr`. Concrete classes live in `retrieval/` and `generation/`; `wiring.py`
chooses them. Tests run one contract suite per protocol on every implementation (see
`tests/contracts/`).
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from chatbot.domain import Chunk, IndexedDocument, Passage, SearchFilters, SparseVector

Message = dict[str, str]
TextStream = collections.abc.Generator[str, None, None]
"""Pieces of generated text; closing it early ends the generation and frees the model."""
BatchDone = Callable[[int], None]


@dataclass(frozen=True)
class GenerationOptions:
    """Bounds on one generation."""

    max_tokens: int = 320
    temperature: float = 0.1
    timeout_s: float = 120.0
    stop: tuple[str, ...] = ()
    repeat_penalty: float = 1.1
    grammar: str | None = None  # GBNF the text must follow (llama.cpp), e.g. cited sentences


class AdmissionQueue(Protocol):
    """Bounded admission in front of a model (see `generation.queue.RequestQueue`)."""

    @property
    def waiting(self) -> int:
        """Requests waiting for the model now."""
        ...

    def is_full(self) -> bool:
        """Whether a new request would be refused now."""
        ...

    @property
    def size(self) -> int:
        """How many requests may wait."""
        ...

    def admit(self) -> None:
        """Raise `QueueFullError` when a new request would be refused now."""
        ...

    def reserve(self) -> QueuePlace:
        """A place taken atomically (raises `QueueFullError` when none is left)."""
        ...


class QueuePlace(Protocol):
    """One admitted request's place in an `AdmissionQueue`, held until released."""

    def active(self) -> AbstractContextManager[None]:
        """Model calls made inside use this place instead of queueing anew."""
        ...

    def release(self) -> None:
        """Give the place back (idempotent)."""
        ...


class DocumentEncoder(Protocol):
    """What ingestion needs from the lexical encoder."""

    def encode_document(self, text: str) -> SparseVector:
        """The sparse lexical vector of a passage."""
        ...


class Generator(Protocol):
    """Produces an answer from chat messages, piece by piece."""

    name: str

    @property
    def queue(self) -> AdmissionQueue | None:
        """The admission queue in front of the model, or None where the server queues itself."""
        ...

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> TextStream:
        """Yield the answer's text pieces (about one token each) as they are generated."""
        ...

    def close(self) -> None:
        """Release the model or the HTTP connections."""
        ...


class QueryEmbedder(Protocol):
    """What retrieval needs from an embedder."""

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised vectors of questions."""
        ...


class Embedder(QueryEmbedder, Protocol):
    """Dense embeddings for questions and passages."""

    name: str
    dimension: int

    def embed_documents(
        self, texts: Sequence[str], on_batch: BatchDone | None = None
    ) -> list[list[float]]:
        """Normalised vectors of passages, calling `on_batch` after each batch."""
        ...


class QueryEncoder(Protocol):
    """What retrieval needs from the lexical encoder."""

    def encode_query(self, text: str) -> SparseVector:
        """The sparse lexical vector of a question."""
        ...


class VectorIndex(Protocol):
    """The searchable store of chunks with their dense and sparse vectors."""

    def search(
        self,
        dense: Sequence[float],
        sparse: SparseVector,
        limit: int,
        candidates: int,
        rrf_k: int = 60,
        filters: SearchFilters | None = None,
    ) -> list[Passage]:
        """Dense and lexical searches fused by reciprocal rank."""
        ...

    def replace_document(
        self,
        source_id: str,
        chunks: Sequence[Chunk],
        dense: Sequence[Sequence[float]],
        sparse: Sequence[SparseVector],
        replace: bool = True,
    ) -> None:
        """Write a document's chunks, first removing its old ones unless it is known to be new."""
        ...

    def delete_document(self, source_id: str) -> None:
        """Remove every chunk of a document."""
        ...

    def count(self) -> int:
        """Number of chunks."""
        ...

    def documents(self) -> dict[str, IndexedDocument]:
        """What the index holds, per document."""
        ...

    def close(self) -> None:
        """Release the index."""
        ...


class Retriever(Protocol):
    """Finds the passages that best match a question."""

    def search(
        self, question: str, limit: int | None = None, filters: SearchFilters | None = None
    ) -> list[Passage]:
        """The best passages for one question."""
        ...
