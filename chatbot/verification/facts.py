"""Hard facts of a sentence (numbers, amounts, dates, phones, e-mails, URLs, names) and which of
them its cited passage lacks.

Both texts are normalised the same way before the facts are read: accents folded, number words
turned into digits ("quinze jours" → "15 jours", French and English words), "pour cent" /
"percent" / "por ciento" → "%", "1 er janvier" → "1er janvier". A fact is then a quantity (a value
with an optional unit: euro, percent, day, week, month, year, hour, minute), a date (day, month,
year, each optional), a range ("de 1 à 3 mois"), a phone number (ten digits, +33 folded), an
e-mail, a URL, a public office ("mairie" = "hôtel de ville" = "town hall") or a name (a capitalised
word inside a sentence, or an acronym). Digit groups are read the French way ("1 500,50"); an
ambiguous "1.500" or "1,500" may be either reading. A number with a unit needs the same unit in
the passage; a bare number matches any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from chatbot.text.lexical import fold
from chatbot.verification.numbers import MONTH_PATTERN, MONTHS, UNIT_OF, decimal_readings, normalise

_ORDINAL = r"(?:er|re|ere|eme|e|st|nd|rd|th|o|a)?"
_NUM = r"\d{1,3}(?: \d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"»)]+|\b[\w-]+(?:\.[\w-]+)*\.(?:fr|gouv\.fr|com|org|net|eu)\b(?:/[^\s<>\"»)]*)?", re.IGNORECASE)  # fmt: skip
_PHONE = re.compile(r"(?<![\d,.])(?:\+33 ?(?:\(0\) ?)?|0)[1-9](?:[ .-]?\d){8}(?![\d])")
_DATE_NUMERIC = re.compile(r"(?<![\d.,/])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d/])")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DATE_DAY_FIRST = re.compile(rf"(?<![\d,.])(?P<day>\d{{1,2}}){_ORDINAL} (?:de )?{MONTH_PATTERN}\b(?: (?:de |del )?(?P<year>\d{{4}})\b)?")  # fmt: skip
_LONE_MONTH_EXCLUDED = {"may", "march", "marco"}  # verbs or nouns when alone
_EN_MONTH = "(?P<month>january|february|march|april|may|june|july|august|september|october|november|december)"
_DATE_MONTH_FIRST = re.compile(rf"\b{_EN_MONTH} (?P<day>\d{{1,2}}){_ORDINAL}\b(?:,? (?P<year>\d{{4}})\b)?")  # fmt: skip
_DATE_MONTH_YEAR = re.compile(rf"\b{MONTH_PATTERN} (?:de |del )?(?P<year>\d{{4}})\b")
_DATE_MONTH = re.compile(rf"\b{MONTH_PATTERN}\b")
_TIME = re.compile(r"(?<![\d,.])(\d{1,2}) ?(?:h|:|heures?) ?(\d{2})(?![\d])")
_UNIT_WORDS = "|".join(sorted((re.escape(w) for w in UNIT_OF), key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?<![^\W\d_])(?<![\d,.])(?P<num>{_NUM})(?!\d)"
    r"(?: ?(?P<mult>millions?|milliards?|billions?|mil|millones|milhoes|milhao|millon)\b)?"
    rf"(?:(?: ?(?:de |d'|of )?(?P<unit>{_UNIT_WORDS})(?![^\W\d_]))|{_ORDINAL}(?![^\W\d_]))"
)
_RANGE = re.compile(r"^ ?(?:(?:a|au|et|ou|to|and|or|y|e|o) |[-–/] ?)(?:de )?$")
_MULTIPLIERS = {"mil": 1000, "billion": 10**9, "billions": 10**9}
_ENTITY = re.compile(r"(?<!\w)[A-ZÀ-Þ][\w'’-]*|\b[A-Z]{2,}\b")
_NOT_ENTITIES = set(
    """le la les l un une des de du d vous il elle ils elles on nous je si en au aux pour par
    sur dans avec sans ce cet cette ces votre vos son sa ses leur leurs et ou mais donc car
    attention exemple a the an you your if in on for with to of and or but this these those it
    its we they he she i el los las lo una usted su sus y o del da do das dos no na nos nas em
    um uma voce seu sua se e lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday
    wednesday thursday friday saturday sunday m mme mr mrs monsieur madame oui non yes""".split()  # noqa: SIM905
) | set(MONTHS)  # fmt: skip
_SENTENCE_START = re.compile(r"(?:^|[.!?:;•«\"“\n]\s*|\s[-–]\s)$")
OFFICES = {  # a public office, and its names (folded) in French, English, Spanish, Portuguese
    "mairie": "mairie|hotel de ville|town hall|city hall|ayuntamiento|camara municipal",
    "prefecture": "(?<!sous-)(?<!sub-)prefecture|prefectura|prefeitura",
    "sous-prefecture": "sous-prefecture|sub-prefecture|subprefectura",
    "tribunal": "tribunal|juzgado|courthouse",
    "notaire": "notaire|notary|notario",
    "commissariat": "commissariat|police station|comisaria|delegacia",
    "gendarmerie": "gendarmerie",
    "consulat": "consulat|consulate|consulado",
    "ambassade": "ambassade|embassy|embajada|embaixada",
    "commissaire de justice": "commissaire de justice|huissier|bailiff",
    "avocat": "avocat|lawyer|attorney|abogado|advogado",
}
_OFFICE = re.compile("|".join(rf"(?P<o{i}>\b(?:{names})s?\b)" for i, names in enumerate(OFFICES.values())))  # fmt: skip


@dataclass(frozen=True)
class Fact:
    """One checkable fact: its kind, how it reads once normalised, and its comparable value."""

    kind: str  # quantity kinds: "amount", "percent", "duration", "time", "number"; else
    text: str  # "date", "phone", "email", "url", "name"
    value: tuple[object, ...]

    def found_in(self, facts: Iterable[Fact]) -> bool:
        """Whether a passage's facts hold this one (a bare number matches any unit)."""
        return any(_matches(self, other) for other in facts)


