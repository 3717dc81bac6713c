"""The summary of an evaluation: each metric's mean, overall, per category, per answer style and
per expected language, cost and judge."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from chatbot.models import model_name
from chatbot.settings import Settings
from eval.checks import abstention_scores, mean, percentile, sentence_lengths
from eval.judge import JUDGE_METRICS
from eval.metric_info import METRICS
from eval.request import STYLES, EvalRequest, selected

# The per-language table: does retrieval find the sheet, is the answer in the right language,
# right to answer or decline, are its citations right, how much did the verifier drop.
LANGUAGE_SCORES = ("hit_at_k", "language_match", "abstention_accuracy", "citation_precision",
                   "dropped_share")  # fmt: skip


def summarize(
    records: Sequence[dict[str, Any]], request: EvalRequest, settings: Settings, seconds: float
) -> dict[str, Any]:
    """The summary metrics, overall and per category."""
    summary: dict[str, Any] = {
        "dataset": str(request.dataset),
        "corpus": str(request.corpus),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": settings.model_profile,
        "llm": model_name(settings, "llm"),
        "embedder": model_name(settings, "embedder"),
        "k": request.k,
        "questions": len(records),
        "retrieval_only": request.retrieval_only,
        "duration_s": round(seconds, 1),
        "metrics": _aggregate(records),
        "by_category": {},
    }
    if not request.retrieval_only:
        summary["styles"] = list(request.styles)
    categories = sorted({r["category"] for r in records})
    for category in categories:
        chosen = [r for r in records if r["category"] == category]
        summary["by_category"][category] = {"questions": len(chosen), **_aggregate(chosen)}
    summary["by_style"] = by_style(records)
    summary["by_language"] = by_language(records)
    answered = [r for r in records if "answer" in r]
    if answered:
        outcomes = [(r["answerable"], r["abstained"]) for r in answered]
        abstention = abstention_scores(outcomes)
        summary["metrics"]["declined_when_needed"] = abstention.declined_when_needed
        summary["metrics"]["answered_when_possible"] = abstention.answered_when_possible
        summary["cost"] = _cost(answered)
        summary["metrics"]["seconds_per_answer"] = summary["cost"]["seconds_per_answer_median"]
        summary["metrics"]["tokens_per_answer"] = summary["cost"]["tokens_per_answer_mean"]
        summary["judge"] = _judge_summary(answered)
    summary["errors"] = sum(1 for r in records if "error" in r)
    order = {name: i for i, name in enumerate(METRICS)}
    present = [(k, v) for k, v in summary["metrics"].items()
               if v is not None and selected(request.metrics, k)]  # fmt: skip
    summary["metrics"] = dict(sorted(present, key=lambda kv: order.get(kv[0], len(order))))
    return summary


def by_style(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per answer style (records with a style: answers, not retrieval alone): how easy the
    answers read (Kandel–Moles, French answers only; sentence length), how the verifier and the
    citations held up, the choice to answer, and the time per answer (declines left out)."""
    names = {r["style"] for r in records if r.get("style")}
    order = {name: i for i, name in enumerate(STYLES)}
    result = {}
    for style in sorted(names, key=lambda name: (order.get(name, len(order)), name)):
        chosen = [r for r in records if r.get("style") == style]
        spoken = [r for r in chosen if "answer" in r and not r["abstained"]]
        lengths = [float(n) for r in spoken for n in sentence_lengths(r["answer"])]
        verdicts = [v for r in chosen for v in r.get("verdicts", [])]
        seconds = [r["cost"]["total_ms"] / 1000 for r in spoken
                   if r.get("cost", {}).get("total_ms")]  # fmt: skip
        result[style] = {
            "questions": len(chosen),
            "answers": len(spoken),
            "abstention_accuracy": _score_mean(chosen, "abstention_accuracy"),
            "reading_ease": _score_mean(chosen, "reading_ease", 1),
            "reading_ease_answers": sum(1 for r in chosen if "reading_ease" in r["scores"]),
            "words_per_sentence_median": _round(percentile(lengths, 0.5), 1),
            "dropped_share": _score_mean(chosen, "dropped_share"),
            "sentences_checked": len(verdicts),
            "sentences_dropped": sum(1 for v in verdicts if not v.get("passed", True)),
            "citation_precision": _score_mean(chosen, "citation_precision"),
            "seconds_per_answer": _round(percentile(seconds, 0.5)),
        }
    return result


def by_language(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per expected language (French first): the number of questions (of answers, once per
    style, when several styles were asked for) and the means of LANGUAGE_SCORES (None where no
    question has that score)."""
    languages = {r.get("expected_language") or "?" for r in records}
    result = {}
    for language in sorted(languages, key=lambda code: (code != "fr", code)):
        chosen = [r for r in records if (r.get("expected_language") or "?") == language]
        result[language] = {"questions": len(chosen),
                            **{name: _score_mean(chosen, name) for name in LANGUAGE_SCORES}}  # fmt: skip
    return result


def _score_mean(records: Sequence[dict[str, Any]], name: str, digits: int = 4) -> float | None:
    return _round(mean([r["scores"].get(name) for r in records]), digits)


def _aggregate(records: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    names = sorted({name for r in records for name in r["scores"]})
    return {
        name: _round(mean([r["scores"].get(name) for r in records if name in r["scores"]]))
        for name in names
    }


def _cost(answered: Sequence[dict[str, Any]]) -> dict[str, Any]:
    # Answers only: a decline skips generation, and would make the service look faster than it is.
    seconds = [r["cost"]["total_ms"] / 1000 for r in answered
               if r["cost"]["total_ms"] and not r["abstained"]]  # fmt: skip
    first = [r["cost"]["first_token_ms"] / 1000 for r in answered
             if r["cost"]["first_token_ms"] and not r["abstained"]]  # fmt: skip
    tokens = [r["cost"]["tokens"] for r in answered]
    energy = [r["cost"]["energy_wh"] for r in answered if r["cost"].get("energy_wh") is not None]
    emissions = [r["cost"].get("gco2e") or 0.0 for r in answered
                 if r["cost"].get("energy_wh") is not None]  # fmt: skip
    return {
        "energy_wh_per_answer_median": _round(percentile(energy, 0.5), 4),
        "gco2e_per_answer_median": _round(percentile(emissions, 0.5), 5),
        "energy_wh_total": _round(sum(energy), 4) if energy else None,
        "gco2e_total": _round(sum(emissions), 5) if energy else None,
        "seconds_per_answer_median": _round(percentile(seconds, 0.5)),
        "seconds_per_answer_p95": _round(percentile(seconds, 0.95)),
        "first_token_s_median": _round(percentile(first, 0.5)),
        "tokens_per_answer_mean": _round(mean(tokens)),
        "tokens_total": sum(tokens),
    }


def _judge_summary(answered: Sequence[dict[str, Any]]) -> dict[str, Any]:
    failures: dict[str, dict[str, int]] = {}
    scored: dict[str, int] = {}
    for record in answered:
        for metric in record["scores"]:
            if metric in JUDGE_METRICS:
                scored[metric] = scored.get(metric, 0) + 1
        for metric, reason in record.get("judge_failures", {}).items():
            kind = reason.split(":", 1)[0]
            failures.setdefault(metric, {})
            failures[metric][kind] = failures[metric].get(kind, 0) + 1
    model = next((r.get("judge_model") for r in answered if r.get("judge_model")), None)
    read = next((r.get("judge_contexts") for r in answered if r.get("judge_contexts")), None)
    return {"model": model, "contexts": read, "scored": scored, "failures": failures}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)
