"""Measure ingestion throughput, retrieval hit rate and search latency for a model profile.

    python -m benchmarks.retrieval --profile default [--corpus DIR --questions FILE]

Defaults to the service-public sheets in ../shared/data. Prints a JSON report and writes it
to bench-output/retrieval-<profile>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from chatbot.settings import Settings
from chatbot.wiring import build_search_services
from eval.checks import percentile
from eval.retrieval_metrics import score_runs
from ingestion.pipeline import ChunkingOptions, ingest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "service-public"


def run(
    profile: str, corpus: Path, questions_file: Path, k: int, latency_queries: int
) -> dict[str, object]:
    """Ingest the corpus into a fresh index, then measure search quality and latency."""
    records = [json.loads(line) for line in questions_file.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="guichet-bench-") as data:
        settings = Settings(data_dir=Path(data), model_profile=profile,  # type: ignore[arg-type]
                            models_dir=Settings().resolved_models_dir)  # fmt: skip
        started = time.perf_counter()
        services = build_search_services(settings)
        load_seconds = time.perf_counter() - started
        report = ingest([corpus], services.index, services.embedder, services.encoder,
                        ChunkingOptions(settings.chunk_size, settings.chunk_overlap),
                        int(settings.max_file_mb * 1e6))  # fmt: skip
        indexed = set(services.index.documents())
        answerable = [r for r in records if r["source_id"] in indexed]
        started = time.perf_counter()
        results = services.retriever.search_many([r["question"] for r in answerable], limit=k)
        batch_seconds = time.perf_counter() - started
        runs = [([p.chunk.source.source_id for p in passages], {r["source_id"]})
                for passages, r in zip(results, answerable, strict=True)]  # fmt: skip
        latencies = []
        for record in answerable[:latency_queries]:
            started = time.perf_counter()
            services.retriever.search(record["question"], limit=k)
            latencies.append((time.perf_counter() - started) * 1000)
        services.close()
    scores = score_runs(runs, k)
    return {
        "profile": profile,
        "embedder": services.embedder.name,
        "corpus": str(corpus),
        "documents": report.documents,
        "chunks": report.chunks,
        "ingest_seconds": round(report.seconds, 1),
        "chunks_per_second": round(report.chunks / report.seconds, 1),
        "model_load_seconds": round(load_seconds, 1),
        "questions": scores.questions,
        "skipped_questions": len(records) - len(answerable),
        "hit_at_1": round(scores.hit_at_1, 3),
        f"hit_at_{k}": round(scores.hit_at_k, 3),
        "mrr": round(scores.mrr, 3),
        "batched_search_ms_per_question": round(batch_seconds * 1000 / max(1, len(answerable)), 1),
        "search_latency_ms_median": round(statistics.median(latencies), 1),
        "search_latency_ms_p95": round(percentile(latencies, 0.95), 1),
        "latency_queries": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "small"], default="default")
    parser.add_argument("--corpus", type=Path, default=SHARED / "fiches")
    parser.add_argument("--questions", type=Path, default=SHARED / "questions-retrieval.jsonl")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--latency-queries", type=int, default=50)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"{args.corpus} not found: pass --corpus and --questions.")
    result = run(args.profile, args.corpus, args.questions, args.k, args.latency_queries)
    out = Path("bench-output")
    out.mkdir(exist_ok=True)
    (out / f"retrieval-{args.profile}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
