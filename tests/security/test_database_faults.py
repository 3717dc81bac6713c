"""Database faults: (f) damaged pages give a degraded health and 503s in French with a
Retry-After (JSON for the API, a page for the consoles); (g) a read-only data folder is named as
such at start-up; (j) an erased conversation's text leaves the database and its write-ahead log."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chatbot.store.database import DatabaseUnavailableError, checkpoint, open_engine
from chatbot.wiring import Services
from tests.integration.test_store_contract import an_answer
from tests.security.conftest import ask, sign_in
from tests.security.fast_app import fast_app

PAGE = 4096


def _damage(database: Path, from_fraction: float = 0.5) -> None:
    """Overwrite the header of every page in the file's last part (where the answers' rows
    went), as a failing disk would."""
    data = bytearray(database.read_bytes())
    pages = len(data) // PAGE
    for page in range(int(pages * from_fraction), pages):
        data[page * PAGE : page * PAGE + 12] = b"\xff" * 12
    database.write_bytes(bytes(data))


@pytest.fixture
def damaged(tmp_path: Path) -> Iterator[tuple[TestClient, Services, str]]:
    """An app over a database whose answers' pages are damaged; yields a session id in it."""
    data = tmp_path / "data"
    _, services = fast_app(data)
    store = services.store
    session = store.new_session()
    for n in range(150):
        store.record(replace(an_answer(session), question=f"Question {n} " + "x" * 1500))
    checkpoint(services.storage.engine)
    services.close()
    _damage(data / "guichet.db")
    app, services = fast_app(data)
    with TestClient(app, follow_redirects=False) as client:
        yield client, services, session


def test_damaged_pages_degrade_the_health_and_answer_503_in_french(
    damaged: tuple[TestClient, Services, str],
) -> None:
    """(f) Only OperationalError was mapped: a damaged page gave a plain-text 500."""
    client, services, session = damaged
    health = client.get("/api/health").json()
    assert health["status"] == "degraded" and health["store"]["status"] == "error"
    assert "endommagée" in health["store"]["detail"]
    for method, path in (("GET", f"/api/sessions/{session}/export"),
                         ("DELETE", f"/api/sessions/{session}")):  # fmt: skip
        response = client.request(method, path)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["retry-after"] == "30"
        assert "endommagée" in response.json()["detail"] and "sqlite" not in response.text.lower()
    sign_in(client, services, "auditor")
    for path in ("/audit", "/audit/export.csv"):
        page = client.get(path)
        assert page.status_code == 503 and page.headers["retry-after"] == "30", path
        assert page.headers["content-type"].startswith("text/html")
        assert "<h1>Service momentanément indisponible</h1>" in page.text
        assert "endommagée" in page.text and "malformed" not in page.text


def test_a_read_only_data_folder_has_its_own_message(tmp_path: Path) -> None:
    """(g) A read-only mount (as root, the only way to make a folder read-only)."""
    folder = tmp_path / "mount"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only folder needs root (CI runs as root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"no tmpfs mount here: {mounted.stderr.decode(errors='replace')}")
    try:
        url = f"sqlite:///{folder / 'data' / 'guichet.db'}"
        open_engine(url).dispose()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(DatabaseUnavailableError) as refused:
            open_engine(url)
        message = str(refused.value)
        assert "lecture seule" in message and str(folder / "data") in message
        assert "injoignable" not in message and "serveur" not in message
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_folder_the_service_may_not_write_has_the_same_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(g) The same check without a mount: the service's user lacks the write permission."""
    folder = tmp_path / "data"
    open_engine(f"sqlite:///{folder / 'guichet.db'}").dispose()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == folder
                        else real_access(path, mode))  # fmt: skip
    with pytest.raises(DatabaseUnavailableError, match="est en lecture seule"):
        open_engine(f"sqlite:///{folder / 'guichet.db'}")


def test_an_erased_conversation_leaves_the_disk(fast: tuple[TestClient, Services]) -> None:
    """(j) Erased rows stayed readable in the -wal file until a checkpoint."""
    client, services = fast
    marker = "Quetzalcoatlus-Zorglub"
    session = str(ask(client, f"Les encombrants de {marker} ?")["session_id"])
    database = Path(str(services.storage.engine.url.database))
    files = [database, database.with_name(database.name + "-wal")]

    def on_disk() -> bool:
        return any(marker.encode() in f.read_bytes() for f in files if f.exists())

    assert on_disk()  # the question was written (redacted text, but no personal data here)
    assert client.delete(f"/api/sessions/{session}").status_code == 204
    assert not on_disk()
