"""The evaluation report: one HTML page in French with its plots (PNG files beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from chatbot.answering.gate import CHECK_LABELS
from chatbot.web.templating import make_environment
from eval.metric_info import (
    KEY_SCORES,
    METRICS,
    describe,
    format_value,
    judge_failure_label,
    reason_label,
)
from eval.plots import draw_plots
from eval.safety_report import safety_context
from eval.summary import LANGUAGE_SCORES

WORST_SHOWN = 10
STYLE_LABELS = {"standard": "Standard", "simple": "Simplifiée (langage clair)"}
LANGUAGE_LABELS = {"fr": "français", "en": "anglais", "es": "espagnol", "pt": "portugais",
                   "ar": "arabe", "de": "allemand", "it": "italien", "nl": "néerlandais"}  # fmt: skip


def write_report(
    out: Path,
    records: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    previous: dict[str, Any] | None = None,
) -> Path:
    """Write `report.html` and `plots/*.png` under `out`; return the report's path."""
    plots = out / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    figures = draw_plots(plots, records, summary, previous)
    # The CSS goes beside the page (like the plots), not into it: the page then needs no inline
    # style, and opens under a strict Content-Security-Policy when the audit console serves it.
    css = resources.files("eval").joinpath("static", "report.css").read_text(encoding="utf-8")
    (out / "report.css").write_text(css, encoding="utf-8")
    template = _templates().get_template("report.html")
    path = out / "report.html"
    path.write_text(template.render(_context(records, summary, previous, figures)), "utf-8")
    return path


def risk(record: dict[str, Any]) -> tuple[int, float]:
    """Sort key, riskiest first: wrong answer-or-decline choices, then the lowest score."""
    scores = record.get("scores", {})
    wrong_choice = scores.get("abstention_accuracy", 1.0) < 1.0
    present = [scores[m] for m in ("faithfulness", "groundedness", "citation_precision",
                                   "reference_recall") if m in scores]  # fmt: skip
    return (0 if wrong_choice else 1, min(present) if present else 1.0)


# ------------------------------------------------------------------------------------------ page
# The page is eval/templates/report.html; what follows only gathers what it shows.


@cache
def _templates() -> Environment:
    environment = make_environment(PackageLoader("eval", "templates"))
    environment.filters["metric_label"] = lambda name: describe(name).label
    environment.filters["check_label"] = lambda name: CHECK_LABELS.get(name or "", name or "")
    environment.filters["metric_value"] = lambda value, name: format_value(name, value)
    return environment


def _context(
    records: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    previous: dict[str, Any] | None,
    figures: list[tuple[str, str, str]],
) -> dict[str, Any]:
    categories = summary.get("by_category", {})
    answered = [r for r in records if "answer" in r]
    worst = [r for r in sorted(answered, key=risk) if risk(r) < (1, 1.0)][:WORST_SHOWN]
    return {
        "dataset_name": Path(summary["dataset"]).name,
        "context": _facts(summary),
        "previous": previous is not None,
        "metrics": _metrics(summary, previous),
        "figures": figures,
        "judge": _judge(summary),
        "categories": {
            "rows": list(categories.items()),
            "shown": [m for m in KEY_SCORES if any(m in c for c in categories.values())],
        },
        "styles": _styles(summary),
        "languages": _languages(summary),
        "changes": _changes(records, previous) if previous is not None else None,
        "worst": [_evidence(r) for r in worst],
        "questions": _questions(records),
        "safety": safety_context(summary.get("safety")),
    }


