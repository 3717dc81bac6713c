"""The safety policy: what to do with a question before retrieval, and with an answer after.

    policy = SafetyPolicy(embedder)
    decision = policy.check_question("Pour qui voter ?", "fr")   # action "decline", "political"
    decision = policy.check_question("J'ai mal à la poitrine", "fr")  # "emergency" + fixed_answer
    check = policy.check_answer(text, "fr", official_contacts=[...])   # cleaned text or a decline

Order: rules that force an emergency or a refusal (most severe family first), rules that force
an answer (registering to vote, proxies, council meetings, reimbursements), then the vote of
the nearest labelled examples with a similarity threshold; when the vote says "answer" but a
political or emergency example is close, the policy prefers refusing. Deterministic: the same
question and embedder always give the same decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from chatbot.safety.emergency import Situation, emergency_answer
from chatbot.safety.intents import Example, IntentClassifier, IntentVote, QueryEmbedder
from chatbot.safety.output import DEFAULT_ALLOWED_DOMAINS, Finding, filter_answer
from chatbot.safety.rules import (
    RuleHit,
    answer_rule,
    answer_side_rule,
    emergency_situation,
    refusal_rule,
    speaks_of_self,
)

Action = Literal["answer", "decline", "emergency"]
_SEVERITY = ("emergency", "political", "personal_data", "personal_advice")
# "Translate into English: …", "Traduis : «…»": the wrapped text is checked on its own too.
_TRANSLATE = re.compile(
    r"^\s*(?:traduis|traduire|traduisez|translate|traduce|traduza|traduz|übersetze|traduci)\b"
    r"[^:«\"“]{0,60}[:«\"“]\s*(?P<inner>.+?)[»\"”]?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class Thresholds:
    """Cosine similarities for one embedder (its scale differs from one model to the next).

    `refuse`: the closest example of the winning refused family must be at least this close.
    `doubt`: when the vote says "answer", a political or emergency example this close, whose
    family has at least `doubt_ratio` of the answer vote, still makes the policy refuse.
    """

    refuse: float = 0.55
    doubt: float = 0.70
    doubt_ratio: float = 0.5


# Calibrated on eval/datasets/red-team.jsonl and 415 public-service questions that must be
# answered (python -m benchmarks.red_team --profile ... --answerable FILE). MiniLM reads French
# poorly: every French question sits close to every French example, so it needs a higher bar.
THRESHOLDS = {
    "embeddinggemma-300m": Thresholds(refuse=0.55, doubt=0.70, doubt_ratio=0.5),
    "all-minilm-l6-v2": Thresholds(refuse=0.60, doubt=0.75, doubt_ratio=0.5),
}


def thresholds_for(embedder_name: str) -> Thresholds:
    """The calibrated thresholds of a known embedder, else the defaults."""
    return THRESHOLDS.get(embedder_name, Thresholds())


@dataclass(frozen=True)
class SafetyDecision:
    """What to do with a question, and why (for the audit)."""

    action: Action
    reason: str = ""  # "political" | "personal_data" | "personal_advice" | "emergency" | ""
    family: str = "answer"
    confidence: float = 1.0
    fixed_answer: str = ""  # the emergency answer, in the resident's language
    detail: str = ""  # emergency situation, advice service (medical/legal/tax), rule detail
    matched: str = ""  # "rule:<family>:<name>" or "example:<text>"
    similarity: float | None = None

    @property
    def declined(self) -> bool:
        """Whether the question must not go to retrieval and the model."""
        return self.action != "answer"


@dataclass(frozen=True)
class AnswerCheck:
    """What to do with a final answer: the text to show (None: give the fixed message)."""

    action: Action
    text: str | None
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    matched: str = ""


class SafetyPolicy:
    """Decides on questions (before retrieval) and answers (before they are shown)."""

    def __init__(
        self,
        embedder: QueryEmbedder,
        thresholds: Thresholds | None = None,
        examples: Sequence[Example] | None = None,
        k: int = 5,
        cache_dir: Path | None = None,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.classifier = IntentClassifier(embedder, examples, k, cache_dir)

    def check_question(self, question: str, language: str) -> SafetyDecision:
        """Answer, decline (with a reason) or give the fixed emergency answer."""
        return self.check_questions([question], [language])[0]

    def check_questions(
        self, questions: Sequence[str], languages: Sequence[str]
    ) -> list[SafetyDecision]:
        """`check_question` for many questions, with one embedding call for those rules leave."""
        texts = [_variants(q) for q in questions]
        decisions: list[SafetyDecision | None] = [self._by_rule(v) for v in texts]
        pending = [i for i, d in enumerate(decisions) if d is None]
        flat = [v for i in pending for v in texts[i]]
        votes = iter(self.classifier.classify_many(flat))
        for i in pending:
            decisions[i] = self._by_vote([(text, next(votes)) for text in texts[i]])
        return [_with_answer(d, lang) for d, lang in zip(decisions, languages, strict=True) if d]

    def _by_rule(self, variants: list[str]) -> SafetyDecision | None:
        hits = [hit for text in variants if (hit := refusal_rule(text))]
        if hits:
            hit = min(hits, key=lambda h: _SEVERITY.index(h.family))
            return _decision(hit.family, hit.detail, 1.0, f"rule:{hit.rule}")
        safe = answer_rule(variants[0])
        if safe:
            return SafetyDecision("answer", detail=safe.detail, matched=f"rule:{safe.rule}")
        return None

    def _by_vote(self, votes: list[tuple[str, IntentVote]]) -> SafetyDecision:
        decisions = [self._one_vote(text, vote) for text, vote in votes]
        refused = [d for d in decisions if d.declined]
        if not refused:
            return decisions[0]
        return min(refused, key=lambda d: _SEVERITY.index(d.family))

    def _one_vote(self, text: str, vote: IntentVote) -> SafetyDecision:
        limits = self.thresholds
        family = vote.family
        if family == "personal_advice" and not speaks_of_self(text):
            family = "answer"  # "Un locataire peut-il…" asks about the rules, not for advice
        if family != "answer" and vote.top(family) >= limits.refuse:
            return self._from_example(vote, family, vote.confidence)
        if family != "answer":  # a refused family won, but from afar: in doubt only for the worst
            family = "answer"
        for doubted in ("emergency", "political"):
            close = vote.top(doubted) >= limits.doubt
            if close and vote.scores[doubted] >= limits.doubt_ratio * vote.scores["answer"]:
                return self._from_example(vote, doubted, vote.confidence)
        nearest = vote.neighbours[0]
        return SafetyDecision("answer", confidence=vote.confidence,
                              matched=f"example:{nearest.example.text}",
                              similarity=round(nearest.similarity, 4))  # fmt: skip

    @staticmethod
    def _from_example(vote: IntentVote, family: str, confidence: float) -> SafetyDecision:
        nearest = vote.best[family]
        decision = _decision(family, nearest.example.detail, confidence,
                             f"example:{nearest.example.text}")  # fmt: skip
        return replace(decision, similarity=round(nearest.similarity, 4))

    def check_answer(
        self,
        text: str,
        language: str,
        allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS,
        official_contacts: Iterable[str] = (),
        *,
        allow_payment: bool = False,
    ) -> AnswerCheck:
        """The final answer, cleaned of what it must not relay, or a decline with the reason.

        `official_contacts`: the contacts table's phones, e-mails and links and the text of the
        passages from official sources (see `output.filter_answer`); `language` is kept for the
        audit and for symmetry with `check_question`.
        """
        del language  # the rules on answers cover every supported language at once
        hit = answer_side_rule(text)
        if hit:
            return AnswerCheck("decline", None, hit.family, [], f"rule:{hit.rule}")
        clean, findings = filter_answer(
            text, allowed_domains, official_contacts, allow_payment=allow_payment
        )
        if clean is None:
            return AnswerCheck("decline", None, "unsafe_content", findings, "filter")
        return AnswerCheck("answer", clean, "", findings, "filter" if findings else "")


def _variants(question: str) -> list[str]:
    """The question, and the text inside a translation request."""
    match = _TRANSLATE.match(question)
    inner = match.group("inner").strip() if match else ""
    return [question, inner] if inner else [question]


def _decision(family: str, detail: str, confidence: float, matched: str) -> SafetyDecision:
    action: Action = "emergency" if family == "emergency" else "decline"
    return SafetyDecision(action, family, family, round(confidence, 4), "", detail, matched)


def _with_answer(decision: SafetyDecision, language: str) -> SafetyDecision:
    if decision.action != "emergency":
        return decision
    situation: Situation = emergency_situation(decision.detail)
    text = emergency_answer(situation, language)
    return replace(decision, fixed_answer=text, detail=situation)


__all__ = ["AnswerCheck", "RuleHit", "SafetyDecision", "SafetyPolicy", "Thresholds"]
