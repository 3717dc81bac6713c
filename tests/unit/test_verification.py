"""The sentence verifier: normalisation of facts, each check, and the verdicts (no model)."""

from __future__ import annotations

import dataclasses

import pytest

from chatbot.domain import Chunk, Passage, SourceInfo
from chatbot.text.sentences import split_sentences
from chatbot.verification import (
    FixedScorer,
    VerifierConfig,
    check_polarity,
    entailment_messages,
    extract_facts,
    missing_facts,
    normalise,
    polarity,
    verify_sentence,
    verify_sentences,
)
from chatbot.verification import verifier as verifier_module


@pytest.mark.parametrize(
    ("sentence", "passage"),
    [
        ("Le délai est de 15 jours.", "Vous avez quinze jours pour répondre."),
        ("Vous avez quinze jours.", "Le délai est de 15 jours."),
        ("Appelez le 01 99 00 20 00.", "Téléphone : 0199002000"),
        ("Appelez le 01.99.00.20.00.", "Téléphone : 01 99 00 20 00"),
        ("Appelez le +33 1 99 00 20 00.", "Téléphone : 01-99-00-20-00"),
        ("L'aide est de 1 500 €.", "Le montant est de 1500 euros."),
        ("L'aide est de 1 500 euros.", "Le montant est de 1 500 €."),
        ("Depuis le 1er janvier 2025.", "Applicable au 01/01/2025."),
        ("Depuis le 01/01/2025.", "À partir du 1 er janvier 2025."),
        ("Since January 1, 2025.", "À partir du 1er janvier 2025."),
        ("Desde el 1 de enero de 2025.", "À partir du 1er janvier 2025."),
        ("Le taux est de 10 %.", "Un taux de dix pour cent s'applique."),
        ("Le taux est de 10%.", "Un taux de 10 % s'applique."),
        ("The rate is 10 percent.", "Un taux de 10 % s'applique."),
        ("Il faut avoir dix-huit ans.", "Vous devez avoir 18 ans."),
        ("Il coûte deux cent cinquante euros.", "Prix : 250 €."),
        ("Il coûte mille cinq cents euros.", "Prix : 1 500 €."),
        ("Il vaut deux mille vingt-quatre euros.", "Prix : 2 024 €."),
        ("Il dure quatre-vingt-dix jours.", "Durée : 90 jours."),
        ("Il dure soixante et onze jours.", "Durée : 71 jours."),
        ("It lasts fifteen days.", "Durée : 15 jours."),
        ("Dura dos meses.", "Durée : 2 mois."),
        ("Ouvert à 8 h 30.", "Horaires : 8h30 - 17h."),
        ("Ouvert jusqu'à 17 heures.", "Horaires : 8h30 - 17h."),
        ("Un versement de 1,5 million d'euros.", "Budget : 1 500 000 €."),
        ("Le délai est de 3 mois.", "Le délai va de 1 à 3 mois."),
        ("Le délai va de 1 à 3 mois.", "Un délai de 1 mois à 3 mois."),
        ("Écrivez à Contact@Agglo.fr.", "Courriel : contact@agglo.fr"),
        ("Voir service-public.fr.", "Sur https://www.service-public.fr/particuliers/F1234."),
        ("Adressez-vous à l'hôtel de ville.", "Adressez-vous à la mairie."),
        ("Go to the town hall.", "Adressez-vous à la mairie."),
        ("Le code postal est 91400.", "Mairie, 91400 Orsay"),
        ("En 2025, l'aide augmente.", "Dès le 1er janvier 2025, le montant augmente."),
        ("Le 1er janvier 2025, l'aide augmente.", "Au 1er janvier, en 2025, le montant augmente."),
    ],
)
def test_equivalent_facts_are_found(sentence: str, passage: str) -> None:
    assert missing_facts(sentence, passage) == []


