"""The ethics committee's console (/audit, role auditor): answers and their full audit record,
evaluation reports and their trend, CSV export. Every view is written to the access log."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from chatbot.api.deps import ServicesDep
from chatbot.api.pages.staff_access import commune_names, html_response, signed_in_user
from chatbot.domain import GuichetError
from chatbot.store.conversations import AnswerFilters
from chatbot.web.layout import options, page, score, table
from chatbot.wiring import Services

router = APIRouter(include_in_schema=False)
TREND_METRICS = ("faithfulness", "abstention_accuracy", "citation_precision", "hit_at_k",
                 "groundedness")  # fmt: skip


def _filters(params: dict[str, str]) -> AnswerFilters:
    def day(name: str) -> datetime | None:
        try:
            return datetime.fromisoformat(params[name]) if params.get(name) else None
        except ValueError:
            return None

    until = day("until")
    try:
        ceiling = float(params["max_groundedness"]) if params.get("max_groundedness") else None
    except ValueError:
        ceiling = None
    return AnswerFilters(
        since=day("since"),
        until=until + timedelta(days=1) if until else None,
        abstained={"oui": True, "non": False}.get(params.get("abstained", "")),
        negative_feedback=params.get("negative") == "1",
        max_groundedness=ceiling,
        commune=params.get("commune") or None,
        riskiest_first=params.get("riskiest") == "1",
        limit=500,
    )


@router.get("/audit")
def audit_list(request: Request, services: ServicesDep) -> Response:
    user = signed_in_user(request, services, "auditor")
    if isinstance(user, Response):
        return user
    params = dict(request.query_params)
    rows = services.storage.reads.list_answers(user, _filters(params))
    get = params.get
    checked = {name: " checked" if get(name) == "1" else "" for name in ("negative", "riskiest")}
    form = (
        '<form class="panel" method="get" action="/audit" aria-label="Filtres">'
        f'<label for="since">Du<input type="date" id="since" name="since" value="{escape(get("since", ""))}"></label>'
        f'<label for="until">Au<input type="date" id="until" name="until" value="{escape(get("until", ""))}"></label>'
        '<label for="abstained">Issue<select id="abstained" name="abstained">'
        + options(["oui", "non"], get("abstained"), "Réponses et refus")
        + "</select></label>"
        f'<label for="max_groundedness">Ancrage au plus<input id="max_groundedness" name="max_groundedness" '
        f'type="number" min="0" max="1" step="0.05" value="{escape(get("max_groundedness", ""))}"></label>'
        '<label for="commune">Commune<select id="commune" name="commune">'
        + options(commune_names(services), get("commune"), "Toutes")
        + "</select></label>"
        f'<label class="inline" for="negative"><input type="checkbox" id="negative" name="negative" value="1"{checked["negative"]}>Avis négatif</label>'
        f'<label class="inline" for="riskiest"><input type="checkbox" id="riskiest" name="riskiest" value="1"{checked["riskiest"]}>Les plus risquées d\'abord</label>'
        '<button type="submit">Filtrer</button></form>'
    )  # fmt: skip
    query = urlencode({k: v for k, v in params.items() if v})
    body_rows = []
    for r in rows:
        outcome = f"Refus ({escape(r['reason'] or '')})" if r["abstained"] else "Réponse"
        feedback = {True: "positif", False: "négatif", None: "–"}[r["helpful"]]
        question = escape((r["question"] or "[texte purgé]")[:160])
        body_rows.append([
            escape(r["at"]), question, outcome, score(r["groundedness"]), feedback,
            escape(", ".join(r["communes"]) or "–"),
            f'<a href="/audit/answers/{escape(r["answer_id"])}">Fiche<span class="skip"> de la réponse du {escape(r["at"])}</span></a>',
        ])  # fmt: skip
    headers = [
        "Date (UTC)",
        "Question (expurgée)",
        "Issue",
        "Ancrage",
        "Avis",
        "Communes",
        "Détail",
    ]
    body = (
        f"{form}<p>{len(rows)} réponse(s). "
        f'<a class="button" href="/audit/export.csv?{escape(query)}">Exporter en CSV</a></p>'
        + table("Réponses, les plus récentes d'abord", headers, body_rows)
        + '<p class="note">Chaque consultation est inscrite au journal des accès.</p>'
    )
    return html_response(page("Audit des réponses", body, user))


@router.get("/audit/answers/{answer_id}")
def audit_answer(answer_id: str, request: Request, services: ServicesDep) -> Response:
    user = signed_in_user(request, services, "auditor")
    if isinstance(user, Response):
        return user
    try:
        r = services.storage.reads.answer(user, answer_id)
    except GuichetError as error:
        return html_response(page("Réponse introuvable", f"<p>{escape(str(error))}</p>", user), 404)
    check = r.get("citation_check") or {}
    facts = {
        "Date (UTC)": r["created_at"], "Session (pseudonyme)": r["session"] or "– (purgée)",
        "Langue": r["language"], "Issue": f"refus : {r['reason']}" if r["abstained"] else "réponse",
        "Score d'ancrage": f"{r['groundedness']:.2f}" if r["groundedness"] is not None else "–",
        "Version du prompt": r["prompt_version"], "Modèle": r["model"],
        "Empreinte SHA-256 du modèle": r["model_sha256"] or "–",
        "Jetons générés": str(r["tokens"]),
        "Avis de l'habitant": {True: "utile", False: "pas utile", None: "–"}[r["helpful"]],
        "Commentaire (expurgé)": r["comment"] or "–",
        "Éléments expurgés": ", ".join(f"{k} : {v}" for k, v in r["redactions"].items()) or "aucun",
    }  # fmt: skip
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts.items())
    passages = table(
        "Passages retrouvés (versions des documents et scores)",
        ["Rang", "Document", "Version", "Similarité", "Lexical", "Score fusionné", "Montré au modèle"],
        [[str(p.get("rank", "")), escape(p.get("title") or p.get("source_id", "")),
          escape(p.get("doc_version", "")[:12]), score(p.get("dense_score"), 0.0),
          f'{p.get("lexical_score") or 0:.2f}', f'{p.get("score", 0):.4f}',
          "oui" if p.get("shown") else "non"] for p in r["passages"]],
    )  # fmt: skip
    sentences = table(
        "Vérification des phrases de la réponse",
        ["Phrase", "Sources", "Appui", "Verdict"],
        [[str(n), escape(", ".join(map(str, s["sources"])) or "aucune"),
          f'{s["support"]:.2f}' if s["support"] is not None else "–",
          "appuyée" if s["supported"] else "non appuyée"]
         for n, s in enumerate(check.get("sentences", []), start=1)],
    )  # fmt: skip
    body = (
        f"<dl>{details}</dl>"
        f"<h2>Question (expurgée)</h2><div class=\"answer\">{escape(r['question'] or '[texte purgé]')}</div>"
        f"<h2>Question reformulée</h2><div class=\"answer\">{escape(r['standalone_question'] or '–')}</div>"
        f"<h2>Réponse</h2><div class=\"answer\">{escape(r['answer'] or '[texte purgé]')}</div>"
        f"<h2>Passages</h2>{passages}<h2>Citations</h2>{sentences}"
        f"<h2>Réglages de génération et temps</h2><pre>{escape(json.dumps({'generation': r['generation'], 'timings_ms': r['timings']}, indent=1, ensure_ascii=False))}</pre>"
    )  # fmt: skip
    return html_response(page("Fiche d'audit d'une réponse", body, user))


@router.get("/audit/export.csv")
def audit_csv(request: Request, services: ServicesDep) -> Response:
    user = signed_in_user(request, services, "auditor")
    if isinstance(user, Response):
        return user
    rows = services.storage.reads.export_answers(user, _filters(dict(request.query_params)))
    buffer = io.StringIO()
    columns = ["answer_id", "at", "session", "language", "abstained", "reason", "groundedness",
               "helpful", "communes", "question", "answer"]  # fmt: skip
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "communes": ";".join(row["communes"])})
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM, so that spreadsheet software reads UTF-8
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="guichet-reponses.csv"',
            "Cache-Control": "no-store",
        },
    )


def _reports(services: Services) -> list[tuple[str, dict[str, Any]]]:
    folder = services.settings.resolved_reports_dir
    found = []
    for summary in sorted(folder.glob("*/summary.json")) if folder.is_dir() else []:
        try:
            found.append((summary.parent.name, json.loads(summary.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(found, key=lambda item: str(item[1].get("date", "")))


def _trend_svg(reports: list[tuple[str, dict[str, Any]]]) -> str:
    """A line per metric across the reports, as inline SVG with a text alternative."""
    width, height, pad = 640, 220, 30
    if len(reports) < 2:
        return '<p class="note">La tendance apparaît à partir de deux évaluations.</p>'
    step = (width - 2 * pad) / (len(reports) - 1)
    colours = ["#000091", "#b34000", "#18753c", "#6a6af4", "#3a3a3a"]
    dashes = ["", "6 3", "2 3", "8 3 2 3", "1 4"]  # lines differ by more than colour
    lines, legend = [], []
    for i, metric in enumerate(TREND_METRICS):
        points = [(pad + n * step, height - pad - float(r["metrics"][metric]) * (height - 2 * pad))
                  for n, (_, r) in enumerate(reports) if r.get("metrics", {}).get(metric) is not None]  # fmt: skip
        if len(points) < 2:
            continue
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
        lines.append(f'<polyline fill="none" stroke="{colours[i]}" stroke-width="2.5" '
                     f'stroke-dasharray="{dashes[i]}" points="{path}"/>')  # fmt: skip
        legend.append(metric)
    summary = "; ".join(
        f"{m} : "
        + " → ".join(f"{r['metrics'][m]:.2f}" for _, r in reports if m in r.get("metrics", {}))
        for m in legend
    )
    axis = f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#666"/>'
    return (
        f'<svg role="img" aria-label="Tendance des métriques : {escape(summary)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px">{axis}{"".join(lines)}</svg>'
        f'<p class="note">Lignes : {escape(", ".join(legend))} (échelle de 0 à 1, de la plus ancienne à la plus récente).</p>'
    )  # fmt: skip


@router.get("/audit/reports")
def audit_reports(request: Request, services: ServicesDep) -> Response:
    user = signed_in_user(request, services, "auditor")
    if isinstance(user, Response):
        return user
    services.storage.reads.view(user, "view_reports", "reports", "auditor")
    reports = _reports(services)
    rows = []
    for name, summary in reversed(reports):
        metrics = summary.get("metrics", {})
        cells = [f"{metrics[m]:.2f}" if metrics.get(m) is not None else "–" for m in TREND_METRICS]
        link = f'<a href="/audit/reports/{escape(name)}/report.html">{escape(name)}</a>'
        rows.append([link, escape(str(summary.get("date", ""))), escape(Path(str(summary.get("dataset", ""))).name),
                     escape(str(summary.get("profile", ""))), str(summary.get("questions", "")), *cells])  # fmt: skip
    folder = escape(str(services.settings.resolved_reports_dir))
    body = (
        f'<p>Rapports de <code>guichet eval --out {folder}/NOM</code>, du plus récent au plus ancien.</p>'
        + _trend_svg(reports)
        + table("Évaluations", ["Rapport", "Date", "Questions (fichier)", "Profil", "Nombre", *TREND_METRICS], rows)
    )  # fmt: skip
    return html_response(page("Évaluations de la qualité des réponses", body, user))


@router.get("/audit/reports/{name}/{path:path}")
def audit_report_file(name: str, path: str, request: Request, services: ServicesDep) -> Response:
    user = signed_in_user(request, services, "auditor")
    if isinstance(user, Response):
        return user
    base = services.settings.resolved_reports_dir.resolve()
    folder = (base / name).resolve()
    target = (folder / path).resolve()
    if folder.parent != base or not target.is_relative_to(folder) or not target.is_file():
        return html_response(
            page("Fichier introuvable", "<p>Ce fichier n'existe pas.</p>", user), 404
        )
    if path == "report.html":
        services.storage.reads.view(user, "view_report", name, "auditor")
    return FileResponse(target)
