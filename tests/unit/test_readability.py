"""French readability: the syllable counter and the Kandel–Moles score on known texts."""

from __future__ import annotations

import json

import pytest

from chatbot.text.readability import kandel_moles, readability, syllables, words
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "word,expected",
    [
        ("le", 1), ("je", 1), ("eau", 1), ("oiseau", 2), ("page", 1), ("pages", 1),
        ("avenue", 3), ("journée", 2), ("créée", 2), ("réaction", 3), ("réalisation", 5),
        ("naïf", 2), ("Noël", 2), ("question", 2), ("moment", 2), ("assistant", 3),
        ("administration", 5), ("intelligence", 4), ("artificielle", 4), ("l'assistant", 3),
        ("aujourd'hui", 3), ("peut-être", 2), ("6", 1),
    ],
)  # fmt: skip
def test_french_syllables(word: str, expected: int) -> None:
    assert syllables(word) == expected


def test_a_plural_verb_ending_is_mute_only_after_its_subject() -> None:
    assert syllables("parlent", "ils") == 1 and syllables("demandent", "elles") == 2
    assert syllables("souvent") == 2 and syllables("président") == 3


def test_words_keep_elisions_and_hyphens_together() -> None:
    assert words("L'accueil ouvre aujourd'hui à 8 h 30, peut-être.") == [
        "L'accueil", "ouvre", "aujourd'hui", "à", "8", "h", "30", "peut-être",
    ]  # fmt: skip


def test_the_formula_on_a_counted_text() -> None:
    # 2 sentences, 6 words, 6 syllables: 207 − 1.015 × 3 − 73.6 × 1
    result = readability("Le chat dort. Il fait beau.")
    assert (result.sentences, result.words, result.syllables) == (2, 6, 6)
    assert result.kandel_moles == pytest.approx(207 - 1.015 * 3 - 73.6, abs=0.05)
    assert result.words_per_sentence == 3 and result.syllables_per_word == 1


def test_citation_markers_and_empty_texts_are_not_words() -> None:
    assert readability("Le bac est jaune [1]. Il passe le lundi [2].").words == 8
    assert readability("").kandel_moles == 0 and readability(" [1] ").words == 0


SIMPLE = (
    "Vous pouvez jeter le verre dans le bac vert. Le camion passe le lundi. "
    "Sortez le bac le soir. Si vous avez une question, appelez la mairie."
)
ORDINARY = (
    "Les déchets recyclables sont collectés une fois par semaine, le lundi matin. "
    "Les bacs doivent être sortis la veille au soir et rentrés après le passage du camion."
)
ADMINISTRATIVE = (
    "Conformément aux dispositions réglementaires applicables, la collecte sélective des "
    "emballages ménagers recyclables est organisée hebdomadairement par l'établissement public "
    "de coopération intercommunale, les administrés étant tenus de procéder à la présentation "
    "de leurs contenants normalisés sur la voie publique antérieurement au passage du véhicule "
    "de collecte, sous réserve des modifications exceptionnelles consécutives aux jours fériés."
)


def test_simple_french_reads_easier_than_administrative_french() -> None:
    simple, ordinary, administrative = (kandel_moles(t) for t in (SIMPLE, ORDINARY, ADMINISTRATIVE))
    assert simple > ordinary > administrative
    assert simple >= 80 and administrative < 20


def test_splitting_a_long_sentence_raises_the_score() -> None:
    long = (
        "Pour obtenir la carte, présentez-vous à l'accueil de la mairie avec un justificatif "
        "de domicile de moins de trois mois et une pièce d'identité en cours de validité."
    )
    short = (
        "Pour avoir la carte, venez à la mairie. Apportez une facture de moins de trois mois. "
        "Apportez aussi votre carte d'identité."
    )
    assert kandel_moles(short) > kandel_moles(long)


def test_the_widget_notices_stay_readable() -> None:
    """The French notices every resident reads first: ordinary prose at worst (≥ 40)."""
    texts = json.loads((ROOT / "chatbot/web/i18n/fr.json").read_text(encoding="utf-8"))
    for key in ("ai_notice", "privacy_notice", "simple_hint"):
        assert kandel_moles(texts[key]) >= 40, (key, readability(texts[key]))
