"""Residents' routes: ask a question, as one JSON answer or as a Server-Sent Events stream."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Generator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from chatbot.answering.pipeline import Answer, Token
from chatbot.api.errors import status_for
from chatbot.api.schemas import ChatRequest
from chatbot.answering.turns import answer_payload, open_turn, stream_turn
from chatbot.domain import GuichetError
from chatbot.wiring import Services

router = APIRouter(tags=["chat"])


def get_services(request: Request) -> Services:
    """The services built at start-up."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _refuse_when_full(services: Services) -> None:
    """Answer 503 before streaming starts when the model's queue is full."""
    queue = getattr(services.generator, "queue", None)
    if queue is not None and queue.is_full():
        raise queue.full_error()


@router.post("/api/chat")
def chat(body: ChatRequest, services: ServicesDep) -> dict[str, Any]:
    """Answer a question from the authority's documents, with numbered citations."""
    turn = open_turn(services.conversations, services.settings, body.message, body.session_id)
    _refuse_when_full(services)
    answer = services.answerer.answer(turn.message, turn.history)
    return answer_payload(turn, answer, services.record(turn, answer))


async def closing_stream(events: Generator[str, None, None]) -> AsyncIterator[str]:
    """Iterate a blocking generator in a worker thread and always close it, even when the
    client goes away mid-answer: closing it ends the generation and frees the model."""
    lock = threading.Lock()  # close() must never run while next() is running

    def step() -> str | None:
        with lock:
            return next(events, None)

    def close() -> None:
        with lock:
            events.close()

    try:
        while (item := await anyio.to_thread.run_sync(step)) is not None:
            yield item
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(close)


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/api/chat/stream",
    responses={200: {"content": {"text/event-stream": {}}, "description": "token*, sources, done"}},
)
def chat_stream(body: ChatRequest, services: ServicesDep) -> StreamingResponse:
    """The same answer as Server-Sent Events: `token` events, then `sources`, then `done`."""
    turn = open_turn(services.conversations, services.settings, body.message, body.session_id)
    _refuse_when_full(services)

    def events() -> Generator[str, None, None]:
        yield _sse("session", {"session_id": turn.session_id})
        try:
            for event in stream_turn(services.answerer, turn):
                if isinstance(event, Token):
                    yield _sse("token", {"text": event.text})
                elif isinstance(event, Answer):
                    payload = answer_payload(turn, event, services.record(turn, event))
                    yield _sse("sources", payload["citations"])
                    yield _sse("done", payload)
        except GuichetError as error:
            status, _ = status_for(error)
            yield _sse("error", {"status": status, "detail": str(error)})

    return StreamingResponse(
        closing_stream(events()),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
