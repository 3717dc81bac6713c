"""Fakes for pure-logic tests of the answering pipeline (real models are tested elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from chatbot.domain import Chunk, Passage, SearchFilters, SourceInfo
from chatbot.ports import AdmissionQueue, GenerationOptions, Message


def passage(source_id: str, text: str, dense: float = 0.8, page: int | None = None) -> Passage:
    source = SourceInfo(source_id, f"Titre {source_id}", url=f"https://ex.fr/{source_id}")
    return Passage(Chunk(f"id-{source_id}", source, 0, text, page=page), 0.03, dense, 1.0)


class ScriptedGenerator:
    """Replies with the given texts in order, token by token (one word a token)."""

    name = "scripted"
    queue: AdmissionQueue | None = None

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[Sequence[Message]] = []
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[str]:
        self.prompts.append(messages)
        reply = self.replies.pop(0)
        if "{canary}" in reply:
            canary = messages[0]["content"].split("<!-- ", 1)[1].split(" -->", 1)[0]
            reply = reply.replace("{canary}", canary)
        words = reply.split(" ")[: options.max_tokens]
        for n, word in enumerate(words):
            yield word if n == len(words) - 1 else word + " "


class FixedRetriever:
    """Returns the same passages for every question."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.questions: list[str] = []

    def search(
        self, question: str, limit: int | None = None, filters: SearchFilters | None = None
    ) -> list[Passage]:
        self.questions.append(question)
        return self.passages[: limit or len(self.passages)]
