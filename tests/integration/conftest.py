"""Fixtures shared by the API tests: the demo corpus indexed once with the small profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.api.app import create_app
from chatbot.wiring import Services, build_search_services, build_services
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, make_settings, require_models


@pytest.fixture(scope="session")
def chat_data(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Path:
    """A data folder with the demo corpus ingested (small profile)."""
    require_models(models_dir, "small")
    folder = tmp_path_factory.mktemp("chat")
    settings = make_settings(folder, models_dir, "small")
    search = build_search_services(settings)
    ingest([CORPUS], search.index, search.embedder, search.encoder,
           ChunkingOptions(settings.chunk_size, settings.chunk_overlap), 10**7)  # fmt: skip
    search.close()
    return folder


def api_client(data: Path, models_dir: Path, **extra: Any) -> Iterator[tuple[TestClient, Services]]:
    """The app over a data folder, with the small models and short answers."""
    settings = make_settings(data, models_dir, "small", max_answer_tokens=24, **extra)
    services = build_services(settings)
    with TestClient(create_app(settings, services)) as client:
        yield client, services
