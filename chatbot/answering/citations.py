"""Citations: map [n] markers to sources, drop unknown ones, and check each sentence's support."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chatbot.domain import Passage
from chatbot.text.sentences import content_words, is_claim, split_sentences

_MARKER = re.compile(r"(\s*)\[(\d+(?:\s*[,;]\s*\d+)*)\]")
Embed = Callable[[Sequence[str]], list[list[float]]]


@dataclass(frozen=True)
class CheckedSentence:
    """One sentence of the answer, the sources it cites, and how well they support it."""

    text: str
    sources: tuple[int, ...]
    support: float | None
    supported: bool | None
    attributed: bool = False


@dataclass(frozen=True)
class CitationCheck:
    """The cleaned answer and the verdict on every sentence."""

    text: str
    sentences: tuple[CheckedSentence, ...]
    cited: tuple[int, ...]
    removed_markers: int

    @property
    def unsupported(self) -> int:
        """Cited sentences whose sources do not back them."""
        return sum(1 for s in self.sentences if s.supported is False)

    @property
    def uncited(self) -> int:
        """Sentences that make a claim without any source."""
        return sum(1 for s in self.sentences if not s.sources)

    @property
    def supported_share(self) -> float:
        """Share of sentences backed by a source (0 when there are none)."""
        if not self.sentences:
            return 0.0
        return sum(1 for s in self.sentences if s.supported) / len(self.sentences)

    def groundedness(self, threshold: float) -> float:
        """The online groundedness score in [0, 1], cheap enough for every answer.

        The mean over the answer's claims (`is_claim`; every sentence when none is one) of their
        support relative to the threshold, capped at 1: 1 when every claim is backed by its
        source (cited, or attributed by the check), partial credit for weak support, 0 for a
        claim without any source. Sorting answers by it puts the riskiest first.
        """
        claims = [s for s in self.sentences if is_claim(s.text)] or self.sentences
        if not claims:
            return 0.0
        credits = [
            (1.0 if threshold <= 0 else min(1.0, (s.support or 0.0) / threshold))
            if s.sources else 0.0
            for s in claims
        ]  # fmt: skip
        return sum(credits) / len(credits)


def clean_markers(text: str, count: int) -> tuple[str, int]:
    """Keep markers that name a shown source as [n][m]; remove the others."""
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(2))]
        kept = [n for n in dict.fromkeys(numbers) if 1 <= n <= count]
        removed += len(numbers) - len(kept)
        return match.group(1) + "".join(f"[{n}]" for n in kept) if kept else ""

    return _MARKER.sub(replace, text).strip(), removed


def split_claims(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences with the markers that follow them (a marker after the full stop counts too)."""
    pieces = split_sentences(text)
    claims: list[tuple[str, list[int]]] = []
    for piece in pieces:
        leading = re.match(r"^((?:\[\d+\])+)\s*", piece)
        if leading and claims:
            claims[-1][1].extend(int(n) for n in re.findall(r"\d+", leading.group(1)))
            piece = piece[leading.end() :]
        if not piece.strip():
            continue
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", piece)]
        sentence = re.sub(r"\s*\[\d+\]", "", piece).strip()
        if sentence:
            claims.append((sentence, numbers))
    return [(sentence, tuple(dict.fromkeys(numbers))) for sentence, numbers in claims]


def lexical_support(sentence: str, passage_text: str) -> float:
    """Share of the sentence's content words (stemmed) found in the passage."""
    words = content_words(sentence)
    if not words:
        return 1.0
    return len(words & content_words(passage_text)) / len(words)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def check_citations(
    answer: str,
    passages: Sequence[Passage],
    threshold: float,
    embed: Embed | None = None,
    lexical_weight: float = 0.5,
) -> CitationCheck:
    """Clean the markers, then score each sentence against the passages it cites.

    Support is word overlap and embedding similarity, weighted by `lexical_weight`, when an
    embedder is given (word overlap alone otherwise). An answer in another language than its
    sources shares almost no words with them: the caller then passes 0, similarity alone. A
    sentence without a marker is attributed to the passage that supports it best when that
    passage clears the threshold and the sentence is a claim (see `is_claim`).
    """
    text, removed = clean_markers(answer, len(passages))
    claims = split_claims(text)
    texts = [p.chunk.text for p in passages]
    similarities: list[list[float]] = []
    if embed is not None and claims and texts:
        vectors = embed([sentence for sentence, _ in claims] + texts)
        sentence_vectors, passage_vectors = vectors[: len(claims)], vectors[len(claims) :]
        similarities = [[cosine(s, p) for p in passage_vectors] for s in sentence_vectors]
    checked = []
    for index, (sentence, numbers) in enumerate(claims):
        lexical = [lexical_support(sentence, text) for text in texts]
        scores = (
            [
                lexical_weight * word + (1 - lexical_weight) * similarities[index][n]
                for n, word in enumerate(lexical)
            ]
            if similarities
            else lexical
        )
        if numbers:
            support = max(scores[n - 1] for n in numbers)
            checked.append(CheckedSentence(sentence, numbers, support, support >= threshold))
        elif scores and max(scores) >= threshold and is_claim(sentence):
            best = scores.index(max(scores)) + 1
            checked.append(CheckedSentence(sentence, (best,), max(scores), True, attributed=True))
        else:
            checked.append(CheckedSentence(sentence, (), max(scores) if scores else None, False))
    cited = tuple(dict.fromkeys(n for s in checked for n in s.sources))
    return CitationCheck(text, tuple(checked), cited, removed)


def best_excerpt(passage_text: str, sentences: Sequence[str], limit: int = 300) -> str:
    """The passage's sentence that shares most content words with the citing sentences.

    Ties go to the sentence with the larger share of its words in the claim; a line without any
    content word (a lone "." in extracted text, a bullet) is never chosen.
    """
    candidates = [(piece, content_words(piece)) for piece in split_sentences(passage_text)]
    candidates = [(piece, words) for piece, words in candidates if words]
    if not candidates:
        return passage_text[:limit]
    claim_words = content_words(" ".join(sentences))

    def overlap(candidate: tuple[str, set[str]]) -> tuple[int, float]:
        shared = len(candidate[1] & claim_words)
        return shared, shared / len(candidate[1])

    best = max(candidates, key=overlap)[0]
    return best if len(best) <= limit else best[: limit - 1] + "…"
