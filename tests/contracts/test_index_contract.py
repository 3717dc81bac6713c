"""The index contract, and congruence: the embedded folder and `:memory:` answer the same
queries with the same passages, in the same order, with the same scores. (No Qdrant server can
be installed here; the same class reaches one by URL, see docs/operations.md.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.answering.citations import cosine
from chatbot.domain import Chunk, SearchFilters, SourceInfo
from chatbot.ports import Embedder, VectorIndex
from chatbot.retrieval.index import QdrantIndex, chunk_point_id
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder

pytestmark = pytest.mark.integration

DOCUMENTS = {
    ("piscine", "Orsay"): ["La piscine ouvre à 10 heures le samedi.", "Le bassin ferme en août."],
    ("dechets", "Palaiseau"): [
        "Les déchets verts sont collectés le lundi.",
        "Les encombrants sont ramassés sur rendez-vous.",
    ],
    ("eau", ""): ["La facture d'eau arrive deux fois par an.", "Le compteur est relevé en mai."],
    ("etat-civil", "Orsay"): ["Le passeport se demande en mairie sur rendez-vous."],
}
QUERIES = [
    "Quand sont collectés les déchets verts ?",
    "horaires de la piscine",
    "facture d'eau",
    "rendez-vous pour un passeport",
    "encombrants",
]


def _open(backend: str, tmp_path: Path, embedder: Embedder) -> QdrantIndex:
    url = ":memory:" if backend == "memory" else None
    settings = Settings(data_dir=tmp_path / backend, qdrant_url=url)
    return QdrantIndex.open(settings, embedder.name, embedder.dimension)


def _fill(index: VectorIndex, embedder: Embedder) -> None:
    encoder = FrenchBM25Encoder()
    for (source_id, commune), texts in DOCUMENTS.items():
        source = SourceInfo(source_id, source_id.title(), commune=commune)
        chunks = [
            Chunk(
                chunk_point_id(source_id, n),
                source,
                n,
                text,
                doc_version="v1",
                path=f"/docs/{source_id}.md",
            )
            for n, text in enumerate(texts)
        ]
        vectors = embedder.embed_documents([chunk.embedding_text() for chunk in chunks])
        sparse = [encoder.encode_document(chunk.embedding_text()) for chunk in chunks]
        index.replace_document(source_id, chunks, vectors, sparse, replace=False)


@pytest.fixture
def indexes(tmp_path: Path, small_embedder: Embedder) -> dict[str, QdrantIndex]:
    opened = {name: _open(name, tmp_path, small_embedder) for name in ("embedded", "memory")}
    for index in opened.values():
        _fill(index, small_embedder)
    yield opened  # type: ignore[misc]
    for index in opened.values():
        index.close()


@pytest.mark.parametrize("filters", [None, SearchFilters(communes=("Orsay",))])
def test_both_backends_return_the_same_passages(
    indexes: dict[str, QdrantIndex], small_embedder: Embedder, filters: SearchFilters | None
) -> None:
    encoder = FrenchBM25Encoder()
    vectors = small_embedder.embed_queries(QUERIES)
    for query, vector in zip(QUERIES, vectors, strict=True):
        results = {
            name: index.search(
                vector, encoder.encode_query(query), limit=4, candidates=10, filters=filters
            )
            for name, index in indexes.items()
        }
        embedded, memory = results["embedded"], results["memory"]
        assert [p.chunk.chunk_id for p in embedded] == [p.chunk.chunk_id for p in memory], query
        for a, b in zip(embedded, memory, strict=True):
            assert a.score == pytest.approx(b.score)
            assert a.dense_score == pytest.approx(b.dense_score, abs=1e-5)
            assert a.chunk == b.chunk
        if filters is not None:
            assert all(p.chunk.source.commune == "Orsay" for p in embedded)


def test_both_backends_agree_on_documents_counts_and_deletion(
    indexes: dict[str, QdrantIndex],
) -> None:
    for index in indexes.values():
        assert index.count() == 7
        index.delete_document("dechets")
    embedded, memory = indexes["embedded"], indexes["memory"]
    assert embedded.documents() == memory.documents()
    assert set(embedded.documents()) == {"piscine", "eau", "etat-civil"}
    assert embedded.count() == memory.count() == 5


def test_search_reads_back_each_passage_s_stored_vector(
    indexes: dict[str, QdrantIndex], small_embedder: Embedder
) -> None:
    """The citation check compares sentences with the vectors stored at ingestion instead of
    embedding the passages again: the search returns them, from the dense and lexical lists."""
    encoder = FrenchBM25Encoder()
    query = "encombrants sur rendez-vous"
    [vector] = small_embedder.embed_queries([query])
    for index in indexes.values():
        passages = index.search(vector, encoder.encode_query(query), limit=6, candidates=10)
        assert passages
        for passage in passages:
            assert passage.vector is not None
            [expected] = small_embedder.embed_documents([passage.chunk.embedding_text()])
            assert cosine(list(passage.vector), expected) > 0.999
