"""JSON shapes shared by the command line and the API."""

from __future__ import annotations

from typing import Any

from chatbot.domain import Passage


def passage_json(passage: Passage) -> dict[str, Any]:
    """A passage as printed by `guichet search` and returned by `/api/search`."""
    chunk = passage.chunk
    return {
        "source_id": chunk.source.source_id,
        "title": chunk.source.title,
        "url": chunk.source.url,
        "page": chunk.page,
        "score": round(passage.score, 6),
        "text": chunk.text,
        "headings": list(chunk.headings),
        "commune": chunk.source.commune,
        "chunk_id": chunk.chunk_id,
        "dense_score": passage.dense_score,
        "lexical_score": passage.lexical_score,
    }
