"""The gate between the model and the resident: the one place that decides what is shown.

The model's text arrives piece by piece. The gate holds it until a sentence ends, cleans its
[n] markers, attributes an uncited claim to the passage that supports it best, runs the verifier
(hard facts, polarity, support, and the model's entailment when enabled) and the output safety
filter, and only then releases the sentence. A sentence that fails is dropped, with its verdict
kept for the agent console and the audit record; a French sentence that contradicts its source
(polarity) is replaced by the source's own sentence, verified in turn. Sentences that claim nothing ("Voici :") are
held until a verified claim follows them, so that an answer whose every claim failed shows
nothing at all: the pipeline then declines with the right contact.

With the entailment check on, the model that would judge a sentence is the one still writing
the answer, so every sentence waits for the end of generation and is released then.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from chatbot.answering.citations import (
    CheckedSentence,
    CitationCheck,
    clean_markers,
    cosine,
    lexical_support,
    split_claims,
)
from chatbot.answering.prompts import NO_ANSWER
from chatbot.domain import Passage
from chatbot.ports import QueryEmbedder
from chatbot.text.language import detect_language
from chatbot.text.sentences import is_claim, split_sentences
from chatbot.verification.entailment import EntailmentScorer
from chatbot.verification.facts import missing_facts
from chatbot.verification.translation import swapped_country
from chatbot.verification.verifier import SentenceVerdict, VerifierConfig, verify_sentence

_MARKERS = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_NO_ANSWER = re.compile(re.escape(NO_ANSWER).replace("_", "[_ ]"), re.IGNORECASE)
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*])\s+")
_NUMBERED = re.compile(r"^(\s*)(\d{1,2})(?=[.)]\s)")
_ANOTHER_SOURCE_MAY_SAY_IT = {"no_citation", "hard_facts", "support"}
_FINISHED = re.compile(r"([.!?…]|\[\d+\])[»\"')\]]*$")
_TRAILING = re.compile(r"([.!?…:;]+[»\"')\]]*)$")

CHECK_LABELS = {
    "no_citation": "aucune source citée",
    "hard_facts": "chiffre, date ou contact absent de la source",
    "polarity": "négation, restriction ou condition différente de la source",
    "support": "trop peu appuyée par la source",
    "entailment": "le modèle vérificateur ne la trouve pas dans la source",
    "safety": "retirée par la politique de sécurité",
    "no_answer": "le modèle dit ne pas trouver de réponse",
    "unfinished": "phrase inachevée (réponse coupée)",
    "language": "écrite dans une autre langue que celle de l'habitant",
    "question": "une question, pas une information",
    "heading": "un titre de la source recopié, pas une réponse",
    "repeated": "répète une phrase déjà montrée",
    "error": "erreur pendant la vérification (jamais montrée)",
}
"""What each failed check means, for agents and the ethics committee."""

OutputFilter = Callable[[str], tuple[str | None, list[str]]]
"""A sentence in, the sentence to show (None: drop it) and what was found, out."""


@dataclass(frozen=True)
class ShownSentence:
    """A verified sentence, as the resident reads it (with its [n] markers)."""

    text: str
    sources: tuple[int, ...]


@dataclass(frozen=True)
class GateConfig:
    """How the gate judges sentences."""

    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    support_threshold: float = 0.45
    lexical_weight: float = 0.5  # 0 for answers in another language than their French sources
    # An answer in another language: the passage sentences its polarity is compared with, the
    # closest in meaning and those within this margin of it (at most this many).
    aligned_sentences: int = 3
    aligned_margin: float = 0.03
    # A translation of a verified French sentence: least meaning similarity to that sentence.
    translation_threshold: float = 0.6
    # A French sentence that contradicts its source is replaced by the source's own sentence.
    quote_contradicted: bool = True
    max_quote_chars: int = 400


class SentenceGate:
    """Releases an answer sentence by sentence, each one verified first."""

    def __init__(
        self,
        passages: Sequence[Passage],
        config: GateConfig,
        embedder: QueryEmbedder | None = None,
        scorer: EntailmentScorer | None = None,
        output_filter: OutputFilter | None = None,
        language: str | None = None,
    ) -> None:
        self.passages = list(passages)
        self.texts = [_shown_text(p) for p in self.passages]
        self.config = config
        self.embedder = embedder
        self.scorer = scorer
        self.output_filter = output_filter
        self.language = language
        self.verdicts: list[SentenceVerdict] = []
        self.shown: list[ShownSentence] = []
        self.checked: list[CheckedSentence] = []
        self.removed_markers = 0
        self._buffer = ""
        self._held: list[tuple[ShownSentence, CheckedSentence]] = []
        self._list_number = 0
        self._said: set[str] = set()
        self._deferred: list[tuple[str, tuple[int, ...], bool]] = []
        self._passage_vectors: list[list[float]] | None = None
        self._sentence_vectors: dict[str, list[float]] = {}
        self._passage_sentences: dict[int, list[tuple[str, list[float]]]] = {}
        self._originals: dict[str, str] = {}  # a translation's key -> its French sentence
        self._query_vectors: dict[str, list[float]] = {}

    # -- Feeding ---------------------------------------------------------------------------------

    def feed(self, piece: str) -> list[ShownSentence]:
        """Add generated text; return the sentences released by it."""
        self._buffer += piece
        sentences = split_sentences(self._buffer)
        if len(sentences) < 2 or not _says_something(sentences[-1]):
            return []
        last = self._buffer.rfind(sentences[-1])
        complete, self._buffer = self._buffer[:last], self._buffer[last:]
        return self._judge(complete)

    def finish(self, cut_short: bool = False) -> list[ShownSentence]:
        """The end of generation: judge what is left, and run deferred checks. When the model
        was cut short (token limit, loop), an unfinished last sentence is dropped, not shown."""
        rest, self._buffer = self._buffer, ""
        if cut_short and rest.strip() and not _FINISHED.search(rest.strip()):
            self.verdicts.append(SentenceVerdict(rest.strip(), (), False, "unfinished",
                                                 "the model was cut short mid-sentence"))  # fmt: skip
            rest = ""
        released = self._judge(rest)
        if self._deferred:
            deferred, self._deferred = self._deferred, []
            for sentence, sources, attributed in deferred:
                released += self._verify(sentence, sources, attributed, self.scorer)
        self._drop_dangling_introductions()
        if self.answered:
            released += self._release_held()
        return released

    def translating(self, translation: str, original: str) -> None:
        """Say that a sentence about to be fed translates a verified French sentence: it is
        then checked against that sentence (meaning, polarity) besides its sources' hard facts."""
        self._originals[_sentence_key(translation)] = original

    def translation_of(self, sentence: str) -> str | None:
        """The French sentence a fed sentence translates, if it is a translation."""
        return self._originals.get(_sentence_key(sentence))

    # -- What came out ---------------------------------------------------------------------------

    @property
    def answered(self) -> bool:
        """Whether at least one claim passed verification."""
        return any(is_claim(s.text) or _has_facts(s.text) for s in self.checked)

    @property
    def text(self) -> str:
        """The shown answer."""
        return " ".join(s.text for s in self.shown)

    @property
    def dropped(self) -> list[SentenceVerdict]:
        """The sentences that were not shown, with why."""
        return [v for v in self.verdicts if not v.passed]

    def citation_check(self) -> CitationCheck:
        """The shown sentences as the citation check reports them."""
        cited = tuple(dict.fromkeys(n for s in self.checked for n in s.sources))
        return CitationCheck(self.text, tuple(self.checked), cited, self.removed_markers)

    # -- Judging ---------------------------------------------------------------------------------

    def _judge(self, text: str) -> list[ShownSentence]:
        cleaned, removed = clean_markers(text, len(self.passages))
        self.removed_markers += removed
        released: list[ShownSentence] = []
        for sentence, sources in split_claims(cleaned.replace('"""', " ")):  # quotes of [n]
            if sentence.lstrip().startswith(">"):  # "> Achat sans prêt": a heading path copied
                self.verdicts.append(SentenceVerdict(sentence, sources, False, "heading",
                                                     "a source's heading copied, not an answer"))  # fmt: skip
                continue
            if _NO_ANSWER.search(sentence):  # the model's "not found" marker is never shown
                self.verdicts.append(SentenceVerdict(sentence, sources, False, "no_answer",
                                                     "the model found no answer"))  # fmt: skip
                continue
            if sentence.rstrip(" »\"')").endswith("?"):  # a question is no answer to show
                self.verdicts.append(SentenceVerdict(sentence, sources, False, "question",
                                                     "a question, not a statement"))  # fmt: skip
                continue
            if self._repeats(sentence):  # a model looping on a sentence says it once
                self.verdicts.append(SentenceVerdict(sentence, sources, False, "repeated",
                                                     "the same sentence was already given"))  # fmt: skip
                continue
            attributed = False
            if not sources:
                sources, attributed = self._attribute(sentence)
            if self.scorer is not None:  # the model is still busy writing: verify at the end
                self._deferred.append((sentence, sources, attributed))
                continue
            released += self._verify(sentence, sources, attributed, None)
        return released

    def _verify(
        self,
        sentence: str,
        sources: tuple[int, ...],
        attributed: bool,
        scorer: EntailmentScorer | None,
        in_place_of: str = "",
    ) -> list[ShownSentence]:
        claim = _LIST_MARKER.sub("", sentence)  # "1. Remplir le formulaire": the 1 is no fact
        original = self.translation_of(sentence)
        verifier = self.config.verifier
        if original is not None:  # its meaning and polarity are those of its French sentence
            support = self._fidelity(claim, _LIST_MARKER.sub("", original))
            verifier = replace(verifier, min_support=self.config.translation_threshold)
            aligned: list[str] | None = [original]
        else:
            support = self._support(claim, sources) if sources else None
            aligned = self._aligned(claim, sources)
        verdict = verify_sentence(claim, sources, self.passages, support, scorer, verifier,
                                  self.language, aligned)  # fmt: skip
        swapped = swapped_country(claim, original) if original and verdict.passed else None
        if swapped:  # "nacionalidad española" for "nationalité française"
            detail = f"a country or nationality its French sentence does not name: « {swapped} »"
            verdict = replace(verdict, passed=False, failed_check="hard_facts", detail=detail)
        if (
            not verdict.passed
            and verdict.failed_check in _ANOTHER_SOURCE_MAY_SAY_IT
            and original is None
        ):
            found = self._another_source(claim, sources, scorer)
            if found is not None:
                support, verdict, attributed = found[0], found[1], True
        verdict = replace(verdict, sentence=sentence)
        if verdict.passed and _in_another_language(sentence, self.language):
            verdict = SentenceVerdict(sentence, verdict.sources, False, "language",
                                      f"not written in {self.language}", verdict.scores)  # fmt: skip
        shown_text = _with_markers(sentence, verdict.sources)
        if verdict.passed and self.output_filter is not None:
            kept, findings = self.output_filter(shown_text)
            if kept is None:
                verdict = SentenceVerdict(sentence, verdict.sources, False, "safety",
                                          "; ".join(findings), verdict.scores)  # fmt: skip
            else:
                shown_text = kept
        if in_place_of and verdict.passed:
            quoted = f"the source's own sentence, shown in place of « {in_place_of[:160]} »"
            verdict = replace(verdict, detail=quoted)
        self.verdicts.append(verdict)
        if not verdict.passed:
            return [] if in_place_of else self._quote_source(verdict, scorer)
        shown = ShownSentence(shown_text, verdict.sources)
        checked = CheckedSentence(sentence, verdict.sources, support, True if sources else None,
                                  attributed=attributed)  # fmt: skip
        if not (is_claim(sentence) or _has_facts(sentence)):
            self._held.append((shown, checked))
            return []
        self._held.append((shown, checked))
        return self._release_held()

    def _another_source(
        self, claim: str, cited: tuple[int, ...], scorer: EntailmentScorer | None
    ) -> tuple[float | None, SentenceVerdict] | None:
        """A shown passage other than the cited ones that backs the claim on every check (the
        model cited the wrong source, or none): the claim is then shown citing that one."""
        others = [n for n in range(1, len(self.passages) + 1) if n not in cited]
        ranked = sorted(others, key=lambda n: -(self._support(claim, (n,)) or 0.0))
        for n in ranked[:2]:
            support = self._support(claim, (n,))
            verdict = verify_sentence(claim, (n,), self.passages, support, scorer,
                                      self.config.verifier, self.language, self._aligned(claim, (n,)))  # fmt: skip
            if verdict.passed:
                moved = f"cited {list(cited) or 'nothing'}, backed by [{n}]"
                return support, replace(verdict, detail=moved)
        return None

    def _quote_source(
        self, verdict: SentenceVerdict, scorer: EntailmentScorer | None
    ) -> list[ShownSentence]:
        """A French sentence that contradicts its source (a negation, restriction or condition
        turned around or left out: "Oui, vous pouvez avoir deux passeports") is replaced by the
        source's own sentence ("En principe, vous ne pouvez pas avoir plusieurs passeports
        français."), verified like any other: the resident reads what the document says."""
        quote = " ".join(verdict.source_sentence.split())
        if (
            verdict.failed_check != "polarity"
            or not quote
            or not self.config.quote_contradicted
            or self.config.lexical_weight == 0  # the sources' language only
            or len(quote) > self.config.max_quote_chars
            or not is_claim(quote)
            or quote.rstrip(" »\"')").endswith(("?", ":"))
        ):
            return []
        held = [n for n in verdict.sources if quote in " ".join(self.texts[n - 1].split())]
        if not held or self._repeats(quote):
            return []
        return self._verify(quote, (held[0],), False, scorer, in_place_of=verdict.sentence)

    def _repeats(self, sentence: str) -> bool:
        """Whether the sentence says again, word for word, one already judged (list numbers,
        markers, case and punctuation aside); the first time it is judged, it is remembered."""
        key = " ".join(re.findall(r"\w+", _LIST_MARKER.sub("", sentence).casefold()))
        if not key:
            return False
        if key in self._said:
            return True
        self._said.add(key)
        return False

    def _release_held(self) -> list[ShownSentence]:
        held, self._held = self._held, []
        released = [self._numbered(shown) for shown, _ in held]
        self.shown += released
        self.checked += [checked for _, checked in held]
        return released

    def _numbered(self, shown: ShownSentence) -> ShownSentence:
        """Numbered steps are renumbered as shown, so that a dropped step leaves no gap
        ("1., 3.") and a list never starts at "2."; a "1." starts a new list."""
        match = _NUMBERED.match(shown.text)
        if match is None:
            return shown
        given = int(match.group(2))
        self._list_number = 1 if given == 1 else self._list_number + 1
        text = f"{match.group(1)}{self._list_number}{shown.text[match.end(2) :]}"
        return replace(shown, text=text)

    def _drop_dangling_introductions(self) -> None:
        """At the end, an introduction nothing verified follows ("Sources :", "Voici les
        étapes :") is not shown."""
        while self._held and self._held[-1][0].text.rstrip().endswith(":"):
            shown, checked = self._held.pop()
            self.verdicts.append(SentenceVerdict(checked.text, shown.sources, False, "unfinished",
                                                 "an introduction with nothing after it"))  # fmt: skip

    def _attribute(self, sentence: str) -> tuple[tuple[int, ...], bool]:
        """An uncited claim goes to the passage that supports it best, if one clears the bar."""
        if not self.passages or not is_claim(sentence):
            return (), False
        scores = [self._support(sentence, (n,)) or 0.0 for n in range(1, len(self.passages) + 1)]
        best = max(range(len(scores)), key=scores.__getitem__)
        if scores[best] < self.config.support_threshold:
            return (), False
        return (best + 1,), True

    def _support(self, sentence: str, sources: Sequence[int]) -> float | None:
        """Word overlap and meaning similarity with the best of the cited passages (None when
        neither can tell: another language than the sources' and no embedder)."""
        weight = self.config.lexical_weight
        vectors = self._vectors(sentence)
        if vectors is None and weight == 0:
            return None
        best = 0.0
        for n in sources:
            lexical = lexical_support(sentence, self.texts[n - 1])
            if vectors is None:
                score = lexical
            else:
                sentence_vector, passage_vectors = vectors
                similarity = cosine(sentence_vector, passage_vectors[n - 1])
                score = weight * lexical + (1 - weight) * similarity
            best = max(best, score)
        return best

    def _vectors(self, sentence: str) -> tuple[list[float], list[list[float]]] | None:
        """The sentence's vector and the passages' vectors. For answers in the sources' language,
        both are on the document side of the embedder: the passages' come back from the index
        with the search (embedded once, at ingestion), and only the sentence is embedded here.
        For answers in another language (meaning alone), both are embedded as queries: measured
        on translated sentences, the document side scored faithful paraphrases lower."""
        if self.embedder is None:
            return None
        cross_lingual = self.config.lexical_weight == 0
        embed = self.embedder.embed_queries if cross_lingual else self._embed_as_documents
        if self._passage_vectors is None:
            stored = [p.vector for p in self.passages]
            if not cross_lingual and all(vector is not None for vector in stored):
                self._passage_vectors = [list(vector or ()) for vector in stored]
            else:
                self._passage_vectors = embed(self.texts)
        if sentence not in self._sentence_vectors:
            [self._sentence_vectors[sentence]] = embed([sentence])
        return self._sentence_vectors[sentence], self._passage_vectors

    def _aligned(self, sentence: str, sources: Sequence[int]) -> list[str] | None:
        """For an answer in another language than its French sources: the cited passages'
        sentences closest to it in meaning (the best few), which the polarity check compares
        it with, since it shares almost no words with them. Each passage's sentences are
        embedded once per answer, as queries, like the meaning check of such answers."""
        cited = [n for n in dict.fromkeys(sources) if 1 <= n <= len(self.passages)]
        if self.config.lexical_weight != 0 or not cited:
            return None
        vectors = self._vectors(sentence)
        if vectors is None or self.embedder is None:
            return None
        scored = []
        for n in cited:
            if n not in self._passage_sentences:
                pieces = [p for p in split_sentences(self.texts[n - 1]) if is_claim(p)]
                embedded = self.embedder.embed_queries(pieces) if pieces else []
                self._passage_sentences[n] = list(zip(pieces, embedded, strict=True))
            scored += [(cosine(vectors[0], v), p) for p, v in self._passage_sentences[n]]
        scored.sort(key=lambda pair: -pair[0])
        close = [p for score, p in scored if score >= scored[0][0] - self.config.aligned_margin]
        return list(dict.fromkeys(close))[: self.config.aligned_sentences] or None

    def _fidelity(self, translation: str, original: str) -> float | None:
        """How close a translation is in meaning to the French sentence it translates (both
        embedded as queries); None without an embedder."""
        if self.embedder is None:
            return None
        missing = [t for t in (translation, original) if t not in self._query_vectors]
        if missing:
            self._query_vectors.update(zip(missing, self.embedder.embed_queries(missing), strict=True))  # fmt: skip
        return cosine(self._query_vectors[translation], self._query_vectors[original])

    def _embed_as_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return _embed_as_documents(self.embedder, list(texts)) if self.embedder else []


