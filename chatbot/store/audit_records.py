"""The audit record of one answer: everything an auditor needs to replay how it was made."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from chatbot.store.conversations import AnswerRecord

if TYPE_CHECKING:
    from chatbot.answering.pipeline import Answer, AnsweringConfig
    from chatbot.energy import EnergyEstimate


def audit_record(
    session_id: str,
    question: str,
    answer: Answer,
    config: AnsweringConfig,
    model_sha256: str | None,
    energy: EnergyEstimate | None = None,
) -> AnswerRecord:
    """The record stored beside the answer (the store redacts its free text)."""
    shown = {p.chunk.chunk_id for p in answer.passages}
    passages = [
        {**p.as_json(with_text=False), "shown": p.chunk.chunk_id in shown}
        for p in (answer.retrieved or answer.passages)
    ]
    check = answer.check
    return AnswerRecord(
        session_id=session_id,
        question=question,
        standalone_question=answer.standalone_question,
        answer=answer.text,
        language=answer.language,
        abstained=answer.abstained,
        reason=answer.reason,
        groundedness=answer.groundedness,
        passages=passages,
        citations=[c.as_dict() for c in answer.citations],
        citation_check=None
        if check is None
        else {
            "cited": list(check.cited),
            "removed_markers": check.removed_markers,
            "unsupported": check.unsupported,
            "uncited": check.uncited,
            "sentences": [
                {
                    "sources": list(s.sources),
                    "support": s.support,
                    "supported": s.supported,
                    "attributed": s.attributed,
                }
                for s in check.sentences
            ],
            # every sentence the model wrote, with the verifier's verdict (the store redacts)
            "verdicts": [verdict.as_json() for verdict in answer.verdicts],
        },
        prompt_version=answer.prompt_version,
        model=answer.model,
        model_sha256=model_sha256,
        generation={
            **asdict(config.generation),
            "relevance_threshold": config.relevance_threshold,
            "support_threshold": config.support_threshold,
            "meaning_support_threshold": config.meaning_support_threshold,
            "context_passages": config.context_passages,
            "context_chars": config.context_chars,
        },
        timings=answer.timings,
        tokens=answer.tokens,
        communes=sorted(
            {p.chunk.source.commune for p in answer.passages if p.chunk.source.commune}
        ),
        energy_wh=energy.wh if energy else None,
        emissions_gco2e=energy.gco2e if energy else None,
        energy_method=energy.method if energy else None,
    )
