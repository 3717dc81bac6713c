from dataclasses import dataclass, field
from typing import Any

from chatbot.retrieval.index import chunk_point_id, collection_name, fuse


@dataclass
class Point:
    id: str
    score: float
    payload: dict[str, Any] = field(default_factory=dict)


def _points(ids: list[str]) -> list[Point]:
    return [Point(i, 1.0 - n / 10, {"source_id": i, "text": i}) for n, i in enumerate(ids)]


def test_documents_found_by_both_searches_rank_first() -> None:
    fused = fuse([_points(["a", "b", "c"]), _points(["c", "d", "a"])], limit=4, rrf_k=60)
    assert [p.chunk.chunk_id for p in fused] == ["a", "c", "b", "d"]
    assert [p.rank for p in fused] == [1, 2, 3, 4]


def test_each_search_score_is_kept() -> None:
    fused = fuse([_points(["a"]), _points(["b", "a"])], limit=2, rrf_k=60)
    by_id = {p.chunk.chunk_id: p for p in fused}
    assert by_id["a"].dense_score == 1.0 and by_id["a"].lexical_score == 0.9
    assert by_id["b"].dense_score is None and by_id["b"].lexical_score == 1.0


def test_rrf_score_value() -> None:
    [top] = fuse([_points(["a"]), _points(["a"])], limit=1, rrf_k=60)
    assert abs(top.score - 2 / 61) < 1e-12


def test_limit_and_empty_lists() -> None:
    assert fuse([[], []], limit=5, rrf_k=60) == []
    assert len(fuse([_points(list("abcdef"))], limit=3, rrf_k=60)) == 3


def test_ids_and_names_are_stable() -> None:
    assert chunk_point_id("doc", 0) == chunk_point_id("doc", 0) != chunk_point_id("doc", 1)
    assert collection_name("guichet", "EmbeddingGemma-300M") == "guichet-embeddinggemma-300m"