@pytest.mark.parametrize(
    ("sentence", "passage", "missing"),
    [
        ("Le délai est de 16 jours.", "Le délai est de quinze jours.", "16 jours"),
        ("Le délai est de 15 mois.", "Le délai est de 15 jours.", "15 mois"),
        ("Appelez le 01 99 00 20 01.", "Téléphone : 01 99 00 20 00", "01 99 00 20 01"),
        ("L'aide est de 1 600 €.", "Le montant est de 1 500 €.", "1 600 €"),
        ("Depuis le 1er février 2025.", "Depuis le 1er janvier 2025.", "1er fevrier 2025"),
        ("Depuis le 1er janvier 2026.", "Depuis le 1er janvier 2025.", "1er janvier 2026"),
        ("Depuis le 2 janvier.", "Depuis le 1er janvier 2025.", "2 janvier"),
        ("Le taux est de 12 %.", "Un taux de dix pour cent.", "12 %"),
        ("Le délai va de 3 à 3 mois.", "Le délai va de 1 à 3 mois.", "3 a 3 mois"),
        ("Écrivez à info@agglo.fr.", "Courriel : contact@agglo.fr", "info@agglo.fr"),
        ("Voir impots.gouv.fr.", "Voir service-public.fr.", "impots.gouv.fr"),
        ("Adressez-vous à la préfecture.", "Adressez-vous à la mairie.", "prefecture"),
        ("La mairie de Palaiseau répond.", "La mairie de Massy répond.", "Palaiseau"),
        ("Contactez la CPAM.", "Contactez la Caf.", "CPAM"),
        ("Le code postal est 91401.", "Mairie, 91400 Orsay", "91401"),
    ],
)
def test_a_fact_missing_from_the_passage_is_named(
    sentence: str, passage: str, missing: str
) -> None:
    found = missing_facts(sentence, passage)
    assert found, f"{sentence!r} should miss {missing!r}"
    assert missing in [fact.text for fact in found]


def test_normalise_spells_numbers_in_digits_but_not_articles() -> None:
    assert normalise("Quinze jours") == "15 jours"
    assert normalise("un an et une demande") == "1 an et une demande"
    assert normalise("un logement neuf, neuf mois") == "un logement neuf, 9 mois"
    assert normalise("au dos du formulaire, très vite") == "au dos du formulaire, tres vite"
    assert normalise("vingt et un, cent un, trois mille") == "21, 101, 3000"


def test_fact_kinds() -> None:
    kinds = {fact.kind for fact in extract_facts(
        "Le 3 mars 2025 à 9 h, payez 30 € (10 %) sous 15 jours au 01 99 00 20 00, "
        "à contact@agglo.fr ou sur www.agglo.fr, mairie de Massy 91300, 18 ans, 4e étage."
    )}  # fmt: skip
    assert kinds >= {"date", "time", "amount", "percent", "duration", "phone", "email", "url",
                     "office", "name", "postcode", "number"}  # fmt: skip


def test_names_are_checked_inside_a_sentence_only_and_acronyms_everywhere() -> None:
    assert missing_facts("Vous devez écrire.", "Écrire est utile.") == []
    assert [f.text for f in missing_facts("Vous devez écrire à Massy.", "x")] == ["Massy"]
    assert missing_facts("Write to Massy.", "x", names=False) == []
    assert [f.text for f in missing_facts("Write to the CAF.", "x", names=False)] == ["CAF"]


