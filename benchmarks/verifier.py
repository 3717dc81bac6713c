"""Adversarial benchmark of the sentence verifier on real service-public.fr sheets.

    python -m benchmarks.verifier [--limit N] [--seed S] [--with-model] [--json]

Sentences of ../shared/data/service-public/fiches (never copied into the repository) are turned,
by rule, into faithful variants (must pass) and unfaithful ones (must fail); the passage is the
sentence with its neighbours. Reports, per perturbation, the share of unfaithful variants caught
(recall) and of faithful variants rejected (false rejections), with the check that decided.
Without the model the verifier uses hard facts, polarity and the lexical support score (the
service's word-overlap signal, threshold 0.45); `--with-model` adds the entailment of the default
local model and reports what it adds and its time per sentence. The benchmark lives in
eval.verifier_benchmark (`guichet eval` runs a fixed slice of it); this is its front end.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from chatbot.verification import VerifierConfig
from eval.verifier_benchmark import FICHES, run


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
