"""Redaction measured on generated messages: recall per kind of personal data, false positives.

    python -m eval.redaction_benchmark [--messages 400] [--seed 7] [--no-names] [--json]

Messages are written from French templates with planted personal data whose values are valid
(NIR key, IBAN mod 97, Luhn), in the forms residents type them. Half as many clean messages
carry the usual traps (amounts, dates, postal codes, form numbers, place names). An item counts
as caught when its value no longer appears in the redacted text; a false positive is a clean
message that the redactor changed.
"""

from __future__ import annotations

import argparse
import json
import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatbot.privacy.redaction import Redactor, luhn_ok

FIRST = ["Marie", "Jean", "Camille", "Nicolas", "Sophie", "Thomas", "Léa", "Julien", "Chloé",
         "Mohamed", "Fatima", "Pierre", "Nathalie", "Karim", "Isabelle", "Antoine", "Aïcha",
         "François", "Élodie", "Mamadou", "Hélène", "Lucas", "Inès", "Philippe"]  # fmt: skip
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
        "Vincent", "Fournier", "Benali", "Nguyen", "Diallo", "Da Silva", "Lemaire", "Girard"]  # fmt: skip
STREETS = ["rue de la Gare", "avenue du Général Leclerc", "boulevard Pasteur", "allée des Tilleuls",
           "impasse des Lilas", "chemin du Moulin", "place de la Mairie", "rue Jean Jaurès",
           "route de Chartres", "résidence Les Ulis"]  # fmt: skip
TOWNS = [("91120", "Palaiseau"), ("91400", "Orsay"), ("91190", "Gif-sur-Yvette"),
         ("91300", "Massy"), ("91940", "Les Ulis"), ("91140", "Villebon-sur-Yvette")]  # fmt: skip
QUESTIONS = ["Comment renouveler ma carte d'identité ?", "Quels sont les horaires de la déchèterie ?",
             "Comment inscrire mon enfant à la cantine ?", "Où déposer mes encombrants ?",
             "Puis-je payer la facture d'eau en ligne ?", "Comment obtenir un acte de naissance ?",
             "Ma demande de logement social avance-t-elle ?", "Quand passe le bac jaune ?"]  # fmt: skip
LEADS = {
    "email": ["Mon adresse mail : {v}.", "Répondez-moi sur {v} svp.", "écrivez à {v}"],
    "phone": ["Vous pouvez m'appeler au {v}.", "Mon numéro : {v}", "tel {v}"],
    "nir": ["Mon numéro de sécurité sociale est {v}.", "NIR : {v}", "n° sécu {v}"],
    "iban": ["Mon IBAN est {v}.", "Voici mon RIB : {v}", "iban {v}"],
    "card": ["J'ai payé avec la carte {v}.", "Carte bancaire n° {v}", "ma CB {v}"],
    "address": ["J'habite au {v}.", "Mon adresse : {v}", "je suis au {v}"],
    "person": ["Je m'appelle {v}.", "Bonjour, {v} à l'appareil.", "C'est pour mon fils {v}.",
               "De la part de {v}.", "Madame {v} m'a dit de vous écrire.", "{v}, 34 ans.",
               "mon voisin {v} fait du bruit", "Cordialement, {v}"],
}  # fmt: skip
CLEAN = [
    "J'ai payé 1 250 € le 12/03/2024, est-ce normal ?", "Le formulaire cerfa n° 12100*02 suffit-il ?",
    "Mon code postal est 91400, quelle déchèterie ?", "Ma demande porte la référence 2024-000123.",
    "La mairie d'Orsay est-elle ouverte le samedi de 9 h à 12 h ?", "Combien coûte le pass Navigo ?",
    "Je cherche la rue de Paris à Palaiseau.", "La CAF m'a versé 312,45 euros en mars.",
    "Est-ce que France Travail peut m'aider ?", "Quel est le numéro de la fiche F1234 ?",
    "Le bus 91-06 passe-t-il à Gif-sur-Yvette ?", "J'ai 2 enfants de 4 et 7 ans.",
    "Mon avis d'imposition 2025 indique 14 500 euros.", "Le conseil du 5 décembre 2023 a voté quoi ?",
    "Bonjour Guichet, qui contacter pour la voirie ?", "Merci beaucoup pour votre réponse !",
    "Quelle est la surface maximale d'un abri de jardin, 20 m² ?", "Appeler le 3939 coûte-t-il ?",
    "Le 17 ou le 112 en cas d'urgence ?", "Le collège Blaise Pascal de Massy ouvre quand ?",
    "Le numéro d'urgence 114 est-il accessible par SMS ?", "Horaires de la piscine de Bures ?",
    "Je dois 1234,56 € de taxe foncière pour 2024.", "Où est le centre Victor Hugo ?",
    "Le rendez-vous est le 03 04 2025 à 14 h 30.", "Mon SIRET d'auto-entrepreneur est 732 829 320 00074.",
    "La facture n° 2024 0001 2345 6789 est-elle payée ?", "Le standard de la mairie, 01 69 31 70 00, ne répond pas.",
    "Le marché de Noël de Saclay a lieu quand ?", "Est-ce que Paris-Saclay gère les transports ?",
    "Mon fils entre en CM2 à l'école Jules Ferry.", "La ligne 91.06 est supprimée ?",
    "Combien de places au parking Charles de Gaulle ?", "Le maire Grégoire de Lasteyrie sera-t-il présent ?",
]  # fmt: skip


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def make_email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}".lower().replace(" ", "")
    local = local.translate(str.maketrans("éèëêïîàâçôö", "eeeeiiaacoo"))
    local += rng.choice(["", str(rng.randint(1, 99)), "+guichet"])
    return (
        f"{local}@{rng.choice(['gmail.com', 'orange.fr', 'free.fr', 'laposte.net', 'example.org'])}"
    )


