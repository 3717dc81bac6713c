"""Rule-made variants of real sheet sentences for the verifier benchmark (no model involved).

Faithful variants keep the meaning: clauses reordered, synonyms from a small table, a trailing
subordinate clause without a condition dropped, a number, amount, percentage, date or phone
number written another way ("15 jours" → "quinze jours", "1er janvier 2025" → "01/01/2025"). Unfaithful ones change it: negation flipped, a
number or a date changed, an organisation or a commune swapped, a condition dropped, or a
statement the passage does not make appended. Each function returns None when it does not apply.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chatbot.text.lexical import fold, tokenize
from chatbot.text.sentences import is_claim, split_sentences

Perturb = Callable[[str, str, random.Random], str | None]
_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()  # noqa: SIM905  # fmt: skip
_MONTH = "|".join(_MONTHS)
_CONDITION = re.compile(r"\b(?:si|s'il|s'ils|sauf|lorsque|lorsqu'|quand|seulement|uniquement|à condition|sous réserve|en cas)\b", re.IGNORECASE)  # fmt: skip
_NEGATED = re.compile(r"\b(?:ne|n')\s*(\S+)\s+(?:pas|plus|jamais)\b")
_VERB = re.compile(r"(?<=\s)(peut|peuvent|pouvez|doit|doivent|devez|sont|est|avez|ont|a|êtes|faut|permet|permettent|bénéficiez|bénéficie|reçoit|recevez|dispose|disposez|prend|verse|versée?s?)(?=\s)")  # fmt: skip
_SYNONYMS = [("afin de", "pour"), ("afin d'", "pour "), ("vous devez", "il vous faut"),
             ("vous pouvez", "vous avez la possibilité de"), ("également", "aussi"),
             ("notamment", "en particulier"), ("lorsque", "quand"), ("lorsqu'", "quand "),
             ("toutefois", "cependant"), ("permet de", "donne la possibilité de"),
             ("permet d'", "donne la possibilité d'"), ("mairie", "hôtel de ville"),
             ("démarche", "formalité"), ("formulaire", "imprimé"), ("obtenir", "recevoir"),
             ("nécessaire", "indispensable"), ("auprès de", "chez"), ("concernant", "sur"),
             ("gratuitement", "sans frais"), ("peut être", "est susceptible d'être")]  # fmt: skip
_ENTITIES = [["Caf", "MSA", "CPAM", "Urssaf", "France Travail", "Pôle emploi", "ANTS", "Anah", "Cnil"],
             ["Paris", "Massy", "Palaiseau", "Orsay", "Les Ulis", "Gif-sur-Yvette", "Lyon", "Marseille"],
             ["mairie", "préfecture", "tribunal", "notaire", "commissariat", "consulat"]]  # fmt: skip
_APPENDED = [", et cette démarche est entièrement gratuite", ", dans un délai de 30 jours",
             ", et vous devez fournir un justificatif de domicile de moins de 3 mois",
             ", et la réponse vous est envoyée par courrier sous 15 jours",
             ", même pour les personnes de nationalité étrangère",
             ", et un rendez-vous à la mairie de Palaiseau est obligatoire",
             ", y compris le dimanche", ", ce qui est remboursé à 100 % par l'Assurance maladie"]  # fmt: skip
_LEADS = r"Si|Lorsque|Lorsqu'|Quand|En cas d[e']|Pour|Dans|À partir d[eu']|Depuis|Avant|Après|Selon|Pendant|Dès|En"  # fmt: skip


@dataclass(frozen=True)
class Example:
    """One variant to verify, with the passage it is checked against."""

    perturbation: str
    faithful: bool
    original: str
    variant: str
    passage: str
    source: str


def _lower_first(text: str) -> str:
    """Lower-case the first word unless it is a name or an acronym."""
    first = re.split(r"[\s']", text, maxsplit=1)[0]
    named = any(first in group for group in _ENTITIES) or first[1:2].isupper()
    return text if named else text[0].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def reorder(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Move a leading adverbial clause to the end, or a trailing "si…" clause to the front."""
    lead = re.match(rf"^((?:{_LEADS})\b[^,]{{3,90}}), (.{{15,}})\.$", sentence)
    if lead:
        return f"{_upper_first(lead.group(2))} {lead.group(1)[0].lower()}{lead.group(1)[1:]}."
    trail = re.match(r"^(.{15,}?), (si|lorsque|lorsqu'|quand|dès que) ([^,]{5,})\.$", sentence)
    if trail:
        return f"{_upper_first(trail.group(2))} {trail.group(3)}, {_lower_first(trail.group(1))}."
    return None


