"""The verifier on real service-public.fr sentences (a fixed slice of eval.verifier_benchmark,
which `guichet eval` runs too), and the model's yes-probability on the small local model."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.generation.llamacpp import LlamaCppGenerator
from chatbot.generation.queue import RequestQueue
from chatbot.models import SMOLLM2_135M
from chatbot.ports import GenerationOptions
from chatbot.verification import ModelEntailmentScorer
from eval.verifier_benchmark import MAX_FALSE_REJECTION, RECALL_TARGETS, run
from tests.conftest import require_models

pytestmark = pytest.mark.integration

# 40 variants of each perturbation from sentences drawn with seed 7 (400 in all). Measured:
# recall 1.00 on negation, number and date changes; no false rejection on the 160 faithful ones.
LIMIT, SEED = 40, 7


@pytest.mark.shared_data
def test_rules_catch_changed_negations_numbers_and_dates(shared_data: Path) -> None:
    report = run(LIMIT, SEED, with_model=False, fiches=shared_data / "service-public" / "fiches")
    rules = report["rules"]
    assert isinstance(rules, dict)
    rows = rules["per_type"]
    print({name: (row["n"], row["rate"]) for name, row in rows.items()})
    assert all(row["n"] == LIMIT for row in rows.values()), "the fixed slice changed size"
    for name, floor in RECALL_TARGETS.items():
        assert rows[name]["rate"] >= floor, (name, rows[name]["wrong_examples"])
    assert rules["false_rejection_rate"] <= MAX_FALSE_REJECTION, {
        name: row["wrong_examples"] for name, row in rows.items() if row["faithful"]
    }


def test_yes_probability_reads_the_next_token_and_reuses_the_prefix(models_dir: Path) -> None:
    require_models(models_dir, "small")
    generator = LlamaCppGenerator(
        models_dir / SMOLLM2_135M.target, "smollm2", RequestQueue(2, 60.0), context=2048
    )
    llm = generator._llm
    evaluated: list[int] = []
    original_eval = llm.eval

    def counting_eval(tokens: list[int]) -> None:
        evaluated.append(len(tokens))
        original_eval(tokens)

    llm.eval = counting_eval
    try:
        scorer = ModelEntailmentScorer(generator)
        passage = "Le délai pour contester est de deux mois. La démarche est gratuite."
        first = scorer.score(passage, "Le délai est de deux mois.")
        full_prompt = len(llm._input_ids)
        second = scorer.score(passage, "La démarche coûte 30 euros.")
        assert 0.0 <= first <= 1.0 and 0.0 <= second <= 1.0
        assert evaluated[0] == full_prompt  # the first prompt is evaluated in full
        assert evaluated[1] < full_prompt // 3  # the second reuses instruction and passage
        again = scorer.score(passage, "Le délai est de deux mois.")
        assert again == pytest.approx(first, abs=1e-3)
        options = GenerationOptions(max_tokens=4, temperature=0.0)
        pieces = list(generator.stream([{"role": "user", "content": "Bonjour"}], options))
        assert "".join(pieces).strip()  # generation still works from the shared cache
    finally:
        generator.close()
