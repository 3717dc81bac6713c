"""Sentences of French text, and which of them make a claim.

The one splitter used by chunking, the citation check, the injection filter, the selection of
context and the evaluation, and the one rule for what needs a source.

`split_sentences` cuts at every line break, before an inline bullet (•) and after a sentence's
final punctuation (. ! ? … and runs of them such as ?! or ...), which takes along the closing
quotes or brackets and the [n] citation markers that follow it. It does not cut:

- before a lower-case letter ("etc. et", "… puis"), as French sentences start with a capital,
  or before punctuation that goes on with the sentence ("(… pilotage…) ;");
- after a title or reference abbreviation (M., Mme, Dr, art., al., p., n., cf., tél., …) or an
  initial (J. Dupont, art. L. 2122-22);
- after a list number at the start of a line ("1. Remplir le formulaire");
- at a colon or a semicolon: what follows belongs to what introduces it;
- inside decimals (1,5 / 1.5), times (8 h 30, 8:30), URLs or e-mail addresses, since none of
  them holds a space after its dots.

Nothing but white space is lost: the pieces, put back together, hold every other character.
"""

from __future__ import annotations

import re

from chatbot.text.lexical import tokenize

MIN_CLAIM_WORDS = 3  # shorter sentences ("Bonjour.", "Voici :", "Merci !") are not claims

# A citation marker as the answers write it: [1], [1][2], [1, 2], [1; 3].
MARKER = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")

_SPACE = r"[ \t\u00a0\u202f]"  # horizontal spaces, including French thin no-break spaces
# Final punctuation, closing quotes or brackets, then markers, then the spaces cut at.
_END = re.compile(
    r"[.!?…]+"
    rf"(?:{_SPACE}?»|[”\"’)\]])*"
    rf"(?:{_SPACE}*{MARKER.pattern})*"
    rf"(?P<space>{_SPACE}+)"
)
_BULLET = re.compile(rf"{_SPACE}+(?=[•▪◦‣●■]{_SPACE})")
_CONTINUING = tuple(",;:.!?…)]}»”")
_OPENING = "«“\"'‘([{" + "\u00a0\u202f "
_ONLY_MARKERS = re.compile(rf"^(?:{MARKER.pattern}{_SPACE}*)+[.!?…]?$")
_ENUMERATOR = re.compile(r"^(?:[-*+•]\s*)?(?:\d{1,3}|[a-zA-Z]|[IVXLC]{1,5})$")
_INITIAL = re.compile(r"(?:^|[.\-])[A-ZÀ-ÖØ-Þ]$")

# Abbreviations whose full stop never ends a sentence: titles, and words followed by a number
# or a name (art. 12, p. 4, n. 5, cf. Mme Martin). Compared in lower case; M. and other single
# capitals are initials. Not "vol" (a theft) nor "mm" (millimetres): they end sentences.
NON_FINAL_ABBREVIATIONS = frozenset(
    """
    mme mmes mlle mlles me mgr dr pr prof st ste
    art arts al cf réf ref p pp n chap fig éd coll
    tél tel av bd boul fg env ex c.-à-d e.g i.e
    """.split()  # noqa: SIM905
)


def split_sentences(text: str) -> list[str]:
    """The sentences, list items and lines of a text, stripped, never empty.

    A line holding only citation markers joins the sentence before it.
    """
    pieces: list[str] = []
    for line in text.split("\n"):
        for segment in _BULLET.split(line):
            for piece in _split_segment(segment):
                if pieces and _ONLY_MARKERS.match(piece):
                    pieces[-1] = f"{pieces[-1]} {piece}"
                else:
                    pieces.append(piece)
    return pieces


def _split_segment(segment: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for end in _END.finditer(segment):
        if _is_boundary(segment, start, end):
            pieces.append(segment[start : end.start("space")].strip())
            start = end.end()
    pieces.append(segment[start:].strip())
    return [piece for piece in pieces if piece]


def _is_boundary(segment: str, start: int, end: re.Match[str]) -> bool:
    """Whether the punctuation matched by `end` closes a sentence begun at `start`."""
    following = segment[end.end() :].lstrip(_OPENING)
    if following[:1].islower() or following[:1] in _CONTINUING:
        return False  # "etc. et", "… puis", "(…) ;": the sentence goes on
    if segment[end.start()] != "." or segment[end.start() : end.start() + 2] == "..":
        return True  # ! ? … and "..." are never abbreviations
    before = segment[start : end.start()]
    words = before.split()
    if not words:
        return True
    word = re.split(r"['’]", words[-1])[-1].lstrip(_OPENING)  # l'art. -> art
    if word.lower() in NON_FINAL_ABBREVIATIONS or word == "MM" or _INITIAL.search(word):
        return False
    return not (len(words) <= 2 and _ENUMERATOR.match(" ".join(words)))


def without_markers(sentence: str) -> str:
    """The sentence without its [n] citation markers."""
    return re.sub(rf"{_SPACE}*{MARKER.pattern}", "", sentence).strip()


def content_words(text: str) -> set[str]:
    """The distinct content words of a text (stemmed, accents folded, no stop words)."""
    return set(tokenize(text))


def is_claim(sentence: str) -> bool:
    """Whether a sentence says enough to need a source.

    A claim has at least three distinct content words and is neither a heading (a Markdown
    "#" line or a line all in bold) nor a phrase that introduces what follows ("… il faut :").
    Citation markers are not words.
    """
    text = without_markers(sentence)
    if text.startswith("#") or re.fullmatch(r"(\*\*|__)[^*_]+\1:?", text):
        return False
    if text.rstrip(" *_").endswith(":"):
        return False
    return len(content_words(text)) >= MIN_CLAIM_WORDS
