import pytest

from chatbot.answering.citations import (
    CheckedSentence,
    CitationCheck,
    best_excerpt,
    check_citations,
    lexical_support,
    split_claims,
)
from tests.fakes import passage

POOL = passage(
    "piscine", "La piscine ouvre du mardi au dimanche de 10 h à 19 h. L'entrée coûte 3 euros."
)
LIB = passage("biblio", "L'inscription à la médiathèque est gratuite pour tous les habitants.")


def test_markers_after_or_before_the_full_stop() -> None:
    assert split_claims("Ouvert le mardi [1]. Gratuit. [2] Fin.") == [
        ("Ouvert le mardi.", (1,)),
        ("Gratuit.", (2,)),
        ("Fin.", ()),
    ]


def test_grouped_and_unknown_markers() -> None:
    check = check_citations("La piscine ouvre le mardi [1, 2, 9].", [POOL, LIB], threshold=0.4)
    assert check.text == "La piscine ouvre le mardi [1][2]."
    assert check.removed_markers == 1
    assert check.cited == (1, 2)


def test_supported_and_unsupported_sentences_are_told_apart() -> None:
    check = check_citations(
        "La piscine ouvre du mardi au dimanche [1]. Le maire est élu pour six ans [2].",
        [POOL, LIB],
        threshold=0.5,
    )
    first, second = check.sentences
    assert first.supported and not second.supported
    assert check.unsupported == 1 and check.supported_share == 0.5


def test_uncited_claim_is_attributed_when_a_passage_backs_it() -> None:
    check = check_citations(
        "L'inscription à la médiathèque est gratuite.", [POOL, LIB], threshold=0.5
    )
    [sentence] = check.sentences
    assert sentence.attributed and sentence.sources == (2,) and sentence.supported


def test_uncited_unbacked_claim_is_counted() -> None:
    check = check_citations("Le stationnement est interdit la nuit.", [POOL], threshold=0.5)
    assert check.uncited == 1 and check.supported_share == 0.0 and check.groundedness(0.45) == 0.0


def test_semantic_similarity_is_averaged_in() -> None:
    def embed(texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]  # every text identical in meaning

    lexical_only = check_citations("Horaires d'été variables [1].", [POOL], threshold=0.5)
    with_embed = check_citations(
        "Horaires d'été variables [1].", [POOL], threshold=0.5, embed=embed
    )
    assert lexical_only.sentences[0].support == 0.0
    assert with_embed.sentences[0].support == 0.5


def test_lexical_support_and_excerpt() -> None:
    assert lexical_support("piscine mardi", POOL.chunk.text) == 1.0
    assert best_excerpt(POOL.chunk.text, ["L'entrée coûte 3 euros."]) == "L'entrée coûte 3 euros."


def test_the_excerpt_is_the_sentence_sharing_most_words_never_a_lone_dot() -> None:
    # Text extracted from web pages keeps lone punctuation lines (seen on service-public sheets).
    text = (
        "Changement de commune en France\n"
        "Son inscription dans une nouvelle commune supprime la précédente.\n.\n"
        "Pour voter ailleurs, l'électeur doit demander à la mairie sa radiation de la liste."
    )
    claim = ["Un électeur peut demander sa radiation de la liste électorale à la mairie."]
    assert best_excerpt(text, claim) == (
        "Pour voter ailleurs, l'électeur doit demander à la mairie sa radiation de la liste."
    )
    assert best_excerpt(".\n…", claim) == ".\n…"  # nothing better to show than the text itself


def test_groundedness_gives_full_credit_to_backed_sentences_and_none_to_unsourced_ones() -> None:
    def sentence(support: float | None, sources: tuple[int, ...], text: str) -> CheckedSentence:
        return CheckedSentence(text, sources, support, bool(sources) and (support or 0) >= 0.5)

    claims = (
        sentence(0.9, (1,), "La piscine ouvre le mardi."),
        sentence(0.25, (2,), "L'entrée coûte trois euros."),
        sentence(0.8, (), "Le stationnement est gratuit le dimanche."),
    )
    check = CitationCheck("x", (*claims, sentence(None, (), "Voilà.")), (1, 2), 0)
    # 1 (capped) + 0.25/0.5 + 0 (no source), averaged over the three claims ("Voilà." is not one)
    assert check.groundedness(0.5) == pytest.approx(0.5)
    assert check.groundedness(0.0) == pytest.approx(2 / 3)  # no threshold: any source is enough
    assert CitationCheck("", (), (), 0).groundedness(0.5) == 0.0


def test_an_answer_in_another_language_is_checked_by_meaning_alone() -> None:
    def embed(texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]  # the German sentence means what the passage says

    german = "Die Öffnungszeiten im Sommer sind variabel [1]."
    mixed = check_citations(german, [POOL], threshold=0.6, embed=embed)
    by_meaning = check_citations(german, [POOL], threshold=0.6, embed=embed, lexical_weight=0.0)
    assert mixed.sentences[0].supported is False  # no shared words drags the average down
    assert by_meaning.sentences[0].supported is True and by_meaning.sentences[0].support == 1.0
