"""The OpenAI-compatible backend against a real `python -m llama_cpp.server` on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chatbot.api.app import create_app
from chatbot.domain import GeneratorUnavailableError
from chatbot.generation.local_server import LocalLlamaServer, free_port
from chatbot.generation.openai_compatible import OpenAICompatibleGenerator
from chatbot.models import SMOLLM2_135M
from chatbot.ports import GenerationOptions
from chatbot.wiring import build_search_services, build_services
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, make_settings, require_models

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[str]:
    """llama_cpp.server serving SmolLM2 on a free loopback port; yields its /v1 URL."""
    require_models(models_dir, "small")
    with LocalLlamaServer(models_dir / SMOLLM2_135M.target, "smollm2", context=2048) as running:
        yield running.url


def test_streams_tokens_from_the_server(server: str) -> None:
    generator = OpenAICompatibleGenerator(server, "smollm2")
    pieces = list(
        generator.stream(
            [{"role": "user", "content": "Dis bonjour."}], GenerationOptions(max_tokens=12)
        )
    )
    assert 1 <= len(pieces) <= 12 and "".join(pieces).strip()
    generator.close()


def test_the_api_answers_through_the_server(server: str, models_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, models_dir, "small", llm_backend="openai", llm_base_url=server,
                             llm_model="smollm2", relevance_threshold=0.0, max_answer_tokens=24)  # fmt: skip
    search = build_search_services(settings)
    ingest(
        [CORPUS], search.index, search.embedder, search.encoder, ChunkingOptions(1000, 150), 10**7
    )
    with TestClient(create_app(settings, build_services(settings, search))) as client:
        body = client.post("/api/chat", json={"message": "Qu'est-ce que Guichet ?"}).json()
        assert body["tokens"] > 0 and body["model"] == "smollm2"
        assert client.get("/api/health").json()["llm_backend"] == "openai"


def test_an_unreachable_server_is_a_503_with_advice(models_dir: Path, tmp_path: Path) -> None:
    generator = OpenAICompatibleGenerator(
        f"http://127.0.0.1:{free_port()}/v1", "x", connect_timeout_s=1
    )
    with pytest.raises(GeneratorUnavailableError, match="Cannot reach the inference server"):
        list(generator.stream([{"role": "user", "content": "x"}], GenerationOptions()))
    settings = make_settings(tmp_path, models_dir, "small", llm_backend="openai", relevance_threshold=0.0,
                             llm_base_url=f"http://127.0.0.1:{free_port()}/v1")  # fmt: skip
    search = build_search_services(settings)
    ingest(
        [CORPUS], search.index, search.embedder, search.encoder, ChunkingOptions(1000, 150), 10**7
    )
    with TestClient(create_app(settings, build_services(settings, search))) as client:
        response = client.post("/api/chat", json={"message": "Qu'est-ce que Guichet ?"})
        assert response.status_code == 503 and "serveur d'inférence" in response.json()["detail"]
        streamed = client.post("/api/chat/stream", json={"message": "Qu'est-ce que Guichet ?"})
        assert '"status": 503' in streamed.text and "event: error" in streamed.text
