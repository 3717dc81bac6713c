"""Fakes for pure-logic tests of the answering pipeline (real models are tested elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.domain import Chunk, Passage, SearchFilters, SourceInfo
from chatbot.ports import AdmissionQueue, GenerationOptions, Message, TextStream
from chatbot.text.sentences import split_sentences


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

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> TextStream:
        self.prompts.append(messages)
        reply = self.replies.pop(0)
        if "{canary}" in reply:
            canary = messages[0]["content"].split("<!-- ", 1)[1].split(" -->", 1)[0]
            reply = reply.replace("{canary}", canary)
        for n, quoted in enumerate(_sources(messages), start=1):  # "{quote:1:2}": source 1,
            for k, sentence in enumerate(split_sentences(quoted), start=1):  # its 2nd sentence
                reply = reply.replace(f"{{quote:{n}:{k}}}", sentence.rstrip(".!?…"))
        words = reply.split(" ")[: options.max_tokens]
        for n, word in enumerate(words):
            yield word if n == len(words) - 1 else word + " "


def _sources(messages: Sequence[Message]) -> list[str]:
    """The quoted text of each numbered source in the prompt."""
    prompt = "\n".join(m["content"] for m in messages)
    return re.findall(r'^\[\d+\][^\n]*\n"""\n(.*?)\n"""', prompt, re.S | re.M)


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
