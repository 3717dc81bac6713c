"""Retrieval quality on real data: the service-public sheets and the demo corpus.

Floors are set a little under measured values (see README, "Measured"), so that a regression
fails the test while run-to-run noise does not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatbot.retrieval.index import QdrantIndex
from chatbot.retrieval.retriever import HybridRetriever, RetrievalOptions
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder
from eval.request import EvalRequest, parse_metrics
from eval.retrieval_metrics import score_runs
from eval.runner import run_evaluation
from ingestion.manifest import read_manifest_file
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, make_settings, require_models

pytestmark = pytest.mark.integration

# Measured on 342 answerable questions (3 point at sheets not in fiches/): small profile 0.892.
SMALL_HIT_AT_5_FLOOR = 0.86


def _ingest(
    folder: Path, embedder: Any, tmp_path: Path, manifest: Path | None = None
) -> HybridRetriever:
    settings = Settings(data_dir=tmp_path, qdrant_url=":memory:")
    index = QdrantIndex.open(settings, embedder.name, embedder.dimension)
    report = ingest([folder], index, embedder, FrenchBM25Encoder(),
                    ChunkingOptions(settings.chunk_size, settings.chunk_overlap), 10**8,
                    manifest=read_manifest_file(manifest) if manifest else None)  # fmt: skip
    assert not report.failed
    return HybridRetriever(index, embedder, FrenchBM25Encoder(), RetrievalOptions(limit=5))


def _questions(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.slow
@pytest.mark.shared_data
def test_service_public_hit_rate_small_profile(
    shared_data: Path, models_dir: Path, tmp_path: Path
) -> None:
    """`guichet eval --metrics retrieval` on the 530 sheets and the 345 retrieval questions."""
    require_models(models_dir, "small")
    folder = shared_data / "service-public"
    request = EvalRequest(folder / "questions-retrieval.jsonl", folder / "fiches", tmp_path / "out",
                          metrics=parse_metrics("retrieval"), manifest=folder / "sources.csv")  # fmt: skip
    summary = run_evaluation(make_settings(tmp_path, models_dir, "small"), request)
    print(f"service-public, small profile: {summary['metrics']}")
    assert summary["ingest"]["documents"] == 530 and not summary["ingest"]["failed"]
    assert summary["questions"] == 345 and summary["unscored_for_retrieval"] == 3
    assert summary["metrics"]["hit_at_k"] >= SMALL_HIT_AT_5_FLOOR  # mean over the 342 scored
    first = json.loads((tmp_path / "out" / "results.jsonl").read_text().splitlines()[0])
    assert first["retrieved"][0].startswith("F") and (tmp_path / "out" / "report.html").is_file()


@pytest.mark.default_profile
def test_demo_corpus_questions_find_their_document(default_embedder: Any, tmp_path: Path) -> None:
    retriever = _ingest(CORPUS, default_embedder, tmp_path)
    records = _questions(CORPUS / "demo-questions.jsonl")
    results = retriever.search_many([r["question"] for r in records], limit=3)
    runs = [([p.chunk.source.source_id for p in passages], {r["source_id"]})
            for passages, r in zip(results, records, strict=True)]  # fmt: skip
    misses = [
        r["question"]
        for (ranked, exp), r in zip(runs, records, strict=True)
        if not exp & set(ranked[:3])
    ]
    scores = score_runs(runs, k=3)
    print(f"demo corpus, default profile: {scores}; misses: {misses}")
    assert scores.hit_at_1 >= 0.8, misses
    assert scores.hit_at_k == 1.0, misses
