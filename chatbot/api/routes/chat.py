"""Residents' routes: ask a question, as one JSON answer or as a Server-Sent Events stream."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Generator
from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from chatbot.answering.pipeline import Sentence
from chatbot.api.deps import ServicesDep
from chatbot.api.errors import public_message, status_for
from chatbot.api.schemas import ChatRequest, ChatResponse
from chatbot.domain import GuichetError

router = APIRouter(tags=["chat"])


@router.post("/api/chat", response_model=ChatResponse)
def chat(body: ChatRequest, services: ServicesDep) -> dict[str, Any]:
    """Answer a question from the authority's documents, with numbered citations."""
    turn = services.conversations.open(body.message, body.session_id)
    return services.conversations.answer(turn, style=body.style).payload()


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
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "session, sentence* (each verified before it is sent), sources, done",
        }
    },
)
def chat_stream(body: ChatRequest, services: ServicesDep) -> StreamingResponse:
    """The same answer as Server-Sent Events: `session`, then a `sentence` event for each
    sentence once it passed verification, then `sources` and `done` (whose `answer` is
    authoritative: a decline replaces the sentences shown before it)."""
    turn = services.conversations.open(body.message, body.session_id)

    def events() -> Generator[str, None, None]:
        yield _sse("session", {"session_id": turn.session_id})
        try:
            for event in services.conversations.stream(turn, style=body.style):
                if isinstance(event, Sentence):
                    yield _sse("sentence", {"text": event.text})
                else:
                    payload = event.payload()
                    yield _sse("sources", payload["citations"])
                    yield _sse("done", payload)
        except GuichetError as error:
            status, _ = status_for(error)
            yield _sse("error", {"status": status, "detail": public_message(error)})

    return StreamingResponse(
        closing_stream(events()),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
