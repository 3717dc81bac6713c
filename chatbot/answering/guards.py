"""Instructions hidden in documents or questions: spot them, so that they never reach the model.

Documents are quoted as data in the prompt, but a small model may still obey text that addresses
it directly; sentences that do are removed from the passages shown to it (and counted).
"""

from __future__ import annotations

import re

from chatbot.text.sentences import split_sentences

_PATTERNS = [
    # "ignore / forget (all) (your/previous) instructions|rules"
    r"\b(ignore[rz]?|oublie[rz]?|forget|disregard|ne tiens? pas compte)\w*\b[^.!?\n]{0,40}"
    r"\b(instructions?|consignes?|règles|rules|directives?)\b",
    r"\b(nouvelles? (consignes?|instructions?|règles)|new instructions?)\b",
    r"\b(system prompt|prompt (du )?système|instructions? (du )?système|instructions? système)\b",
    r"\b(recopie|répète|affiche|révèle|reveal|print|repeat)\w*\b[^.!?\n]{0,40}"
    r"\b(instructions?|consignes?|règles|prompt|rules)\b",
    r"\b(réponds|répondez|answer|reply) (uniquement|seulement|only)\b[^.!?\n]{0,20}"
    r"\b(par|with|by)\b",
    r"\b(tu es désormais|tu dois désormais|you are now|from now on|act as|agis comme)\b",
    r"\b(assistant|chatbot|IA|AI)\s*[,:]\s*(ignore|oublie|réponds|tu dois|you must)",
]  # fmt: skip
_INSTRUCTION = re.compile("|".join(_PATTERNS), re.IGNORECASE)


def looks_like_instruction(text: str) -> bool:
    """Whether a text tries to instruct the assistant."""
    return bool(_INSTRUCTION.search(text))


def remove_instructions(text: str) -> tuple[str, int]:
    """The text without the sentences that try to instruct the assistant, and how many went."""
    kept, removed = [], 0
    for line in text.split("\n"):
        sentences = split_sentences(line)
        clean = [s for s in sentences if not looks_like_instruction(s)]
        removed += len(sentences) - len(clean)
        if clean:
            kept.append(" ".join(clean))
    return "\n".join(kept), removed
