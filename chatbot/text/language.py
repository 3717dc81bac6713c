"""Which language a resident writes in: langdetect, with care on short texts."""

from __future__ import annotations

import re
from functools import lru_cache

from chatbot.text.lexical import fold

SUPPORTED = ("fr", "en", "es", "de", "it", "pt", "ar", "nl")
LANGUAGE_NAMES = {
    "fr": "français", "en": "English", "es": "español", "de": "Deutsch", "it": "italiano",
    "pt": "português", "ar": "العربية", "nl": "Nederlands",
}  # fmt: skip

# Frequent short words that mark a language even in a few-word question.
_MARKERS = {
    "fr": "le la les de des du un une est et ou je vous nous mon ma mes pour quand comment quel quelle "
    "quels ou combien pourquoi est-ce qui que dans sur avec ce cette mairie bonjour merci "
    "horaires ouvert faut puis-je peut-on ai",
    "en": "the is are a an and or i you we my how what when where which who why can do does "
    "to of for in on with this that hello thanks please open hours",
    "es": "el los las es y o yo usted como cuando donde que quien por para con hola gracias "
    "puedo hay esta mi mis me quiero tengo estoy necesito",
    "de": "der die das ist und oder ich sie wir wie wann wo was wer warum für mit hallo danke "
    "kann ich",
    "it": "il lo la gli è e o io lei come quando dove che chi perché per con ciao grazie posso "
    "voglio mio mia ho sono non",
    "pt": "o os as é e ou eu você como quando onde que quem porque para com olá obrigado posso "
    "meu minha quero tenho estou não preciso",
    "nl": "de het is en of ik u wij hoe wanneer waar wat wie waarom voor met hallo bedankt",
}
_MARKER_SETS = {lang: set(fold(words).split()) for lang, words in _MARKERS.items()}
# The marker words no other language shares ("de" is French and Dutch, "la" French and Italian).
_OWN_MARKERS = {
    lang: markers - set().union(*(other for o, other in _MARKER_SETS.items() if o != lang))
    for lang, markers in _MARKER_SETS.items()
}
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
SHORT_TEXT_WORDS = 6


@lru_cache(maxsize=1)
def _detector_ready() -> bool:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0  # deterministic results
    return True


def _marker_vote(words: list[str]) -> str | None:
    """The language whose marker words appear most in the text (None on a tie or no marker)."""
    folded = [fold(word) for word in words]
    counts = {lang: sum(w in markers for w in folded) for lang, markers in _MARKER_SETS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return best


def detect_language(text: str, default: str = "fr") -> str:
    """ISO 639-1 code of the text's language among SUPPORTED, else `default`.

    langdetect mislabels short questions ("bac jaune ?" -> Croatian): on a few words it is
    trusted only when it is very sure and no marker word says otherwise.
    """
    if _ARABIC.search(text):
        return "ar"
    if "¿" in text or "¡" in text:  # only Spanish writes these (langdetect may say Portuguese)
        return "es"
    words = _WORD.findall(text)
    if not words:
        return default
    marker_lang = _marker_vote(words)
    _detector_ready()
    from langdetect import LangDetectException, detect_langs

    try:
        guesses = detect_langs(text)
    except LangDetectException:
        guesses = []
    top = next((g for g in guesses if g.lang in SUPPORTED), None)
    if len(words) < SHORT_TEXT_WORDS:
        if marker_lang is not None:
            return marker_lang
        if top is not None and top.prob >= 0.99 and len(words) >= 3:
            return str(top.lang)
        return default
    if top is not None and top.prob >= 0.7:
        if marker_lang is not None and _markers_overrule(words, marker_lang, str(top.lang)):
            return marker_lang
        return str(top.lang)
    return marker_lang or default


def _markers_overrule(words: list[str], marker_lang: str, detected: str) -> bool:
    """Whether the marker words contradict langdetect beyond doubt: three or more words that
    mark only the marker language and none of the detected one's ("What is a receipt … (récépissé)?"
    reads as French to langdetect because of one French word; "la", "de" prove nothing)."""
    folded = [fold(word) for word in words]
    mine = sum(w in _OWN_MARKERS[marker_lang] for w in folded)
    theirs = sum(w in _MARKER_SETS.get(detected, set()) for w in folded)
    return marker_lang != detected and mine >= 3 and theirs == 0
