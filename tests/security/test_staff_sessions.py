"""(c) Staff sign-ins live on the server: the cookie holds a random id (never the account's
token), stored hashed, that ends at sign-out, when idle, at expiry and when the account is
revoked; (k) every state-changing staff form needs its sign-in's token and this site's Origin;
the cookie is Secure behind HTTPS."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from chatbot.store.conversations import utc_now
from chatbot.store.staff_sessions import session_hash
from chatbot.store.tables import staff_sessions
from chatbot.wiring import Services
from tests.security.conftest import sign_in
from tests.security.fast_app import fast_app

COOKIE = "guichet_staff"


def _stored(services: Services) -> list[str]:
    with services.storage.engine.connect() as db:
        return [str(r.id_sha256) for r in db.execute(select(staff_sessions))]


def test_the_cookie_holds_a_random_sign_in_never_the_token(
    fast: tuple[TestClient, Services],
) -> None:
    client, services = fast
    token, _ = sign_in(client, services, "agent")
    cookie = client.cookies[COOKIE]
    assert cookie != token and token not in cookie and len(cookie) >= 40
    assert _stored(services) == [session_hash(cookie)]  # the database keeps its hash only
    second = TestClient(client.app, follow_redirects=False)
    second.post("/login", data={"token": token})
    assert second.cookies[COOKIE] != cookie  # each sign-in its own id


def test_signing_out_ends_the_sign_in_on_the_server(fast: tuple[TestClient, Services]) -> None:
    client, services = fast
    _, csrf = sign_in(client, services, "agent")
    cookie = client.cookies[COOKIE]
    assert client.get("/agent").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and f'{COOKIE}=""' in out.headers["set-cookie"]
    client.cookies.set(COOKIE, cookie)  # a copy of the cookie kept by someone else
    assert client.get("/agent").status_code == 303
    assert _stored(services) == []


def test_a_sign_in_ends_when_idle_or_expired(fast: tuple[TestClient, Services]) -> None:
    client, services = fast
    sign_in(client, services, "agent")
    sessions = services.storage.sessions
    now = utc_now()
    sessions.clock = lambda: now + timedelta(minutes=29)
    assert client.get("/agent").status_code == 200  # still within the idle time, and touched
    sessions.clock = lambda: now + timedelta(minutes=29 + 31)
    assert client.get("/agent").status_code == 303  # 31 minutes unused
    sign_in(client, services, "agent")
    later = sessions.clock()
    for minutes in range(20, 12 * 60, 20):  # used every 20 minutes: the 12 hours still end it
        sessions.clock = lambda m=minutes: later + timedelta(minutes=m)  # type: ignore[misc]
        client.get("/agent")
    sessions.clock = lambda: later + timedelta(hours=12, minutes=1)
    assert client.get("/agent").status_code == 303


def test_revoking_the_account_ends_its_sign_ins(fast: tuple[TestClient, Services]) -> None:
    client, services = fast
    sign_in(client, services, "auditor")
    name = services.storage.staff.list()[0]["name"]
    assert client.get("/audit").status_code == 200
    services.storage.staff.revoke(name)
    assert client.get("/audit").status_code == 303
    assert services.storage.sessions.count(name) == 0


def test_staff_forms_need_the_sign_ins_token_and_this_origin(
    fast: tuple[TestClient, Services],
) -> None:
    """(k) SameSite=Strict still sends the cookie from another origin of the same site."""
    client, services = fast
    _, csrf = sign_in(client, services, "agent")
    question = {"question": "Les encombrants ?"}
    forged = [({}, question), ({}, {**question, "csrf_token": "0" * 64}),
              ({"Origin": "http://testserver:8080"}, {**question, "csrf_token": csrf}),
              ({"Origin": "http://other.testserver"}, {**question, "csrf_token": csrf}),
              ({"Origin": "null"}, {**question, "csrf_token": csrf}),
              ({"Sec-Fetch-Site": "same-site"}, {**question, "csrf_token": csrf})]  # fmt: skip
    for headers, form in forged:
        refused = client.post("/agent/ask", data=form, headers=headers)
        assert refused.status_code == 403 and "Formulaire refusé" in refused.text, headers
    for headers in ({"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"}, {}):
        answered = client.post("/agent/ask", data={**question, "csrf_token": csrf},
                               headers=headers)  # fmt: skip
        assert answered.status_code == 200, headers
    assert client.post("/logout", data={"csrf_token": "0" * 64}).status_code == 403


def test_the_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    for extra, headers, secure in (
        ({}, {}, False),
        ({}, {"X-Forwarded-Proto": "https"}, False),  # not from a trusted proxy
        ({"trusted_proxies": ["testclient"]}, {"X-Forwarded-Proto": "https"}, True),
        ({"secure_cookies": True}, {}, True),
    ):
        app, services = fast_app(tmp_path / f"d{len(extra)}{len(headers)}", **extra)
        with TestClient(app, follow_redirects=False) as client:
            token = services.storage.staff.add("a", "agent")
            signed = client.post("/login", data={"token": token}, headers=headers)
            assert ("Secure" in signed.headers["set-cookie"]) is secure, (extra, headers)
            assert "HttpOnly" in signed.headers["set-cookie"]
    app, services = fast_app(tmp_path / "https")
    with TestClient(app, base_url="https://guichet.example", follow_redirects=False) as client:
        token = services.storage.staff.add("a", "agent")
        assert "Secure" in client.post("/login", data={"token": token}).headers["set-cookie"]