def _embed_as_documents(embedder: QueryEmbedder, texts: list[str]) -> list[list[float]]:
    """Texts embedded with the document prompt where the embedder has one (so that they compare
    with the passages' stored vectors), else as queries."""
    embed_documents = getattr(embedder, "embed_documents", None)
    if embed_documents is None:
        return embedder.embed_queries(texts)
    vectors: list[list[float]] = embed_documents(texts)
    return vectors


def _sentence_key(sentence: str) -> str:
    """A sentence compared without list number, markers, case and punctuation."""
    return " ".join(re.findall(r"\w+", _MARKERS.sub("", _LIST_MARKER.sub("", sentence)).casefold()))


def _shown_text(passage: Passage) -> str:
    """A passage as the model read it: its title and headings, then its text."""
    return passage.chunk.embedding_text()


def _in_another_language(sentence: str, language: str | None) -> bool:
    """Whether a sentence long enough to tell is written in another language than expected
    (a French source copied back to a resident who wrote in Spanish)."""
    if language is None or len(sentence.split()) < 6:
        return False
    return detect_language(sentence, default=language) != language


def _says_something(sentence: str) -> bool:
    """Whether a sentence has begun: more than markers and spaces."""
    return any(c.isalnum() for c in _MARKERS.sub("", sentence))


def _has_facts(sentence: str) -> bool:
    return bool(missing_facts(sentence, "", names=False))


def _with_markers(sentence: str, sources: Sequence[int]) -> str:
    """The sentence with its markers before its final punctuation: "Ouvert le lundi [1]."."""
    if not sources:
        return sentence
    markers = "".join(f"[{n}]" for n in sources)
    match = _TRAILING.search(sentence)
    if match is None:
        return f"{sentence} {markers}"
    return f"{sentence[: match.start()].rstrip()} {markers}{match.group(1)}"
