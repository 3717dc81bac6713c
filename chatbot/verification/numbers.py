"""Numbers as the verifier reads them: number words in digits, digit groups, units, months.

`normalise` folds accents and case, writes French and English number words in digits ("quinze
jours" → "15 jours", "deux cent cinquante" → "250", "vingt et un" → "21"), "pour cent",
"percent" or "por ciento" as "%", and joins split ordinals ("1 er janvier" → "1er janvier").
"un", "une", "one" and "neuf" are numbers only before a unit ("un an", not "une demande").
"""

from __future__ import annotations

import re
from decimal import Decimal

from chatbot.text.lexical import fold

_NUMBER_WORDS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90, "quatrevingt": 80, "quatrevingts": 80, "cent": 100,
    "cents": 100, "mille": 1000, "million": 10**6, "millions": 10**6, "milliard": 10**9,
    "milliards": 10**9, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000,
}  # fmt: skip
_SPANISH_PORTUGUESE = (  # words shared with French ("onze", "quinze") are already above
    "uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento mil "
    "um uma dois duas quatro sete oito nove dez doze treze catorze vinte trinta quarenta "
    "sessenta oitenta cem cento"
)
_SP_VALUES = [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 30, 40, 50, 60, 70, 80, 90,
              100, 100, 1000, 1, 1, 2, 2, 4, 7, 8, 9, 10, 12, 13, 14, 20, 30, 40, 60, 80, 100, 100]  # fmt: skip
_NUMBER_WORDS.update(zip(_SPANISH_PORTUGUESE.split(), _SP_VALUES, strict=True))
# Numbers only before a unit: "un an" but "une demande", "dos meses" but "au dos", "très".
_AMBIGUOUS_WORDS = {"un", "une", "one", "neuf", "cents", "uno", "una", "um", "uma", "dos", "tres", "once", "sete", "mil"}  # fmt: skip
_CONNECTORS = {"et", "and", "y", "e"}
UNITS = {
    "euro": "€ euro euros eur",
    "percent": "%",
    "day": "jour jours day days dia dias",
    "week": "semaine semaines week weeks semana semanas",
    "month": "mois month months mes meses",
    "year": "an ans annee annees year years ano anos",
    "hour": "h heure heures hour hours hora horas",
    "minute": "min minute minutes minuto minutos",
}
UNIT_OF = {word: unit for unit, words in UNITS.items() for word in words.split()}
MONTHS = {
    **dict.fromkeys(["janvier", "january", "enero", "janeiro"], 1),
    **dict.fromkeys(["fevrier", "february", "febrero", "fevereiro"], 2),
    **dict.fromkeys(["mars", "march", "marzo", "marco"], 3),
    **dict.fromkeys(["avril", "april", "abril"], 4),
    **dict.fromkeys(["mai", "may", "mayo", "maio"], 5),
    **dict.fromkeys(["juin", "june", "junio", "junho"], 6),
    **dict.fromkeys(["juillet", "july", "julio", "julho"], 7),
    **dict.fromkeys(["aout", "august", "agosto"], 8),
    **dict.fromkeys(["septembre", "september", "septiembre", "setiembre", "setembro"], 9),
    **dict.fromkeys(["octobre", "october", "octubre", "outubro"], 10),
    **dict.fromkeys(["novembre", "november", "noviembre", "novembro"], 11),
    **dict.fromkeys(["decembre", "december", "diciembre", "dezembro"], 12),
}
MONTH_PATTERN = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"


def decimal_readings(number: str) -> frozenset[Decimal]:
    """'1 500,5' → {1500.5}; '1.500' or '1,500' → {1500, 1.5}; '12.5' → {12.5}."""
    number = number.replace(" ", "")
    match = re.fullmatch(r"(\d+)([.,])(\d+)", number)
    if not match:
        return frozenset({Decimal(number)})
    whole, _, fraction = match.groups()
    readings = {Decimal(f"{whole}.{fraction}")}
    if len(fraction) == 3 and whole != "0":
        readings.add(Decimal(whole + fraction))
    return frozenset(readings)


def _words_to_digits(text: str) -> str:
    """'quinze jours' → '15 jours', 'deux cent cinquante euros' → '250 euros'."""
    text = re.sub(r"\bquatre[- ]vingts?\b", "quatrevingt", text)
    text = re.sub(rf"\b(?:premier|first) {MONTH_PATTERN}", r"1 \g<month>", text)
    tokens = list(re.finditer(r"[a-z]+", text))
    pieces: list[str] = []
    position = index = 0
    while index < len(tokens):
        end = index
        while end < len(tokens) and _continues_run(text, tokens, index, end):
            end += 1
        words = [t.group() for t in tokens[index:end] if t.group() not in _CONNECTORS]
        if words and _convertible(words, text[tokens[end - 1].end() :]):
            pieces += [text[position : tokens[index].start()], str(_number_value(words))]
            position = tokens[end - 1].end()
        index = max(end, index + 1)
    return "".join([*pieces, text[position:]])


def _continues_run(text: str, tokens: list[re.Match[str]], start: int, index: int) -> bool:
    word = tokens[index].group()
    if index > start and not re.fullmatch(r"[ -]", text[tokens[index - 1].end() : tokens[index].start()]):  # fmt: skip
        return False
    if word in _CONNECTORS:  # "vingt et un", "treinta y uno", "hundred and five", "cento e dez"
        following = tokens[index + 1].group() if index + 1 < len(tokens) else ""
        previous = tokens[index - 1].group() if index > start else ""
        before, after = _NUMBER_WORDS.get(previous, 0), _NUMBER_WORDS.get(following, 100)
        return (before >= 20 and before % 10 == 0 and after <= 11) or (before in (100, 1000) and after < 100)  # fmt: skip
    return word in _NUMBER_WORDS


def _convertible(words: list[str], after: str) -> bool:
    if all(_NUMBER_WORDS[w] >= 10**6 for w in words) or words[0] == "cents":
        return False  # "2 millions" is read with its digits; "cents" alone is a coin
    if len(words) == 1 and words[0] in _AMBIGUOUS_WORDS:
        following = re.match(r" ?(?:d')?([a-z%€]+)", after)
        return bool(following and following.group(1) in UNIT_OF)
    return True


def _number_value(words: list[str]) -> int:
    total = current = 0
    for word in words:
        value = _NUMBER_WORDS[word]
        if value == 100:
            current = (current or 1) * 100
        elif value == 1000:
            total, current = total + (current or 1) * 1000, 0
        elif value >= 10**6:
            total, current = (total + (current or 1)) * value, 0
        else:
            current += value
    return total + current


def normalise(text: str) -> str:
    """Fold accents and case, spell numbers in digits, one space between words."""
    text = re.sub(r"\b[nN] ?[°º] ?(?=\d)", "numero ", text.replace("’", "'").replace("ʼ", "'"))
    text = re.sub(r"[º°ª]", "", text)
    text = fold(re.sub(r"[\s\u00a0\u202f]+", " ", text))
    text = re.sub(r" ?\b(?:pour ?cent|percent|per cent|por ciento|por cento)\b", " %", text)
    text = _words_to_digits(text)
    return re.sub(r"(\d) (er|re|ere|eme|e)\b(?! ?\d)", r"\1\2", text)
