"""Entailment by the local model: does the passage say what the sentence says? P(yes) in [0, 1].

The question is asked as a chat whose fixed instruction comes first, then the passage, then the
sentence, so that llama.cpp's prefix cache reuses the instruction for every sentence and the
passage for every sentence citing it: only the sentence's few tokens are evaluated each time.
The model answers nothing: the probability of "Oui" against "Non" is read from the logits of its
next token (`LlamaCppGenerator.yes_probability`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from chatbot.ports import Message

INSTRUCTION = (
    "Tu vérifies des réponses destinées aux habitants. On te donne un extrait d'un document "
    "officiel puis une phrase (en français ou dans une autre langue). Réponds « Oui » si "
    "l'extrait dit tout ce que dit la phrase : mêmes chiffres, mêmes dates, mêmes conditions, "
    "même sens (pas de négation ajoutée ou retirée, pas d'information en plus). Sinon réponds "
    "« Non ». Réponds par un seul mot : Oui ou Non."
)


@runtime_checkable
class EntailmentScorer(Protocol):
    """Anything that scores how far a passage backs a sentence, from 0 (not) to 1 (fully)."""

    def score(self, passage: str, sentence: str) -> float:
        """The probability that the passage entails the sentence."""
        ...


class YesNoModel(Protocol):
    """A model that gives the probability of a yes for a chat (LlamaCppGenerator has it)."""

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the assistant's reply."""
        ...


def entailment_messages(passage: str, sentence: str, max_passage_chars: int = 2000) -> list[Message]:  # fmt: skip
    """The chat for one check: fixed instruction, then the passage, then the sentence."""
    extract = passage.strip()[:max_passage_chars]
    question = (
        f'Extrait :\n"""\n{extract}\n"""\n\n'
        f'Phrase :\n"""\n{sentence.strip()}\n"""\n\n'
        "L'extrait dit-il tout ce que dit la phrase ? Oui ou Non ?"
    )
    return [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": question}]


class ModelEntailmentScorer:
    """The entailment check on a local model, through its `yes_probability`."""

    def __init__(self, model: YesNoModel, max_passage_chars: int = 2000) -> None:
        self.model = model
        self.max_passage_chars = max_passage_chars

    def score(self, passage: str, sentence: str) -> float:
        """P(yes) for "does the passage say everything the sentence says?"."""
        probability = self.model.yes_probability(
            entailment_messages(passage, sentence, self.max_passage_chars)
        )
        return min(1.0, max(0.0, float(probability)))


class FixedScorer:
    """A scorer that always answers the same probability (tests, or a disabled check)."""

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def score(self, passage: str, sentence: str) -> float:
        """The fixed probability."""
        return self.probability
