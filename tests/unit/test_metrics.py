"""The Prometheus registry and its helpers."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chatbot.api import metrics

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples() -> Samples:
    """Every sample of the registry, by name and labels."""
    text = metrics.metrics_text().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much a sample grew between two reads."""
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_observe_answer_counts_steps_declines_tokens_and_energy() -> None:
    before = samples()
    metrics.observe_answer(
        {"retrieval_ms": 120.0, "total_ms": 4200.0, "unknown_ms": 1.0}, "unsupported_answer",
        tokens=42, energy_wh=0.05, gco2e=0.0026,
    )  # fmt: skip
    after = samples()
    assert delta(before, after, "guichet_answers_total") == 1
    assert delta(before, after, "guichet_declines_total", reason="unsupported_answer") == 1
    assert delta(before, after, "guichet_generated_tokens_total") == 42
    assert abs(delta(before, after, "guichet_energy_wh_total") - 0.05) < 1e-9
    assert abs(delta(before, after, "guichet_emissions_gco2e_total") - 0.0026) < 1e-9
    assert delta(before, after, "guichet_answer_step_seconds_count", step="retrieval") == 1
    total = delta(before, after, "guichet_answer_step_seconds_sum", step="total")
    assert total == pytest.approx(4.2)
    assert delta(before, after, "guichet_answer_step_seconds_count", step="generation") == 0


def test_an_answer_without_decline_counts_no_reason() -> None:
    before = samples()
    metrics.observe_answer({"total_ms": 10.0}, None, tokens=0, energy_wh=0.0)
    after = samples()
    grown = {key[0] for key in after if after[key] != before.get(key, 0.0)}
    assert "guichet_declines_total" not in grown and "guichet_answers_total" in grown


def test_registry_is_separate_from_the_default_one() -> None:
    from prometheus_client import REGISTRY

    assert metrics.REGISTRY is not REGISTRY
    assert "guichet_answers_total" not in REGISTRY._names_to_collectors
