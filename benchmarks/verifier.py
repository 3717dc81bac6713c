"""Adversarial benchmark of the sentence verifier on real service-public.fr sheets.

    python -m benchmarks.verifier [--limit N] [--seed S] [--with-model] [--json]

Sentences of ../shared/data/service-public/fiches (never copied into the repository) are turned,
by rule, into faithful variants (must pass) and unfaithful ones (must fail); the passage is the
sentence with its neighbours. Reports, per perturbation, the share of unfaithful variants caught
(recall) and of faithful variants rejected (false rejections), with the check that decided.
Without the model the verifier uses hard facts, polarity and the lexical support score (the
service's word-overlap signal, threshold 0.45); `--with-model` adds the entailment of the default
local model and reports what it adds and its time per sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.verifier_perturbations import FAITHFUL, UNFAITHFUL, Example, build_examples
from chatbot.answering.citations import lexical_support
from chatbot.verification import EntailmentScorer, SentenceVerdict, VerifierConfig, verify_sentence

ROOT = Path(__file__).resolve().parents[1]
FICHES = ROOT.parent / "shared" / "data" / "service-public" / "fiches"
RECALL_TARGETS = {"negation": 0.90, "number": 0.90, "date": 0.90}
MAX_FALSE_REJECTION = 0.10


@dataclass
class Tally:
    """Outcomes of one perturbation type."""

    faithful: bool
    total: int = 0
    rejected: int = 0
    by_check: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, str]] = field(default_factory=list)

    def add(self, example: Example, verdict: SentenceVerdict, keep: int = 3) -> None:
        """Count one verdict; keep a few wrong ones as examples."""
        self.total += 1
        if not verdict.passed:
            self.rejected += 1
            self.by_check[verdict.failed_check or "?"] += 1
        wrong = verdict.passed != example.faithful
        if wrong and len(self.examples) < keep:
            self.examples.append({"variant": example.variant, "original": example.original,
                                  "check": verdict.failed_check or "", "detail": verdict.detail})  # fmt: skip

    def rate(self) -> float:
        """Recall for unfaithful variants, false-rejection rate for faithful ones."""
        return self.rejected / self.total if self.total else 0.0


def run_rules(
    examples: Sequence[Example], scorer: EntailmentScorer | None = None
) -> tuple[dict[str, Tally], float]:
    """Verify every variant; returns the tallies and the seconds spent."""
    tallies = {name: Tally(name in FAITHFUL) for name in (*FAITHFUL, *UNFAITHFUL)}
    started = time.perf_counter()
    for example in examples:
        support = lexical_support(example.variant, example.passage)
        verdict = verify_sentence(example.variant, (1,), [example.passage], support, scorer,
                                  VerifierConfig(), "fr")  # fmt: skip
        tallies[example.perturbation].add(example, verdict)
    return tallies, time.perf_counter() - started


def summary(tallies: dict[str, Tally]) -> dict[str, object]:
    """Per type rate, counts and deciding checks; overall false rejection; targets met."""
    rows = {name: {"faithful": t.faithful, "n": t.total, "rejected": t.rejected,
                   "rate": round(t.rate(), 3), "by_check": dict(t.by_check),
                   "wrong_examples": t.examples} for name, t in tallies.items()}  # fmt: skip
    faithful = [t for t in tallies.values() if t.faithful]
    total = sum(t.total for t in faithful)
    false_rejection = sum(t.rejected for t in faithful) / total if total else 0.0
    met = all(tallies[name].rate() >= floor for name, floor in RECALL_TARGETS.items())
    met = met and false_rejection <= MAX_FALSE_REJECTION
    targets = {"recall": RECALL_TARGETS, "max_false_rejection": MAX_FALSE_REJECTION}
    return {"per_type": rows, "false_rejection_rate": round(false_rejection, 3),
            "targets": targets, "targets_met": met}  # fmt: skip


class MemoScorer:
    """Wraps a scorer: each (passage, sentence) is scored once, calls are counted and timed."""

    def __init__(self, scorer: EntailmentScorer) -> None:
        self.scorer, self.calls, self.seconds = scorer, 0, 0.0
        self.memo: dict[tuple[str, str], float] = {}

    def score(self, passage: str, sentence: str) -> float:
        """The memoised score, computed and timed on first use."""
        if (passage, sentence) not in self.memo:
            started = time.perf_counter()
            self.memo[passage, sentence] = self.scorer.score(passage, sentence)
            self.calls += 1
            self.seconds += time.perf_counter() - started
        return self.memo[passage, sentence]


def run_model_alone(examples: Sequence[Example], scorer: MemoScorer) -> dict[str, Tally]:
    """The entailment check alone on every variant (passage cut as the verifier cuts it)."""
    config = VerifierConfig()
    tallies = {name: Tally(name in FAITHFUL) for name in (*FAITHFUL, *UNFAITHFUL)}
    for example in examples:
        probability = scorer.score(example.passage[: config.max_passage_chars], example.variant)
        passed = probability >= config.min_entailment
        verdict = SentenceVerdict(example.variant, (1,), passed, None if passed else "entailment",
                                  f"P(yes) {probability:.2f}", {"entailment": probability})  # fmt: skip
        tallies[example.perturbation].add(example, verdict)
    return tallies


def _model_scorer() -> MemoScorer:
    from chatbot.generation.llamacpp import LlamaCppGenerator
    from chatbot.generation.queue import RequestQueue
    from chatbot.models import QWEN_1_5B
    from chatbot.settings import Settings
    from chatbot.verification import ModelEntailmentScorer

    settings = Settings()
    path = settings.resolved_models_dir / QWEN_1_5B.target
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `guichet models pull` first")
    generator = LlamaCppGenerator(path, QWEN_1_5B.key, RequestQueue(2, 600.0),
                                  context=4096, threads=settings.llm_threads)  # fmt: skip
    return MemoScorer(ModelEntailmentScorer(generator))


def run(limit: int, seed: int, with_model: bool, fiches: Path = FICHES) -> dict[str, object]:
    """The whole benchmark as one JSON-ready report."""
    examples = build_examples(fiches, limit, seed)
    tallies, seconds = run_rules(examples)
    report: dict[str, object] = {"limit_per_type": limit, "seed": seed, "variants": len(examples),
                                 "rules": summary(tallies),
                                 "rules_ms_per_sentence": round(1000 * seconds / max(1, len(examples)), 2)}  # fmt: skip
    if with_model:
        scorer = _model_scorer()
        alone = run_model_alone(examples, scorer)  # scores every variant once, in source order
        model_tallies, _ = run_rules(examples, scorer)
        report["model_alone"] = summary(alone)
        report["with_model"] = summary(model_tallies)
        extra = {n: model_tallies[n].rejected - tallies[n].rejected for n in tallies}
        report["entailment"] = {"calls": scorer.calls,
                                "seconds_per_sentence": round(scorer.seconds / max(1, scorer.calls), 3),
                                "added_rejections_over_rules": extra}  # fmt: skip
    return report


def _table(result: dict[str, object], title: str) -> str:
    rows = result["per_type"]
    assert isinstance(rows, dict)
    lines = [title, f"{'perturbation':<18} {'kind':<10} {'n':>4} {'rejected':>8} {'rate':>6}  deciding checks"]  # fmt: skip
    for name, row in rows.items():
        kind = "faithful" if row["faithful"] else "unfaithful"
        label = "FRR" if row["faithful"] else "recall"
        checks = ", ".join(f"{k} {v}" for k, v in sorted(row["by_check"].items()))
        lines.append(f"{name:<18} {kind:<10} {row['n']:>4} {row['rejected']:>8} {row['rate']:>6.2f}  ({label}) {checks}")  # fmt: skip
    lines.append(f"false rejections (all faithful): {result['false_rejection_rate']:.3f}; targets met: {result['targets_met']}")  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=200, help="variants per perturbation type")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--with-model", action="store_true", help="add the model's entailment")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not FICHES.is_dir():
        print(f"skipped: the service-public sheets are not at {FICHES} (../shared/data beside the repository)", file=sys.stderr)  # fmt: skip
        return 0
    report = run(args.limit, args.seed, args.with_model)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    rules = report["rules"]
    assert isinstance(rules, dict)
    print(f"{report['variants']} variants, seed {args.seed}; {report['rules_ms_per_sentence']} ms per sentence (rules)")  # fmt: skip
    print(_table(rules, "Rules (hard facts, polarity, lexical support):"))
    if "with_model" in report:
        for key, title in (("model_alone", "Model entailment alone"), ("with_model", "Rules then model")):  # fmt: skip
            table = report[key]
            assert isinstance(table, dict)
            print(_table(table, f"\n{title} (P(yes) >= {VerifierConfig().min_entailment}):"))
        print(f"entailment: {json.dumps(report['entailment'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
