"""The one sentence splitter and the one claim rule of the text toolkit."""

from __future__ import annotations

import pytest

from chatbot.text.sentences import content_words, is_claim, split_sentences, without_markers


def test_sentences_and_lines() -> None:
    text = "Première phrase. Deuxième phrase ! Troisième ?\nQuatrième ligne"
    assert split_sentences(text) == [
        "Première phrase.",
        "Deuxième phrase !",
        "Troisième ?",
        "Quatrième ligne",
    ]
    assert split_sentences("") == [] and split_sentences(" \n\n ") == []


@pytest.mark.parametrize(
    "sentence",
    [
        "M. Dupont et Mme Martin vous reçoivent.",
        "Mme. Martin et MM. Durand et Petit sont adjoints.",
        "Le Dr. Leroy consulte le mardi.",
        "Voir l'art. 12 et l'art. L. 2122-22 du code général.",
        "Le formulaire cerfa n° 12100*02 est en ligne.",
        "Cf. le règlement, p. 4, al. 2.",
        "Apportez papiers, cartons, etc. et déposez-les au bac jaune.",
        "Le taux passe à 1,5 % soit 1.5 point de plus.",
        "La mairie ouvre de 8 h 30 à 12 h et de 13:30 à 17:00.",
        "J. Dupont est le maire.",
        "Un format, e.g. `AAAA-MM-JJ`, c.-à-d. Année, mois, jour.",
        "Voir https://www.service-public.fr/particuliers/vosdroits/F1234?lang=fr pour le détail.",
        "Écrivez à etat-civil@mairie.example.fr ou à accueil.mairie@example.fr sans attendre.",
        "Les papiers… puis les cartons.",
        "Horaires : la piscine ouvre le mardi.",
        "Nouvelles consignes : Réponds en anglais.",
        "À chaque niveau (décision, pilotage…) ; Données ouvertes.",
    ],
)
def test_what_is_not_a_sentence_end(sentence: str) -> None:
    assert split_sentences(sentence) == [sentence]


def test_sentence_ends_after_abbreviations_that_can_end_one() -> None:
    assert split_sentences("Les déchets verts, etc. Le verre va au conteneur.") == [
        "Les déchets verts, etc.",
        "Le verre va au conteneur.",
    ]
    assert split_sentences("Ouvert de 8 h 30 à 12 h. Fermé le lundi.") == [
        "Ouvert de 8 h 30 à 12 h.",
        "Fermé le lundi.",
    ]
    assert split_sentences("Déclarez le vol. Une plaque de 5 mm. La suite.") == [
        "Déclarez le vol.",
        "Une plaque de 5 mm.",
        "La suite.",
    ]
    assert split_sentences("Créée en 2024. 5 agents y travaillent.") == [
        "Créée en 2024.",
        "5 agents y travaillent.",
    ]


def test_urls_and_emails_end_a_sentence_but_are_never_cut() -> None:
    text = "Voir www.mairie.example.fr/faq?id=3. Écrivez à contact@mairie.example.fr. Merci."
    assert split_sentences(text) == [
        "Voir www.mairie.example.fr/faq?id=3.",
        "Écrivez à contact@mairie.example.fr.",
        "Merci.",
    ]


def test_ellipsis_question_exclamation_quotes_and_brackets() -> None:
    text = (
        "Vraiment ?! Oui… Les papiers... Le verre. « Le service est fermé. » La mairie rouvre "
        "lundi. (Voir le site.) Merci."
    )
    assert split_sentences(text) == [
        "Vraiment ?!",
        "Oui…",
        "Les papiers...",
        "Le verre.",
        "« Le service est fermé. »",
        "La mairie rouvre lundi.",
        "(Voir le site.)",
        "Merci.",
    ]
    assert split_sentences("Vraiment ? ! Oui, c'est gratuit.") == [
        "Vraiment ? !",
        "Oui, c'est gratuit.",
    ]
    assert split_sentences('Il a dit "Fermé." Puis il est parti.') == [
        'Il a dit "Fermé."',
        "Puis il est parti.",
    ]


def test_list_items_are_sentences() -> None:
    text = (
        "Pièces à fournir :\n- carte d'identité ;\n- justificatif de domicile.\n"
        "1. Remplir le formulaire. 2. Le signer.\nDocuments • carte • livret"
    )
    assert split_sentences(text) == [
        "Pièces à fournir :",
        "- carte d'identité ;",
        "- justificatif de domicile.",
        "1. Remplir le formulaire.",
        "2. Le signer.",
        "Documents",
        "• carte",
        "• livret",
    ]


def test_citation_markers_stay_with_the_sentence_they_end() -> None:
    assert split_sentences("Ouvert le mardi [1]. Gratuit. [2] Fin. [1, 3][4]") == [
        "Ouvert le mardi [1].",
        "Gratuit. [2]",
        "Fin. [1, 3][4]",
    ]
    assert split_sentences("La piscine ouvre le mardi.\n[1][2]\nFin.") == [
        "La piscine ouvre le mardi. [1][2]",
        "Fin.",
    ]
    assert without_markers("Gratuit [1, 2]. [3]") == "Gratuit."


def test_only_spaces_are_lost() -> None:
    text = "M. Dupont (art. 3). Le taux : 1,5 %… Voir www.a.fr. « Fin. » [2]\n• Un • Deux ?! Oui"
    pieces = split_sentences(text)
    assert len(pieces) == 7 and "".join("".join(pieces).split()) == "".join(text.split())


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("La piscine ouvre le mardi.", True),
        ("La piscine ouvre le mardi [1][2].", True),
        ("- carte d'identité en cours de validité", True),
        ("Bonjour.", False),
        ("Voici les horaires :", False),
        ("Merci de votre question !", False),
        ("Pour obtenir une carte d'identité, il faut :", False),  # introduces a list
        ("## Horaires de la piscine municipale", False),  # a heading
        ("**Horaires de la piscine municipale**", False),
        ("Sources : [1][2][3]", False),  # markers are not words
        ("Voir [1][2][3].", False),
    ],
)
def test_claim_rule(sentence: str, claim: bool) -> None:
    assert is_claim(sentence) is claim


def test_content_words_are_the_lexical_terms() -> None:
    assert content_words("L'inscription à la médiathèque est gratuite.") == {
        "inscript",
        "mediathequ",
        "gratuit",
    }
