"""(i) A burst on /api/chat/stream: at most `queue_size` requests wait (plus the one served);
the others get 503 with Retry-After before any streaming starts, never a 200 carrying an error
event. Served over a real socket by uvicorn, as a burst of concurrent clients would be."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from chatbot.generation.queue import RequestQueue
from chatbot.wiring import Services
from tests.security.fast_app import fast_app

BURST = 8


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Services]]:
    """The fast app with a slow model (1 s before its first word) and one waiting place."""
    app, services = fast_app(tmp_path / "data", delay_s=1.0, queue_size=1)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", services
    server.should_exit = True
    thread.join(30)


def _stream(base: str) -> tuple[int, str, str | None]:
    with httpx.Client(timeout=60, trust_env=False) as client:
        response = client.post(f"{base}/api/chat/stream", json={"message": "Les encombrants ?"})
        return response.status_code, response.text, response.headers.get("retry-after")


def test_a_burst_gets_503_before_streaming_beyond_the_queue(
    served: tuple[str, Services],
) -> None:
    base, services = served
    start = threading.Barrier(BURST)

    def one(_: int) -> tuple[int, str, str | None]:
        start.wait()
        return _stream(base)

    with ThreadPoolExecutor(BURST) as pool:
        results = list(pool.map(one, range(BURST)))
    streamed = [text for status, text, _ in results if status == 200]
    refused = [(text, retry) for status, text, retry in results if status == 503]
    assert len(streamed) + len(refused) == BURST, [r[0] for r in results]
    assert 1 <= len(streamed) <= 2  # one served, `queue_size` (1) waiting
    assert all("event: error" not in text and "event: done" in text for text in streamed)
    assert all(retry and int(retry) >= 1 and "sollicité" in text for text, retry in refused)
    queue = services.generator.queue
    assert isinstance(queue, RequestQueue) and queue.waiting == 0 and not queue.is_full()
    assert _stream(base)[0] == 200  # every place was given back


def test_a_reservation_is_taken_atomically_and_given_back_once() -> None:
    queue = RequestQueue(size=1, timeout_s=1.0)
    first, second = queue.reserve(), queue.reserve()
    assert queue.is_full()
    with pytest.raises(Exception, match="sollicité"):
        queue.reserve()
    with second.active(), queue.turn():  # the reserved caller is never refused by its own place
        assert queue.waiting == 1
    second.release()
    second.release()  # idempotent
    assert not queue.is_full()
    del first  # a turn dropped unanswered gives its place back
    assert queue.waiting == 0 and queue.reserve() is not None
