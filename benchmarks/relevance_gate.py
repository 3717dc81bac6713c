"""Calibrate the relevance gate: best dense similarity for answerable vs off-topic questions.

    python -m benchmarks.relevance_gate --profile default

Ingests the demo corpus in memory, then prints, for each threshold, how many answerable questions
it keeps and how many off-topic ones it rejects.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from chatbot.settings import Settings
from chatbot.wiring import build_search_services
from ingestion.pipeline import ChunkingOptions, ingest

ROOT = Path(__file__).resolve().parents[1]


def _questions(*files: Path) -> list[str]:
    return [
        json.loads(line)["question"] for f in files for line in f.read_text().splitlines() if line
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "small"], default="default")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), model_profile=args.profile, qdrant_url=":memory:",
                            models_dir=Settings().resolved_models_dir)  # fmt: skip
        search = build_search_services(settings)
        ingest([ROOT / "corpus"], search.index, search.embedder, search.encoder,
               ChunkingOptions(settings.chunk_size, settings.chunk_overlap), 10**8)  # fmt: skip
        answerable = _questions(ROOT / "corpus" / "demo-questions.jsonl",
                                ROOT / "benchmarks" / "answer-questions.jsonl")  # fmt: skip
        off_topic = _questions(ROOT / "benchmarks" / "off-topic-questions.jsonl")

        def best(questions: list[str]) -> list[float]:
            results = search.retriever.search_many(questions, limit=8)
            return [max((p.dense_score or 0.0) for p in passages) for passages in results]

        kept, rejected = best(answerable), best(off_topic)
    rows = [{"threshold": t / 100, "answerable_kept": sum(s >= t / 100 for s in kept),
             "off_topic_rejected": sum(s < t / 100 for s in rejected)}
            for t in range(20, 65, 5)]  # fmt: skip
    print(json.dumps({"profile": args.profile, "answerable": len(kept), "off_topic": len(rejected),
                      "rows": rows}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
