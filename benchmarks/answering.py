"""Measure answer latency on the demo corpus: time to first token, full answer, tokens per second,
and the ratio of Guichet's time to first token to llama.cpp's alone on the same final prompt.

    python -m benchmarks.answering --profile default [--questions FILE] [--limit N]
                                   [--prompt-lookup both|on|off]

With `both` (the default) the questions are answered once with prompt-lookup speculative decoding
off and once on. Each run reports where the time goes (median of every step of Answer.timings)
and the estimated energy per answer (Green Algorithms, chatbot/energy.py).
Writes bench-output/answering-<profile>.json and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.retrieval import percentile
from chatbot.answering.pipeline import Answer, Sentence
from chatbot.answering.prompts import build_prompt
from chatbot.energy import EnergyConstants, estimate
from chatbot.settings import Settings
from chatbot.wiring import build_services
from ingestion.pipeline import ChunkingOptions, ingest

ROOT = Path(__file__).resolve().parents[1]


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 1), "p95": round(percentile(values, 0.95), 1),
            "min": round(min(values), 1), "max": round(max(values), 1)}  # fmt: skip


STEPS = ("language_ms", "safety_ms", "condense_ms", "retrieval_ms", "first_token_ms",
         "first_sentence_ms", "generation_ms", "verification_ms", "total_ms")  # fmt: skip


def rss_gb() -> float:
    """Resident memory of this process, in GB (from /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1e6
    return 0.0


def energy_constants(settings: Settings) -> EnergyConstants:
    """The Green Algorithms constants from the settings."""
    return EnergyConstants(settings.energy_core_watts, settings.energy_core_usage,
                           settings.energy_memory_watts_per_gb, settings.energy_pue,
                           settings.energy_carbon_intensity)  # fmt: skip


def run(
    profile: str, questions: list[dict[str, Any]], prompt_lookup: bool = False
) -> dict[str, Any]:
    """Answer every question once through the full pipeline, then replay its final prompt raw."""
    with tempfile.TemporaryDirectory(prefix="guichet-bench-") as data:
        settings = Settings(data_dir=Path(data), model_profile=profile,  # type: ignore[arg-type]
                            models_dir=Settings().resolved_models_dir,
                            prompt_lookup=prompt_lookup)  # fmt: skip
        services = build_services(settings)
        cores = settings.llm_threads or os.cpu_count() or 1
        constants = energy_constants(settings)
        search = services.search
        ingest([ROOT / "corpus"], search.index, search.embedder, search.encoder,
               ChunkingOptions(settings.chunk_size, settings.chunk_overlap), 10**8)  # fmt: skip
        answerer = services.answerer
        answerer.answer("Qu'est-ce que Guichet ?")  # warm-up: first calls load kernels
        rows = []
        for record in questions:
            started = time.perf_counter()
            first_token = None
            final: Answer | None = None
            for event in answerer.stream(record["question"]):
                if isinstance(event, Sentence) and first_token is None:
                    first_token = time.perf_counter() - started  # the first verified sentence
                elif isinstance(event, Answer):
                    final = event
            total = time.perf_counter() - started
            assert final is not None
            row: dict[str, Any] = {
                "question": record["question"], "abstained": final.abstained, "reason": final.reason,
                "cited": [c.source_id for c in final.citations], "expected": record.get("source_id"),
                "total_s": total, "first_token_s": first_token, "tokens": final.tokens,
                "generation_s": (final.timings.get("generation_ms", 0) - final.timings.get("first_token_ms", 0)) / 1000,
                "timings": {k: final.timings[k] for k in STEPS if k in final.timings},
            }  # fmt: skip
            energy = estimate(total, cores, rss_gb(), constants)
            row["energy_wh"], row["gco2e"] = energy.wh, energy.gco2e
            if final.passages:
                prompt = build_prompt(final.standalone_question, final.passages, final.language,
                                      answerer.config.authority, (), answerer.canary)  # fmt: skip
                reset = getattr(services.generator, "reset_cache", None)
                if reset is not None:
                    reset()  # llama.cpp alone: the whole prompt evaluated, no prefix reuse
                raw_start = time.perf_counter()
                for _ in services.generator.stream(prompt.messages, answerer.config.generation):
                    row["raw_first_token_s"] = time.perf_counter() - raw_start
                    break
            rows.append(row)
        services.close()
    answered = [r for r in rows if r["first_token_s"] is not None]
    tps = [
        r["tokens"] / r["generation_s"]
        for r in answered
        if r["generation_s"] > 0 and r["tokens"] > 1
    ]
    ratios = [
        r["first_token_s"] / r["raw_first_token_s"] for r in answered if r.get("raw_first_token_s")
    ]
    steps = {
        step: round(statistics.median(r["timings"][step] for r in rows if step in r["timings"]))
        for step in STEPS
        if any(step in r["timings"] for r in rows)
    }
    return {
        "profile": profile,
        "model": services.generator.name,
        "prompt_lookup": prompt_lookup,
        "step_ms_median": steps,
        "energy_per_answer": {
            "method": "green-algorithms estimate (no RAPL read)",
            "cores": cores,
            "wh_median": round(statistics.median(r["energy_wh"] for r in rows), 4),
            "gco2e_median": round(statistics.median(r["gco2e"] for r in rows), 4),
        },
        "questions": len(rows),
        "streamed_answers": len(answered),
        "abstained": sum(r["abstained"] for r in rows),
        "cited_expected_source": sum(r["expected"] in r["cited"] for r in rows),
        "first_token_s": _summary([r["first_token_s"] for r in answered]) if answered else None,
        "full_answer_s": _summary([r["total_s"] for r in rows]),
        "tokens_per_second": _summary(tps) if tps else None,
        "ttft_ratio_guichet_over_llama_cpp": _summary(ratios) if ratios else None,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "small"], default="default")
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "benchmarks" / "answer-questions.jsonl"
    )
    parser.add_argument("--limit", type=int, default=0, help="first N questions (0: all)")
    parser.add_argument("--prompt-lookup", choices=["both", "on", "off"], default="both")
    args = parser.parse_args()
    questions = [
        json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()
    ]
    questions = questions[: args.limit] if args.limit > 0 else questions
    modes = {"both": [False, True], "on": [True], "off": [False]}[args.prompt_lookup]
    runs = [run(args.profile, questions, mode) for mode in modes]
    result: dict[str, Any] = {"runs": runs}
    out = Path("bench-output")
    out.mkdir(exist_ok=True)
    (out / f"answering-{args.profile}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False)
    )
    print(json.dumps([{k: v for k, v in r.items() if k != "rows"} for r in runs], indent=2))


if __name__ == "__main__":
    main()
