"""Faults of a translation that meaning similarity misses: a country or nationality swapped.

Translating a French answer into Spanish or Arabic, the small model turns "la nationalité
française" into "la nacionalidad española" or "الجنسية الإسبانية": the resident's own country
for France. Both sentences stay close in meaning, and names are not checked outside French, so
a translation naming a country or nationality that its French sentence does not name fails.
"""

from __future__ import annotations

import re

from chatbot.text.lexical import fold

# (the French words for a country or its people, the same in the answer languages), folded.
_COUNTRIES = (
    (r"espagn", r"espan|spain|spanish|اسبان"),
    (r"bresil", r"brasil|brazil|البرازيل"),
    (
        r"angl|royaume-uni|britann",
        r"england|english|britain|british|united kingdom|inglaterra|"
        r"ingles|britanic|britanni|انجلتر|انكلتر|بريطان|الانجليز|الانكليز",
    ),
    (r"americ|etats-unis", r"americ|united states|estados unidos|امريك|الولايات المتحدة"),
    (r"maroc", r"morocc|marroc|marrocos|المغرب"),
    (r"alger", r"alger|argel|الجزائر"),
    (r"tunisi", r"tunisi|tunez|tunisia|tunes|تونس"),
    (r"itali", r"itali|ايطالي"),
    (r"allemagn|allemand", r"german|aleman|alema|المانيا|الالماني"),
)

_ARABIC_PREFIX = "وال|بال|لل|ال|و|ب"  # "and", "with", "the" written onto the word


def swapped_country(translation: str, original: str) -> str | None:
    """A country or nationality word of the translation whose country its French original does
    not name ("española" for "française"), or None."""
    said, source = fold(translation), fold(original)
    for french, foreign in _COUNTRIES:
        found = re.search(rf"(?<!\w)(?:{_ARABIC_PREFIX})?(?:{foreign})\w*", said)
        if found and not re.search(rf"(?<!\w)(?:{french})", source):
            return found.group()
    return None
