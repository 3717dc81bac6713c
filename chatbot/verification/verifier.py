"""The per-sentence verdict: every check in turn, the first that fails names the verdict.

Order (cheapest first, the model last): a citation (`no_citation`), the hard facts of the
sentence in its cited passages (`hard_facts`), polarity against the best-matching passage
sentences (`polarity`), the precomputed lexical/semantic support given by the caller
(`support`), then the model's entailment probability (`entailment`). An exception inside any
check fails the sentence with `error`: a sentence is never passed because a check broke.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from chatbot.domain import Passage
from chatbot.text.sentences import is_claim
from chatbot.verification.entailment import EntailmentScorer
from chatbot.verification.facts import missing_facts
from chatbot.verification.polarity import check_polarity

FailedCheck = str  # one of CHECKS
CHECKS = ("no_citation", "hard_facts", "polarity", "support", "entailment", "error")


@dataclass(frozen=True)
class VerifierConfig:
    """Which checks run and their thresholds (the service maps its settings onto these)."""

    require_citation: bool = True
    hard_facts: bool = True
    names: bool = True  # capitalised words count as facts (French answers); acronyms always do
    polarity: bool = True
    conditions: bool = True  # a condition of the source left out fails the sentence
    polarity_min_overlap: float = 0.2
    polarity_margin: float = 0.05
    min_support: float | None = 0.45  # None: the support score is not a gate
    min_entailment: float = 0.5
    skip_non_claims: bool = True  # "Bonjour." or "Voici :" without facts pass unchecked
    max_passage_chars: int = 2000


@dataclass(frozen=True)
class SentenceVerdict:
    """The verdict on one sentence of an answer."""

    sentence: str
    sources: tuple[int, ...]
    passed: bool
    failed_check: FailedCheck | None = None
    detail: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    source_sentence: str = ""  # polarity: the source's own sentence, which says it rightly

    def as_json(self) -> dict[str, object]:
        """The verdict as plain JSON."""
        plain: dict[str, object] = {
            "sentence": self.sentence, "sources": list(self.sources), "passed": self.passed,
            "failed_check": self.failed_check, "detail": self.detail, "scores": self.scores,
        }  # fmt: skip
        if self.source_sentence:
            plain["source_sentence"] = self.source_sentence
        return plain


class _CheckFailedError(Exception):
    def __init__(self, check: str, detail: str, source_sentence: str = "") -> None:
        super().__init__(detail)
        self.check, self.detail, self.source_sentence = check, detail, source_sentence


def _passage_text(passage: str | Passage) -> str:
    # A retrieved passage as the model read it: title and headings (the [n] line), then text.
    return passage if isinstance(passage, str) else passage.chunk.embedding_text()


def verify_sentence(
    sentence: str,
    sources: Sequence[int],
    passages: Sequence[str | Passage],
    support: float | None = None,
    scorer: EntailmentScorer | None = None,
    config: VerifierConfig = VerifierConfig(),
    language: str | None = None,
    aligned: Sequence[str] | None = None,
) -> SentenceVerdict:
    """Verify one sentence against the passages it cites ([n] is passages[n - 1]). `aligned`:
    the cited passages' sentences closest to it in meaning, for an answer in another language
    than its sources (the polarity check compares it with them)."""
    cited = tuple(n for n in dict.fromkeys(sources) if 1 <= n <= len(passages))
    scores: dict[str, float] = {}
    if support is not None:
        scores["support"] = support
    try:
        texts = [_passage_text(passages[n - 1]) for n in cited]
        if not texts:
            return _uncited(sentence, config, language)
        for check in _checks(sentence, texts, support, scorer, config, language, scores, aligned):
            check()
    except _CheckFailedError as failure:
        return SentenceVerdict(sentence, cited, False, failure.check, failure.detail, scores,
                               failure.source_sentence)  # fmt: skip
    except Exception as error:  # any broken check fails the sentence
        detail = f"{type(error).__name__}: {error}"
        return SentenceVerdict(sentence, cited, False, "error", detail, scores)
    return SentenceVerdict(sentence, cited, True, None, "", scores)


def _uncited(sentence: str, config: VerifierConfig, language: str | None) -> SentenceVerdict:
    """A sentence without a shown source fails, unless it claims nothing ("Voici :")."""
    names = config.names and language in (None, "fr")
    says_nothing = not is_claim(sentence) and not missing_facts(sentence, "", names=names)
    if config.skip_non_claims and says_nothing:
        return SentenceVerdict(sentence, (), True, None, "not a claim: needs no source")
    if not config.require_citation:
        return SentenceVerdict(sentence, (), True, None, "no source cited; citations not required")
    return SentenceVerdict(sentence, (), False, "no_citation", "the sentence cites no shown source")


def _checks(
    sentence: str,
    texts: list[str],
    support: float | None,
    scorer: EntailmentScorer | None,
    config: VerifierConfig,
    language: str | None,
    scores: dict[str, float],
    aligned: Sequence[str] | None = None,
) -> list[Callable[[], None]]:
    """The checks to run on one sentence, in order; each raises _CheckFailedError to fail it."""
    names = config.names and language in (None, "fr")

    def hard_facts() -> None:
        missing = missing_facts(sentence, "\n".join(texts), names=names)
        scores["missing_facts"] = float(len(missing))
        if missing:
            listed = ", ".join(f"{f.kind} « {f.text} »" for f in missing)
            raise _CheckFailedError("hard_facts", f"not in the cited source: {listed}")

    def polarity() -> None:
        result = check_polarity(sentence, texts, language, config.polarity_min_overlap,
                                config.polarity_margin, config.conditions, aligned)  # fmt: skip
        scores["overlap"] = round(result.overlap, 3)
        if not result.passed:
            raise _CheckFailedError("polarity", result.detail, result.source_sentence)

    def supported() -> None:  # written so that a NaN score fails
        if support is not None and config.min_support is not None and not support >= config.min_support:  # fmt: skip
            raise _CheckFailedError("support", f"support {support:.2f} < {config.min_support:.2f}")

    def entailed() -> None:
        if scorer is None:
            return
        passage = "\n\n".join(texts)[: config.max_passage_chars]
        probability = float(scorer.score(passage, sentence))
        scores["entailment"] = round(probability, 4)
        if not probability >= config.min_entailment:
            detail = f"the model does not find it in the source (P(yes) {probability:.2f})"
            raise _CheckFailedError("entailment", detail)

    checks: list[Callable[[], None]] = []
    if config.hard_facts:
        checks.append(hard_facts)
    if config.polarity:
        checks.append(polarity)
    checks.append(supported)
    if scorer is not None:
        checks.append(entailed)
    return checks


def verify_sentences(
    sentences_with_sources: Sequence[tuple[str, Sequence[int]]],
    passages: Sequence[str | Passage],
    supports: Sequence[float | None] | None = None,
    scorer: EntailmentScorer | None = None,
    config: VerifierConfig = VerifierConfig(),
    language: str | None = None,
) -> list[SentenceVerdict]:
    """Verify every sentence (as `split_claims` gives them) against the passages shown.

    `supports` holds each sentence's precomputed support score (`check_citations`), or None;
    `language` is the answer's ISO code (None reads marks of every supported language).
    """
    verdicts = []
    for index, (sentence, sources) in enumerate(sentences_with_sources):
        support = supports[index] if supports is not None and index < len(supports) else None
        verdicts.append(
            verify_sentence(sentence, sources, passages, support, scorer, config, language)
        )
    return verdicts
