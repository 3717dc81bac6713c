"""An evaluation's output folder: results.jsonl and summary.json, written and read back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.checks import reading_ease
from eval.dataset import EvalItem
from eval.judge import JUDGE_METRICS
from eval.request import EvalError, record_id


def write_results(
    out: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any] | None
) -> None:
    """results.jsonl (one line per question) and, once there is one, summary.json."""
    with (out / "results.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    if summary is None:
        return
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def load_run(folder: Path) -> dict[str, Any]:
    """A previous run's summary and results, for comparison."""
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise EvalError(
            f"Pas d'évaluation précédente dans {folder} (summary.json manquant) : "
            "donnez le dossier --out d'une évaluation déjà faite."
        )
    results_path = folder / "results.jsonl"
    records = _read_records(results_path) if results_path.is_file() else []
    return {
        "summary": json.loads(summary_path.read_text(encoding="utf-8")),
        "records": records,
        "path": str(folder),
    }


def _read_records(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def reuse_answers(
    items: Sequence[EvalItem], folder: Path, styles: Sequence[str] = ("standard",)
) -> list[dict[str, Any]]:
    """The answers of an earlier run for these questions in these styles, their judge scores
    cleared (and their reading ease computed when that run predates it)."""
    results = folder / "results.jsonl"
    if not results.is_file():
        raise EvalError(
            f"Pas de results.jsonl dans {folder} : donnez le dossier --out d'une évaluation."
        )
    earlier = {record["id"]: record for record in _read_records(results)}
    wanted = [(record_id(item.id, style), style) for item in items for style in styles]
    missing = [rid for rid, _ in wanted if rid not in earlier or "answer" not in earlier[rid]]
    if missing:
        raise EvalError(
            f"{folder} n'a pas de réponse pour {len(missing)} question(s) ({', '.join(missing[:5])}) :"
            " lancez l'évaluation sans --answers (ou avec les mêmes --styles)."
        )
    records = []
    for rid, style in wanted:
        record = dict(earlier[rid])
        record["scores"] = {k: v for k, v in record["scores"].items() if k not in JUDGE_METRICS}
        record["judge_failures"] = {}
        record.pop("judge_model", None)
        record.setdefault("style", style)  # a run from before styles answered in the standard one
        if "reading_ease" not in record["scores"]:
            ease = reading_ease(record["answer"], record.get("language"), record["abstained"])
            if ease is not None:
                record["scores"]["reading_ease"] = ease
        records.append(record)
    return records
