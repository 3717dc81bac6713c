"""The reception agents' console (/agent, role agent): ask on behalf of a resident and see the
answer with its evidence, or search the corpus directly (template: agent.html)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from chatbot.answering.gate import CHECK_LABELS
from chatbot.answering.pipeline import Answer
from chatbot.api.deps import ServicesDep
from chatbot.api.pages.communes import commune_names
from chatbot.api.pages.rendering import page_response
from chatbot.api.pages.staff_access import AgentDep, FormDep
from chatbot.domain import GuichetError, SearchFilters
from chatbot.store.staff import StaffUser
from chatbot.wiring import Services

router = APIRouter(include_in_schema=False)


def _console(
    services: Services, user: StaffUser, status: int = 200, **context: Any
) -> HTMLResponse:
    """The console; the question asked stays in its box, so the agent can refine it."""
    values: dict[str, Any] = {"commune": "", "q": "", "question": "", "found": None,
                              "answer": None, "error": ""}  # fmt: skip
    values.update(context)
    communes = commune_names(services.search.index)
    return page_response("agent.html", status, title="Console d'accueil", user=user,
                         communes=communes, **values)  # fmt: skip


def answer_view(answer: Answer) -> dict[str, Any]:
    """What the console shows of an answer."""
    contact = answer.contact
    return {
        "text": answer.text,
        "abstained": answer.abstained,
        "reason": answer.reason,
        "groundedness": answer.groundedness,
        "contact": {"service": contact.service, "phone": contact.phone, "email": contact.email}
        if contact
        else None,
        "citations": [
            {
                "n": c.n,
                "title": c.title,
                "supported": c.supported,
                "date": c.date,
                "ocr": 0 < c.n <= len(answer.passages) and answer.passages[c.n - 1].chunk.ocr,
            }
            for c in answer.citations
        ],
        "passages": [p.as_json(n) for n, p in enumerate(answer.passages, start=1)],
        "dropped": [
            {
                "sentence": v.sentence,
                "check": CHECK_LABELS.get(v.failed_check or "", ""),
                "detail": v.detail,
            }
            for v in answer.dropped
        ],
    }


@router.get("/agent")
def agent_console(
    user: AgentDep, services: ServicesDep, q: str = "", commune: str = ""
) -> HTMLResponse:
    found = None
    if q.strip():
        filters = SearchFilters(communes=(commune,) if commune else ())
        passages = services.search.retriever.search(q[:1000], 10, filters)
        found = [p.as_json(n) for n, p in enumerate(passages, start=1)]
    return _console(services, user, commune=commune, q=q, found=found)


@router.post("/agent/ask")
def agent_ask(user: AgentDep, services: ServicesDep, form: FormDep) -> HTMLResponse:
    """A plain function, run in FastAPI's thread pool: answering takes seconds of model time."""
    commune, question = form.get("commune", ""), form.get("question", "")
    try:
        turn = services.conversations.open(question)
    except GuichetError as error:
        return _console(services, user, 422, commune=commune, question=question, error=str(error))
    filters = SearchFilters(communes=(commune,) if commune else ())
    answered = services.conversations.answer(turn, filters)
    view = answer_view(answered.answer)
    return _console(services, user, commune=commune, question=question, answer=view)
