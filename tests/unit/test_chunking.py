from chatbot.domain import Block
from ingestion.chunking import chunk_blocks, split_sentences

SENTENCE = "La collecte des déchets a lieu chaque mardi matin dans toutes les communes."


def _words(text: str) -> set[str]:
    return set(text.split())


def test_chunks_respect_the_size_limit() -> None:
    blocks = [Block(" ".join([SENTENCE] * 40), ("Déchets",))]
    chunks = chunk_blocks(blocks, size=300, overlap=80)
    assert len(chunks) > 5
    assert all(len(chunk.text) <= 300 for chunk in chunks)


def test_no_words_are_lost() -> None:
    text = " ".join(f"Phrase numéro {n} du document." for n in range(200))
    chunks = chunk_blocks([Block(text)], size=250, overlap=50)
    assert _words(text) <= set().union(*(_words(c.text) for c in chunks))


def test_long_sections_overlap_between_chunks() -> None:
    sentences = [f"Phrase {n} sur les horaires de la piscine." for n in range(30)]
    chunks = chunk_blocks([Block(" ".join(sentences))], size=200, overlap=80)
    first_tail = chunks[0].text.splitlines()[-1]
    assert first_tail in chunks[1].text


def test_chunks_never_cross_pages() -> None:
    blocks = [Block("Texte de la page un.", page=1), Block("Texte de la page deux.", page=2)]
    chunks = chunk_blocks(blocks, size=1000, overlap=100)
    assert [(c.page, c.text) for c in chunks] == [
        (1, "Texte de la page un."),
        (2, "Texte de la page deux."),
    ]


def test_ocr_pages_keep_their_mark_and_never_share_a_chunk_with_text_pages() -> None:
    blocks = [Block("Texte de la page un.", page=1), Block("Arrêté lu par OCR.", page=2, ocr=True),
              Block("Suite de l'arrêté.", page=2, ocr=True), Block("Annexe.", page=3)]  # fmt: skip
    chunks = chunk_blocks(blocks, size=1000, overlap=100)
    assert [(c.page, c.ocr) for c in chunks] == [(1, False), (2, True), (3, False)]
    assert chunks[1].text == "Arrêté lu par OCR.\nSuite de l'arrêté."


def test_heading_path_is_kept() -> None:
    blocks = [Block(" ".join([SENTENCE] * 20), ("Services", "Déchets"))]
    chunks = chunk_blocks(blocks, size=400, overlap=50)
    assert {c.headings for c in chunks} == {("Services", "Déchets")}


def test_small_sibling_sections_merge_with_their_headings_in_the_text() -> None:
    blocks = [
        Block("Le CSE ne dispose d'aucun budget.", ("Moyens", "Budget")),
        Block("L'employeur met un local à disposition.", ("Moyens", "Local")),
    ]
    [chunk] = chunk_blocks(blocks, size=1000, overlap=100)
    assert chunk.headings == ("Moyens",)
    assert chunk.text.splitlines() == [
        "Budget",
        "Le CSE ne dispose d'aucun budget.",
        "Local",
        "L'employeur met un local à disposition.",
    ]


def test_large_sections_stay_apart() -> None:
    blocks = [Block(SENTENCE * 8, ("A",)), Block(SENTENCE * 8, ("B",))]
    chunks = chunk_blocks(blocks, size=1000, overlap=100)
    assert [c.headings for c in chunks] == [("A",), ("B",)]


def test_a_single_huge_word_run_is_cut() -> None:
    chunks = chunk_blocks([Block("x" * 50 + " " + "mot " * 400)], size=200, overlap=20)
    assert all(len(c.text) <= 200 for c in chunks)


def test_split_sentences_keeps_every_sentence() -> None:
    text = "Première phrase. Deuxième phrase ! Troisième ?\nQuatrième ligne"
    assert split_sentences(text) == [
        "Première phrase.",
        "Deuxième phrase !",
        "Troisième ?",
        "Quatrième ligne",
    ]
