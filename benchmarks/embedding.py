"""Embedding throughput per number format: chunks/s for the path `auto` chooses on this CPU and
for float32, the cosine between their vectors, and query-embedding latency.

    python -m benchmarks.embedding --profile default [--limit 96] [--queries 20]

Uses the first service-public sheets of ../shared/data (or --corpus). Writes
bench-output/embedding-<profile>.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.models import model_path
from chatbot.retrieval.embedding import SentenceTransformerEmbedder, choose_precision, cpu_flags
from chatbot.settings import Settings
from ingestion.chunking import chunk_blocks
from ingestion.loaders import load, supported

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "service-public"


def corpus_texts(corpus: Path, limit: int, size: int, overlap: int) -> list[str]:
    """The first `limit` chunks of the corpus, cut as ingestion cuts them."""
    texts: list[str] = []
    for file in sorted(p for p in corpus.rglob("*") if p.is_file() and supported(p)):
        for piece in chunk_blocks(load(file).blocks, size, overlap):
            texts.append(piece.text)
            if len(texts) >= limit:
                return texts
    return texts


def measure(
    settings: Settings, precision: str, texts: list[str], questions: list[str]
) -> tuple[dict[str, Any], np.ndarray]:
    """Load the embedder in one format, embed the chunks and the questions one by one."""
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(
        model_path(settings, "embedder"), "bench", settings.embedding_device,
        settings.embedding_batch_size, precision,
    )  # fmt: skip
    load_s = time.perf_counter() - started
    embedder.embed_documents(texts[:2])  # warm-up: first calls pick kernels
    started = time.perf_counter()
    vectors = np.array(embedder.embed_documents(texts))
    seconds = time.perf_counter() - started
    latencies = []
    for question in questions:
        started = time.perf_counter()
        embedder.embed_queries([question])
        latencies.append((time.perf_counter() - started) * 1000)
    row = {
        "precision": embedder.precision, "load_s": round(load_s, 1), "chunks": len(texts),
        "seconds": round(seconds, 1), "chunks_per_second": round(len(texts) / seconds, 2),
        "query_ms_median": round(statistics.median(latencies), 1) if latencies else None,
    }  # fmt: skip
    return row, vectors


def run(
    profile: str, corpus: Path, limit: int, queries: int, questions_file: Path
) -> dict[str, Any]:
    """float32 and the chosen path on the same chunks."""
    settings = Settings(model_profile=profile)  # type: ignore[arg-type]
    texts = corpus_texts(corpus, limit, settings.chunk_size, settings.chunk_overlap)
    questions = []
    if questions_file.is_file():
        lines = questions_file.read_text().splitlines()
        questions = [json.loads(line)["question"] for line in lines if line.strip()][:queries]
    chosen = choose_precision(
        settings.embedding_precision, settings.embedding_device,
        path=model_path(settings, "embedder"),
    )  # fmt: skip
    flags = cpu_flags()
    result: dict[str, Any] = {
        "profile": profile, "chosen": chosen,
        "cpu_bf16": sorted(flags & {"avx512_bf16", "amx_bf16", "amx_tile"}),
    }  # fmt: skip
    reference_row, reference = measure(settings, "float32", texts, questions)
    result["float32"] = reference_row
    if chosen != "float32":
        row, vectors = measure(settings, chosen, texts, questions)
        row["min_cosine_to_float32"] = round(float(np.min(np.sum(reference * vectors, 1))), 5)
        row["speedup"] = round(row["chunks_per_second"] / reference_row["chunks_per_second"], 2)
        result[chosen] = row
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "small"], default="default")
    parser.add_argument("--corpus", type=Path, default=SHARED / "fiches")
    parser.add_argument("--questions", type=Path, default=SHARED / "questions-retrieval.jsonl")
    parser.add_argument("--limit", type=int, default=96, help="chunks embedded per format")
    parser.add_argument("--queries", type=int, default=20, help="questions for query latency")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"{args.corpus} not found: pass --corpus.")
    result = run(args.profile, args.corpus, args.limit, args.queries, args.questions)
    out = Path("bench-output")
    out.mkdir(exist_ok=True)
    (out / f"embedding-{args.profile}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