@pytest.mark.parametrize(
    ("text", "language", "negations", "restriction", "condition"),
    [
        ("Vous ne pouvez pas contester.", "fr", 1, False, False),
        ("Il n'est jamais trop tard.", "fr", 1, False, False),
        ("Aucun justificatif n'est demandé.", "fr", 1, False, False),
        ("La démarche est impossible en ligne.", "fr", 1, False, False),
        ("Le stationnement est interdit.", "fr", 1, False, False),
        ("Vous ne pouvez déposer qu'une demande.", "fr", 0, True, False),
        ("Ouvert tous les jours sauf le dimanche.", "fr", 0, True, False),
        ("La demande se fait uniquement en ligne.", "fr", 0, True, False),
        ("Si vous déménagez, prévenez la Caf.", "fr", 0, False, True),
        ("Lorsqu'il part, il prévient.", "fr", 0, False, True),
        ("L'activité peut être rémunérée ou non.", "fr", 0, False, False),
        ("N'importe quel guichet convient.", "fr", 0, False, False),
        ("You cannot apply online.", "en", 1, False, False),
        ("It is only possible if you are 18.", "en", 0, True, True),
        ("No puede solicitarlo.", "es", 1, False, False),
        ("Você não pode pedir no balcão.", "pt", 1, False, False),
        ("Nunca se paga.", "es", 1, False, False),
        ("Es responsable si no son causados por un tercero.", "es", 0, True, True),
        ("لا يمكنك أن تحمل جوازي سفر.", "ar", 1, False, False),
        ("ولا يمكن تقديم الطلب إلا في البلدية.", "ar", 1, True, False),
        ("نعم، يمكنك أن تحمل جوازي سفر.", "ar", 0, False, False),
        ("إذا انتقلت، أخبر الصندوق.", "ar", 0, False, True),
    ],
)
def test_polarity_marks(
    text: str, language: str, negations: int, restriction: bool, condition: bool
) -> None:
    marks = polarity(text, language)
    assert (marks.negations, marks.restriction, marks.condition) == (
        negations,
        restriction,
        condition,
    ), marks.markers


PASSAGE = (
    "Vous ne pouvez pas faire la demande par courrier. La demande se fait en ligne sur le site "
    "de la commune. Aucun frais n'est demandé. Si vous êtes mineur, vos parents signent."
)


def test_polarity_is_compared_with_the_matching_passage_sentence() -> None:
    assert check_polarity("La demande se fait en ligne sur le site de la commune.", [PASSAGE]).passed  # fmt: skip
    flipped = check_polarity("La demande ne se fait pas en ligne sur le site de la commune.", [PASSAGE])  # fmt: skip
    assert not flipped.passed and "negation" in flipped.detail
    assert not check_polarity("Vous pouvez faire la demande par courrier.", [PASSAGE]).passed
    dropped = check_polarity("Vos parents signent.", [PASSAGE])
    assert not dropped.passed and "condition" in dropped.detail
    assert check_polarity("Si vous êtes mineur, vos parents signent.", [PASSAGE]).passed


def test_polarity_of_an_answer_in_another_language_is_anchored_on_its_numbers() -> None:
    passage = "Le délai est de deux mois. Vous ne pouvez plus contester après ce délai."
    assert check_polarity("You have two months.", [passage], "en").passed
    assert not check_polarity("You do not have 2 months.", [passage], "en").passed
    unrelated = check_polarity("Please be patient.", [passage], "en")
    assert unrelated.passed and unrelated.overlap < 0.2


def test_an_answer_in_another_language_agrees_on_negation_with_every_aligned_sentence() -> None:
    """Passage sentences aligned by meaning (given by the caller): a negation in one of them
    and not in the sentence leaves it in doubt, and it fails."""
    passage = (
        "En principe, vous ne pouvez pas avoir plusieurs passeports. "
        "Le passeport peut être conservé par le consulat pour une demande de visa."
    )
    first, second = split_sentences(passage)
    yes = "نعم، يمكنك أن تحمل جوازي سفر."  # "yes, you can hold two passports"
    assert check_polarity(yes, [passage], "ar").passed  # no shared words: undecided before
    doubtful = check_polarity(yes, [passage], "ar", aligned=[second, first])
    assert not doubtful.passed and "negations differ" in doubtful.detail
    no = "لا يمكنك أن تحمل جوازي سفر."
    assert check_polarity(no, [passage], "ar", aligned=[first]).passed
    assert not check_polarity(no, [passage], "ar", aligned=[first, second]).passed
    assert check_polarity("You can hold it for a visa.", [passage], "en", aligned=[second]).passed


