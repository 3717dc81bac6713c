"""An evaluation's output folder: results.jsonl and summary.json, written and read back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.dataset import EvalItem
from eval.judge import JUDGE_METRICS
from eval.request import EvalError


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


def reuse_answers(items: Sequence[EvalItem], folder: Path) -> list[dict[str, Any]]:
    """The answers of an earlier run for these questions, their judge scores cleared."""
    results = folder / "results.jsonl"
    if not results.is_file():
        raise EvalError(
            f"Pas de results.jsonl dans {folder} : donnez le dossier --out d'une évaluation."
        )
    earlier = {record["id"]: record for record in _read_records(results)}
    missing = [
        item.id for item in items if item.id not in earlier or "answer" not in earlier[item.id]
    ]
    if missing:
        raise EvalError(
            f"{folder} n'a pas de réponse pour {len(missing)} question(s) ({', '.join(missing[:5])}) :"
            " lancez l'évaluation sans --answers."
        )
    records = []
    for item in items:
        record = dict(earlier[item.id])
        record["scores"] = {k: v for k, v in record["scores"].items() if k not in JUDGE_METRICS}
        record["judge_failures"] = {}
        record.pop("judge_model", None)
        records.append(record)
    return records
