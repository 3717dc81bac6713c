"""Hybrid retrieval: embed the question, search dense and lexical vectors, fuse the rankings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.domain import Passage, SearchFilters
from chatbot.ports import QueryEmbedder, QueryEncoder, VectorIndex


@dataclass(frozen=True)
class RetrievalOptions:
    """How many passages to return and how many candidates each search contributes."""

    limit: int = 5
    candidates: int = 40
    rrf_k: int = 60


class HybridRetriever:
    """Finds the passages that best match a question, by meaning and by words."""

    def __init__(
        self,
        index: VectorIndex,
        embedder: QueryEmbedder,
        encoder: QueryEncoder,
        options: RetrievalOptions,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.encoder = encoder
        self.options = options

    def search(
        self, question: str, limit: int | None = None, filters: SearchFilters | None = None
    ) -> list[Passage]:
        """The best passages for one question."""
        return self.search_many([question], limit, filters)[0]

    def search_many(
        self,
        questions: Sequence[str],
        limit: int | None = None,
        filters: SearchFilters | None = None,
    ) -> list[list[Passage]]:
        """The best passages for each question, embedding them in one batch."""
        if not questions:
            return []
        dense = self.embedder.embed_queries(questions)
        wanted = limit or self.options.limit
        return [
            self.index.search(
                vector,
                self.encoder.encode_query(question),
                limit=wanted,
                candidates=max(self.options.candidates, wanted),
                rrf_k=self.options.rrf_k,
                filters=filters,
            )
            for question, vector in zip(questions, dense, strict=True)
        ]