def make_phone(rng: random.Random) -> str:
    digits = rng.choice("1234567") + _digits(rng, 8)
    pairs = [digits[i : i + 2] for i in range(1, 9, 2)]
    forms = [
        lambda: "0" + digits[0] + " " + " ".join(pairs),
        lambda: "0" + digits[0] + "." + ".".join(pairs),
        lambda: "0" + digits,
        lambda: "0" + digits[0] + "-" + "-".join(pairs),
        lambda: "+33 " + digits[0] + " " + " ".join(pairs),
        lambda: "+33" + digits,
        lambda: "0033 " + digits[0] + " " + " ".join(pairs),
        lambda: "+33 (0)" + digits[0] + " " + " ".join(pairs),
        lambda: "+44 20 " + _digits(rng, 4) + " " + _digits(rng, 4),
        lambda: "+49 30 " + _digits(rng, 7),
        lambda: "+1 415 555 " + _digits(rng, 4),
        lambda: "+212 6 " + _digits(rng, 2) + " " + _digits(rng, 2) + " " + _digits(rng, 2) + " " + _digits(rng, 2),
    ]  # fmt: skip
    return rng.choice(forms)()


def make_nir(rng: random.Random) -> str:
    sex, year, month = rng.choice("12"), f"{rng.randint(0, 99):02d}", f"{rng.randint(1, 12):02d}"
    department = rng.choice([f"{rng.randint(1, 95):02d}", "2A", "2B", "91", "75"])
    commune, order = f"{rng.randint(1, 999):03d}", f"{rng.randint(1, 999):03d}"
    number = int(
        f"{sex}{year}{month}{department.replace('2A', '19').replace('2B', '18')}{commune}{order}"
    )
    key = f"{97 - number % 97:02d}"
    parts = [sex, year, month, department, commune, order, key]
    return " ".join(parts) if rng.random() < 0.6 else "".join(parts)


def make_iban(rng: random.Random) -> str:
    country, bban = rng.choice([("FR", _digits(rng, 10) + "0" + _digits(rng, 10) + _digits(rng, 2)),
                                ("DE", _digits(rng, 18)), ("ES", _digits(rng, 20))])  # fmt: skip
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    compact = f"{country}{check:02d}{bban}"
    if rng.random() < 0.3:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def make_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("34", 15), ("37", 15)])
    body = prefix + _digits(rng, length - len(prefix) - 1)
    digit = next(str(d) for d in range(10) if luhn_ok(body + str(d)))
    number = body + digit
    separator = rng.choice([" ", "-", ""])
    if length == 15:
        return separator.join([number[:4], number[4:10], number[10:]])
    return separator.join(number[i : i + 4] for i in range(0, 16, 4))


