"""Evaluation datasets: one JSON object per line, read with errors that name the line.

Fields: `question` (required); `id`; `reference` (a reference answer or span); `source_ids` (or
`source_id`, as in the service-public files); `answerable` (false: the assistant must decline);
`language`; `category`; `follow_up_of` (the id of an earlier line this question follows up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.domain import GuichetError

_KNOWN = {"id", "question", "reference", "source_ids", "source_id", "answerable", "language",
          "category", "follow_up_of"}  # fmt: skip


class DatasetError(GuichetError):
    """A dataset file that cannot be read as an evaluation set."""


@dataclass(frozen=True)
class EvalItem:
    """One question of an evaluation set and what is expected of the answer."""

    id: str
    question: str
    reference: str | None = None
    source_ids: tuple[str, ...] = ()
    answerable: bool = True
    language: str | None = None
    category: str = "général"
    follow_up_of: str | None = None


def load_dataset(path: Path, limit: int | None = None) -> list[EvalItem]:
    """The items of a JSONL file (the first `limit` ones: a follow-up's parents come earlier)."""
    if not path.is_file():
        raise DatasetError(f"Jeu de questions introuvable : {path}. Donnez un fichier JSONL.")
    items: list[EvalItem] = []
    seen: dict[str, EvalItem] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = _parse(line, number, path, seen)
        seen[item.id] = item
        items.append(item)
    if not items:
        raise DatasetError(f"{path} ne contient aucune question.")
    return items if limit is None else items[:limit]


def _parse(line: str, number: int, path: Path, seen: dict[str, EvalItem]) -> EvalItem:
    where = f"{path.name}, ligne {number}"
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise DatasetError(f"{where} : JSON invalide ({error.msg}).") from None
    if not isinstance(raw, dict):
        raise DatasetError(f"{where} : un objet JSON est attendu.")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        raise DatasetError(f"{where} : le champ « question » (texte non vide) manque.")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise DatasetError(f"{where} : champ(s) inconnu(s) {', '.join(unknown)}.")
    item_id = str(raw.get("id") or f"q{number:04d}")
    if item_id in seen:
        raise DatasetError(f"{where} : l'identifiant « {item_id} » est déjà utilisé.")
    parent = raw.get("follow_up_of")
    parent = None if parent is None else str(parent)
    if parent is not None and parent not in seen:
        raise DatasetError(
            f"{where} : « follow_up_of » vaut « {parent} », qui n'est pas une ligne précédente."
        )
    answerable = raw.get("answerable", True)
    if not isinstance(answerable, bool):
        raise DatasetError(f"{where} : « answerable » doit valoir true ou false.")
    return EvalItem(
        id=item_id,
        question=question.strip(),
        reference=_optional_text(raw, "reference", where),
        source_ids=_source_ids(raw, where),
        answerable=answerable,
        language=_language(raw, where),
        category=_optional_text(raw, "category", where) or _default_category(raw, answerable),
        follow_up_of=parent,
    )


def _optional_text(raw: dict[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DatasetError(f"{where} : « {key} » doit être un texte.")
    return value.strip() or None


def _language(raw: dict[str, Any], where: str) -> str | None:
    """An ISO 639-1 code: "FR" and "fr-FR" both read as "fr"."""
    value = _optional_text(raw, "language", where)
    return value.lower().replace("_", "-").split("-")[0] if value else None


def _source_ids(raw: dict[str, Any], where: str) -> tuple[str, ...]:
    value = raw.get("source_ids", raw.get("source_id", []))
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise DatasetError(f"{where} : « source_ids » doit être une liste d'identifiants.")
    return tuple(values)


def _default_category(raw: dict[str, Any], answerable: bool) -> str:
    if not answerable:
        return "hors-corpus"
    return "suivi" if raw.get("follow_up_of") else "général"
