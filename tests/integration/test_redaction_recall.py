"""Redaction recall and false positives on the generated set, with spaCy's French model."""

from __future__ import annotations

import pytest

from chatbot.privacy.person_names import SpacyNameFinder, cue_spans
from chatbot.privacy.redaction import Redactor
from eval.redaction_benchmark import generate, measure

pytestmark = pytest.mark.integration


def test_recall_and_false_positives_on_the_generated_set() -> None:
    messages = generate(300, seed=11)
    assert sum(1 for m in messages if m.planted) == 300 and len(messages) == 450
    report = measure(Redactor(find_names=SpacyNameFinder()), messages)
    assert report["planted"] > 500
    for kind in ("email", "phone", "nir", "iban", "card", "address"):
        assert report["recall_by_kind"][kind] >= 0.98, (kind, report["misses"])
    assert report["recall_by_kind"]["person"] >= 0.85, report["misses"]
    assert report["false_positive_rate"] <= 0.15, report["misses"]


def test_without_the_name_model_names_are_the_leak() -> None:
    """The same set without spaCy: structured data is still caught, names mostly are not."""
    report = measure(Redactor(), generate(150, seed=3))
    assert report["recall_by_kind"]["email"] == 1.0
    assert report["recall_by_kind"]["person"] < 0.5


def test_names_after_an_introduction_are_found_in_any_case() -> None:
    text = "je m'appelle marie dupont et de la part de la mairie, cordialement, jean"
    assert [text[a:b] for a, b in cue_spans(text)] == ["marie dupont", "jean"]
    finder = SpacyNameFinder()
    spans = finder("Bonjour Guichet, le collège Blaise Pascal ferme ? Signé : Paul Durand")
    found = [text for text in ("Paul Durand",) if any(
        "Bonjour Guichet, le collège Blaise Pascal ferme ? Signé : Paul Durand"[a:b] == text
        for a, b in spans)]  # fmt: skip
    assert found == ["Paul Durand"] and len(spans) == 1
