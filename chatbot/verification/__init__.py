"""Per-sentence verification of an answer against the passages it cites.

`verify_sentences` gives a `SentenceVerdict` per sentence: hard facts (numbers, amounts, dates,
phones, e-mails, URLs, names) found in the cited passage, the same polarity (negation,
restriction, condition) as the passage sentences it matches, the caller's support score, and
optionally the local model's entailment probability (any `EntailmentScorer`).
"""

from chatbot.verification.entailment import (
    EntailmentScorer,
    FixedScorer,
    ModelEntailmentScorer,
    YesNoModel,
    entailment_messages,
)
from chatbot.verification.facts import Fact, extract_facts, missing_facts
from chatbot.verification.numbers import normalise
from chatbot.verification.polarity import Polarity, PolarityCheck, check_polarity, polarity
from chatbot.verification.verifier import (
    CHECKS,
    SentenceVerdict,
    VerifierConfig,
    verify_sentence,
    verify_sentences,
)

__all__ = [
    "CHECKS",
    "EntailmentScorer",
    "Fact",
    "FixedScorer",
    "ModelEntailmentScorer",
    "Polarity",
    "PolarityCheck",
    "SentenceVerdict",
    "VerifierConfig",
    "YesNoModel",
    "check_polarity",
    "entailment_messages",
    "extract_facts",
    "missing_facts",
    "normalise",
    "polarity",
    "verify_sentence",
    "verify_sentences",
]