def _facts(summary: dict[str, Any]) -> list[tuple[str, str]]:
    ingest = summary.get("ingest", {})
    styles = summary.get("styles") or []
    questions = str(summary["questions"])
    if len(styles) > 1:  # each question is answered once per style: one record per answer
        questions = (f"{summary['questions'] // len(styles)}, chacune répondue dans "
                     f"{len(styles)} styles ({summary['questions']} réponses)")  # fmt: skip
    rows = [
        ("Jeu de questions", summary["dataset"]),
        ("Corpus", f"{summary['corpus']} ({ingest.get('documents', '?')} documents, "
                   f"{ingest.get('chunks', '?')} passages)"),
        ("Questions", questions),
        ("Modèles", f"{summary['llm']} (réponses), {summary['embedder']} (recherche)"),
        ("Date", summary["date"]),
        ("Durée", f"{summary['duration_s']:.0f} s"),
        ("Mode", "recherche seule (aucune réponse générée)" if summary.get("retrieval_only")
                 else "réponses complètes"),
    ]  # fmt: skip
    if styles:
        labels = ", ".join(STYLE_LABELS.get(style, style).lower() for style in styles)
        rows.append(("Styles de réponse", labels))
    cost = summary.get("cost")
    if cost:
        rows.append(("Temps par réponse", _seconds(cost)))
    if cost and cost.get("energy_wh_per_answer_median") is not None:
        rows.append(("Énergie (estimation Green Algorithms)", _energy(cost)))
    if summary.get("unscored_for_retrieval"):
        rows.append(("Questions non notées pour la recherche",
                     f"{summary['unscored_for_retrieval']} (leur document n'est pas dans le corpus)"))  # fmt: skip
    if summary.get("errors"):
        rows.append(("Questions en erreur", f"{summary['errors']} (voir la liste des questions)"))
    for failure in ingest.get("failed") or []:
        rows.append(("Fichier non lu", f"{failure.get('path')} : {failure.get('error')}"))
    if summary.get("judge", {}).get("error"):
        rows.append(("Juge arrêté", summary["judge"]["error"]))
    missing = ingest.get("missing_expected_sources") or []
    if missing:
        rows.append(("Sources attendues absentes du corpus", ", ".join(missing)))
    return rows


def _seconds(cost: dict[str, Any]) -> str:
    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} s".replace(".", ",")

    return (f"médiane {shown(cost.get('seconds_per_answer_median'))}, 95e centile "
            f"{shown(cost.get('seconds_per_answer_p95'))}, premier mot en "
            f"{shown(cost.get('first_token_s_median'))} (médiane) ; "
            f"{cost.get('tokens_total', 0)} jetons générés en tout")  # fmt: skip


def _energy(cost: dict[str, Any]) -> str:
    median = cost["energy_wh_per_answer_median"]
    return (f"{median:.3f} Wh et {cost['gco2e_per_answer_median']:.4f} gCO2e par réponse "
            f"(médiane), soit {median * 1000:.0f} Wh pour 1 000 réponses ; "
            f"{cost['energy_wh_total']:.2f} Wh pour cette évaluation").replace(".", ",")  # fmt: skip


