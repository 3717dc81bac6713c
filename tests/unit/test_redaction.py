"""Redaction of personal data, with checksums so that ordinary numbers stay."""

from __future__ import annotations

import pytest

from chatbot.privacy.redaction import Redactor, iban_ok, luhn_ok


@pytest.mark.parametrize(
    ("text", "kind", "placeholder"),
    [
        ("Écrivez-moi à jeanne.dupont+mairie@exemple.fr svp", "email", "[COURRIEL]"),
        ("Mon numéro : 06 12 34 56 78.", "phone", "[TÉLÉPHONE]"),
        ("Appelez le 0612345678", "phone", "[TÉLÉPHONE]"),
        ("Joignable au +33 6 12 34 56 78", "phone", "[TÉLÉPHONE]"),
        ("ou au +33 (0)1 69 35 60 60", "phone", "[TÉLÉPHONE]"),
        ("from abroad +44 20 7946 0958", "phone", "[TÉLÉPHONE]"),
        ("Mon NIR est 1 84 12 76 451 089 46", "nir", "[NIR]"),
        ("sécu 269054958815780", "nir", "[NIR]"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", "iban", "[IBAN]"),
        ("carte 4111 1111 1111 1111 expirée", "card", "[CARTE]"),
        ("J'habite 12 rue des Lilas, 91120 Palaiseau depuis mai.", "address", "[ADRESSE]"),
        ("au 3 bis avenue du Général Leclerc", "address", "[ADRESSE]"),
    ],
)
def test_each_kind_is_redacted(text: str, kind: str, placeholder: str) -> None:
    redaction = Redactor().redact(text)
    assert placeholder in redaction.text and redaction.counts[kind] == 1, redaction


@pytest.mark.parametrize(
    "text",
    [
        "La stratégie a été lancée en septembre 2024 pour 320 000 habitants.",
        "Le bus 91.06 passe à 10 h 30.",
        "Code postal 91120 et 27 communes.",
        "Numéro de dossier 1234 5678 9012 3456",  # 16 digits, Luhn fails: not a card
        "FR76 3000 6000 0112 3456 7890 188",  # IBAN with a wrong key
        "1 84 12 76 451 089 47",  # NIR with a wrong key
    ],
)
def test_ordinary_numbers_stay(text: str) -> None:
    redaction = Redactor().redact(text)
    assert redaction.text == text and not redaction.counts


def test_checksums() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert iban_ok("FR76 3000 6000 0112 3456 7890 189")
    assert iban_ok("DE89370400440532013000") and not iban_ok("DE89370400440532013001")


def test_names_come_from_the_name_finder_and_never_cut_a_placeholder() -> None:
    def find(text: str) -> list[tuple[int, int]]:
        start = text.find("Jeanne Dupont")
        return [(start, start + len("Jeanne Dupont"))] if start >= 0 else []

    redaction = Redactor(find).redact("Je suis Jeanne Dupont, mail jd@exemple.fr")
    assert redaction.text == "Je suis [NOM], mail [COURRIEL]"
    assert redaction.counts == {"person": 1, "email": 1}


def test_an_iban_followed_by_a_word_is_cut_back_to_the_valid_number() -> None:
    result = Redactor().redact("RIB : ES7543337761740931925449 Quels sont les délais ?")
    assert result.text == "RIB : [IBAN] Quels sont les délais ?"


def test_a_siret_is_not_a_card_and_lowercase_streets_are_addresses() -> None:
    assert Redactor().redact("SIRET 732 829 320 00074").text == "SIRET 732 829 320 00074"
    assert (
        Redactor().redact("j'habite 12 rue de la gare à Orsay").text == "j'habite [ADRESSE] à Orsay"
    )
