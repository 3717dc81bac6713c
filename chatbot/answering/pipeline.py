"""The answering pipeline, as plain steps over domain types.

language -> standalone question -> hybrid retrieval -> relevance gate -> prompt with numbered
sources -> generation -> sentence gate (each sentence verified before it is shown, see gate.py)
-> leak and abstention checks -> answer. Nothing unverified reaches a resident: when no claim
survives verification, the answer is the decline with the right contact.
"""

from __future__ import annotations

import time
from collections.abc import Generator as Coroutine
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar, cast

from chatbot.answering.answer import Answer, Citation, Sentence
from chatbot.answering.citations import CitationCheck, best_excerpt
from chatbot.answering.contacts import Contact, ContactBook
from chatbot.answering.context import select_context
from chatbot.answering.gate import GateConfig, OutputFilter, SentenceGate
from chatbot.answering.grammar import citation_grammar
from chatbot.answering.guards import looks_like_instruction
from chatbot.answering.languages import (
    Cited,
    cited_line,
    cut_short,
    insist_on_language,
    numbered_line,
    verified_in_french,
    wrong_language,
)
from chatbot.answering.messages import decline_message, is_out_of_scope
from chatbot.answering.prompts import (
    Prompt,
    build_prompt,
    condense_messages,
    leaks_rules,
    new_canary,
    says_no_answer,
    translate_answer_messages,
    translate_messages,
)
from chatbot.domain import GuichetError, Passage, SearchFilters
from chatbot.ports import GenerationOptions, Generator, QueryEmbedder, Retriever
from chatbot.safety import DEFAULT_ALLOWED_DOMAINS, SafetyDecision, SafetyPolicy, filter_answer
from chatbot.safety.rules import answer_side_rule
from chatbot.text.language import LANGUAGE_NAMES, detect_language
from chatbot.text.lexical import tokenize
from chatbot.verification.entailment import EntailmentScorer
from chatbot.verification.verifier import SentenceVerdict, VerifierConfig

History = Sequence[tuple[str, str]]
Style = Literal["standard", "simple"]
T = TypeVar("T")


@dataclass(frozen=True)
class AnsweringConfig:
    """Knobs of the pipeline, from the settings."""

    authority: str
    relevance_threshold: float
    context_passages: int = 4
    context_chars: int = 1000
    candidates: int = 8
    support_threshold: float = 0.45
    meaning_support_threshold: float = 0.45  # answers in another language than the sources
    generation: GenerationOptions = field(default_factory=GenerationOptions)
    verifier: VerifierConfig = field(default_factory=VerifierConfig)
    citation_grammar: bool = False
    max_sentences: int = 4  # the rules ask for 1 to 4 short sentences: generation stops there
    answer_via_french: bool = False  # another language: written and verified in French, translated
    translation_threshold: float = 0.6  # a translation's least meaning similarity to its French
    allowed_domains: tuple[str, ...] = DEFAULT_ALLOWED_DOMAINS  # links answers may relay


SOURCE_LANGUAGE = "fr"


