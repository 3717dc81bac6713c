"""Polarity: a negation, restriction or condition that the answer and its source do not share.

A passage holds many negations, so an answer sentence is compared with the passage sentences or
clauses that best match it by content words, not with the whole passage. Three marks are read,
in French, English, Spanish, Portuguese and Arabic:

- negation: ne… pas/plus/jamais/rien/aucun, n', pas, non, jamais, aucun, rien, impossible,
  interdit; not, n't, never, no, cannot, forbidden; no, nunca, ningún, prohibido; não, nunca…;
  لا, ليس, لم, لن, غير, ممنوع;
- restriction: sauf, seulement, uniquement, exclusivement, ne… que; only, except, unless; solo,
  solamente, excepto, salvo; apenas, somente, exceto; إلا, فقط, باستثناء;
- condition: si, lorsque, quand, en cas de, à condition; if, when, provided; si, cuando; caso,
  quando, desde que; إذا, عندما, في حالة, بشرط.

A negation or restriction present in one and not the other fails the sentence; a condition of
the source that the sentence leaves out fails it too (dropping "si…" changes who a rule is for),
while a condition the sentence adds does not.

An answer in another language shares almost no words with its French sources: the caller then
gives the passage sentences closest to it in meaning (`aligned`), and their marks are compared
by presence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.text.lexical import fold, tokenize
from chatbot.text.sentences import split_sentences
from chatbot.verification.facts import extract_facts

_NE = re.compile(r"\b(?:ne\b|n')(?! ?importe)")
_NE_COMPLEMENT = re.compile(r"\b(?:pas|plus|jamais|rien|aucune?|personne|nulle?|guere|point|ni)\b")
_NEGATIVE_SUBJECT = re.compile(r"\b(?:aucune?s?|personne|rien|nulle?|jamais)\b")
_QUE = re.compile(r"\bqu(?:e\b|')")
_WHETHER = re.compile(r"\b(?:ou|or|o|que) (?:non|pas|not|no|nao)\b")  # "ou non": whether or not
_MARKS = {
    "negation": {
        "fr": r"pas|jamais|aucune?s?|rien|non|impossibles?|interdite?s?|nullement",
        "en": r"not|\w+n't|never|no|none|nothing|nobody|cannot|neither|nor|forbidden|prohibited|impossible",
        "es": r"no|nunca|jamas|ningun[oa]?|nada|nadie|tampoco|imposible|prohibid[oa]s?",
        "pt": r"nao|nunca|jamais|nenhum|nenhuma|nada|ninguem|impossivel|proibid[oa]s?",
        # Arabic, folded (hamza and short vowels stripped); "و"/"ف" ("and", "so") may be attached
        "ar": r"[وف]?(?:لا|ليس|ليست|لست|لسنا|لم|لن|غير|ممنوع|ممنوعة|يمنع|يحظر|محظور|محظورة)",
    },
    "restriction": {
        "fr": r"sauf|seulement|uniquement|exclusivement|hormis|excepte|a l' exception",
        "en": r"only|except|unless|solely|exclusively",
        "es": r"solo|solamente|unicamente|excepto|salvo|a menos que",
        "pt": r"apenas|somente|exceto|salvo|a menos que",
        "ar": r"[وف]?(?:الا|فقط|باستثناء|ما عدا|سوى)",
    },
    "condition": {
        "fr": r"si|s' ils?|lorsque|lorsqu'|quand|en cas d[e']|a condition|sous reserve|des lors que",
        "en": r"if|when|whenever|provided|in case|as long as",
        "es": r"si|cuando|en caso de|siempre que|con tal de que",
        "pt": r"caso|quando|em caso de|desde que",
        "ar": r"[وف]?(?:اذا|عندما|لو|في حالة|بشرط|شريطة)",
    },
}
_UNLESS_ES = re.compile(r"\bsi no\b")
_PORTUGUESE = re.compile(r"\b(?:nao|voce|tambem|sao|estao)\b|ção|ções|ão\b")
_MAX_CLAUSES = 10


@dataclass(frozen=True)
class Polarity:
    """How many negations a text makes, whether it restricts or conditions, and the words."""

    negations: int
    restriction: bool
    condition: bool
    markers: tuple[str, ...] = ()

    @property
    def negation(self) -> bool:
        """Whether the text makes any negation."""
        return self.negations > 0


def _patterns(language: str | None, text: str) -> dict[str, re.Pattern[str]]:
    languages = [language] if language in _MARKS["negation"] else list(_MARKS["negation"])
    if "fr" not in languages:
        languages.append("fr")  # sources are French; answers quote French names ("non imposable")
    portuguese = language == "pt" or (language is None and _PORTUGUESE.search(text))
    compiled = {}
    for mark, by_language in _MARKS.items():
        words = "|".join(by_language[lang] for lang in languages)
        if portuguese:  # "no"/"na" are "in the" in Portuguese
            words = words.replace("|no|", "|").replace(r"no|nunca", "nunca")
        compiled[mark] = re.compile(rf"(?<![\w'])(?:{words})(?![\w'])")
    return compiled


def polarity(text: str, language: str | None = None) -> Polarity:
    """The marks of a text; `language` (an ISO code) narrows the word lists, None reads all.

    Each French "ne/n'" counts once with its complement (ne… pas is one negation, not two); a
    "ne… que" is a restriction; "ou non" (whether or not) is no negation.
    """
    folded = _WHETHER.sub(" ", fold(text).replace("’", "'").replace("'", "' "))
    if language == "es":  # "si no son causados por…": unless, as the French "sauf si"
        folded = _UNLESS_ES.sub("salvo si", folded)
    found: dict[str, list[str]] = {"negation": [], "restriction": [], "condition": []}
    consumed: set[int] = set()
    for particle in _NE.finditer(folded):
        window = folded[particle.end() : particle.end() + 80]
        complement, que = _NE_COMPLEMENT.search(window), _QUE.search(window)
        if complement and (not que or complement.start() < que.start()):
            consumed.add(particle.end() + complement.start())
            found["negation"].append(f"{particle.group()}… {complement.group()}")
        elif que:
            found["restriction"].append("ne… que")
        else:  # "aucun… ne", "personne ne": one negation with the word before
            before = list(_NEGATIVE_SUBJECT.finditer(folded[: particle.start()]))
            if before and particle.start() - before[-1].start() < 80:
                consumed.add(before[-1].start())
            found["negation"].append(particle.group())
    for mark, pattern in _patterns(language, folded).items():
        found[mark] += [m.group() for m in pattern.finditer(folded) if m.start() not in consumed]
    markers = tuple(m for words in found.values() for m in words)
    return Polarity(len(found["negation"]), bool(found["restriction"]), bool(found["condition"]), markers)  # fmt: skip


def _segments(passage: str) -> list[tuple[set[str], list[str], str]]:
    """Every run of consecutive clauses of each passage sentence: (words, clauses, sentence)."""
    segments = []
    for sentence in split_sentences(passage):
        clauses = [c.strip() for c in re.split(r"[,;:()]", sentence) if c.strip()]
        if not 1 < len(clauses) <= _MAX_CLAUSES:
            segments.append((set(tokenize(sentence)), [sentence], sentence))
            continue
        words = [set(tokenize(clause)) for clause in clauses]
        for start in range(len(clauses)):
            for end in range(start + 1, len(clauses) + 1):
                segments.append((set().union(*words[start:end]), clauses[start:end], sentence))
    return segments


def best_segments(
    sentence: str, passage: str, margin: float = 0.05
) -> tuple[list[tuple[str, str]], float]:
    """The passage clauses or runs of clauses closest to the sentence, each with its whole
    sentence, and their overlap: the Jaccard index of content words (stemmed, folded); every
    segment within `margin` of the best is kept."""
    words = set(tokenize(sentence))
    scored = []
    for other, clauses, whole in _segments(passage):
        union = words | other
        scored.append((len(words & other) / len(union) if union else 0.0, clauses, whole))
    if not scored:
        return [], 0.0
    best = max(score for score, _, _ in scored)
    kept = [(", ".join(c), whole) for score, c, whole in scored if score >= best - margin]
    return kept, best


@dataclass(frozen=True)
class PolarityCheck:
    """The verdict of the polarity check on one sentence."""

    passed: bool
    detail: str
    overlap: float
    compared: str = ""
    source_sentence: str = ""  # the whole passage sentence the failing segment belongs to


def check_polarity(
    sentence: str,
    passages: Sequence[str],
    language: str | None = None,
    min_overlap: float = 0.2,
    margin: float = 0.05,
    conditions: bool = True,
    aligned: Sequence[str] | None = None,
) -> PolarityCheck:
    """Compare the sentence's marks with those of its best-matching passage segments.

    Negations are compared with the matching clauses (their number, for a French answer; their
    presence otherwise); restrictions and conditions with the whole passage sentence, since
    "sauf…" or "si…" governs all its clauses. Passes when one of the best segments agrees.
    An answer in another language is compared with the passage sentences `aligned` with it by
    meaning (when the caller could find them), by the presence of each mark: it must agree on
    negation with every one of them (equally close sentences that disagree leave it in doubt,
    and a doubtful sentence is not shown), and on restriction and condition with one of them or
    of the sentences holding one of its numbers or dates. Without them, when no segment shares
    `min_overlap` of the words, the numbers' sentences alone are compared; with none, the check
    passes undecided.
    """
    candidates: list[tuple[str, str]] = []
    best = 0.0
    for passage in passages:
        segments, overlap = best_segments(sentence, passage, margin)
        if overlap > best + margin:
            candidates, best = segments, overlap
        elif overlap >= best - margin:
            candidates += segments
            best = max(best, overlap)
    counted = language in (None, "fr")
    if aligned and not counted:
        mine = polarity(sentence, language)
        for whole in aligned:
            theirs = polarity(whole, "fr")
            if mine.negation != theirs.negation:
                problem = _difference(mine, theirs, theirs, False, False)
                detail = f"{problem} (source: « {whole[:160]} »)"
                return PolarityCheck(False, detail, best, whole, whole)
        anchored = [pair for pair in _anchored(sentence, passages) if pair[0] not in aligned]
        candidates = [(whole, whole) for whole in aligned] + anchored
    elif best < min_overlap or not candidates:
        candidates, counted = _anchored(sentence, passages), False
        if not candidates:
            return PolarityCheck(True, "no passage sentence close enough to compare", best)
    mine = polarity(sentence, language)
    problems = []
    for segment, whole in candidates:
        problem = _difference(mine, polarity(segment, "fr"), polarity(whole, "fr"), counted, conditions)  # fmt: skip
        if not problem:
            return PolarityCheck(True, "", best, segment)
        problems.append((problem, segment, whole))
    problem, segment, whole = problems[0]
    return PolarityCheck(False, f"{problem} (source: « {segment[:160]} »)", best, segment, whole)


def _difference(
    mine: Polarity, clause: Polarity, whole: Polarity, counted: bool, conditions: bool
) -> str:
    if (mine.negations != clause.negations) if counted else (mine.negation != clause.negation):
        return (f"negations differ: {', '.join(mine.markers) or 'none'} in the sentence, "
                f"{', '.join(clause.markers) or 'none'} in the source")  # fmt: skip
    if mine.restriction != whole.restriction:
        where = "sentence" if mine.restriction else "source"
        return f"a restriction ({', '.join((mine if mine.restriction else whole).markers)}) only in the {where}"  # fmt: skip
    if conditions and whole.condition and not mine.condition:
        return f"the source's condition ({', '.join(whole.markers)}) is left out"
    return ""


def _anchored(sentence: str, passages: Sequence[str]) -> list[tuple[str, str]]:
    """Passage sentences that hold a number, amount or date of the sentence (any language)."""
    facts = [f for f in extract_facts(sentence, names=False) if f.kind not in ("name", "office")]
    if not facts:
        return []
    found = []
    for passage in passages:
        for whole in split_sentences(passage):
            held = extract_facts(whole, names=False)
            if any(fact.found_in(held) for fact in facts):
                found.append((whole, whole))
    return found
