"""The chat API on the demo corpus with the small models: mechanics, limits and errors."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.api.app import create_app
from chatbot.generation.queue import RequestQueue
from chatbot.wiring import Services
from tests.fakes import ScriptedGenerator
from tests.integration.conftest import api_client

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def data(chat_data: Path) -> Path:
    return chat_data


@pytest.fixture(scope="module")
def open_gate(data: Path, models_dir: Path) -> Iterator[tuple[TestClient, Services]]:
    """Every question reaches the model (relevance gate at 0)."""
    yield from api_client(
        data, models_dir, relevance_threshold=0.0, max_history_turns=3, queue_size=0
    )


@pytest.fixture(scope="module")
def closed_gate(
    data: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Services]]:
    """No passage is ever relevant enough (gate at 1); on its own copy of the index."""
    copy = tmp_path_factory.mktemp("closed") / "copy"
    shutil.copytree(data, copy)
    yield from api_client(copy, models_dir, relevance_threshold=1.0)


def _events(response: Any) -> list[tuple[str, Any]]:
    events = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_chat_answers_with_the_documented_shape(open_gate: tuple[TestClient, Services]) -> None:
    client, _ = open_gate
    body = client.post("/api/chat", json={"message": "Comment contacter le DPO ?"}).json()
    assert {"session_id", "answer", "language", "abstained", "citations", "timings"} <= set(body)
    assert body["language"] == "fr" and body["answer"]
    assert body["passages"] and body["passages"][0]["text"]
    assert body["timings"]["total_ms"] > 0 and body["tokens"] > 0
    for citation in body["citations"]:
        assert {"n", "source_id", "title", "url", "page", "excerpt"} <= set(citation)


def test_stream_sends_session_sources_then_done(open_gate: tuple[TestClient, Services]) -> None:
    client, _ = open_gate
    response = client.post("/api/chat/stream", json={"message": "Qu'est-ce que Guichet ?"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "session" and kinds[-2:] == ["sources", "done"]
    assert set(kinds[1:-2]) <= {"sentence"}  # never raw tokens
    done = events[-1][1]
    assert done["session_id"] == events[0][1]["session_id"]
    assert events[-2][1] == done["citations"]


def test_stream_sends_verified_sentences_one_by_one(
    data: Path, models_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(data, tmp_path / "copy")  # the module's clients hold the original index
    settings = {"relevance_threshold": 0.0, "max_answer_tokens": 200}
    for client, services in api_client(tmp_path / "copy", models_dir, **settings):
        reply = "{quote:1:1} [1]. Le maire a 300 ans [1]. {quote:1:3} [1]."
        services.answerer.generator = ScriptedGenerator(reply)
        response = client.post("/api/chat/stream", json={"message": "Qu'est-ce que Guichet ?"})
        events = _events(response)
        sentences = [data["text"] for kind, data in events if kind == "sentence"]
        done = events[-1][1]
        assert len(sentences) == 2 and not done["abstained"]
        assert done["answer"] == " ".join(sentences)
        assert "300" not in done["answer"]
        [dropped] = done["dropped_sentences"]
        assert (
            dropped["sentence"] == "Le maire a 300 ans." and dropped["failed_check"] == "hard_facts"
        )


def test_follow_up_in_a_session_is_logged(open_gate: tuple[TestClient, Services]) -> None:
    client, services = open_gate
    first = client.post("/api/chat", json={"message": "Qu'est-ce que Guichet ?"}).json()
    second = client.post(
        "/api/chat", json={"message": "Et ses limites ?", "session_id": first["session_id"]}
    )
    assert second.status_code == 200 and second.json()["session_id"] == first["session_id"]
    history = services.store.history(first["session_id"], limit=10)
    assert [question for question, _ in history] == ["Qu'est-ce que Guichet ?", "Et ses limites ?"]


def test_limits_give_clear_4xx(open_gate: tuple[TestClient, Services]) -> None:
    client, _ = open_gate
    too_long = client.post("/api/chat", json={"message": "x" * 5000})
    assert too_long.status_code == 413 and "1500" in too_long.json()["detail"]
    assert client.post("/api/chat", json={"message": "   "}).status_code == 422
    assert client.post("/api/chat", json={}).status_code == 422
    unknown = client.post("/api/chat/stream", json={"message": "Bonjour", "session_id": "nope"})
    assert unknown.status_code == 404 and "nouvelle conversation" in unknown.json()["detail"]
    session = client.post("/api/chat", json={"message": "Bonjour"}).json()["session_id"]
    for _ in range(2):
        client.post("/api/chat", json={"message": "Encore", "session_id": session})
    full = client.post("/api/chat", json={"message": "Encore", "session_id": session})
    assert full.status_code == 409 and "nouvelle conversation" in full.json()["detail"]


def test_full_queue_answers_503_with_retry_after(open_gate: tuple[TestClient, Services]) -> None:
    client, services = open_gate
    queue = services.generator.queue
    assert isinstance(queue, RequestQueue)
    busy, release = threading.Event(), threading.Event()

    def occupy() -> None:
        with queue.turn():
            busy.set()
            release.wait(30)

    holder = threading.Thread(target=occupy)
    holder.start()
    busy.wait(10)
    try:
        for path in ("/api/chat", "/api/chat/stream"):
            refused = client.post(path, json={"message": "Bonjour"})
            assert refused.status_code == 503, path
            assert int(refused.headers["Retry-After"]) >= 1
    finally:
        release.set()
        holder.join()
    assert client.post("/api/chat", json={"message": "Bonjour"}).status_code == 200


def test_nothing_relevant_declines_with_the_contact(
    closed_gate: tuple[TestClient, Services],
) -> None:
    client, _ = closed_gate
    body = client.post(
        "/api/chat", json={"message": "Quand passe la collecte des déchets ?"}
    ).json()
    assert body["abstained"] and body["reason"] == "no_relevant_sources"
    assert body["contact"]["service"] == "Service déchets et collecte"
    assert body["contact"]["phone"] in body["answer"]
    assert body["citations"] == [] and body["tokens"] == 0
    english = client.post("/api/chat", json={"message": "When is the waste collected?"}).json()
    assert english["language"] == "en" and english["answer"].startswith("I could not find")


def test_health_sources_page_and_home(open_gate: tuple[TestClient, Services]) -> None:
    client, _ = open_gate
    health = client.get("/api/health").json()
    assert health["model"] == "smollm2-135m-instruct-q4_1" and health["index"]["chunks"] > 10
    page = client.get("/sources/guichet-presentation")
    assert page.status_code == 200 and "<h1>" in page.text
    assert client.get("/sources/absent").status_code == 404
    home = client.get("/")
    assert '<html lang="fr">' in home.text and '<script src="/widget.js"' in home.text
    assert '<html lang="en">' in client.get("/?lang=en").text
    widget = client.get("/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "/api/chat/stream" in widget.text and "assistant automatique" in widget.text
    assert "__GUICHET_I18N__" not in widget.text and "automated assistant" in widget.text
    assert "/api/chat/stream" in client.get("/openapi.json").json()["paths"]


def test_search_endpoint(open_gate: tuple[TestClient, Services]) -> None:
    client, _ = open_gate
    results = client.get("/api/search", params={"q": "protection des données", "limit": 2}).json()
    assert len(results) == 2 and results[0]["source_id"] and results[0]["text"]
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search", params={"q": "x" * 2000}).status_code == 422


def test_a_client_leaving_mid_stream_frees_the_model(
    open_gate: tuple[TestClient, Services],
) -> None:
    import socket

    import httpx
    import uvicorn

    _, services = open_gate
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(services.settings, services)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        with httpx.stream("POST", f"{base}/api/chat/stream", json={"message": "Qu'est-ce que Guichet ?"},
                          timeout=120) as response:  # fmt: skip
            for line in response.iter_lines():
                if line.startswith("event: session"):
                    break  # the resident closes the widget while the answer is written
        queue = services.generator.queue
        assert isinstance(queue, RequestQueue)
        for busy in (True, False):  # the model takes the answer up, then is freed
            deadline = time.monotonic() + 30
            while queue.is_full() != busy and time.monotonic() < deadline:
                time.sleep(0.01)
        after = httpx.post(f"{base}/api/chat", json={"message": "Bonjour"}, timeout=120)
        assert after.status_code == 200  # with queue_size=0, a lock left held would answer 503
    finally:
        server.should_exit = True
        thread.join(30)


def test_only_the_allowed_origins_may_embed_the_widget(
    data: Path, models_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(data, tmp_path / "copy")  # the module's clients hold the original index
    origins = ["https://www.ville.example"]
    for client, _ in api_client(tmp_path / "copy", models_dir, allowed_origins=origins):
        preflight = {"Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"}  # fmt: skip
        allowed = client.options("/api/chat/stream",
                                 headers={"Origin": "https://www.ville.example", **preflight})  # fmt: skip
        assert allowed.headers["access-control-allow-origin"] == "https://www.ville.example"
        other = client.options("/api/chat/stream",
                               headers={"Origin": "https://evil.example", **preflight})  # fmt: skip
        assert "access-control-allow-origin" not in other.headers
