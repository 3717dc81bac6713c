import pytest

from eval.retrieval_metrics import hit_at_k, recall_at_k, reciprocal_rank, score_runs


def test_duplicates_do_not_push_sources_down() -> None:
    ranked = ["a", "a", "a", "b"]
    assert hit_at_k(ranked, {"b"}, 2)
    assert reciprocal_rank(ranked, {"b"}) == 0.5


def test_recall_and_missing() -> None:
    assert recall_at_k(["a", "b", "c"], {"a", "z"}, 3) == 0.5
    assert reciprocal_rank(["a"], {"z"}) == 0.0
    assert recall_at_k(["a"], set(), 1) == 0.0


def test_means() -> None:
    scores = score_runs([(["a", "b"], {"a"}), (["b", "a"], {"a"}), (["c"], {"a"})], k=2)
    assert scores.hit_at_1 == pytest.approx(1 / 3)
    assert scores.hit_at_k == pytest.approx(2 / 3)
    assert scores.mrr == pytest.approx((1 + 0.5 + 0) / 3)
