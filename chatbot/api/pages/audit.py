"""The ethics committee's console (/audit, role auditor): answers and their full audit record,
evaluation reports and their trend, CSV export. Every view is written to the access log.
Templates: audit_list.html, audit_answer.html, audit_reports.html."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from chatbot.api.deps import ServicesDep
from chatbot.api.pages.communes import commune_names
from chatbot.api.pages.rendering import page_response
from chatbot.api.pages.staff_access import AuditorDep
from chatbot.domain import GuichetError
from chatbot.store.audit_reads import AnswerFilters
from chatbot.wiring import Services

router = APIRouter(include_in_schema=False)
TREND_METRICS = ("faithfulness", "abstention_accuracy", "citation_precision", "hit_at_k",
                 "groundedness")  # fmt: skip


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that spreadsheet software shows as text: one starting like a formula
    (= + - @, a tab or a carriage return, or their full-width forms) gets a leading apostrophe."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
def audit_list(user: AuditorDep, request: Request, services: ServicesDep) -> Response:
    params = dict(request.query_params)
    filters = _filters(params)
    rows = services.storage.reads.list_answers(user, filters)
    energy = services.storage.reads.energy_summary(user, filters)
    query = urlencode({k: v for k, v in params.items() if v})
    return page_response("audit_list.html", title="Audit des réponses", user=user, params=params,
                         rows=rows, query=query, communes=commune_names(services.search.index),
                         energy=energy)  # fmt: skip


def _facts(r: dict[str, Any]) -> list[tuple[str, str]]:
    facts = {
        "Date (UTC)": r["created_at"], "Session (pseudonyme)": r["session"] or "– (purgée)",
        "Langue": r["language"], "Issue": f"refus : {r['reason']}" if r["abstained"] else "réponse",
        "Score d'ancrage": f"{r['groundedness']:.2f}" if r["groundedness"] is not None else "–",
        "Version du prompt": r["prompt_version"], "Modèle": r["model"],
        "Empreinte SHA-256 du modèle": r["model_sha256"] or "–",
        "Jetons générés": str(r["tokens"]),
        "Énergie estimée": _energy(r),
        "Avis de l'habitant": {True: "utile", False: "pas utile", None: "–"}[r["helpful"]],
        "Commentaire (expurgé)": r["comment"] or "–",
        "Éléments expurgés": ", ".join(f"{k} : {v}" for k, v in r["redactions"].items()) or "aucun",
    }  # fmt: skip
    return [(label, str(value)) for label, value in facts.items()]


def _energy(r: dict[str, Any]) -> str:
    if r.get("energy_wh") is None:
        return "– (non mesurée pour cette réponse)"
    method = (
        "méthode Green Algorithms"
        if r["energy_method"] == "green-algorithms"
        else r["energy_method"]
    )
    return f"{r['energy_wh']:.3f} Wh, {r['emissions_gco2e']:.4f} gCO2e ({method})"


@router.get("/audit/answers/{answer_id}")
def audit_answer(answer_id: str, user: AuditorDep, services: ServicesDep) -> Response:
    try:
        r = services.storage.reads.answer(user, answer_id)
    except GuichetError as error:
        return page_response("message.html", 404, title="Réponse introuvable", user=user,
                             message=str(error))  # fmt: skip
    settings = {"generation": r["generation"], "timings_ms": r["timings"]}
    return page_response(
        "audit_answer.html",
        title="Fiche d'audit d'une réponse",
        user=user,
        record=r,
        facts=_facts(r),
        sentences=(r.get("citation_check") or {}).get("sentences", []),
        settings_json=json.dumps(settings, indent=1, ensure_ascii=False),
    )


@router.get("/audit/export.csv")
def audit_csv(user: AuditorDep, request: Request, services: ServicesDep) -> Response:
    rows = services.storage.reads.export_answers(user, _filters(dict(request.query_params)))
    buffer = io.StringIO()
    columns = ["answer_id", "at", "session", "language", "abstained", "reason", "groundedness",
               "helpful", "communes", "question", "answer"]  # fmt: skip
    writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {**row, "communes": ";".join(row["communes"])}
        writer.writerow({name: spreadsheet_safe(value) for name, value in cells.items()})
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


def trend_chart(reports: list[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """A line per metric across the reports (drawn as SVG with a text alternative by the
    template); None under two reports."""
    width, height, pad = 640, 220, 30
    if len(reports) < 2:
        return None
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
        lines.append({"colour": colours[i], "dashes": dashes[i], "points": path})
        legend.append(metric)
    summary = "; ".join(
        f"{m} : "
        + " → ".join(f"{r['metrics'][m]:.2f}" for _, r in reports if m in r.get("metrics", {}))
        for m in legend
    )
    return {"width": width, "height": height, "pad": pad, "lines": lines, "legend": legend,
            "summary": summary}  # fmt: skip


@router.get("/audit/reports")
def audit_reports(user: AuditorDep, services: ServicesDep) -> Response:
    services.storage.reads.view(user, "view_reports", "reports", "auditor")
    reports = _reports(services)
    rows = []
    for name, summary in reversed(reports):
        metrics = summary.get("metrics", {})
        rows.append({
            "name": name, "date": str(summary.get("date", "")),
            "dataset": Path(str(summary.get("dataset", ""))).name,
            "profile": str(summary.get("profile", "")), "questions": str(summary.get("questions", "")),
            "cells": [f"{metrics[m]:.2f}" if metrics.get(m) is not None else "–" for m in TREND_METRICS],
        })  # fmt: skip
    return page_response(
        "audit_reports.html",
        title="Évaluations de la qualité des réponses",
        user=user,
        folder=str(services.settings.resolved_reports_dir),
        trend=trend_chart(reports),
        reports=rows,
        metrics=list(TREND_METRICS),
    )


@router.get("/audit/reports/{name}/{path:path}")
def audit_report_file(name: str, path: str, user: AuditorDep, services: ServicesDep) -> Response:
    base = services.settings.resolved_reports_dir.resolve()
    folder = (base / name).resolve()
    target = (folder / path).resolve()
    if folder.parent != base or not target.is_relative_to(folder) or not target.is_file():
        return page_response("message.html", 404, title="Fichier introuvable", user=user,
                             message="Ce fichier n'existe pas.")  # fmt: skip
    if path == "report.html":
        services.storage.reads.view(user, "view_report", name, "auditor")
    return FileResponse(target)
