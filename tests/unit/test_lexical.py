from chatbot.text.lexical import FrenchBM25Encoder, fold, term_id, tokenize


def test_fold_removes_accents_and_ligatures() -> None:
    assert fold("Élève ŒUVRE façade") == "eleve oeuvre facade"


def test_elisions_and_stop_words_are_removed() -> None:
    assert tokenize("L'école de l'agglomération") == tokenize("école agglomération")
    assert tokenize("qu'est-ce que c'est ?") == []


def test_accented_and_plain_forms_match() -> None:
    assert tokenize("déchèterie") == tokenize("decheterie")


def test_plural_and_singular_share_a_stem() -> None:
    assert tokenize("les écoles") == tokenize("une école")
    assert tokenize("transports") == tokenize("transport")


def test_digits_are_kept() -> None:
    assert "2024" in tokenize("budget 2024")


def test_term_ids_are_stable_and_in_range() -> None:
    assert term_id("ecol") == term_id("ecol")
    assert term_id("ecol") != term_id("eau")
    assert 0 <= term_id("anything") < 2**31


def test_document_weights_saturate_with_repetition() -> None:
    encoder = FrenchBM25Encoder()
    once = encoder.encode_document("eau")
    many = encoder.encode_document("eau eau eau eau eau eau eau eau")
    assert once.indices == many.indices
    assert many.values[0] > once.values[0]
    assert many.values[0] < encoder.k1 + 1  # the BM25 ceiling


def test_longer_documents_weigh_a_term_less() -> None:
    encoder = FrenchBM25Encoder()
    short = encoder.encode_document("eau potable")
    long = encoder.encode_document("eau potable " + " ".join(f"mot{n}" for n in range(300)))
    weight = dict(zip(short.indices, short.values, strict=True))[term_id("eau")]
    long_weight = dict(zip(long.indices, long.values, strict=True))[term_id("eau")]
    assert long_weight < weight


def test_query_terms_weigh_one_and_are_sorted() -> None:
    vector = FrenchBM25Encoder().encode_query("horaires de la piscine, horaires")
    assert set(vector.values) == {1.0}
    assert len(vector.indices) == 2
    assert list(vector.indices) == sorted(vector.indices)
