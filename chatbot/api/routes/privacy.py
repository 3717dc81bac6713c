"""Residents' rights over their conversation (export, erase) and their feedback on answers.

The session id the widget holds is the resident's key: whoever has it may see and erase the
conversation, as the privacy notice says. Unknown ids get a 404 with a message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from chatbot.api.deps import ServicesDep
from chatbot.api.schemas import FeedbackRequest, FeedbackResponse

router = APIRouter(tags=["residents' rights"])
SessionId = Annotated[str, Path(max_length=100, description="The session id the widget holds.")]


@router.get("/api/sessions/{session_id}/export")
def export_session(session_id: SessionId, services: ServicesDep) -> JSONResponse:
    """Everything stored about this conversation, as a JSON file to download."""
    data = services.store.export(session_id)
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": 'attachment; filename="guichet-conversation.json"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("/api/sessions/{session_id}", status_code=204)
def erase_session(session_id: SessionId, services: ServicesDep) -> Response:
    """Erase this conversation and every trace of it (answers, audit records, feedback)."""
    services.store.erase(session_id)
    return Response(status_code=204)


@router.post("/api/feedback", status_code=201, response_model=FeedbackResponse)
def give_feedback(body: FeedbackRequest, services: ServicesDep) -> dict[str, Any]:
    """Record whether an answer helped (a second verdict replaces the first)."""
    services.store.add_feedback(body.answer_id, body.helpful, body.comment)
    return {"answer_id": body.answer_id, "recorded": True}
