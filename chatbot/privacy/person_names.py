"""Person names found by spaCy's French pipeline (fr_core_news_md), for redaction.

Only PER entities count. A greeting or a title glued to the name ("Bonjour Marie", "Monsieur
Dupont") is trimmed off, and the assistant's own name is never taken for a person.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from chatbot.domain import GuichetError

SPACY_MODEL = "fr_core_news_md"
_LEADING = re.compile(
    r"^(?:(?:bonjour|bonsoir|salut|coucou|merci|hello|hi|dear|cher|chère|madame|monsieur|mme|mlle|"
    r"mr|m\.|mrs|ms|docteur|dr|maître|me)\b[\s,.:]*)+",
    re.I,
)
# "collège Blaise Pascal", "rue Victor Hugo": a famous name after one of these names a place.
_PLACE_BEFORE = re.compile(
    r"(?:collège|lycée|école|groupe scolaire|rue|avenue|boulevard|place|allée|square|quai|parc|"
    r"stade|gymnase|piscine|centre|espace|salle|maison|médiathèque|bibliothèque|théâtre|"
    r"cinéma|hôpital|clinique|résidence|cité|gare|station|arrêt|pont|jardin)\s+"
    r"(?:(?:de la|de l'|du|des|de|d')\s*)?$",
    re.I,
)
_NEVER_PEOPLE = {"guichet", "bonjour", "merci", "madame", "monsieur", "mairie", "caf", "cpam"}


# Names typed after a self-introduction or a signature, in any case ("je m'appelle marie dupont"),
# which the statistical model misses without capitals.
_WORD = r"[^\W\d_][\w'’-]*"
_NOT_A_NAME = (
    r"(?!(?i:et|ou|à|a|de|du|des|le|la|les|l|au|aux|pour|par|en|sur|je|j|mon|ma|mes|ton|ta|il|"
    r"elle|nous|vous|un|une|votre|vos|service|mairie|maire|agent|agente)\b)"
)
_CUE = re.compile(
    r"(?i:je m'appelle|je m’appelle|je me nomme|mon nom est|moi c'est|de la part de|"
    r"cordialement,?|bien à vous,?|madame|monsieur|mme|mlle)\s+"
    rf"({_NOT_A_NAME}{_WORD}(?:\s+{_NOT_A_NAME}{_WORD}){{0,2}})"
    r"|(" + _NOT_A_NAME + _WORD + r"\s+" + _NOT_A_NAME + _WORD + r")\s+(?i:à l'appareil)"
)


def cue_spans(text: str) -> list[tuple[int, int]]:
    """Spans of names that follow an introduction cue or precede « à l'appareil »."""
    spans = []
    for match in _CUE.finditer(text):
        group = 1 if match.group(1) else 2
        spans.append((match.start(group), match.end(group)))
    return spans


class NameModelMissingError(GuichetError):
    """spaCy's French model is not installed."""


class SpacyNameFinder:
    """Finds (start, end) spans of person names; the model loads on first use, once."""

    def __init__(self, model: str = SPACY_MODEL) -> None:
        self.model = model
        self._nlp: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the pipeline now (the service does so at start, so that errors show early)."""
        with self._lock:
            if self._nlp is None:
                try:
                    import spacy

                    self._nlp = spacy.load(
                        self.model,
                        exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler"],
                    )
                except OSError as error:
                    raise NameModelMissingError(
                        f"Modèle spaCy « {self.model} » absent : réinstallez Guichet "
                        "(deploy/install.sh) ou désactivez GUICHET_REDACT_PERSON_NAMES."
                    ) from error

    def __call__(self, text: str) -> list[tuple[int, int]]:
        self.load()
        with self._lock:  # a spaCy pipeline is not documented as thread-safe
            document = self._nlp(text)
        spans = []
        for entity in document.ents:
            if entity.label_ != "PER":
                continue
            start, end = entity.start_char, entity.end_char
            lead = _LEADING.match(text[start:end])
            if lead:
                start += lead.end()
            name = text[start:end].strip(" ,.;:!?")
            if len(name) < 2 or not name[0].isupper() or name.lower() in _NEVER_PEOPLE:
                continue
            if _PLACE_BEFORE.search(text[max(0, start - 40) : start]):
                continue
            spans.append((start, start + len(name)))
        return _merge(spans + cue_spans(text))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined, sorted."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
