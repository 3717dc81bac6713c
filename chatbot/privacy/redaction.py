"""Redaction of personal data before anything is stored.

Each kind of data has a pattern and, where the data carries one, a checksum that must hold (the
NIR key, IBAN's mod 97, Luhn for payment cards), so that ordinary numbers are not redacted. The
answering pipeline sees the original text; only the stored copy is redacted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

PLACEHOLDERS = {
    "email": "[COURRIEL]",
    "iban": "[IBAN]",
    "card": "[CARTE]",
    "nir": "[NIR]",
    "phone": "[TÉLÉPHONE]",
    "address": "[ADRESSE]",
    "person": "[NOM]",
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_NIR = re.compile(
    r"\b([12])[ .-]?(\d{2})[ .-]?(0[1-9]|1[0-2]|[2-9]\d)[ .-]?(\d{2}|2[AB])[ .-]?(\d{3})"
    r"[ .-]?(\d{3})(?:[ .-]?(\d{2}))?\b",
    re.I,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{1,3}[ .-]?(?:\(0\)[ .-]?)?\d(?:[ .-]?\d{1,4}){2,5}"
    r"|0[1-9](?:[ .-]?\d{2}){4})(?!\w)"
)
_STREET_TYPES = (
    r"rue|avenue|av\.|boulevard|bd|place|pl\.|allée|allee|impasse|chemin|route|quai|cours|square|"
    r"passage|sentier|résidence|residence|villa|cité|cite|rond-point|voie|promenade|esplanade|hameau"
)
_LINK = r"(?:(?i:de la|de l'|des|d[eu']|du|l'|la|le|les)\s*)?"
_ADDRESS = re.compile(  # the street's first word in any case, further words capitalised
    rf"\b\d{{1,4}}(?:\s?(?i:bis|ter|quater|[a-d]))?,?\s+(?i:{_STREET_TYPES})\b"
    rf"\s+{_LINK}[\w'’-]+(?:\s+{_LINK}[A-ZÀ-Ý][\w'’-]*){{0,4}}"
    r"(?:,?\s+\d{5}(?:\s+[A-ZÀ-Ý][\w'’-]*(?:[\s-][A-ZÀ-Ý][\w'’-]*){0,3})?)?"
)


def luhn_ok(digits: str) -> bool:
    """Whether a card number's Luhn checksum holds."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """Whether an IBAN's mod-97 checksum holds."""
    compact = re.sub(r"\s", "", text).upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def nir_ok(match: re.Match[str]) -> bool:
    """Whether a French social security number's key holds (or it has no key)."""
    sex, year, month, department, commune, order, key = match.groups()
    if key is None:
        return True
    department_number = department.upper().replace("2A", "19").replace("2B", "18")
    number = int(f"{sex}{year}{month}{department_number}{commune}{order}")
    return 97 - number % 97 == int(key)


@dataclass
class Redaction:
    """The redacted text and how many items of each kind were replaced."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)


NameFinder = Callable[[str], list[tuple[int, int]]]


class Redactor:
    """Replaces personal data with placeholders; person names need a NameFinder (spaCy)."""

    def __init__(self, find_names: NameFinder | None = None) -> None:
        self.find_names = find_names

    def redact(self, text: str) -> Redaction:
        """The text with every detected item replaced by its placeholder."""
        result = Redaction(text)
        # Order matters: the most specific patterns first, so that a card or IBAN is not taken
        # for a phone number.
        self._replace(result, "email", _EMAIL, None)
        self._replace_iban(result)
        self._replace(result, "nir", _NIR, nir_ok)
        self._replace(result, "card", _CARD, lambda m: _card_ok(m.group(0)))
        self._replace(result, "phone", _PHONE, lambda m: _phone_ok(m.group(0)))
        self._replace(result, "address", _ADDRESS, None)
        if self.find_names is not None:
            self._replace_spans(result, "person", self.find_names(result.text))
        return result

    @staticmethod
    def _replace(
        result: Redaction,
        kind: str,
        pattern: re.Pattern[str],
        valid: Callable[[re.Match[str]], bool] | None,
    ) -> None:
        def substitute(match: re.Match[str]) -> str:
            if valid is not None and not valid(match):
                return match.group(0)
            result.counts[kind] += 1
            return PLACEHOLDERS[kind]

        result.text = pattern.sub(substitute, result.text)

    @staticmethod
    def _replace_iban(result: Redaction) -> None:
        """IBANs; a match that ran into the next word is cut back to its longest valid prefix."""

        def substitute(match: re.Match[str]) -> str:
            candidate = match.group(0)
            for end in range(len(candidate), 14, -1):
                if candidate[end - 1] != " " and iban_ok(candidate[:end]):
                    result.counts["iban"] += 1
                    return PLACEHOLDERS["iban"] + candidate[end:]
            return candidate

        result.text = _IBAN.sub(substitute, result.text)

    @staticmethod
    def _replace_spans(result: Redaction, kind: str, spans: list[tuple[int, int]]) -> None:
        text = result.text
        for start, end in sorted(spans, reverse=True):
            if "[" in text[start:end]:  # never cut into a placeholder
                continue
            text = text[:start] + PLACEHOLDERS[kind] + text[end:]
            result.counts[kind] += 1
        result.text = text


def _card_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    # 15 (Amex), 16 (Visa, Mastercard, CB) or 19 (some Maestro) digits: a 14-digit SIRET is not
    # a card, even though it also passes Luhn.
    return len(digits) in (15, 16, 19) and luhn_ok(digits)


def _phone_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 9 <= len(digits) <= 15
