"""The HTML report: it exists, links plots that exist, lists every question, compares runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eval.report import risk, write_report


def record(
    qid: str, category: str, answerable: bool, abstained: bool, **scores: float
) -> dict[str, Any]:
    return {
        "id": qid, "question": f"Question {qid} ?", "category": category, "answerable": answerable,
        "reference": "la référence", "expected_sources": ["doc"], "expected_language": "fr",
        "follow_up_of": None, "standalone_question": f"Question {qid} ?", "answer": f"Réponse {qid} [1].",
        "language": "fr", "abstained": abstained, "reason": "no_relevant_sources" if abstained else None,
        "citations": [], "retrieved": ["doc"], "instructions_removed": 0,
        "passages": [{"n": 1, "source_id": "doc", "chunk_id": "doc:0", "title": "Doc <b>",
                      "text": "Le passage <script>x</script>", "dense_score": 0.7, "lexical_score": 1.0}],
        "cost": {"total_ms": 4000.0, "first_token_ms": 1000.0, "tokens": 40},
        "scores": {"abstention_accuracy": float(answerable != abstained), **scores},
        "judge_failures": {"answer_relevancy": "parse: bad JSON"} if qid == "b" else {},
    }  # fmt: skip


RECORDS = [
    record("a", "démarche", True, False, faithfulness=0.9, groundedness=1.0, hit_at_k=1.0),
    record("b", "démarche", True, False, faithfulness=0.2, groundedness=0.5, hit_at_k=1.0),
    record("c", "hors-corpus", False, False, groundedness=0.8),
]
SUMMARY = {
    "dataset": "golden.jsonl", "corpus": "corpus", "date": "2026-11-21T00:00:00+00:00",
    "profile": "small", "llm": "llm", "embedder": "emb", "k": 5, "questions": 3,
    "retrieval_only": False, "duration_s": 12.0,
    "metrics": {"faithfulness": 0.55, "abstention_accuracy": 0.6667, "seconds_per_answer": 4.0},
    "by_category": {"démarche": {"questions": 2, "faithfulness": 0.55, "abstention_accuracy": 1.0},
                    "hors-corpus": {"questions": 1, "abstention_accuracy": 0.0}},
    "ingest": {"documents": 1, "chunks": 1, "missing_expected_sources": []},
    "judge": {"model": "llm", "scored": {"faithfulness": 2}, "failures": {"answer_relevancy": {"parse": 1}}},
}  # fmt: skip


def test_report_links_existing_plots_and_lists_every_question(tmp_path: Path) -> None:
    path = write_report(tmp_path, RECORDS, SUMMARY)
    page = path.read_text()
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert {src for src, _ in images} >= {"plots/metrics.png", "plots/categories.png",
                                          "plots/distributions.png", "plots/latency.png"}  # fmt: skip
    for src, alt in images:
        assert (tmp_path / src).stat().st_size > 1000 and alt.strip()
    for item in RECORDS:
        assert item["question"] in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page  # evidence is escaped
    assert "Fidélité aux sources (ragas)" in page and "55,0 %" in page
    assert "Échecs du juge" in page and "réponse du juge illisible : 1" in page
    assert 'lang="fr"' in page


def test_worst_answers_put_wrong_choices_first() -> None:
    ordered = sorted(RECORDS, key=risk)
    assert [r["id"] for r in ordered] == ["c", "b", "a"]


def test_comparison_shows_deltas_and_changed_questions(tmp_path: Path) -> None:
    previous_records = [dict(RECORDS[1], scores={"abstention_accuracy": 1.0, "faithfulness": 0.9})]
    previous = {"summary": {"metrics": {"faithfulness": 0.8, "abstention_accuracy": 0.5}},
                "records": previous_records, "path": "runs/before"}  # fmt: skip
    page = write_report(tmp_path, RECORDS, SUMMARY, previous).read_text()
    assert "Changements depuis l'évaluation précédente" in page and "runs/before" in page
    assert "-25,0 pts (moins bien)" in page  # faithfulness 0.8 -> 0.55
    assert "+16,7 pts (mieux)" in page  # abstention 0.5 -> 0.6667
    assert "90,0 % → 20,0 %" in page  # question b's faithfulness fell
