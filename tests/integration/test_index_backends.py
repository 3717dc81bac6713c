"""The same index class on every backend: embedded folder, in memory, and a server URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatbot.domain import Chunk, SourceInfo
from chatbot.retrieval.index import IndexUnavailableError, QdrantIndex, chunk_point_id
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder

pytestmark = pytest.mark.integration

TEXTS = {
    "piscine": "La piscine ouvre à 10 heures le samedi.",
    "dechets": "Les déchets verts sont collectés le lundi.",
    "eau": "La facture d'eau arrive deux fois par an.",
}


def _fill(index: QdrantIndex, embedder: Any) -> None:
    encoder = FrenchBM25Encoder()
    for source_id, text in TEXTS.items():
        chunk = Chunk(chunk_point_id(source_id, 0), SourceInfo(source_id, source_id.title()), 0, text,
                      doc_version="v1", path=f"/docs/{source_id}.md")  # fmt: skip
        [vector] = embedder.embed_documents([chunk.embedding_text()])
        index.replace_document(source_id, [chunk], [vector], [encoder.encode_document(text)])


@pytest.mark.parametrize("backend", ["embedded", "memory"])
def test_backends_give_the_same_results(backend: str, tmp_path: Path, small_embedder: Any) -> None:
    extra = {"qdrant_url": ":memory:"} if backend == "memory" else {}
    settings = Settings(data_dir=tmp_path, **extra)  # type: ignore[arg-type]
    index = QdrantIndex.open(settings, small_embedder.name, small_embedder.dimension)
    _fill(index, small_embedder)
    encoder = FrenchBM25Encoder()
    [query] = small_embedder.embed_queries(["Quand sont collectés les déchets verts ?"])
    results = index.search(
        query, encoder.encode_query("déchets verts collecte"), limit=3, candidates=10
    )
    assert results[0].chunk.source.source_id == "dechets"
    assert results[0].dense_score is not None and results[0].lexical_score is not None
    assert index.count() == 3
    index.delete_document("dechets")
    assert set(index.documents()) == {"piscine", "eau"}
    assert (settings.qdrant_path.exists()) == (backend == "embedded")
    index.close()


def test_a_collection_of_another_dimension_is_refused(tmp_path: Path, small_embedder: Any) -> None:
    from chatbot.domain import GuichetError

    settings = Settings(data_dir=tmp_path)
    QdrantIndex.open(settings, "same-name", small_embedder.dimension).close()
    with pytest.raises(GuichetError, match="dimension"):
        QdrantIndex.open(settings, "same-name", small_embedder.dimension + 1)


def test_unreachable_server_says_what_to_do(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, qdrant_url="http://127.0.0.1:9", qdrant_timeout_s=2)
    with pytest.raises(
        IndexUnavailableError,
        match=r"Cannot reach Qdrant at http://127.0.0.1:9.*GUICHET_QDRANT_URL",
    ):
        QdrantIndex.open(settings, "x", 8)
