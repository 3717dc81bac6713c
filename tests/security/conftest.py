"""Fixtures of the security suite: the fast app (real store, pages and middlewares; fakes for
the models), and signing in as staff the way a browser does."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chatbot.wiring import Services
from tests.security.fast_app import fast_app

_accounts = itertools.count()
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    """A client of the fast app over a fresh data folder."""
    app, services = fast_app(tmp_path / "data")
    with TestClient(app, follow_redirects=False) as client:
        yield client, services


def sign_in(client: TestClient, services: Services, role: str) -> tuple[str, str]:
    """Create an account, sign in through /login; return (its token, the page's form token)."""
    name = f"{role}-{next(_accounts)}"
    token = services.storage.staff.add(name, role)
    signed = client.post("/login", data={"token": token, "next": "/logout"})
    assert signed.status_code == 303, signed.text
    page = client.get("/logout")
    found = CSRF.search(page.text)
    assert found, page.text
    return token, found.group(1)


def ask(client: TestClient, message: str) -> dict[str, object]:
    """A resident's question through the API (200 expected)."""
    response = client.post("/api/chat", json={"message": message})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]