def make_address(rng: random.Random) -> str:
    number = str(rng.randint(1, 180)) + rng.choice(["", "", " bis", " ter"])
    street = rng.choice(STREETS)
    if rng.random() < 0.6:
        code, town = rng.choice(TOWNS)
        return f"{number} {street}, {code} {town}"
    return f"{number} {street}"


def make_person(rng: random.Random) -> str:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return name.lower() if rng.random() < 0.15 else name  # typed without capitals


MAKERS: dict[str, Callable[[random.Random], str]] = {
    "email": make_email, "phone": make_phone, "nir": make_nir, "iban": make_iban,
    "card": make_card, "address": make_address, "person": make_person,
}  # fmt: skip


@dataclass
class Message:
    """A generated message and the personal data planted in it."""

    text: str
    planted: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)


def generate(count: int, seed: int = 7) -> list[Message]:
    """`count` messages with 1 to 3 planted items, then count // 2 clean ones."""
    rng = random.Random(seed)
    kinds = list(MAKERS)
    messages = []
    for n in range(count):
        chosen = [kinds[n % len(kinds)], *rng.sample(kinds, rng.randint(0, 2))]
        planted = [(kind, MAKERS[kind](rng)) for kind in dict.fromkeys(chosen)]
        parts = [rng.choice(LEADS[kind]).format(v=value) for kind, value in planted]
        parts.insert(rng.randint(0, len(parts)), rng.choice(QUESTIONS))
        messages.append(Message(" ".join(parts), planted))
    for n in range(count // 2):
        messages.append(Message(CLEAN[n % len(CLEAN)]))
    return messages


def _caught(kind: str, value: str, redacted: str) -> bool:
    if kind == "person":  # a name is caught when neither its first nor its last name remains
        return not any(part in redacted for part in value.split(" ", 1))
    if kind == "address":  # the street is what identifies
        return value.split(",")[0] not in redacted
    return value not in redacted


def measure(redactor: Redactor, messages: list[Message]) -> dict[str, Any]:
    """Recall per kind, overall recall, and the false-positive rate on clean messages."""
    planted: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    missed: list[dict[str, str]] = []
    clean = changed = 0
    spurious: Counter[str] = Counter()
    for message in messages:
        result = redactor.redact(message.text)
        if not message.planted:
            clean += 1
            if result.text != message.text:
                changed += 1
                spurious.update(result.counts)
                missed.append(
                    {"kind": "false_positive", "text": message.text, "redacted": result.text}
                )
            continue
        for kind, value in message.planted:
            planted[kind] += 1
            if _caught(kind, value, result.text):
                caught[kind] += 1
            else:
                missed.append({"kind": kind, "value": value, "redacted": result.text})
    return {
        "messages": len(messages),
        "planted": sum(planted.values()),
        "recall": round(sum(caught.values()) / max(1, sum(planted.values())), 4),
        "recall_by_kind": {k: round(caught[k] / planted[k], 4) for k in sorted(planted)},
        "planted_by_kind": dict(sorted(planted.items())),
        "clean_messages": clean,
        "false_positive_rate": round(changed / max(1, clean), 4),
        "false_positives_by_kind": dict(spurious),
        "misses": missed[:40],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-names", action="store_true", help="without spaCy's person names")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    finder = None
    if not args.no_names:
        from chatbot.privacy.person_names import SpacyNameFinder

        finder = SpacyNameFinder()
    report = measure(Redactor(find_names=finder), generate(args.messages, args.seed))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{report['planted']} planted items in {args.messages} messages; "
          f"{report['clean_messages']} clean messages")  # fmt: skip
    for kind, recall in report["recall_by_kind"].items():
        print(f"  {kind:<8} recall {recall:7.1%}  ({report['planted_by_kind'][kind]} planted)")
    print(f"  overall  recall {report['recall']:7.1%}")
    print(f"  false positives: {report['false_positive_rate']:.1%} of clean messages changed "
          f"{report['false_positives_by_kind']}")  # fmt: skip
    for miss in report["misses"][:15]:
        print("  missed:", miss)


if __name__ == "__main__":
    main()
