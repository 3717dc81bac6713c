"""Adversarial benchmark of the sentence verifier on real service-public.fr sheets.

Sentences of ../shared/data/service-public/fiches (never copied into the repository) are turned,
by rule (eval.perturbations), into faithful variants (must pass) and unfaithful ones (must fail);
the passage is the sentence with its neighbours. Scored per perturbation: the share of unfaithful
variants caught (recall) and of faithful variants rejected (false rejections), with the check
that decided. Without the model the verifier uses hard facts, polarity and the lexical support
score (the service's word-overlap signal, threshold 0.45); `with_model` adds the entailment of
the default local model. `guichet eval` runs a fixed slice, rules only (metric group `safety`);
`python -m benchmarks.verifier` is the command-line front end.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.answering.citations import lexical_support
from chatbot.verification import EntailmentScorer, SentenceVerdict, VerifierConfig, verify_sentence
from eval.perturbations import FAITHFUL, UNFAITHFUL, Example, build_examples

# ../shared/data beside the repository (as tests/conftest.py finds it)
FICHES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "service-public" / "fiches"  # fmt: skip
RECALL_TARGETS = {"negation": 0.90, "number": 0.90, "date": 0.90}
MAX_FALSE_REJECTION = 0.10
EVAL_LIMIT, EVAL_SEED = 40, 7  # the fixed slice `guichet eval` runs (and CI)


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
    examples: Sequence[Example],
    scorer: EntailmentScorer | None = None,
    on_done: Callable[[int], None] | None = None,
) -> tuple[dict[str, Tally], float]:
    """Verify every variant; returns the tallies and the seconds spent."""
    tallies = {name: Tally(name in FAITHFUL) for name in (*FAITHFUL, *UNFAITHFUL)}
    started = time.perf_counter()
    for example in examples:
        support = lexical_support(example.variant, example.passage)
        verdict = verify_sentence(example.variant, (1,), [example.passage], support, scorer,
                                  VerifierConfig(), "fr")  # fmt: skip
        tallies[example.perturbation].add(example, verdict)
        if on_done is not None:
            on_done(1)
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


def eval_summary(
    fiches: Path | None = None,
    limit: int = EVAL_LIMIT,
    seed: int = EVAL_SEED,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """What `guichet eval` keeps in summary.json: the rules on a fixed slice, each target with
    its value and whether it is met; {"skipped": reason in French} without the sheets."""
    fiches = fiches or FICHES
    if not fiches.is_dir():
        return {"skipped": f"les fiches service-public.fr sont introuvables ({fiches}) ; le banc "
                           "d'essai les attend dans ../shared/data, à côté du dépôt."}  # fmt: skip
    examples = build_examples(fiches, limit, seed)
    if on_start is not None:
        on_start(len(examples))
    tallies, seconds = run_rules(examples, on_done=on_done)
    result: dict[str, Any] = dict(summary(tallies))
    false_rejection = result["false_rejection_rate"]
    targets: dict[str, dict[str, Any]] = {
        name: {"kind": "recall", "target": floor, "value": round(tallies[name].rate(), 3),
               "met": tallies[name].rate() >= floor}
        for name, floor in RECALL_TARGETS.items()
    }  # fmt: skip
    targets["false_rejection"] = {"kind": "max", "target": MAX_FALSE_REJECTION,
                                  "value": false_rejection,
                                  "met": false_rejection <= MAX_FALSE_REJECTION}  # fmt: skip
    result.update(targets=targets, limit_per_type=limit, seed=seed, variants=len(examples),
                  fiches=str(fiches),
                  ms_per_sentence=round(1000 * seconds / max(1, len(examples)), 2))  # fmt: skip
    return result


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