class Answerer:
    """Answers questions from the retriever's passages with the generator."""

    def __init__(
        self,
        retriever: Retriever,
        generator: Generator,
        contacts: ContactBook,
        config: AnsweringConfig,
        embedder: QueryEmbedder | None = None,
        scorer: EntailmentScorer | None = None,
        safety: SafetyPolicy | None = None,
    ) -> None:
        self.retriever = retriever
        self.generator = generator
        self.contacts = contacts
        self.config = config
        self.embedder = embedder
        self.scorer = scorer
        self.safety = safety
        self.canary = new_canary()  # one per process, so that the rules' prefix stays cacheable

    def answer(
        self,
        question: str,
        history: History = (),
        filters: SearchFilters | None = None,
        style: Style = "standard",
    ) -> Answer:
        """The full answer (consumes the stream)."""
        for event in self.stream(question, history, filters, style):
            if isinstance(event, Answer):
                return event
        raise GuichetError("La réponse n'a pas pu être produite. Réessayez.")  # pragma: no cover

    def stream(
        self,
        question: str,
        history: History = (),
        filters: SearchFilters | None = None,
        style: Style = "standard",
    ) -> Iterator[Sentence | Answer]:
        """Yield the answer's verified sentences as they pass, then the Answer (authoritative:
        when it declines, the sentences streamed before are to be replaced by its text)."""
        run = _Run(question, detect_language(question, default=_last_language(history)))
        run.clock.mark("language_ms")
        if looks_like_instruction(question):
            yield self._decline("out_of_scope", run)
            return
        decision = self._check_question(question, run.language)
        run.clock.mark("safety_ms")
        if decision is not None:
            yield self._refuse(decision, run)
            return
        run.standalone = self.condense(question, history) if history else question
        run.clock.mark("condense_ms")
        # The documents are French: a question in another language is searched in French.
        run.searched = (
            run.standalone if run.language == SOURCE_LANGUAGE else self.translate(run.standalone)
        )
        run.clock.mark("translation_ms")
        run.retrieved = self.retriever.search(run.searched, self.config.candidates, filters)
        if run.searched != run.standalone:  # the multilingual embedder reads the original too
            original = self.retriever.search(run.standalone, self.config.candidates, filters)
            run.retrieved = fuse_rankings([run.retrieved, original], self.config.candidates)
        run.clock.mark("retrieval_ms")
        threshold = self.config.relevance_threshold
        relevant = [p for p in run.retrieved if (p.dense_score or 0.0) >= threshold]
        if not relevant:
            yield self._decline("no_relevant_sources", run)
            return
        candidates = relevant[: self.config.context_passages]
        run.shown, run.instructions_removed = select_context(
            candidates, run.searched, self.config.context_chars
        )
        if not run.shown:
            yield self._decline("no_relevant_sources", run)
            return
        prompt = build_prompt(run.standalone, run.shown, run.language, self.config.authority,
                              history, self.canary, style)  # fmt: skip
        options = self.config.generation
        if self.config.citation_grammar:
            options = replace(options, grammar=citation_grammar(len(run.shown)))
        if run.language != SOURCE_LANGUAGE and self.config.answer_via_french:
            via = yield from self._via_french(run, history, style, options)
            text, run.tokens, leaked, gate, prompt = via
        else:
            text, run.tokens, leaked, gate = yield from self._in_language(prompt, options, run)
        run.clock.mark("verification_ms")
        run.verdicts = tuple(gate.verdicts)
        if leaked or leaks_rules(text, prompt):
            yield self._decline("prompt_leak", run)
            return
        if not gate.answered:
            yield self._decline(_decline_reason(text, gate), run)
            return
        check = gate.citation_check()
        yield run.answer(
            text=check.text,
            citations=_citations(check, run.shown),
            check=check,
            model=self.generator.name,
            groundedness=check.groundedness(self.config.support_threshold),
        )

    def _check_question(self, question: str, language: str) -> SafetyDecision | None:
        """The safety policy's refusal (emergency, politics, private persons, personal advice),
        or None when the question may go to the documents."""
        if self.safety is None:  # pure-logic tests: the word rules alone
            return SafetyDecision("decline", "out_of_scope") if is_out_of_scope(question) else None
        decision = self.safety.check_question(question, language)
        return decision if decision.declined else None

    def _refuse(self, decision: SafetyDecision, run: _Run) -> Answer:
        """The fixed emergency answer (numbers first), or the decline with its service."""
        if decision.action == "emergency":
            return run.answer(text=decision.fixed_answer, reason="emergency", model="")
        return self._decline(decision.reason, run, referral=decision.detail)

    def _output_filter(self, shown: Sequence[Passage], language: str) -> OutputFilter | None:
        """What the safety policy removes from each sentence before it is shown."""
        if self.safety is None:
            return None
        official = [
            *self.contacts.strings(),
            *(p.chunk.text for p in shown if p.chunk.source.official),
        ]
        payments = any(p.chunk.source.payments for p in shown)
        domains = self.config.allowed_domains

        def keep(sentence: str) -> tuple[str | None, list[str]]:
            hit = answer_side_rule(sentence)  # an opinion or a personal medical advice
            if hit is not None:
                return None, [f"{hit.family}: {hit.rule}"]
            clean, findings = filter_answer(
                sentence, domains, official, allow_payment=payments, min_chars=0
            )  # premium-rate numbers, payment requests, unknown links, private contacts
            return (clean or None), [f"{f.kind} « {f.value} » : {f.reason}" for f in findings]

        return keep

    def _gate(self, shown: Sequence[Passage], language: str) -> SentenceGate:
        # The sources are French: an answer in another language is supported by meaning alone,
        # against its own calibrated bar.
        if language == SOURCE_LANGUAGE:
            config = GateConfig(self.config.verifier, self.config.support_threshold, 0.5)
        else:
            threshold = self.config.meaning_support_threshold
            verifier = replace(self.config.verifier, min_support=threshold)
            config = GateConfig(verifier, threshold, lexical_weight=0.0,
                                translation_threshold=self.config.translation_threshold)  # fmt: skip
        output_filter = self._output_filter(shown, language)
        return SentenceGate(shown, config, self.embedder, self.scorer, output_filter, language)

    def _translate_verified(
        self, french: Sequence[Cited], run: _Run, gate: SentenceGate, insist: bool = False
    ) -> Coroutine[Sentence, None, tuple[str, int]]:
        """Translate verified French sentences, one numbered line each, and pass each
        translation through the gate with its French sentence's sources (meaning, hard facts and
        polarity against the same passages, and the language) as soon as its line is complete;
        yield what the gate releases. Each verdict names the French sentence it translates."""
        name = LANGUAGE_NAMES.get(run.language, run.language)
        options = replace(self.config.generation, grammar=None, temperature=0.0)
        messages = translate_answer_messages([sentence for sentence, _ in french], name)
        if insist:
            messages = insist_on_language(messages, run.language)
        reply, lines, count, start = "", [], 0, len(gate.verdicts)
        unnumbered: list[str] = []

        def judge(line: str, found: tuple[int, str] | None = None) -> Iterator[Sentence]:
            found = found or numbered_line(line)
            if found is None and line.strip():
                unnumbered.append(line)
            cited = cited_line(*found, french) if found else ""
            if not found or not cited:
                return
            lines.append(cited)
            gate.translating(found[1], french[found[0] - 1][0])
            for shown in gate.feed(cited + " "):
                run.clock.mark("first_sentence_ms")
                yield Sentence(shown.text)

        for piece in self.generator.stream(messages, options):
            count += 1
            reply += piece
            *complete, reply = reply.split("\n")
            for line in complete:
                yield from judge(line)
        yield from judge(reply)
        if not lines:  # no numbered line came back ("The pool opens…"): the lines in order
            for n, line in enumerate(unnumbered[: len(french)], start=1):
                yield from judge(line, (n, line))
        for shown in gate.finish():
            run.clock.mark("first_sentence_ms")
            yield Sentence(shown.text)
        for index in range(start, len(gate.verdicts)):  # the audit names each one's French
            verdict = gate.verdicts[index]
            original = gate.translation_of(verdict.sentence)
            if original:
                note = f"translation of « {original[:160]} »"
                detail = f"{verdict.detail}; {note}" if verdict.detail else note
                gate.verdicts[index] = replace(verdict, detail=detail)
        return " ".join(lines), count

    def _in_language(
        self, prompt: Prompt, options: GenerationOptions, run: _Run
    ) -> Coroutine[Sentence, None, tuple[str, int, bool, SentenceGate]]:
        """The answer written in the resident's language. One written in another language is
        asked for once more, then its sentences verified in French are translated."""
        gate = self._gate(run.shown, run.language)
        text, tokens, leaked = yield from self._generate(prompt, options, run.clock, gate)
        if gate.answered or leaked or not wrong_language(gate):
            return text, tokens, leaked, gate
        # Written in another language than the resident's: once more, then decline.
        prompt = replace(prompt, messages=insist_on_language(prompt.messages, run.language))
        retry = self._gate(run.shown, run.language)
        more, extra, leaked = yield from self._generate(prompt, options, run.clock, retry)
        retry.verdicts[:0] = gate.verdicts  # the first attempt's verdicts stay in the audit
        text, tokens, gate = more, tokens + extra, retry
        french = verified_in_french(gate)
        if not gate.answered and not leaked and french:
            # Still French, but verified: its sentences are translated, then checked again.
            translated = self._gate(run.shown, run.language)
            more, extra = yield from self._translate_verified(french, run, translated)
            translated.verdicts[:0] = gate.verdicts
            text, tokens, gate = more, tokens + extra, translated
        return text, tokens, leaked, gate

    def _via_french(
        self, run: _Run, history: History, style: Style, options: GenerationOptions
    ) -> Coroutine[Sentence, None, tuple[str, int, bool, SentenceGate, Prompt]]:
        """For a resident who does not write in French: the answer is written and verified in
        French, the sources' language, where every check is strongest (word overlap, polarity
        clause by clause, the source's own sentence for a contradicted one); nothing of it is
        shown. Its verified sentences are then translated and checked again; a translation in
        the wrong language is asked for once more, then the answer is declined."""
        # The question as retrieval read it: the French rendering (the resident's words when
        # the rendering was unusable).
        prompt = build_prompt(run.searched, run.shown, SOURCE_LANGUAGE, self.config.authority,
                              history, self.canary, style)  # fmt: skip
        french_gate = self._gate(run.shown, SOURCE_LANGUAGE)
        clock = _Clock()  # the French sentences are not shown: only the first token counts
        clock.start = run.clock.start
        text, tokens, leaked = _silently(self._generate(prompt, options, clock, french_gate))
        run.clock.marks.setdefault("first_token_ms", clock.marks.get("first_token_ms", 0.0))
        dropped = [v for v in french_gate.verdicts if not v.passed]
        verified = [(c.text, c.sources) for c in french_gate.checked]
        if leaked or not french_gate.answered or not verified:
            return text, tokens, leaked, french_gate, prompt
        gate = self._gate(run.shown, run.language)
        translated, more = yield from self._translate_verified(verified, run, gate)
        tokens += more
        if not gate.answered and wrong_language(gate):
            first = gate.verdicts
            gate = self._gate(run.shown, run.language)
            translated, more = yield from self._translate_verified(verified, run, gate, True)
            gate.verdicts[:0] = first
            tokens += more
        gate.verdicts[:0] = dropped  # the French sentences not kept stay in the audit
        return translated, tokens, False, gate, prompt

    def _generate(
        self, prompt: Prompt, options: GenerationOptions, clock: _Clock, gate: SentenceGate
    ) -> Coroutine[Sentence, None, tuple[str, int, bool]]:
        """Generate, feeding the gate; yield each sentence it releases. Returns the raw text,
        the token count and whether the rules leaked (then nothing more is released)."""
        text = ""
        tokens = 0
        leaked = cut = False
        started = time.monotonic()
        pieces = self.generator.stream(prompt.messages, options)
        for piece in pieces:
            if tokens == 0:
                clock.mark("first_token_ms")
            tokens += 1
            text += piece
            if prompt.canary in text:
                leaked = True
                break
            if is_looping(text):
                cut = True
                break
            for shown in gate.feed(piece):
                clock.mark("first_sentence_ms")
                yield Sentence(shown.text)
            if len(gate.shown) >= self.config.max_sentences:
                cut = True  # enough said: the rest would only make the answer longer
                break
        pieces.close()  # frees the model at once when generation stopped early
        if tokens == 0:
            clock.mark("first_token_ms")
        clock.mark("generation_ms")
        if not leaked:
            # The generator stops silently at its time limit: that is a cut too, and a sentence
            # left mid-word ("même si vous cotis") must not be shown.
            timed_out = time.monotonic() - started >= options.timeout_s
            cut_short = cut or timed_out or tokens >= options.max_tokens
            for shown in gate.finish(cut_short):
                clock.mark("first_sentence_ms")
                yield Sentence(shown.text)
        return text, tokens, leaked

    def translate(self, question: str) -> str:
        """A French rendering of a question, for retrieval (the question itself when the model
        gives nothing usable)."""
        options = GenerationOptions(max_tokens=80, temperature=0.0, timeout_s=20.0)
        pieces = list(self.generator.stream(translate_messages(question), options))
        lines = "".join(pieces).strip().splitlines()
        rendered = lines[0].strip(" \"'«»") if lines else ""
        if not rendered or len(rendered) > 3 * len(question) + 40:
            return question
        if cut_short(rendered, question):
            return question
        return rendered

    def condense(self, question: str, history: History) -> str:
        """A follow-up rewritten to stand alone (falls back to joining it to the last question)."""
        fallback = f"{history[-1][0]} {question}"
        options = GenerationOptions(max_tokens=60, temperature=0.0, timeout_s=20.0)
        pieces = list(self.generator.stream(condense_messages(question, history), options))
        rewritten = "".join(pieces).strip().splitlines()[0].strip(" \"'«»") if pieces else ""
        if not rewritten or len(rewritten) > 300 or not _complete_rewrite(rewritten, question):
            return fallback
        return rewritten

    def _decline(self, reason: str, run: _Run, referral: str = "") -> Answer:
        """The fixed polite answer with the contact that fits the question."""
        contact = self.contacts.for_question(run.question)
        text = decline_message(reason, run.language, self.config.authority, contact, referral)
        return run.answer(text=text, reason=reason, contact=contact, model=self.generator.name)


