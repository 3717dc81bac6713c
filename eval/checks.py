"""Our own answer checks, computed without a judge model.

Each function takes plain values (answer text, passage texts, reference) so that it can be tested
on hand-made cases with known results.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chatbot.answering.citations import lexical_support, split_claims
from chatbot.text.lexical import tokenize
from chatbot.text.readability import readability, words
from chatbot.text.sentences import MIN_CLAIM_WORDS as MIN_CLAIM_WORDS
from chatbot.text.sentences import is_claim as is_claim
from chatbot.text.sentences import split_sentences
from chatbot.text.sentences import without_markers as sentence_without_markers

Support = Callable[[str, str], float]


@dataclass(frozen=True)
class CitationScores:
    """How an answer's citations hold up."""

    citations: int  # (sentence, cited passage) pairs
    supported_citations: int
    claims: int  # sentences that say enough to need a source
    uncited_claims: int

    @property
    def precision(self) -> float | None:
        """Share of citations whose passage supports the sentence (None without citations)."""
        return self.supported_citations / self.citations if self.citations else None

    @property
    def uncited_share(self) -> float | None:
        """Share of claims without any citation (None without claims)."""
        return self.uncited_claims / self.claims if self.claims else None


def citation_scores(
    answer: str,
    passages: Sequence[str],
    threshold: float,
    support: Support = lexical_support,
) -> CitationScores:
    """Check every [n] of the answer against passage n, and count claims with no [n] at all.

    `support(sentence, passage)` scores in [0, 1] how well a passage backs a sentence; a citation
    counts as supported at `threshold` or above. A marker pointing at no passage is unsupported.
    Markers on a line that is not a claim ("Sources : [1]") back no sentence and are not checked.
    """
    citations = supported = claims = uncited = 0
    for sentence, numbers in split_claims(answer):
        if not is_claim(sentence):
            continue
        claims += 1
        uncited += not numbers
        for n in numbers:
            citations += 1
            if 1 <= n <= len(passages) and support(sentence, passages[n - 1]) >= threshold:
                supported += 1
    return CitationScores(citations, supported, claims, uncited)


def abstention_correct(answerable: bool, abstained: bool) -> bool:
    """A question that can be answered gets an answer; one that cannot gets a decline."""
    return answerable != abstained


@dataclass(frozen=True)
class AbstentionScores:
    """How well the assistant knows when to decline."""

    accuracy: float | None  # share of questions with the right behaviour
    declined_when_needed: float | None  # share of unanswerable questions declined
    answered_when_possible: float | None  # share of answerable questions answered


def abstention_scores(outcomes: Sequence[tuple[bool, bool]]) -> AbstentionScores:
    """Over (answerable, abstained) pairs."""
    must_decline = [abstained for answerable, abstained in outcomes if not answerable]
    can_answer = [not abstained for answerable, abstained in outcomes if answerable]
    return AbstentionScores(
        accuracy=mean([abstention_correct(a, d) for a, d in outcomes]),
        declined_when_needed=mean(must_decline),
        answered_when_possible=mean(can_answer),
    )


def reference_overlap(answer: str, reference: str) -> tuple[float, float]:
    """Recall and F1 of the reference's content words (stemmed, accents and stop words folded)
    in the answer: how much of the expected span the answer says."""
    expected = set(tokenize(reference))
    said = set(tokenize(without_markers(answer)))
    if not expected or not said:
        return 0.0, 0.0
    common = len(expected & said)
    recall = common / len(expected)
    precision = common / len(said)
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return recall, f1


def reading_ease(answer: str, language: str | None, abstained: bool) -> float | None:
    """The Kandel–Moles reading ease of a French answer, its [n] markers left out (higher is
    easier); None for a decline, an answer in another language, or one without words."""
    if abstained or language != "fr":
        return None
    result = readability(answer)  # each sentence is read without its citation markers
    return result.kandel_moles if result.words else None


def sentence_lengths(answer: str) -> list[int]:
    """The number of words of each sentence (or list item) of an answer, markers left out."""
    counts = (len(words(sentence_without_markers(s))) for s in split_sentences(answer))
    return [count for count in counts if count]


def without_markers(text: str) -> str:
    return " ".join(sentence for sentence, _ in split_claims(text))


def mean(values: Sequence[float | bool | None]) -> float | None:
    """Mean of the values that are not None (None when there are none)."""
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]
