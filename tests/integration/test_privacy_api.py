"""Residents' rights, feedback, redaction and staff access through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.wiring import Services
from tests.integration.conftest import api_client
from tests.integration.test_store_contract import dump

pytestmark = pytest.mark.integration
_numbers = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(
    request: pytest.FixtureRequest,
    chat_data: Path,
    models_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Services]]:
    copy = tmp_path_factory.mktemp("privacy") / "copy"
    shutil.copytree(chat_data, copy)
    extra: dict[str, Any] = {"relevance_threshold": 0.0}
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        extra["database_url"] = server.create_database(f"api_{next(_numbers)}")
    yield from api_client(copy, models_dir, **extra)


def ask(client: TestClient, message: str, **headers: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"message": message}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_export_then_erase_a_conversation(app: tuple[TestClient, Services]) -> None:
    client, services = app
    body = ask(client, "Écrivez-moi à claire.dubois@example.org : où déposer mes encombrants ?")
    session, answer_id = body["session_id"], body["answer_id"]
    assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": False,
                                             "comment": "Appelez le 06 11 22 33 44"}).status_code == 201  # fmt: skip
    exported = client.get(f"/api/sessions/{session}/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    exchange = exported.json()["exchanges"][0]
    assert exchange["question"].startswith("Écrivez-moi à [COURRIEL]")
    assert exchange["feedback"] == {"helpful": False, "comment": "Appelez le [TÉLÉPHONE]",
                                    "at": exchange["feedback"]["at"]}  # fmt: skip

    assert client.delete(f"/api/sessions/{session}").status_code == 204
    assert "encombrants" not in dump(services.storage.engine)
    for response in (
        client.get(f"/api/sessions/{session}/export"),
        client.delete(f"/api/sessions/{session}"),
        client.post("/api/chat", json={"message": "Et ensuite ?", "session_id": session}),
        client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True}),
    ):
        assert response.status_code == 404
        assert "inconnue" in response.json()["detail"]


def test_feedback_errors_are_clear(app: tuple[TestClient, Services]) -> None:
    client, _ = app
    answer_id = ask(client, "Qu'est-ce que Guichet ?")["answer_id"]
    assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True,
                                             "comment": "x" * 1001}).status_code == 422  # fmt: skip
    assert client.post("/api/feedback", json={"answer_id": answer_id}).status_code == 422
    assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True}).json() == {
        "answer_id": answer_id, "recorded": True}  # fmt: skip


def test_no_ip_address_user_agent_or_person_name_is_stored(
    app: tuple[TestClient, Services],
) -> None:
    client, services = app
    ask(client, "Bonjour, je m'appelle Marie Lefebvre. Comment contacter le DPO ?",
        **{"User-Agent": "Zorglub-Browser/9.9", "X-Forwarded-For": "203.0.113.77"})  # fmt: skip
    stored = dump(services.storage.engine)
    assert "Comment contacter le DPO" in stored
    for trace in ("Zorglub-Browser", "203.0.113.77", "testclient", "Lefebvre"):
        assert trace not in stored, trace


def test_staff_routes_need_a_token_with_the_right_role(app: tuple[TestClient, Services]) -> None:
    client, services = app
    answer_id = ask(client, "Qu'est-ce que Guichet ?")["answer_id"]
    staff = services.storage.staff
    tokens = {
        role: staff.add(f"{role}-{next(_numbers)}", role) for role in ("agent", "auditor", "admin")
    }

    def get(path: str, role: str | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token or tokens[role]}"} if (role or token) else {}
        return client.get(path, headers=headers)

    missing = get("/api/staff/answers")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert get("/api/staff/answers", token="gch_forged").status_code == 401
    assert get("/api/staff/me", "agent").json()["role"] == "agent"
    assert get("/api/staff/answers", "agent").status_code == 403
    # Answered or declined alike (the small model's answers are often declined by the verifier).
    listing = get("/api/staff/answers?limit=5", "auditor")
    assert listing.status_code == 200 and listing.json()
    assert all("session_id" not in row for row in listing.json())
    record = get(f"/api/staff/answers/{answer_id}", "auditor").json()
    assert record["passages"] and record["model"] and "doc_version" in record["passages"][0]
    assert get("/api/staff/answers/unknown", "auditor").status_code == 404
    assert get("/api/staff/access-log", "auditor").status_code == 403
    log = get("/api/staff/access-log", "admin").json()
    auditor = next(u["name"] for u in staff.list() if u["name"].startswith("auditor"))
    actions = [(e["actor"], e["action"]) for e in log]
    assert actions[:4] == [(actions[0][0], "read_access_log"), (auditor, "read_answer"),
                           (auditor, "read_answer"), (auditor, "list_answers")]  # fmt: skip
    assert services.storage.access_log.verify()[0]


def test_the_service_purges_on_its_own_schedule(app: tuple[TestClient, Services]) -> None:
    client, _ = app
    retention = client.get("/api/health").json()["retention"]
    assert retention["purges"] >= 1 and retention["last_purge_error"] is None
    assert retention["conversation_days"] == 183 and retention["audit_days"] == 365


def test_a_database_lost_while_serving_gives_503_and_a_message(
    postgres: Any, chat_data: Path, models_dir: Path, tmp_path: Path
) -> None:
    import psycopg

    copy = tmp_path / "copy"
    shutil.copytree(chat_data, copy)
    name = f"lost_{next(_numbers)}"
    url = postgres.create_database(name)
    for client, _ in api_client(copy, models_dir, database_url=url, relevance_threshold=0.0):
        assert (
            client.post("/api/chat", json={"message": "Qu'est-ce que Guichet ?"}).status_code == 200
        )
        with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=guichet dbname=postgres",
                             autocommit=True) as admin:  # fmt: skip
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        response = client.post("/api/chat", json={"message": "Qu'est-ce que Guichet ?"})
        assert response.status_code == 503 and response.headers["retry-after"] == "30"
        assert "injoignable" in response.json()["detail"]
