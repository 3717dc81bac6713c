"""The evaluation report: one HTML page in French with its plots (PNG files beside it)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metric_info import (
    KEY_SCORES,
    METRICS,
    describe,
    format_value,
    judge_failure_label,
    reason_label,
)
from eval.plots import draw_plots

WORST_SHOWN = 10


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
    page = _page(records, summary, previous, figures)
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def risk(record: dict[str, Any]) -> tuple[int, float]:
    """Sort key, riskiest first: wrong answer-or-decline choices, then the lowest score."""
    scores = record.get("scores", {})
    wrong_choice = scores.get("abstention_accuracy", 1.0) < 1.0
    present = [scores[m] for m in ("faithfulness", "groundedness", "citation_precision",
                                   "reference_recall") if m in scores]  # fmt: skip
    return (0 if wrong_choice else 1, min(present) if present else 1.0)


# ------------------------------------------------------------------------------------------ page

_STYLE = """
body{font-family:system-ui,Marianne,Arial,sans-serif;max-width:72rem;margin:auto;padding:1rem;
color:#161616;line-height:1.45}
h1{color:#000091}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#f5f5fe}.better{color:#18753c}.worse{color:#ce0500}.num{text-align:right;white-space:nowrap}
figure{margin:1.5rem 0}img{max-width:100%;height:auto}
details{border:1px solid #ddd;border-radius:4px;padding:.5rem;margin:.6rem 0}
summary{cursor:pointer;font-weight:600}blockquote{margin:.4rem 0;padding:.3rem .8rem;
background:#f6f6f6;border-left:4px solid #000091;white-space:pre-wrap}
.bad{color:#ce0500;font-weight:600}.ok{color:#18753c}
"""


def _page(
    records: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    previous: dict[str, Any] | None,
    figures: list[tuple[str, str, str]],
) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Évaluation Guichet — {e(Path(summary['dataset']).name)}</title>",
        f"<style>{_STYLE}</style></head><body><main>",
        "<h1>Évaluation de la qualité des réponses</h1>",
        _context(summary),
        "<h2>Scores</h2>",
        _metrics_table(summary, previous),
    ]
    for name, title, alt in figures:
        parts.append(f'<figure><img src="plots/{e(name)}" alt="{e(alt)}">'
                     f"<figcaption>{e(title)}</figcaption></figure>")  # fmt: skip
    parts += [_judge_section(summary), _category_table(summary)]
    if previous is not None:
        parts.append(_changes(records, previous))
    parts += [_worst(records), _question_list(records), "</main></body></html>"]
    return "\n".join(p for p in parts if p)


def _context(summary: dict[str, Any]) -> str:
    e = html.escape
    ingest = summary.get("ingest", {})
    rows = [
        ("Jeu de questions", summary["dataset"]),
        ("Corpus", f"{summary['corpus']} ({ingest.get('documents', '?')} documents, "
                   f"{ingest.get('chunks', '?')} passages)"),
        ("Questions", str(summary["questions"])),
        ("Modèles", f"{summary['llm']} (réponses), {summary['embedder']} (recherche)"),
        ("Date", summary["date"]),
        ("Durée", f"{summary['duration_s']:.0f} s"),
        ("Mode", "recherche seule (aucune réponse générée)" if summary.get("retrieval_only")
                 else "réponses complètes"),
    ]  # fmt: skip
    cost = summary.get("cost")
    if cost:
        rows.append(("Temps par réponse", _seconds(cost)))
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
    body = "".join(f"<tr><th scope='row'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _seconds(cost: dict[str, Any]) -> str:
    def shown(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} s".replace(".", ",")

    return (f"médiane {shown(cost.get('seconds_per_answer_median'))}, 95e centile "
            f"{shown(cost.get('seconds_per_answer_p95'))}, premier mot en "
            f"{shown(cost.get('first_token_s_median'))} (médiane) ; "
            f"{cost.get('tokens_total', 0)} jetons générés en tout")  # fmt: skip


def _metrics_table(summary: dict[str, Any], previous: dict[str, Any] | None) -> str:
    e = html.escape
    before = previous["summary"].get("metrics", {}) if previous else {}
    head = "<tr><th scope='col'>Mesure</th><th scope='col'>Valeur</th>"
    if previous:
        head += "<th scope='col'>Précédente</th><th scope='col'>Écart</th>"
    head += "<th scope='col'>Ce qu'elle mesure</th></tr>"
    ordered = [m for m in METRICS if m in summary["metrics"]]
    ordered += [m for m in summary["metrics"] if m not in METRICS]
    rows = []
    for name in ordered:
        info = describe(name)
        value = summary["metrics"][name]
        cells = f"<td>{e(info.label)}</td><td class='num'>{e(format_value(name, value))}</td>"
        if previous:
            old = before.get(name)
            cells += f"<td class='num'>{e(format_value(name, old))}</td>{_delta(name, value, old)}"
        rows.append(f"<tr>{cells}<td>{e(info.meaning)}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _delta(name: str, value: float, old: float | None) -> str:
    if old is None:
        return "<td class='num'>—</td>"
    change = value - old
    if abs(change) < 1e-9:
        return "<td class='num'>=</td>"
    better = (change > 0) == describe(name).higher_is_better
    word = "mieux" if better else "moins bien"
    shown = f"{change * 100:+.1f} pts" if describe(name).share else f"{change:+.2f}"
    return (f"<td class='num {'better' if better else 'worse'}'>"
            f"{html.escape(shown.replace('.', ','))} ({word})</td>")  # fmt: skip


def _judge_section(summary: dict[str, Any]) -> str:
    judge = summary.get("judge")
    if not judge or not (judge.get("scored") or judge.get("failures")):
        return ""
    e = html.escape
    rows = []
    for metric in sorted(set(judge["scored"]) | set(judge["failures"])):
        failures = judge["failures"].get(metric, {})
        detail = ", ".join(
            f"{judge_failure_label(kind)} : {count}" for kind, count in sorted(failures.items())
        )
        rows.append(f"<tr><td>{e(describe(metric).label)}</td>"
                    f"<td class='num'>{judge['scored'].get(metric, 0)}</td>"
                    f"<td class='num'>{sum(failures.values())}</td><td>{e(detail or '—')}</td></tr>")  # fmt: skip
    return (
        "<h2>Juge local</h2>"
        f"<p>Les mesures ragas sont calculées par le modèle local <code>{e(str(judge['model']))}</code>"
        " servi sur la machine (aucune donnée ne sort). Quand sa réponse est inutilisable (JSON "
        "illisible, délai dépassé), la question est comptée ici et exclue de la moyenne de cette "
        "mesure, jamais ignorée en silence.</p>"
        "<table><tr><th scope='col'>Mesure</th><th scope='col'>Questions notées</th>"
        "<th scope='col'>Échecs du juge</th><th scope='col'>Détail</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _category_table(summary: dict[str, Any]) -> str:
    categories = summary.get("by_category", {})
    shown = [m for m in KEY_SCORES if any(m in c for c in categories.values())]
    if not categories or not shown:
        return ""
    e = html.escape
    head = "<tr><th scope='col'>Catégorie</th><th scope='col'>Questions</th>" + "".join(
        f"<th scope='col'>{e(describe(m).label)}</th>" for m in shown
    )
    rows = [
        f"<tr><td>{e(c)}</td><td class='num'>{v['questions']}</td>"
        + "".join(f"<td class='num'>{e(format_value(m, v.get(m)))}</td>" for m in shown)
        + "</tr>"
        for c, v in categories.items()
    ]
    return f"<h2>Par catégorie</h2><table>{head}</tr>{''.join(rows)}</table>"


def _changes(records: Sequence[dict[str, Any]], previous: dict[str, Any]) -> str:
    before = {r["id"]: r for r in previous.get("records", [])}
    e = html.escape
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
            better = new_value > old_value
            rows.append(
                f"<tr><td>{e(record['id'])}</td><td>{e(record['question'])}</td>"
                f"<td>{e(describe(metric).label)}</td><td class='num'>"
                f"{e(format_value(metric, old_value))} → {e(format_value(metric, new_value))}</td>"
                f"<td class='{'better' if better else 'worse'}'>{'mieux' if better else 'moins bien'}"
                "</td></tr>"
            )
    intro = (f"<h2>Changements depuis l'évaluation précédente</h2><p>Comparée à "
             f"<code>{e(previous['path'])}</code> ; questions dont un score a bougé d'au moins "
             "0,2.</p>")  # fmt: skip
    if not rows:
        return intro + "<p>Aucune question n'a changé à ce point.</p>"
    return (intro + "<table><tr><th scope='col'>Id</th><th scope='col'>Question</th>"
            "<th scope='col'>Mesure</th><th scope='col'>Avant → après</th><th scope='col'>Sens</th>"
            f"</tr>{''.join(rows)}</table>")  # fmt: skip


def _worst(records: Sequence[dict[str, Any]]) -> str:
    answered = [r for r in records if "answer" in r]
    worst = [r for r in sorted(answered, key=risk) if risk(r) < (1, 1.0)][:WORST_SHOWN]
    if not worst:
        return ""
    return (
        "<h2>Réponses les plus faibles, avec leurs preuves</h2>"
        "<p>D'abord les mauvais choix de répondre ou de refuser, puis les scores les plus bas.</p>"
        + "".join(_evidence(r) for r in worst)
    )


def _evidence(record: dict[str, Any]) -> str:
    e = html.escape
    expected = "doit répondre" if record["answerable"] else "doit refuser"
    did = f"a refusé ({reason_label(record.get('reason'))})" if record["abstained"] else "a répondu"
    scores = ", ".join(f"{describe(k).label} {format_value(k, v)}"
                       for k, v in record["scores"].items())  # fmt: skip
    parts = [
        f"<details id='q-{e(record['id'])}'><summary>{e(record['id'])} — {e(record['question'])}"
        f"</summary><p>Catégorie {e(record['category'])} ; {expected}, {e(did)}.</p>",
    ]
    if record.get("standalone_question") and record["standalone_question"] != record["question"]:
        parts.append(f"<p>Question reformulée : {e(record['standalone_question'])}</p>")
    parts.append(f"<p>Réponse :</p><blockquote>{e(record['answer'])}</blockquote>")
    if record.get("reference"):
        parts.append(f"<p>Référence :</p><blockquote>{e(record['reference'])}</blockquote>")
    parts.append(f"<p>Scores : {e(scores) or '—'}</p>")
    for metric, reason in record.get("judge_failures", {}).items():
        parts.append(
            f"<p class='bad'>Juge en échec sur {e(describe(metric).label)} : {e(reason)}</p>"
        )
    expected_sources = set(record.get("expected_sources", []))
    for passage in record.get("passages", []):
        mark = " (source attendue)" if passage["source_id"] in expected_sources else ""
        parts.append(
            f"<p>Passage [{passage['n']}] — {e(passage['title'])}{e(mark)}, similarité "
            f"{(passage.get('dense_score') or 0):.2f}</p><blockquote>{e(passage['text'][:900])}"
            "</blockquote>"
        )
    parts.append("</details>")
    return "".join(parts)


def _question_list(records: Sequence[dict[str, Any]]) -> str:
    e = html.escape
    shown = [m for m in KEY_SCORES if any(m in r["scores"] for r in records)]
    head = ("<tr><th scope='col'>Id</th><th scope='col'>Catégorie</th><th scope='col'>Question</th>"
            "<th scope='col'>Issue</th>"
            + "".join(f"<th scope='col'>{e(describe(m).label)}</th>" for m in shown) + "</tr>")  # fmt: skip
    rows = []
    for record in records:
        if "error" in record:
            outcome_cell = f"<td class='bad'>erreur : {e(record['error'][:200])}</td>"
        elif "answer" in record:
            correct = record["scores"].get("abstention_accuracy") == 1.0
            outcome = "refus" if record["abstained"] else "réponse"
            css = "ok" if correct else "bad"
            outcome_cell = f"<td class='{css}'>{outcome}{'' if correct else ' (à tort)'}</td>"
        else:
            outcome_cell = "<td>recherche</td>"
        rows.append(
            f"<tr><td>{e(record['id'])}</td><td>{e(record['category'])}</td>"
            f"<td>{e(record['question'])}</td>{outcome_cell}"
            + "".join(
                f"<td class='num'>{e(format_value(m, record['scores'].get(m)))}</td>" for m in shown
            )
            + "</tr>"
        )
    return f"<h2>Toutes les questions</h2><table>{head}{''.join(rows)}</table>"