def _matches(fact: Fact, other: Fact) -> bool:
    if fact.value[0] in ("quantity", "range") and fact.value[0] == other.value[0]:
        *values, unit = fact.value[1:]
        *other_values, other_unit = other.value[1:]
        same = all(a & b for a, b in zip(values, other_values, strict=True))  # type: ignore[operator]
        return same and unit in (None, other_unit)
    if fact.value[0] == "date" == other.value[0]:
        return all(a is None or a == b for a, b in zip(fact.value[1:], other.value[1:], strict=True))  # fmt: skip
    if fact.kind == "url" == other.kind:
        mine, theirs = str(fact.value[1]), str(other.value[1])
        return theirs == mine or theirs.startswith(mine.rstrip("/") + "/")
    return fact.value == other.value


def _date(day: str | None, month: int | None, year: str | None, text: str) -> Fact:
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    return Fact("date", text, ("date", None if day is None else int(day), month, full_year))


def _quantity(match: re.Match[str]) -> Fact:
    readings = decimal_readings(match.group("num"))
    multiplier = match.group("mult")
    if multiplier:
        factor = _MULTIPLIERS.get(multiplier, 10**9 if multiplier.startswith("milliard") else 10**6)  # fmt: skip
        readings = frozenset(r * factor for r in readings)
    unit = UNIT_OF.get(match.group("unit") or "")
    kind = {"euro": "amount", "percent": "percent", "hour": "time", None: "number"}.get(unit, "duration")  # fmt: skip
    kind = "postcode" if kind == "number" and re.fullmatch(r"\d{5}", match.group("num")) else kind
    return Fact(kind, match.group().strip(), ("quantity", readings, unit))


