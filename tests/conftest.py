"""Shared fixtures: settings on temporary folders, the real small models, shared data paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatbot.settings import ModelProfile, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
CORPUS = ROOT / "corpus"


def _isolated_env() -> None:
    """Tests choose their own settings: drop GUICHET_* variables except the models folder."""
    for name in list(os.environ):
        if name.startswith("GUICHET_") and name != "GUICHET_MODELS_DIR":
            del os.environ[name]


_isolated_env()


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """Where `guichet models pull` put the models (shared by make run and make test)."""
    return Settings().resolved_models_dir


def require_models(models_dir: Path, profile: ModelProfile) -> None:
    """Skip (or fail under CI) when a profile's models have not been pulled."""
    from chatbot.models import PROFILES

    missing = [s.key for s in PROFILES[profile].values() if not (models_dir / s.target).exists()]
    if missing:
        message = f"models {missing} missing: run `guichet models pull --profile {profile}`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def make_settings(
    tmp_path: Path, models_dir: Path, profile: ModelProfile, **extra: object
) -> Settings:
    """Settings with a private data folder and the shared models."""
    return Settings(
        data_dir=tmp_path / "data", models_dir=models_dir, model_profile=profile, **extra
    )  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def small_embedder(models_dir: Path):  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder, loaded once."""
    from chatbot.models import MINILM_L6
    from chatbot.retrieval.embedding import SentenceTransformerEmbedder

    require_models(models_dir, "small")
    return SentenceTransformerEmbedder(models_dir / MINILM_L6.target, MINILM_L6.key)


@pytest.fixture(scope="session")
def default_embedder(models_dir: Path):  # type: ignore[no-untyped-def]
    """The real EmbeddingGemma-300M embedder, loaded once."""
    from chatbot.models import EMBEDDINGGEMMA_300M
    from chatbot.retrieval.embedding import SentenceTransformerEmbedder

    require_models(models_dir, "default")
    return SentenceTransformerEmbedder(
        models_dir / EMBEDDINGGEMMA_300M.target, EMBEDDINGGEMMA_300M.key, batch_size=32
    )


@pytest.fixture
def shared_data() -> Iterator[Path]:
    """../shared/data, or a skip saying why when this clone has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (it sits beside the project in CI)")
    yield SHARED_DATA


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A PostgreSQL server on loopback for this test session (fails under CI when missing)."""
    from tests.postgres import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = (
            "PostgreSQL is not installed: `make test` installs it (deploy/install-test-packages.sh)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chat_data(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Path:
    """A data folder with the demo corpus ingested (small profile)."""
    require_models(models_dir, "small")
    folder = tmp_path_factory.mktemp("chat")
    settings = make_settings(folder, models_dir, "small")
    from chatbot.wiring import build_search_services
    from ingestion.pipeline import ChunkingOptions, ingest

    search = build_search_services(settings)
    ingest([CORPUS], search.index, search.embedder, search.encoder,
           ChunkingOptions(settings.chunk_size, settings.chunk_overlap), 10**7)  # fmt: skip
    search.close()
    return folder
