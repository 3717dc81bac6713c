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
_NEVER_PEOPLE = {"guichet", "bonjour", "merci", "madame", "monsieur", "mairie", "caf", "cpam"}


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
            spans.append((start, start + len(name)))
        return spans
