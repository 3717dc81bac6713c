"""Context selection: the passages shown to the model, cleaned of instructions and cut to the
sentences closest to the question within a character budget (so the first token comes fast)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chatbot.answering.citations import lexical_support
from chatbot.answering.guards import remove_instructions
from chatbot.domain import Passage
from chatbot.text.sentences import split_sentences


def select_context(
    passages: Sequence[Passage], question: str, budget: int
) -> tuple[list[Passage], int]:
    """The passages to show, instructions removed and cut to the sentences closest to the
    question; and how many instruction-like sentences were removed from all the passages."""
    cleaned = [(passage, *remove_instructions(passage.chunk.text)) for passage in passages]
    removed = sum(count for _, _, count in cleaned)
    shown: list[Passage] = []
    remaining = budget
    for passage, text, _ in cleaned:
        if remaining < 200:
            break
        if not text.strip():
            continue
        if len(text) > remaining:
            text = _most_relevant_part(text, question, remaining)
        shown.append(replace(passage, chunk=replace(passage.chunk, text=text)))
        remaining -= len(text)
    return shown, removed


def _most_relevant_part(text: str, question: str, budget: int) -> str:
    sentences = split_sentences(text)
    ranked = sorted(range(len(sentences)), key=lambda i: -lexical_support(question, sentences[i]))
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if used + len(sentences[i]) + 1 > budget:
            continue
        chosen.append(i)
        used += len(sentences[i]) + 1
    return " ".join(sentences[i] for i in sorted(chosen)) or text[:budget]
