"""Reads of the answers for the audit: the filtered list, the energy summary, one full record.

The staff layer (`chatbot.store.staff`) wraps each of them and logs who read what; the
conversation store inherits them, so one engine serves both.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Text, cast, select

from chatbot.domain import GuichetError
from chatbot.store.tables import answers, feedback


class UnknownAnswerError(GuichetError):
    """An answer id that does not exist (or was purged)."""


def iso(value: datetime) -> str:
    """A stored (naive UTC) time as ISO 8601 with a Z."""
    return value.replace(microsecond=0).isoformat() + "Z"


@dataclass(frozen=True)
class AnswerFilters:
    """Filters of the audit list."""

    since: datetime | None = None
    until: datetime | None = None
    abstained: bool | None = None
    negative_feedback: bool = False
    max_groundedness: float | None = None
    commune: str | None = None
    riskiest_first: bool = False
    limit: int = 100
    offset: int = 0

    def describe(self) -> dict[str, Any]:
        """The filters that are set, for the access log."""
        flags = ("negative_feedback", "riskiest_first")
        return {
            k: (iso(v) if isinstance(v, datetime) else v)
            for k, v in asdict(self).items()
            if v is not None and not (k in flags and v is False)
        }


class AuditReads:
    """The audit's reads of the answers table (wrapped by the staff layer, which logs them)."""

    engine: Engine

    def list_answers(self, filters: AnswerFilters) -> list[dict[str, Any]]:
        """Answers newest first (or riskiest first), pseudonymous and redacted."""
        conditions = _answer_conditions(filters)
        order = (
            [answers.c.groundedness.asc(), answers.c.created_at.desc()]
            if filters.riskiest_first
            else [answers.c.created_at.desc()]
        )
        query = (
            select(
                answers.c.id,
                answers.c.session_key,
                answers.c.created_at,
                answers.c.question,
                answers.c.answer,
                answers.c.language,
                answers.c.abstained,
                answers.c.reason,
                answers.c.groundedness,
                answers.c.communes,
                feedback.c.helpful,
            )
            .outerjoin(feedback, feedback.c.answer_id == answers.c.id)
            .where(*conditions)
            .order_by(*order)
            .limit(filters.limit)
            .offset(filters.offset)
        )
        if filters.riskiest_first:
            query = query.where(answers.c.groundedness.is_not(None), answers.c.abstained.is_(False))
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            {
                "answer_id": row.id,
                "session": row.session_key[:12] if row.session_key else None,
                "at": iso(row.created_at),
                "question": row.question,
                "answer": row.answer,
                "language": row.language,
                "abstained": row.abstained,
                "reason": row.reason,
                "groundedness": row.groundedness,
                "communes": row.communes,
                "helpful": row.helpful,
            }
            for row in rows
        ]

    def energy_summary(self, filters: AnswerFilters) -> dict[str, Any]:
        """Energy and emissions of the answers the filters select (no limit): totals, the median
        per answer, and how many answers carry no figure (recorded before it existed)."""
        conditions = _answer_conditions(filters)
        query = (
            select(answers.c.energy_wh, answers.c.emissions_gco2e, answers.c.energy_method)
            .outerjoin(feedback, feedback.c.answer_id == answers.c.id)
            .where(*conditions)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        measured = [row for row in rows if row.energy_wh is not None]
        energy = [row.energy_wh for row in measured]
        emissions = [row.emissions_gco2e or 0.0 for row in measured]
        return {
            "answers": len(rows),
            "without_figure": len(rows) - len(measured),
            "total_wh": sum(energy),
            "total_gco2e": sum(emissions),
            "median_wh": statistics.median(energy) if energy else None,
            "median_gco2e": statistics.median(emissions) if emissions else None,
            "methods": sorted({row.energy_method for row in measured if row.energy_method}),
        }

    def get_answer(self, answer_id: str) -> dict[str, Any]:
        """One answer's full audit record."""
        with self.engine.connect() as db:
            row = db.execute(
                select(answers, feedback.c.helpful, feedback.c.comment)
                .outerjoin(feedback, feedback.c.answer_id == answers.c.id)
                .where(answers.c.id == answer_id)
            ).first()
        if row is None:
            raise UnknownAnswerError(f"Aucune réponse « {answer_id[:40]} » (inconnue ou purgée).")
        record = dict(row._mapping)
        record["answer_id"] = record.pop("id")
        record["session"] = record.pop("session_key", None)
        record["session"] = record["session"][:12] if record["session"] else None
        for name in ("created_at", "stripped_at"):
            record[name] = iso(record[name]) if record[name] else None
        return record


def _answer_conditions(filters: AnswerFilters) -> list[Any]:
    """The WHERE clauses of the audit filters (the query joins feedback)."""
    conditions = []
    if filters.since is not None:
        conditions.append(answers.c.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(answers.c.created_at < filters.until)
    if filters.abstained is not None:
        conditions.append(answers.c.abstained.is_(filters.abstained))
    if filters.max_groundedness is not None:
        conditions.append(answers.c.groundedness <= filters.max_groundedness)
    if filters.negative_feedback:
        conditions.append(feedback.c.helpful.is_(False))
    if filters.commune:
        quoted = json.dumps(filters.commune, ensure_ascii=False)  # how the JSON list holds it
        conditions.append(cast(answers.c.communes, Text).contains(quoted, autoescape=True))
    return conditions
