"""The service log never holds what residents typed: after hostile requests and failures whose
exceptions carry the text (a database error's message holds the statement's parameters), every
captured record, formatted as a log file would, is free of it."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from chatbot.api.logs import NoMessageText, install_log_filter, safe_path
from chatbot.wiring import Services

SECRET = "Mme Quetzal, 12 rue des Lilas"


CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's own HTTP client, not the service


def _all_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) + str(record.__dict__) for record in caplog.records
                     if not record.name.startswith(CLIENT_LOGGERS))  # fmt: skip


def test_hostile_requests_and_failures_leave_no_text_in_the_log(
    fast: tuple[TestClient, Services], caplog: pytest.LogCaptureFixture
) -> None:
    client, services = fast
    caplog.set_level(logging.DEBUG)
    raw = {"headers": {"content-type": "application/json"}}
    client.post("/api/chat", content=('{"message": "\\ud800' + SECRET + '"}').encode(), **raw)
    client.post("/api/chat", json={"message": SECRET * 20_000})
    client.post("/api/chat", json={"message": [SECRET]})
    client.get("/api/search", params={"q": SECRET * 100})
    with services.storage.engine.begin() as db:  # the store fails while answering
        db.exec_driver_sql("DROP TABLE feedback")
        db.exec_driver_sql("DROP TABLE answers")
    failed = client.post("/api/chat", json={"message": f"Les encombrants ? {SECRET}"})
    assert failed.status_code == 503 and SECRET not in failed.text
    streamed = client.post("/api/chat/stream", json={"message": f"Les encombrants ? {SECRET}"})
    assert SECRET not in streamed.text.split("event: sentence")[0]
    assert any(r.levelno >= logging.ERROR for r in caplog.records)  # the failures were logged
    assert any("OperationalError" in (r.exc_text or r.getMessage()) for r in caplog.records)
    assert SECRET not in _all_text(caplog)
    assert "Quetzal" not in _all_text(caplog)


def test_what_uvicorn_would_log_is_filtered_too(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_log_filter()
    caplog.set_level(logging.INFO)
    for name in ("uvicorn.error", "uvicorn.access", "guichet.api"):
        # An in-process uvicorn earlier in the run applies its logging config (propagation off,
        # its own levels): the records must still reach the capture, as in production they
        # reach uvicorn's handlers, which the filter sits on too.
        caplog.set_level(logging.INFO, logger=name)
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    try:
        raise UnicodeEncodeError("utf-8", SECRET + "\ud800", 3, 4, "surrogates not allowed")
    except UnicodeEncodeError as error:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=error)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
        f"/api/search?q={SECRET}", "1.1", 200)  # fmt: skip
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "DELETE",
        "/api/sessions/Zy3kLm-resident-session/export", "1.1", 204)  # fmt: skip
    logging.getLogger("guichet.api").warning("odd value: %s", ValueError(SECRET))
    text = _all_text(caplog)
    assert SECRET not in text and "resident-session" not in text
    assert "UnicodeEncodeError (message omis)" in text and "/api/search " in text


def test_the_filter_keeps_what_an_administrator_needs() -> None:
    record = logging.LogRecord("guichet.api", logging.ERROR, __file__, 1, "failed on %s: %s",
                               ("/api/chat", RuntimeError("x")), None)  # fmt: skip
    assert NoMessageText().filter(record)
    assert record.getMessage() == "failed on /api/chat: RuntimeError (message omis)"
    assert safe_path("/api/sessions/abc/export?x=1") == "/api/sessions/…/export"
