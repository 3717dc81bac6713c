"""The int8 EmbeddingGemma (ONNX Runtime, exported by `guichet models pull` with the int8 extra)
gives vectors that one float32 index can serve: same dimension, cosine >= 0.98 to float32."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chatbot.models import EMBEDDINGGEMMA_300M
from chatbot.retrieval.embedding import (
    SentenceTransformerEmbedder,
    cpu_flags,
    int8_file,
    int8_ready,
    int8_runtime_installed,
    int8_variant,
)
from tests.conftest import require_models

pytestmark = [pytest.mark.integration, pytest.mark.default_profile]

PASSAGES = [
    "Pour refaire sa carte d'identité, il faut prendre rendez-vous en mairie avec une photo "
    "récente, un justificatif de domicile de moins de trois mois et l'ancienne carte. Le délai "
    "de fabrication dépend de la période de l'année et peut dépasser plusieurs semaines au "
    "printemps ; la carte est remise en main propre à la mairie où la demande a été déposée.",
    "Le bac jaune est collecté le mardi matin ; sortez-le la veille au soir.",
    "La piscine intercommunale ouvre à 9 heures le samedi et le dimanche.",
]
QUESTIONS = ["Comment renouveler ma carte d'identité ?", "Quel jour passe le bac jaune ?"]


@pytest.fixture(scope="module")
def gemma(models_dir: Path) -> Path:
    require_models(models_dir, "default")
    path = models_dir / EMBEDDINGGEMMA_300M.target
    if not int8_runtime_installed():
        pytest.skip("ONNX Runtime / optimum-onnx not installed (deploy/install.sh VENV int8)")
    variant = int8_variant(cpu_flags())
    if variant is None:
        pytest.skip("int8 embeddings need an x86-64 CPU with AVX2")
    if not int8_ready(path, cpu_flags()):
        pytest.skip(
            f"{path / int8_file(variant)} not exported: run `guichet models pull --profile "
            "default` with the int8 extra installed"
        )
    return path


def test_int8_vectors_stay_close_to_float32(gemma: Path) -> None:
    reference = SentenceTransformerEmbedder(gemma, "g", precision="float32")
    int8 = SentenceTransformerEmbedder(gemma, "g", precision="int8")
    assert int8.precision == "int8" and int8.dimension == reference.dimension == 768
    for texts, embed in ((PASSAGES, "embed_documents"), (QUESTIONS, "embed_queries")):
        expected = np.array(getattr(reference, embed)(texts))
        vectors = np.array(getattr(int8, embed)(texts))
        assert vectors.shape == (len(texts), 768)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
        cosines = np.sum(expected * vectors, axis=1)
        assert cosines.min() >= 0.98, (embed, cosines)