def _silently(steps: Coroutine[Sentence, None, T]) -> T:
    """Run a generator of sentences to its end without showing them; its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return cast(T, stop.value)


def _complete_rewrite(rewritten: str, question: str) -> bool:
    """Whether a rewritten follow-up says at least as much as the follow-up itself (a rewrite cut
    short, such as "Quelle est la", would send retrieval astray)."""
    words = set(tokenize(rewritten))
    return len(words) >= max(2, len(set(tokenize(question)))) and not rewritten.endswith(
        (" la", " le", " les", " de", " des", " du", " l'", " d'")
    )


def _decline_reason(text: str, gate: SentenceGate) -> str:
    """Why an answer with no verified claim is declined."""
    if says_no_answer(text) and not any(v.passed and v.sources for v in gate.verdicts):
        return "model_declined"
    if any(v.failed_check == "error" for v in gate.verdicts):
        return "verification_failed"
    return "unsupported_answer"


def is_looping(text: str, window: int = 40, repeats: int = 3) -> bool:
    """Whether the text's last `window` characters already occurred `repeats` times (a loop)."""
    if len(text) < window * repeats:
        return False
    return text.count(text[-window:]) >= repeats


class _Clock:
    """Milliseconds since the start for each named step."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, round((time.perf_counter() - self.start) * 1000, 1))

    def finish(self) -> dict[str, float]:
        self.mark("total_ms")
        return dict(self.marks)


@dataclass
class _Run:
    """What one question has gathered so far, to build its Answer at any exit."""

    question: str
    language: str
    standalone: str = ""
    searched: str = ""  # what retrieval was given: the standalone question, in French
    retrieved: Sequence[Passage] = ()
    shown: Sequence[Passage] = ()
    tokens: int = 0
    instructions_removed: int = 0
    verdicts: tuple[SentenceVerdict, ...] = ()
    clock: _Clock = field(default_factory=lambda: _Clock())

    def answer(
        self,
        text: str,
        model: str,
        reason: str | None = None,
        citations: tuple[Citation, ...] = (),
        check: CitationCheck | None = None,
        contact: Contact | None = None,
        groundedness: float | None = None,
    ) -> Answer:
        """The Answer; abstained exactly when a reason is given."""
        return Answer(
            text=text, language=self.language, abstained=reason is not None, reason=reason,
            citations=citations, passages=tuple(self.shown), retrieved=tuple(self.retrieved),
            standalone_question=self.standalone or self.question, check=check, contact=contact,
            search_question=self.searched or self.standalone or self.question,
            timings=self.clock.finish(), tokens=self.tokens, model=model,
            instructions_removed=self.instructions_removed, groundedness=groundedness,
            verdicts=self.verdicts,
        )  # fmt: skip


def fuse_rankings(rankings: Sequence[Sequence[Passage]], limit: int, k: int = 60) -> list[Passage]:
    """Reciprocal-rank fusion of the passages found for several renderings of one question (the
    French translation first, then the resident's own words); a passage keeps the best dense
    score it got, which the relevance gate reads."""
    fused: dict[str, float] = {}
    best: dict[str, Passage] = {}
    for ranking in rankings:
        for rank, found in enumerate(ranking, start=1):
            key = found.chunk.chunk_id
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
            kept = best.get(key)
            if kept is None or (found.dense_score or 0.0) > (kept.dense_score or 0.0):
                best[key] = found
    ordered = sorted(fused, key=lambda key: fused[key], reverse=True)[:limit]
    return [replace(best[key], score=fused[key], rank=n) for n, key in enumerate(ordered, start=1)]


def _last_language(history: History) -> str:
    return detect_language(history[-1][0]) if history else "fr"


def _citations(check: CitationCheck, shown: Sequence[Passage]) -> tuple[Citation, ...]:
    citations = []
    for n in check.cited:
        chunk = shown[n - 1].chunk
        sentences = [s.text for s in check.sentences if n in s.sources]
        supported = any(s.supported for s in check.sentences if n in s.sources)
        citations.append(Citation(n, chunk.source.source_id, chunk.source.title, chunk.source.url,
                                  chunk.page, best_excerpt(chunk.text, sentences), supported,
                                  chunk.source.date))  # fmt: skip
    return tuple(citations)


__all__ = ["Answer", "Answerer", "AnsweringConfig", "Citation", "Sentence", "Style", "is_looping"]
