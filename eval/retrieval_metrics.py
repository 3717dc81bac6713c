"""Retrieval metrics over ranked source ids: hit rate, recall and reciprocal rank at k."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def unique_in_order(ids: Sequence[str]) -> list[str]:
    """Source ids without repeats, first occurrence first (several chunks may share a source)."""
    return list(dict.fromkeys(ids))


def hit_at_k(ranked: Sequence[str], expected: set[str], k: int) -> bool:
    """Whether any expected source is among the first k distinct sources."""
    return bool(expected & set(unique_in_order(ranked)[:k]))


def recall_at_k(ranked: Sequence[str], expected: set[str], k: int) -> float:
    """Share of the expected sources found among the first k distinct sources."""
    if not expected:
        return 0.0
    return len(expected & set(unique_in_order(ranked)[:k])) / len(expected)


def reciprocal_rank(ranked: Sequence[str], expected: set[str]) -> float:
    """1/rank of the first expected source among distinct sources (0 when absent)."""
    for rank, source_id in enumerate(unique_in_order(ranked), start=1):
        if source_id in expected:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class RetrievalScores:
    """Mean retrieval scores over a question set."""

    questions: int
    hit_at_1: float
    hit_at_k: float
    recall_at_k: float
    mrr: float
    k: int


def score_runs(runs: Sequence[tuple[Sequence[str], set[str]]], k: int) -> RetrievalScores:
    """Average the metrics over (ranked ids, expected ids) pairs."""
    n = len(runs)
    if n == 0:
        return RetrievalScores(0, 0.0, 0.0, 0.0, 0.0, k)
    return RetrievalScores(
        questions=n,
        hit_at_1=sum(hit_at_k(r, e, 1) for r, e in runs) / n,
        hit_at_k=sum(hit_at_k(r, e, k) for r, e in runs) / n,
        recall_at_k=sum(recall_at_k(r, e, k) for r, e in runs) / n,
        mrr=sum(reciprocal_rank(r, e) for r, e in runs) / n,
        k=k,
    )
