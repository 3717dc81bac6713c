"""The gate's meaning check reuses the passages' stored vectors and embeds only the sentences."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from chatbot.answering.gate import GateConfig, SentenceGate
from chatbot.verification import VerifierConfig
from tests.fakes import passage


class RecordingEmbedder:
    """Embeds by counting two words, and records what it was asked to embed and how."""

    name = "recording"
    dimension = 2

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def _vector(self, text: str) -> list[float]:
        lowered = text.lower()
        return [float(lowered.count("piscine")) + 0.1, float(lowered.count("bibliothèque")) + 0.1]

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(("query", list(texts)))
        return [self._vector(t) for t in texts]

    def embed_documents(self, texts: Sequence[str], on_batch: object = None) -> list[list[float]]:
        self.calls.append(("document", list(texts)))
        return [self._vector(t) for t in texts]


SENTENCE = "La piscine ouvre le samedi à 10 heures [1]."
PASSAGE_TEXT = "La piscine municipale ouvre le samedi à 10 heures et ferme à 19 heures."
AS_READ = f"Titre piscine\n{PASSAGE_TEXT}"  # as the model reads it: title, then text


def test_stored_passage_vectors_are_used_and_only_the_sentence_is_embedded() -> None:
    embedder = RecordingEmbedder()
    stored = dataclasses.replace(passage("piscine", PASSAGE_TEXT), vector=(1.0, 0.0))
    gate = SentenceGate([stored], GateConfig(), embedder)
    gate.feed(SENTENCE)
    gate.finish()
    assert gate.answered
    assert embedder.calls, "the sentence's meaning was not checked"
    embedded = [text for _, texts in embedder.calls for text in texts]
    assert not any(PASSAGE_TEXT in text for text in embedded)
    assert all(side == "document" for side, _ in embedder.calls)


def test_passages_without_stored_vectors_are_embedded_once_on_the_document_side() -> None:
    embedder = RecordingEmbedder()
    gate = SentenceGate([passage("piscine", PASSAGE_TEXT)], GateConfig(), embedder)
    gate.feed(SENTENCE + " Elle ferme à 19 heures [1].")
    gate.finish()
    passage_calls = [texts for side, texts in embedder.calls if AS_READ in texts]
    assert passage_calls == [[AS_READ]]
    assert all(side == "document" for side, _ in embedder.calls)


def test_a_stored_vector_far_from_the_sentence_lowers_its_support() -> None:
    config = GateConfig(VerifierConfig(min_support=0.7), support_threshold=0.7)
    near = dataclasses.replace(passage("piscine", PASSAGE_TEXT), vector=(0.99, 0.01))
    far = dataclasses.replace(passage("piscine", PASSAGE_TEXT), vector=(0.0, 1.0))
    shown = SentenceGate([near], config, RecordingEmbedder(), language="fr")
    shown.feed(SENTENCE)
    shown.finish()
    dropped = SentenceGate([far], config, RecordingEmbedder(), language="fr")
    dropped.feed(SENTENCE)
    dropped.finish()
    assert shown.answered
    assert not dropped.answered
    assert [v.failed_check for v in dropped.dropped] == ["support"]


def test_an_answer_in_another_language_is_compared_by_meaning_as_queries() -> None:
    """Meaning alone (an answer in another language than the French sources): sentence and
    passages are both embedded as queries, the stored document vectors are not used."""
    embedder = RecordingEmbedder()
    stored = dataclasses.replace(passage("piscine", PASSAGE_TEXT), vector=(0.0, 1.0))
    gate = SentenceGate([stored], GateConfig(lexical_weight=0.0), embedder, language="en")
    gate.feed("The piscine opens on Saturday at 10 [1].")
    gate.finish()
    assert gate.answered
    assert {side for side, _ in embedder.calls} == {"query"}
    assert [AS_READ] in [texts for _, texts in embedder.calls]


def test_an_answer_in_another_language_is_compared_for_negation_with_the_passage_sentence_closest_in_meaning() -> None:  # fmt: skip
    """It shares no words with its French source: the passage sentence compared for polarity
    is chosen by meaning (here, the one about the pool, not the library's)."""
    source = passage(
        "horaires", "La piscine n'ouvre pas le lundi. La bibliothèque ouvre le lundi matin."
    )
    config = GateConfig(VerifierConfig(min_support=0.45), 0.45, lexical_weight=0.0)
    flipped = SentenceGate([source], config, RecordingEmbedder(), language="en")
    flipped.feed("The piscine opens on Mondays [1].")
    flipped.finish()
    assert not flipped.answered
    [verdict] = flipped.dropped
    assert verdict.failed_check == "polarity"
    assert "La piscine n'ouvre pas le lundi" in verdict.detail
    faithful = SentenceGate([source], config, RecordingEmbedder(), language="en")
    faithful.feed("The piscine does not open on Mondays [1].")
    faithful.finish()
    assert faithful.answered
    library = SentenceGate([source], config, RecordingEmbedder(), language="en")
    library.feed("The bibliothèque opens on Monday mornings [1].")
    library.finish()
    assert library.answered


def test_a_dropped_first_step_leaves_a_list_that_starts_at_one() -> None:
    source = passage(
        "permis",
        "Le dossier se dépose en mairie. Le délai d'instruction est de deux mois.",
    )
    gate = SentenceGate([source], GateConfig())
    gate.feed("Voici les étapes :\n1. Payer 300 euros en ligne [1].\n")
    gate.feed("2. Déposer le dossier en mairie [1].\n3. Attendre le délai de deux mois [1].\n")
    gate.feed("Sources :")
    gate.finish()
    lines = [s.text for s in gate.shown]
    assert lines[0] == "Voici les étapes :"
    assert [line.split(" ", 1)[0] for line in lines[1:]] == ["1.", "2."]
    assert "Sources :" not in gate.text
    assert {v.failed_check for v in gate.dropped} == {"hard_facts", "unfinished"}


def test_a_sentence_said_twice_is_shown_once() -> None:
    source = passage(
        "recepisse", "Le récépissé ne permet pas de travailler. Des exceptions existent."
    )
    gate = SentenceGate([source], GateConfig())
    gate.feed("1. Le récépissé ne permet pas de travailler [1]. Des exceptions existent. ")
    gate.feed("Des exceptions existent. 2. le récépissé ne permet pas de travailler [1]. ")
    gate.finish()
    assert gate.text == "1. Le récépissé ne permet pas de travailler [1]. Des exceptions existent."
    assert [v.failed_check for v in gate.dropped] == ["repeated", "repeated"]


PASSPORTS = (
    "En principe, vous ne pouvez pas avoir plusieurs passeports français. Toutefois, un second "
    "passeport peut être délivré dans 2 situations. Quand faut-il le demander ?"
)


def test_a_sentence_that_contradicts_its_source_is_replaced_by_the_source_sentence() -> None:
    gate = SentenceGate([passage("passeport", PASSPORTS)], GateConfig(), language="fr")
    gate.feed("Oui, vous pouvez avoir deux passeports [1]. ")
    gate.finish()
    assert gate.text == ("En principe, vous ne pouvez pas avoir plusieurs passeports français [1].")
    flipped, quoted = gate.verdicts
    assert (flipped.passed, flipped.failed_check) == (False, "polarity")
    assert quoted.passed and "in place of « Oui, vous pouvez avoir deux passeports. »" in quoted.detail  # fmt: skip
    assert gate.dropped == [flipped]


def test_no_source_sentence_is_quoted_when_turned_off_in_another_language_or_for_a_question() -> None:  # fmt: skip
    off = SentenceGate([passage("passeport", PASSPORTS)], GateConfig(quote_contradicted=False))
    off.feed("Oui, vous pouvez avoir deux passeports [1]. ")
    off.finish()
    assert not off.answered
    spanish = SentenceGate([passage("passeport", PASSPORTS)], GateConfig(lexical_weight=0.0),
                           RecordingEmbedder(), language="es")  # fmt: skip
    spanish.feed("Sí, usted puede tener dos pasaportes franceses [1]. ")
    spanish.finish()
    assert not spanish.answered
    asked = SentenceGate([passage("passeport", PASSPORTS)], GateConfig())
    asked.feed("Il ne faut jamais le demander [1]. ")
    asked.finish()
    assert not asked.answered and len(asked.verdicts) == 1


def test_a_sentence_is_verified_against_the_title_and_headings_the_model_read() -> None:
    """The [n] line the model reads holds the source's title and headings: a fact from there
    is in the source; one from nowhere is not."""
    source = passage("carte", "Vous devez demander un permis de séjour au plus tard 3 mois après.")
    titled = dataclasses.replace(
        source,
        chunk=dataclasses.replace(
            source.chunk,
            source=dataclasses.replace(source.chunk.source, title="Carte de résident UE"),
            headings=("Délai de 3 mois",),
        ),
    )
    gate = SentenceGate([titled], GateConfig(), language="fr")
    gate.feed("La carte de résident UE permet de demander un permis de séjour [1]. ")
    gate.feed("Le permis de séjour coûte 225 euros [1]. ")
    gate.finish()
    assert [v.passed for v in gate.verdicts] == [True, False]
    assert gate.verdicts[1].failed_check == "hard_facts"


def test_a_translation_is_checked_against_the_french_sentence_it_translates() -> None:
    """Meaning (its own bar) and negation are those of its French sentence; hard facts still
    those of the passage."""
    source = passage("horaires", "La piscine ouvre le lundi à 10 heures. La bibliothèque aussi.")
    original = "La piscine ouvre le lundi à 10 heures."
    config = GateConfig(lexical_weight=0.0, translation_threshold=0.9)

    def translated(text: str) -> SentenceGate:
        gate = SentenceGate([source], config, RecordingEmbedder(), language="en")
        gate.translating(text, original)
        gate.feed(f"{text} [1]. ")
        gate.finish()
        return gate

    faithful = translated("The piscine opens on Mondays at 10")
    assert faithful.answered
    assert faithful.translation_of("The piscine opens on Mondays at 10.") == original
    [verdict] = translated("The bibliothèque opens on Mondays at 10").verdicts
    assert verdict.failed_check == "support" and "< 0.90" in verdict.detail
    [verdict] = translated("The piscine does not open on Mondays at 10").verdicts
    assert verdict.failed_check == "polarity"
    [verdict] = translated("The piscine opens on Mondays at 9").verdicts
    assert verdict.failed_check == "hard_facts"


def test_a_copied_heading_and_the_source_quotes_are_not_shown() -> None:
    source = passage("achat", "Achat sans prêt\nSi l'acheteur n'a pas besoin de prêt, la vente est plus rapide.")  # fmt: skip
    gate = SentenceGate([source], GateConfig(), language="fr")
    gate.feed('> Achat sans prêt [1].\n"""\nSi l\'acheteur n\'a pas besoin de prêt, la vente est plus rapide [1]. """')  # fmt: skip
    gate.finish()
    assert gate.text == "Si l'acheteur n'a pas besoin de prêt, la vente est plus rapide [1]."
    assert [v.failed_check for v in gate.dropped] == ["heading"]


def test_a_translation_that_swaps_france_for_another_country_is_not_shown() -> None:
    source = passage("nom", "Si vous demandez la nationalité française, vous pouvez franciser votre nom.")  # fmt: skip
    original = "Si vous demandez la nationalité française, vous pouvez franciser votre nom."
    config = GateConfig(lexical_weight=0.0, translation_threshold=0.0)
    for text, language, shown in [
        ("Si pide la nacionalidad española, puede afrancesar su nombre", "es", False),
        ("إذا طلبت الجنسية الإسبانية، يمكنك تغيير اسمك", "ar", False),
        ("Si pide la nacionalidad francesa, puede afrancesar su nombre", "es", True),
    ]:
        gate = SentenceGate([source], config, RecordingEmbedder(), language=language)
        gate.translating(text, original)
        gate.feed(f"{text} [1]. ")
        gate.finish()
        assert gate.answered == shown, gate.verdicts
        if not shown:
            assert gate.dropped[0].failed_check == "hard_facts"
