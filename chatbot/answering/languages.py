"""The pure pieces of answering a resident who does not write in French: whether the model's
French rendering of a question is whole, which sentences were dropped only for their language,
and how a numbered translation of them becomes cited text for the gate."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from chatbot.answering.gate import SentenceGate
from chatbot.ports import Message
from chatbot.text.language import LANGUAGE_NAMES

Cited = tuple[str, tuple[int, ...]]  # a sentence and the sources it cites

_ENDS_A_SENTENCE = re.compile(r"[?.!…؟]\s*[)\"'»]*\s*$")
_NUMBERED_LINE = re.compile(r"^\s*(\d+)[.)]\s+(.+)$")


def cut_short(rendered: str, question: str) -> bool:
    """Whether a rendering stops mid-sentence where the question does not ("Quel est le socle
    de": the time limit on a busy machine)."""
    return bool(_ENDS_A_SENTENCE.search(question)) and not _ENDS_A_SENTENCE.search(rendered)


def wrong_language(gate: SentenceGate) -> bool:
    """Whether sentences were dropped for being written in another language."""
    return any(v.failed_check == "language" for v in gate.verdicts)


def verified_in_french(gate: SentenceGate) -> list[Cited]:
    """The sentences dropped only for their language (every other check passed), with their
    sources, once each, in the order written."""
    found: dict[str, tuple[int, ...]] = {}
    for verdict in gate.verdicts:
        if verdict.failed_check == "language" and verdict.sources:
            found.setdefault(verdict.sentence, verdict.sources)
    return list(found.items())


def insist_on_language(messages: Sequence[Message], language: str) -> list[Message]:
    """The same prompt, its last message asking once more for the resident's language."""
    name = LANGUAGE_NAMES.get(language, LANGUAGE_NAMES["fr"])
    last = messages[-1]
    insisted = (
        f"{last['content']}\n\nIMPORTANT : écris toute la réponse en {name}, pas en français."
    )
    return [*messages[:-1], {**last, "content": insisted}]


def cited_translation(reply: str, french: Sequence[Cited]) -> str:
    """The model's numbered translation of `french` as text for the gate: each line that came
    back ends with its French sentence's markers; a missing line is left out."""
    numbered = dict(_numbered_lines(reply))
    lines = [cited_line(n, numbered.get(n, ""), french) for n in range(1, len(french) + 1)]
    return " ".join(line for line in lines if line)


def cited_line(n: int, body: str, french: Sequence[Cited]) -> str:
    """Line `n` of a numbered translation with its French sentence's markers ("" when empty or
    when there is no such French sentence)."""
    body = body.strip()
    if not body or not 1 <= n <= len(french):
        return ""
    markers = "".join(f"[{source}]" for source in french[n - 1][1])
    end = body[-1] if body[-1] in ".!?" else "."
    return f"{body.rstrip('.!?').rstrip()} {markers}{end}"


def numbered_line(line: str) -> tuple[int, str] | None:
    """(n, text) of one "n. text" line, or None."""
    match = _NUMBERED_LINE.match(line)
    return (int(match.group(1)), match.group(2)) if match else None


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """(n, text) of each "n. text" line of a reply (the first number only: "3. 1. Remplir")."""
    for line in text.splitlines():
        match = _NUMBERED_LINE.match(line)
        if match:
            yield int(match.group(1)), match.group(2)