def _metrics(summary: dict[str, Any], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    before = previous["summary"].get("metrics", {}) if previous else {}
    ordered = [m for m in METRICS if m in summary["metrics"]]
    ordered += [m for m in summary["metrics"] if m not in METRICS]
    rows = []
    for name in ordered:
        value, old = summary["metrics"][name], before.get(name)
        rows.append({"name": name, "value": value, "old": old, "delta": _delta(name, value, old),
                     "meaning": describe(name).meaning})  # fmt: skip
    return rows


def _delta(name: str, value: float, old: float | None) -> dict[str, str] | None:
    """The change since the previous run, in words (None without a previous value)."""
    if old is None:
        return None
    change = value - old
    if abs(change) < 1e-9:
        return {"css": "", "text": "="}
    better = (change > 0) == describe(name).higher_is_better
    word = "mieux" if better else "moins bien"
    shown = f"{change * 100:+.1f} pts" if describe(name).share else f"{change:+.2f}"
    return {"css": "better" if better else "worse",
            "text": f"{shown.replace('.', ',')} ({word})"}  # fmt: skip


def _styles(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per answer style, its figures in words (empty: nothing to show)."""
    rows = []
    for style, values in summary.get("by_style", {}).items():
        ease, scored = values.get("reading_ease"), values.get("reading_ease_answers", 0)
        checked = values.get("sentences_checked", 0)
        dropped = format_value("dropped_share", values.get("dropped_share"))
        if checked:
            dropped += f" ({values.get('sentences_dropped', 0)} sur {checked} phrases)"
        rows.append({
            "label": STYLE_LABELS.get(style, style), "questions": values.get("questions", 0),
            "reading_ease": "—" if ease is None else f"{_decimal(ease)} (sur {_answers(scored)})",
            "words": _decimal(values.get("words_per_sentence_median")), "dropped": dropped,
            "citations": format_value("citation_precision", values.get("citation_precision")),
            "abstention": format_value("abstention_accuracy", values.get("abstention_accuracy")),
            "seconds": _decimal(values.get("seconds_per_answer")),
        })  # fmt: skip
    return rows


def _languages(summary: dict[str, Any]) -> dict[str, Any] | None:
    """One row per expected language, with the scores some language has (None: nothing to show)."""
    languages = summary.get("by_language", {})
    shown = [m for m in LANGUAGE_SCORES
             if any(values.get(m) is not None for values in languages.values())]  # fmt: skip
    if not shown:
        return None
    rows = [{"label": f"{LANGUAGE_LABELS.get(code, code)} ({code})",
             "questions": values.get("questions", 0), "values": values}
            for code, values in languages.items()]  # fmt: skip
    return {"shown": shown, "rows": rows, "k": summary.get("k"),
            "per_style": len(summary.get("styles") or []) > 1}  # fmt: skip


def _answers(count: int) -> str:
    return f"{count} réponse{'s' if count > 1 else ''}"


def _decimal(value: float | None) -> str:
    """A figure with one decimal, French style ("—" when missing)."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def _judge(summary: dict[str, Any]) -> dict[str, Any] | None:
    judge = summary.get("judge")
    if not judge or not (judge.get("scored") or judge.get("failures")):
        return None
    rows = []
    for metric in sorted(set(judge["scored"]) | set(judge["failures"])):
        failures = judge["failures"].get(metric, {})
        detail = ", ".join(
            f"{judge_failure_label(kind)} : {count}" for kind, count in sorted(failures.items())
        )
        rows.append({"metric": metric, "scored": judge["scored"].get(metric, 0),
                     "failed": sum(failures.values()), "detail": detail})  # fmt: skip
    return {"model": str(judge["model"]), "contexts": judge.get("contexts"), "rows": rows}


def _changes(records: Sequence[dict[str, Any]], previous: dict[str, Any]) -> dict[str, Any]:
    before = {r["id"]: r for r in previous.get("records", [])}
    rows = []
    for record in records:
        old = before.get(record["id"])
        if old is None:
            continue
        for metric in ("abstention_accuracy", "faithfulness", "reference_recall", "hit_at_k"):
            new_value = record["scores"].get(metric)
            old_value = old.get("scores", {}).get(metric)
            if new_value is None or old_value is None or abs(new_value - old_value) < 0.2:
                continue
            rows.append({"id": record["id"], "question": record["question"], "metric": metric,
                         "before": old_value, "after": new_value,
                         "better": new_value > old_value})  # fmt: skip
    return {"path": previous["path"], "rows": rows}


def _evidence(record: dict[str, Any]) -> dict[str, Any]:
    """A weak answer with what it was based on."""
    did = f"a refusé ({reason_label(record.get('reason'))})" if record["abstained"] else "a répondu"
    scores = ", ".join(f"{describe(k).label} {format_value(k, v)}"
                       for k, v in record["scores"].items())  # fmt: skip
    standalone = record.get("standalone_question")
    expected_sources = set(record.get("expected_sources", []))
    return {
        "id": record["id"], "question": record["question"], "category": record["category"],
        "expected": "doit répondre" if record["answerable"] else "doit refuser", "did": did,
        "standalone": standalone if standalone and standalone != record["question"] else "",
        "answer": record["answer"], "reference": record.get("reference") or "", "scores": scores,
        "judge_failures": list(record.get("judge_failures", {}).items()),
        "dropped": [v for v in record.get("verdicts", []) if not v["passed"]],
        "passages": [{"n": p["n"], "title": p["title"], "text": p["text"][:900],
                      "expected": p["source_id"] in expected_sources,
                      "dense": p.get("dense_score") or 0.0}
                     for p in record.get("passages", [])],
    }  # fmt: skip


def _questions(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for record in records:
        if "error" in record:
            css, outcome = "bad", f"erreur : {record['error'][:200]}"
        elif "answer" in record:
            correct = record["scores"].get("abstention_accuracy") == 1.0
            css = "ok" if correct else "bad"
            outcome = "refus" if record["abstained"] else "réponse"
            outcome += "" if correct else " (à tort)"
        else:
            css, outcome = "", "recherche"
        rows.append({"id": record["id"], "category": record["category"],
                     "question": record["question"], "css": css, "outcome": outcome,
                     "scores": record["scores"]})  # fmt: skip
    shown = [m for m in KEY_SCORES if any(m in r["scores"] for r in records)]
    return {"shown": shown, "rows": rows}
