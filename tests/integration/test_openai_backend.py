"""The OpenAI-compatible backend against a real `python -m llama_cpp.server` on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from chatbot.api.app import create_app
from chatbot.generation import (
    GenerationOptions,
    GeneratorUnavailableError,
    OpenAICompatibleGenerator,
)
from chatbot.models import SMOLLM2_135M
from chatbot.wiring import build_search_services, build_services
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, make_settings, require_models

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama_cpp.server serving SmolLM2 on a free loopback port; yields its /v1 URL."""
    require_models(models_dir, "small")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: the load log would fill a pipe and block
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(models_dir / SMOLLM2_135M.target),
         "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.5)
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
    else:
        process.kill()
        raise RuntimeError("llama_cpp.server did not start within 120 s")
    yield url
    process.terminate()
    process.wait(timeout=30)
    log.close()


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
        assert response.status_code == 503 and "inference server" in response.json()["detail"]
        streamed = client.post("/api/chat/stream", json={"message": "Qu'est-ce que Guichet ?"})
        assert '"status": 503' in streamed.text and "event: error" in streamed.text
