"""How easy a French text is to read: the Kandel–Moles score and a French syllable counter.

Kandel & Moles (1958) adapted Flesch's reading ease to French:

    score = 207 − 1.015 × (words / sentence) − 73.6 × (syllables / word)

Higher is easier. As with Flesch, about 90–100 reads as very easy (short sentences of short
words), 60–70 as ordinary prose, below 30 as very hard (long administrative sentences of long
words). Sentences come from the project's one splitter (`split_sentences`), without their [n]
citation markers.

Scolarius (Influence Communication, Quebec) is not implemented: its formula is not published in
a form that could be checked, so no figure here claims to be a Scolarius score.

Syllables are counted the way they are spoken in standard French, by rule, not from a
dictionary: one per group of vowel letters ("eau", "oui", "ai" count once), a final mute e
(or -es, or the -ent of a verb after "ils", "elles" or "qui") does not count when the word has
another vowel, and "é" before another vowel opens a new syllable ("réaction",
"créer"). Digits count one syllable per group. The count is an estimate: it is meant to compare
texts, not to scan verse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.text.sentences import split_sentences, without_markers

_VOWELS = "aeiouyàâäéèêëîïôöùûüÿœæ"
_VOWEL_GROUP = re.compile(rf"[{_VOWELS}]+")
# A word: letters (apostrophes and hyphens inside it), or a number ("320 000" is two groups).
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+(?:[.,]\d+)?", re.UNICODE)
# "é", "è" or "ë"/"ï" (diaeresis) begin a new syllable after a vowel: ré-a-li-ser, na-ï-f, No-ël.
_HIATUS = re.compile(rf"(?<=[{_VOWELS}])(?=[éëïü])|(?<=[é])(?=[{_VOWELS}])")
# 3rd person plural verb endings read mute: "ils parlent", "elles demandent". Guessed from the
# word before: only after a subject pronoun ("ils", "elles", "qui"…) is -ent taken as mute
# ("un moment", "souvent", "le président" keep their spoken -ent).
_PLURAL_SUBJECTS = frozenset({"ils", "elles", "qui", "qu'ils", "qu'elles", "qu’ils", "qu’elles"})


@dataclass(frozen=True)
class Readability:
    """The counts of a text and its Kandel–Moles reading-ease score (higher is easier)."""

    sentences: int
    words: int
    syllables: int
    kandel_moles: float

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0


def words(text: str) -> list[str]:
    """The words of a text: "l'assistant" and "peut-être" are one word each, "6" is a word."""
    return _WORD.findall(text)


def syllables(word: str, after: str = "") -> int:
    """The spoken syllables of one French word (at least 1). `after` is the word before it, used
    to tell a mute verb ending ("ils parlent") from a spoken one ("un moment")."""
    if word[:1].isdigit():
        return max(1, len(re.sub(r"\D", "", word)) // 2 + 1)
    total = 0
    for part in re.split(r"['’\-]", word.lower()):
        total += _part_syllables(part, after.lower())
        after = ""
    return max(1, total)


def _part_syllables(word: str, after: str) -> int:
    if not word:
        return 0
    spoken = _HIATUS.sub(" ", word)
    if len(_VOWEL_GROUP.findall(spoken)) > 1:
        if after in _PLURAL_SUBJECTS and word.endswith("ent"):
            spoken = spoken[:-3]  # ils parlent → parl
        elif word.endswith("es"):
            spoken = spoken[:-2]  # pages → pag, journées → journé
        elif word.endswith("e"):
            spoken = spoken[:-1]  # page → pag, avenue → avenu
    return len(_VOWEL_GROUP.findall(spoken))


def readability(text: str) -> Readability:
    """Sentences, words, syllables and Kandel–Moles score of a French text.

    A text without words scores 0 (nothing to read rather than "very easy").
    """
    sentence_count = 0
    word_count = 0
    syllable_count = 0
    for sentence in split_sentences(text):
        found = words(without_markers(sentence))
        if not found:
            continue
        sentence_count += 1
        word_count += len(found)
        before = ""
        for word in found:
            syllable_count += syllables(word, before)
            before = word
    if not word_count:
        return Readability(0, 0, 0, 0.0)
    score = 207 - 1.015 * (word_count / sentence_count) - 73.6 * (syllable_count / word_count)
    return Readability(sentence_count, word_count, syllable_count, round(score, 1))


def kandel_moles(text: str) -> float:
    """The Kandel–Moles reading-ease score of a French text (higher is easier)."""
    return readability(text).kandel_moles
