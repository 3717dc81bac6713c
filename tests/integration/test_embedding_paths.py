"""The embedder's number formats, its length-sorted batching and its lazy loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chatbot.retrieval.embedding import (
    LazyEmbedder,
    SentenceTransformerEmbedder,
    choose_precision,
    folder_dimension,
)
from chatbot.retrieval.index import QdrantIndex
from chatbot.text.lexical import FrenchBM25Encoder
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, make_settings, require_models

pytestmark = pytest.mark.integration

TEXTS = [
    "Le bac jaune est collecté le mardi.",
    "Pour refaire sa carte d'identité, il faut prendre rendez-vous en mairie avec une photo "
    "récente, un justificatif de domicile de moins de trois mois et l'ancienne carte.",
    "Horaires de la déchetterie.",
    "La piscine intercommunale ouvre à 9 heures le samedi et le dimanche.",
]


@pytest.fixture(scope="module")
def minilm(models_dir: Path) -> Path:
    require_models(models_dir, "small")
    return models_dir / "all-minilm-l6-v2"


def test_auto_follows_the_cpu_flags() -> None:
    assert choose_precision("auto", flags=frozenset({"avx2", "avx512_bf16"})) == "bfloat16"
    assert choose_precision("auto", flags=frozenset({"avx2", "amx_bf16"})) == "bfloat16"
    assert choose_precision("auto", flags=frozenset({"avx2", "fma"})) == "float32"
    assert choose_precision("auto", device="cuda", flags=frozenset({"amx_bf16"})) == "float32"
    assert choose_precision("float32", flags=frozenset({"amx_bf16"})) == "float32"


def test_length_sorted_batches_keep_the_order(minilm: Path) -> None:
    embedder = SentenceTransformerEmbedder(minilm, "minilm", batch_size=2, precision="float32")
    together = np.array(embedder.embed_documents(TEXTS))
    one_by_one = np.array([embedder.embed_documents([text])[0] for text in TEXTS])
    assert np.allclose(together, one_by_one, atol=1e-4)


def test_bfloat16_vectors_stay_close_to_float32(minilm: Path) -> None:
    reference = np.array(SentenceTransformerEmbedder(minilm, "m", precision="float32")
                         .embed_documents(TEXTS))  # fmt: skip
    bf16 = SentenceTransformerEmbedder(minilm, "m", precision="bfloat16")
    assert bf16.precision == "bfloat16"
    vectors = np.array(bf16.embed_documents(TEXTS))
    cosines = np.sum(reference * vectors, axis=1)
    assert cosines.min() > 0.99  # bfloat16 keeps ~3 significant digits per weight


def test_lazy_embedder_knows_its_shape_without_loading(models_dir: Path, minilm: Path) -> None:
    lazy = LazyEmbedder(minilm, "all-minilm-l6-v2", precision="float32")
    assert lazy.dimension == 384 and not lazy.loaded
    assert lazy.embed_documents([]) == [] and not lazy.loaded
    gemma = models_dir / "embeddinggemma-300m"
    if gemma.is_dir():
        assert folder_dimension(gemma) == 768


def test_unchanged_ingestion_never_loads_the_embedder(
    tmp_path: Path, models_dir: Path, minilm: Path
) -> None:
    settings = make_settings(tmp_path, models_dir, "small", qdrant_url=":memory:")
    options = ChunkingOptions(settings.chunk_size, settings.chunk_overlap)
    first = LazyEmbedder(minilm, "all-minilm-l6-v2", precision="float32")
    index = QdrantIndex.open(settings, first.name, first.dimension)
    try:
        report = ingest([CORPUS], index, first, FrenchBM25Encoder(), options, 10**8)
        assert report.added > 0 and first.loaded
        second = LazyEmbedder(minilm, "all-minilm-l6-v2", precision="float32")
        again = ingest([CORPUS], index, second, FrenchBM25Encoder(), options, 10**8)
        assert again.unchanged == report.added and again.added == again.updated == 0
        assert not second.loaded
    finally:
        index.close()