def extract_facts(text: str, names: bool = True) -> list[Fact]:
    """Every hard fact of a text; `names` False leaves out capitalised words (not acronyms)."""
    facts: list[Fact] = []
    for match in _EMAIL.finditer(text):
        facts.append(Fact("email", match.group(), ("email", match.group().lower())))
    text = _EMAIL.sub(" ", text)
    for match in _URL.finditer(text):
        url = re.sub(r"^(?:https?://)?(?:www\.)?", "", match.group().lower()).rstrip("/.,;:")
        facts.append(Fact("url", match.group(), ("url", url)))
    text = _URL.sub(" ", text)
    facts += _names(text, acronyms_only=not names)
    work = normalise(text)
    facts += _offices(work)
    for match in _PHONE.finditer(work):
        digits = re.sub(r"\D", "", match.group())
        digits = "0" + digits[2:] if match.group().startswith("+") else digits
        facts.append(Fact("phone", match.group(), ("phone", digits)))
    work = _PHONE.sub(lambda m: " " * len(m.group()), work)
    for pattern in (_DATE_ISO, _DATE_NUMERIC):
        for match in pattern.finditer(work):
            year, month, day = match.groups() if pattern is _DATE_ISO else match.groups()[::-1]
            if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
                facts.append(_date(day, int(month), year, match.group()))
                work = work[: match.start()] + " " * len(match.group()) + work[match.end() :]
    for pattern in (_DATE_DAY_FIRST, _DATE_MONTH_FIRST, _DATE_MONTH_YEAR):
        for match in pattern.finditer(work):
            groups = match.groupdict()
            facts.append(_date(groups.get("day"), MONTHS[groups["month"]], groups.get("year"), match.group()))  # fmt: skip
        work = pattern.sub(lambda m: " " * len(m.group()), work)
    for match in _DATE_MONTH.finditer(work):
        if match.group() not in _LONE_MONTH_EXCLUDED:
            facts.append(_date(None, MONTHS[match.group()], None, match.group()))
    for match in _TIME.finditer(work):
        hours = Decimal(match.group(1)) + Decimal(match.group(2)) / 60
        facts.append(Fact("time", match.group(), ("quantity", frozenset({hours}), "hour")))
    work = _TIME.sub(lambda m: " " * len(m.group()), work)
    facts += _quantities(work)
    return facts


def _quantities(work: str) -> list[Fact]:
    """Quantities, and ranges: "de 1 à 10 mois" is 1 month, 10 months and the range 1-10."""
    matches = list(_QUANTITY.finditer(work))
    facts = [_quantity(m) for m in matches]
    ranges = []
    for index in range(len(facts) - 1, 0, -1):
        low, high = facts[index - 1], facts[index]
        between = work[matches[index - 1].end() : matches[index].start()]
        if low.value[2] in (None, high.value[2]) and _RANGE.match(between):
            facts[index - 1] = low = Fact(high.kind, low.text, (*low.value[:2], high.value[2]))
            text = f"{low.text}{between}{high.text}"
            ranges.append(Fact("range", text, ("range", low.value[1], high.value[1], high.value[2])))  # fmt: skip
    return facts + ranges[::-1]


def _names(text: str, acronyms_only: bool) -> list[Fact]:
    """Capitalised words inside a sentence, and acronyms anywhere (folded for comparison)."""
    names = []
    for match in _ENTITY.finditer(text):
        word = match.group().strip("'’-")
        folded = fold(word)
        acronym = len(word) >= 2 and word.isupper() and word.isalpha()
        if folded in _NOT_ENTITIES or len(folded) < 2 or not word[:1].isalpha():
            continue
        if not acronym and (acronyms_only or _SENTENCE_START.search(text[: match.start()])):
            continue
        names.append(Fact("name", word, ("name", folded)))
    return names


def _offices(work: str) -> list[Fact]:
    """Public offices named in a normalised text, by their canonical French name."""
    canonical = list(OFFICES)
    return [Fact("office", m.group(), ("office", canonical[int(str(m.lastgroup)[1:])])) for m in _OFFICE.finditer(work)]  # fmt: skip


def _word_string(text: str) -> str:
    """The words of a text between single spaces, with a space at each end."""
    return " " + " ".join(re.findall(r"[^\W_]+", text)) + " "


def missing_facts(sentence: str, passage: str, names: bool = True) -> list[Fact]:
    """The facts of the sentence that the passage does not hold, in the sentence's order.

    A date's year may stand apart in the passage ("le 1er janvier … en 2025"), and the year of
    a passage's date counts as a number ("en 2025" is backed by "1er janvier 2025").
    """
    available = extract_facts(passage)
    years = {int(str(f.value[3])) for f in available if f.kind == "date" and f.value[3]}
    available += [_number(year) for year in years]
    words = _word_string(fold(passage))
    missing = []
    for fact in extract_facts(sentence, names=names):
        if fact.kind == "name":
            found = _word_string(str(fact.value[1])) in words
        else:
            found = fact.found_in(available)
            if not found and fact.kind == "date" and fact.value[3] is not None:
                undated = Fact("date", fact.text, (*fact.value[:3], None))
                found = undated.found_in(available) and _number(int(str(fact.value[3]))).found_in(available)  # fmt: skip
        if not found:
            missing.append(fact)
    return missing


def _number(value: int) -> Fact:
    return Fact("number", str(value), ("quantity", frozenset({Decimal(value)}), None))