def test_verdicts_name_the_failing_check() -> None:
    passages = [PASSAGE, "Le délai de réponse est de 2 mois."]
    claims = [
        ("La demande se fait en ligne sur le site de la commune.", (1,)),
        ("Le délai de réponse est de 3 mois.", (2,)),
        ("Vous pouvez faire la demande par courrier.", (1,)),
        ("La réponse arrive par courrier recommandé.", ()),
        ("Voici :", ()),
        ("La demande se fait en ligne sur le site.", (9,)),
    ]
    verdicts = verify_sentences(claims, passages)
    assert [v.failed_check for v in verdicts] == [
        None, "hard_facts", "polarity", "no_citation", None, "no_citation",
    ]  # fmt: skip
    assert [v.passed for v in verdicts] == [True, False, False, False, True, False]
    assert "3 mois" in verdicts[1].detail
    assert verdicts[5].sources == ()


def test_support_and_entailment_gates() -> None:
    sentence, passage = "La demande se fait en ligne.", [PASSAGE]
    low = verify_sentence(sentence, (1,), passage, support=0.1)
    assert low.failed_check == "support" and low.scores["support"] == 0.1
    assert verify_sentence(sentence, (1,), passage, support=0.9).passed
    assert verify_sentence(sentence, (1,), passage, 0.1, config=VerifierConfig(min_support=None)).passed  # fmt: skip
    doubted = verify_sentence(sentence, (1,), passage, 0.9, FixedScorer(0.2))
    assert doubted.failed_check == "entailment" and doubted.scores["entailment"] == 0.2
    assert verify_sentence(sentence, (1,), passage, 0.9, FixedScorer(0.8)).passed
    assert not verify_sentence(sentence, (1,), passage, 0.9, FixedScorer(float("nan"))).passed
    assert not verify_sentence(sentence, (1,), passage, float("nan")).passed


class _BrokenScorer:
    def score(self, passage: str, sentence: str) -> float:
        raise RuntimeError("model crashed")


def test_a_check_that_breaks_fails_the_sentence_with_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = verify_sentence("La demande se fait en ligne.", (1,), [PASSAGE], 0.9, _BrokenScorer())  # fmt: skip
    assert (broken.passed, broken.failed_check) == (False, "error")
    assert "model crashed" in broken.detail

    def explode(*args: object, **kwargs: object) -> list[object]:
        raise ValueError("bad regex")

    monkeypatch.setattr(verifier_module, "missing_facts", explode)
    verdict = verify_sentence("La demande se fait en ligne.", (1,), [PASSAGE])
    assert (verdict.passed, verdict.failed_check) == (False, "error")
    uncited = verify_sentence("La demande se fait en ligne.", (), [PASSAGE])
    assert (uncited.passed, uncited.failed_check) == (False, "error")


def test_passages_may_be_retrieved_passages_and_the_config_is_frozen() -> None:
    chunk = Chunk("doc-0", SourceInfo("doc", "Titre"), 0, "Le délai est de 2 mois.")
    verdict = verify_sentence("Le délai est de deux mois.", (1,), [Passage(chunk, 1.0)])
    assert verdict.passed and verdict.as_json()["sources"] == [1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        VerifierConfig().min_entailment = 0.1  # type: ignore[misc]


def test_the_entailment_prompt_keeps_its_fixed_prefix_first() -> None:
    first = entailment_messages("Passage A.", "Phrase une.")
    second = entailment_messages("Passage A.", "Phrase deux.")
    assert first[0] == second[0] and first[0]["role"] == "system"
    prefix = first[1]["content"].split("Phrase une.")[0]
    assert second[1]["content"].startswith(prefix) and "Passage A." in prefix
