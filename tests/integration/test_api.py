"""The FastAPI app on the demo corpus with the small models."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chatbot.api.app import create_app
from tests.conftest import CORPUS, make_settings, require_models

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> TestClient:
    from chatbot.wiring import build_search_services
    from ingestion.pipeline import ChunkingOptions, ingest

    require_models(models_dir, "small")
    settings = make_settings(tmp_path_factory.mktemp("api"), models_dir, "small")
    services = build_search_services(settings)
    ingest([CORPUS], services.index, services.embedder, services.encoder,
           ChunkingOptions(settings.chunk_size, settings.chunk_overlap), 10**7)  # fmt: skip
    return TestClient(create_app(settings, services))


def test_health(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["embedder"] == "all-minilm-l6-v2"
    assert body["index"]["chunks"] > 10


def test_search(client: TestClient) -> None:
    results = client.get("/api/search", params={"q": "protection des données", "limit": 2}).json()
    assert len(results) == 2 and results[0]["source_id"]


def test_search_validates_input(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search", params={"q": "x" * 2000}).status_code == 422


def test_home_page_and_openapi(client: TestClient) -> None:
    assert "Guichet" in client.get("/").text
    assert "/api/health" in client.get("/openapi.json").json()["paths"]
