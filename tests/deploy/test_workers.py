"""`guichet serve --workers N`: refused while the state is per process (embedded index, SQLite,
in-process model), and served by N workers sharing PostgreSQL, an index reached over HTTP and a
`llama_cpp.server`.

The index is reached over HTTP through tests/deploy/qdrant_shim.py (qdrant-client's own engine
behind Qdrant's REST routes), because no Qdrant server can be installed here; what is proved is
that the workers share one index, database and model server, not Qdrant's own behaviour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from chatbot.cli.main import app
from chatbot.cli.operations import shared_state_problems
from chatbot.generation.local_server import LocalLlamaServer, free_port
from chatbot.models import SMOLLM2_135M
from chatbot.settings import Settings
from chatbot.store.tables import answers
from chatbot.wiring import build_search_services
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, ROOT, require_models
from tests.deploy.qdrant_shim import running_shim

SHARED = {
    "qdrant_url": "http://qdrant:6333",
    "database_url": "postgresql+psycopg://guichet@db/guichet",
    "llm_backend": "openai",
}


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("qdrant_url", "GUICHET_QDRANT_URL"),
        ("database_url", "GUICHET_DATABASE_URL"),
        ("llm_backend", "GUICHET_LLM_BACKEND=openai"),
    ],
)
def test_each_per_process_state_is_named(missing: str, variable: str, tmp_path: Path) -> None:
    shared = {key: value for key, value in SHARED.items() if key != missing}
    problems = shared_state_problems(Settings(data_dir=tmp_path, **shared))  # type: ignore[arg-type]
    assert len(problems) == 1 and variable in problems[0]
    assert shared_state_problems(Settings(data_dir=tmp_path, **SHARED)) == []  # type: ignore[arg-type]


def test_a_memory_index_is_not_shared(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, **{**SHARED, "qdrant_url": ":memory:"})  # type: ignore[arg-type]
    assert "GUICHET_QDRANT_URL" in shared_state_problems(settings)[0]


def test_serving_several_workers_on_the_embedded_defaults_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    for variable in ("GUICHET_QDRANT_URL", "GUICHET_DATABASE_URL", "GUICHET_LLM_BACKEND=openai"):
        assert variable in message
    assert "--workers 1" in message
    assert not (tmp_path / "guichet.db").exists()  # refused before touching anything


def test_workers_from_the_setting_are_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GUICHET_WORKERS", "3")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2 and "--workers 3" in " ".join(result.output.split())


@pytest.fixture(scope="module")
def llama_server(models_dir: Path) -> Iterator[str]:
    require_models(models_dir, "small")
    with LocalLlamaServer(models_dir / SMOLLM2_135M.target, "smollm2", context=2048) as running:
        yield running.url


def _worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes under `parent` (spawned: `multiprocessing.spawn`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        ppid = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid"))
        if int(ppid) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.integration
@pytest.mark.slow
def test_two_workers_share_postgres_the_index_and_the_model_server(
    postgres: object, llama_server: str, models_dir: Path, tmp_path: Path
) -> None:
    database = postgres.create_database("workers")  # type: ignore[attr-defined]
    with running_shim() as qdrant:
        env = {
            "GUICHET_DATA_DIR": str(tmp_path / "data"),
            "GUICHET_MODELS_DIR": str(models_dir),
            "GUICHET_MODEL_PROFILE": "small",
            "GUICHET_QDRANT_URL": qdrant,
            "GUICHET_DATABASE_URL": database,
            "GUICHET_LLM_BACKEND": "openai",
            "GUICHET_LLM_BASE_URL": llama_server,
            "GUICHET_LLM_MODEL": "smollm2",
            "GUICHET_RELEVANCE_THRESHOLD": "0.0",
            "GUICHET_MAX_ANSWER_TOKENS": "16",
            "GUICHET_REDACT_PERSON_NAMES": "false",
        }
        settings = Settings(**{k.removeprefix("GUICHET_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
        with build_search_services(settings) as search:
            ingest([CORPUS], search.index, search.embedder, search.encoder,
                   ChunkingOptions(1000, 150), 10**7)  # fmt: skip
            chunks = search.index.count()
        port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
        log = tmp_path / "serve.log"
        with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the server
            server = subprocess.Popen(
                [sys.executable, "-m", "chatbot", "serve", "--workers", "2", "--port", str(port)],
                env={**base, **env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path,
                stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, server, log)
            assert len(_worker_pids(server.pid)) == 2
            health = httpx.get(f"{url}/api/health", timeout=30).json()
            assert health["index"]["chunks"] == chunks and health["llm_backend"] == "openai"

            def ask(_: int) -> httpx.Response:
                body = {"message": "Qu'est-ce que Guichet ?"}
                return httpx.post(f"{url}/api/chat", json=body, timeout=300)  # shared CPUs

            with ThreadPoolExecutor(4) as pool:
                replies = list(pool.map(ask, range(4)))
            assert [r.status_code for r in replies] == [200] * 4, replies[0].text
            session = replies[0].json()["session_id"]
            for _ in range(2):  # each turn may land on either worker: the session is in PostgreSQL
                follow = {"message": "Et ensuite ?", "session_id": session}
                assert httpx.post(f"{url}/api/chat", json=follow, timeout=300).status_code == 200
            engine = create_engine(database)
            with engine.connect() as db:
                assert db.execute(select(func.count()).select_from(answers)).scalar_one() == 6
            engine.dispose()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"guichet serve stopped: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    pytest.fail("guichet serve --workers 2 did not become healthy in 240 s")