def synonyms(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Replace every phrase of the synonym table."""
    variant = sentence
    for phrase, other in _SYNONYMS:
        variant = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", other, variant)
    return variant if variant != sentence else None


def shortened(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Drop a trailing relative, purpose or example clause, or parenthesis, without a condition."""
    match = re.match(r"^(.{25,}?)(, (?:qui|dont|où|notamment|par exemple|c'est-à-dire|ce qui|afin d|pour|en particulier|comme) .+|\s*\([^()]+\))\.$", sentence)  # fmt: skip
    if not match or _CONDITION.search(match.group(2)) or len(match.group(1).split()) < 5:
        return None
    return match.group(1).rstrip(" ,") + "."


_UNITS = "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf".split()  # noqa: SIM905  # fmt: skip
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def french_words(n: int) -> str:
    """A number below a million in French words (1990 spelling without hyphens between all)."""
    if n < 20:
        return _UNITS[n]
    if n < 70:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + ("" if unit == 0 else " et un" if unit == 1 else f"-{_UNITS[unit]}")
    if n < 100:
        base, rest = ("soixante", n - 60) if n < 80 else ("quatre-vingt", n - 80)
        return base + ("s" if n == 80 else " et onze" if n == 71 else f"-{_UNITS[rest]}" if rest else "")  # fmt: skip
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent{'s' if rest == 0 else ''}"
        return head + (f" {french_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "mille" if thousands == 1 else f"{french_words(thousands)} mille"
    return head + (f" {french_words(rest)}" if rest else "")


def reformatted(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Write one number, amount, percentage, date or phone number another way."""
    months = {m: i for i, m in enumerate(_MONTHS, 1)}
    rules: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (rf"\b(1er|\d{{1,2}}) ({_MONTH}) (\d{{4}})\b", lambda m: f"{int(m.group(1).replace('er', '')):02d}/{months[m.group(2)]:02d}/{m.group(3)}"),
        (r"\b0(\d) (\d\d) (\d\d) (\d\d) (\d\d)\b", lambda m: ".".join(["0" + m.group(1), *m.groups()[1:]])),
        (r"(?<=\d) ?€", lambda m: " euros"), (r"(?<=\d) euros\b", lambda m: " €"),
        (r"(?<=\d) ?%", lambda m: " pour cent"),
        (r"(?<![\w,./])(\d{1,3}(?: \d{3})?)(?= (?:jours?|mois|ans?|semaines?|heures?|euros|€|%|personnes|enfants))", lambda m: french_words(int(m.group(1).replace(" ", "")))),
    ]  # fmt: skip
    rng.shuffle(rules)
    for pattern, replace in rules:
        variant = re.sub(pattern, replace, sentence, count=1)
        if variant != sentence:
            return variant
    return None


def negation(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Remove a ne… pas/plus/jamais, or put one around the first common verb."""
    if _NEGATED.search(sentence):
        return _NEGATED.sub(r"\1", sentence, count=1)
    for word, other in (("interdit", "autorisé"), ("impossible", "possible")):
        if re.search(rf"\b{word}\b", sentence):
            return re.sub(rf"\b{word}\b", other, sentence, count=1)
    if re.search(r"\bc'est\b", sentence, re.IGNORECASE):
        return re.sub(r"\b([Cc])'est\b", r"\1e n'est pas", sentence, count=1)
    verb = _VERB.search(sentence)
    if not verb:
        return None
    negated = f"n'{verb.group()}" if verb.group()[0] in "aeéêiou" else f"ne {verb.group()}"
    return f"{sentence[: verb.start()]}{negated} pas{sentence[verb.end() :]}"


def _is_date_number(sentence: str, match: re.Match[str]) -> bool:
    after, before = sentence[match.end() : match.end() + 14], sentence[max(0, match.start() - 3) : match.start()]  # fmt: skip
    year = (
        match.group().isdigit() and len(match.group()) == 4 and 1900 <= int(match.group()) <= 2100
    )
    return year or bool(re.match(rf"\s*(?:er)?\s*(?:{_MONTH})", after) or re.search(r"[/.-]$", before) or re.match(r"[/.-]\d", after))  # fmt: skip


def number(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Change a number (digits or a French word), not a date's."""
    for match in re.finditer(r"(?<![\w/.,])\d+(?:[ ,]\d+)?(?![\w/])", sentence):
        if _is_date_number(sentence, match):
            continue
        digits = match.group().replace(" ", "").replace(",", ".")
        value = float(digits)
        new = value + rng.choice([1, 2, 3, 5, 10]) if rng.random() < 0.7 else value * 2 + 1
        text = f"{new:g}".replace(".", ",") if "," in match.group() else str(int(new))
        return sentence[: match.start()] + text + sentence[match.end() :]
    words = ["deux", "trois", "quatre", "cinq", "six", "huit", "dix", "quinze", "trente"]
    for word in words:
        if re.search(rf"\b{word}\b", sentence):
            other = rng.choice([w for w in words if w != word])
            return re.sub(rf"\b{word}\b", other, sentence, count=1)
    return None


def date(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Change a date's day, month or year (or a year after en/depuis/avant/après)."""
    match = re.search(rf"\b(\d{{1,2}}|1er)\s+({_MONTH})(\s+\d{{4}})?", sentence)
    if match:
        day, month, year = match.group(1), match.group(2), match.group(3)
        choice = rng.choice(["day", "month", "year"] if year else ["day", "month"])
        if choice == "day":
            day = str(int(day.replace("er", "")) % 27 + rng.randint(1, 2))
        elif choice == "month":
            month = rng.choice([m for m in _MONTHS if m != month])
        else:
            year = f" {int(year) + rng.choice([-1, 1, 2])}"
        return f"{sentence[: match.start()]}{day} {month}{year or ''}{sentence[match.end() :]}"
    numeric = re.search(r"\b(\d{2})/(\d{2})/(\d{4})\b", sentence)
    if numeric:
        return f"{sentence[: numeric.start()]}{numeric.group(1)}/{int(numeric.group(2)) % 12 + 1:02d}/{numeric.group(3)}{sentence[numeric.end() :]}"  # fmt: skip
    year_match = re.search(r"\b(?:en|depuis|avant|après|jusqu'en|année)\s+(19\d\d|20\d\d)\b", sentence)  # fmt: skip
    if year_match:
        year = str(int(year_match.group(1)) + rng.choice([-2, -1, 1, 2]))
        return sentence[: year_match.start(1)] + year + sentence[year_match.end(1) :]
    month_match = re.search(rf"\b(?:en|au mois de|d'|de)\s+({_MONTH})\b", sentence)
    if month_match:
        other = rng.choice([m for m in _MONTHS if m != month_match.group(1)])
        return sentence[: month_match.start(1)] + other + sentence[month_match.end(1) :]
    return None


def entity(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Swap an organisation, a commune or an office for another the passage does not name."""
    for group in _ENTITIES:
        for name in group:
            match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence)
            if match:
                others = [o for o in group if o != name and fold(o) not in fold(passage)]
                other = rng.choice(others)
                return sentence[: match.start()] + other + sentence[match.end() :]
    return None


def condition_dropped(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Remove a "sauf…" clause, a leading or trailing "si…" clause, or "seulement/uniquement"."""
    patterns = [(r",?\s*\(?sauf\b[^,.;)]*\)?", ""), (r"^(?:Si|Lorsque|Lorsqu'|Sauf si)\b[^,]{3,120},\s*", ""),
                (r",?\s+(?:si|lorsque|lorsqu'|à condition d[e'])\b[^,;]*(?=[.;,]|$)", ""),
                (r"\s+(?:seulement|uniquement)\b", "")]  # fmt: skip
    for pattern, replacement in patterns:
        variant = re.sub(pattern, replacement, sentence, count=1).strip()
        if variant != sentence and len(variant.split()) >= 4:
            variant = variant if variant.endswith(".") else variant.rstrip(" ,") + "."
            return _upper_first(variant)
    return None


def appended(sentence: str, passage: str, rng: random.Random) -> str | None:
    """Append a statement the passage does not make."""
    options = [a for a in _APPENDED if not set(tokenize(a)) <= set(tokenize(passage))]
    return sentence[:-1].rstrip() + rng.choice(options) + "." if options else None


FAITHFUL: dict[str, Perturb] = {"reorder": reorder, "synonyms": synonyms, "shortened": shortened,
                                "reformatted": reformatted}  # fmt: skip
UNFAITHFUL: dict[str, Perturb] = {"negation": negation, "number": number, "date": date,
                                  "entity": entity, "condition_dropped": condition_dropped,
                                  "appended": appended}  # fmt: skip


def sheet_sentences(fiches: Path) -> list[tuple[str, str, str]]:
    """(sheet, sentence, passage) for every plain claim sentence; the passage is the sentence
    with its neighbours, as the sheet writes them."""
    found = []
    for path in sorted(fiches.glob("*.txt")):
        lines = split_sentences(path.read_text(encoding="utf-8"))
        for index, line in enumerate(lines):
            sentence = re.sub(r"\s+", " ", line).strip()
            words = len(sentence.split())
            if sentence.endswith(".") and 6 <= words <= 60 and is_claim(sentence):
                passage = "\n".join(lines[max(0, index - 1) : index + 2])
                found.append((path.stem, sentence, passage))
    return found


def build_examples(fiches: Path, per_type: int, seed: int) -> list[Example]:
    """Up to `per_type` variants of each kind, from sentences taken in a seeded random order."""
    rng = random.Random(seed)
    sentences = sheet_sentences(fiches)
    rng.shuffle(sentences)
    kinds = [(name, True, f) for name, f in FAITHFUL.items()] + [(name, False, f) for name, f in UNFAITHFUL.items()]  # fmt: skip
    counts = dict.fromkeys(FAITHFUL | UNFAITHFUL, 0)
    examples = []
    for source, sentence, passage in sentences:
        if all(count >= per_type for count in counts.values()):
            break
        for name, faithful, perturb in kinds:
            if counts[name] >= per_type:
                continue
            variant = perturb(sentence, passage, rng)
            if variant and variant != sentence:
                examples.append(Example(name, faithful, sentence, variant, passage, source))
                counts[name] += 1
    return examples
