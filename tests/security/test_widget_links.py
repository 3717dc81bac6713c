"""The widget in headless Chromium over the fast app served on loopback: under the demo page's
strict Content-Security-Policy it is styled and answers; a citation whose manifest `url` is
`javascript:…` links to the readable copy on the service instead (b, output safety); and it
keeps working when embedded by another site (CORS, no Cross-Origin-Resource-Policy)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.e2e.conftest import CHROMIUM_ARGS
from tests.security.fast_app import fast_app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The service, and the authority's site: a page on another port embedding the widget
    (a real server: Chromium refuses loopback requests from pages it cannot place)."""
    port, site_port = _free_port(), _free_port()
    base, site = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{site_port}"
    folder = tmp_path_factory.mktemp("site")
    (folder / "commune.html").write_text(
        '<!doctype html><html lang="fr"><title>Commune</title><body><h1>Commune</h1>'
        f'<script src="{base}/widget.js" defer></script></body></html>', encoding="utf-8")  # fmt: skip
    pages = ThreadingHTTPServer(("127.0.0.1", site_port),
                                partial(SimpleHTTPRequestHandler, directory=str(folder)))  # fmt: skip
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    app, _ = fast_app(tmp_path_factory.mktemp("widget") / "data", allowed_origins=[site])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield base, site
    server.should_exit = True
    pages.shutdown()
    thread.join(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _ask(page: Any) -> list[str]:
    """Open the widget, ask, wait for the answer; the hrefs of its source links."""
    page.get_by_role("button", name="Guichet").click()
    page.get_by_role("textbox", name="Votre question").fill("Quand passent les encombrants ?")
    page.keyboard.press("Enter")
    page.locator(".msg.bot .sources a").first.wait_for(timeout=30_000)
    return [str(link.get_attribute("href")) for link in page.locator(".msg.bot .sources a").all()]


def test_the_demo_page_keeps_its_strict_policy_and_the_widget_its_style(
    browser: Any, base: tuple[str, str]
) -> None:
    base, _ = base
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto(base + "/")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
    launcher = page.get_by_role("button", name="Guichet")
    launcher.wait_for()
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(0, 0, 145)"
    assert page.evaluate("() => getComputedStyle(document.body).margin") == "0px"  # page's style
    hrefs = _ask(page)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert f"{base}/sources/piege" in hrefs and not any("javascript" in h for h in hrefs)
    assert not [m for m in messages if "Content Security Policy" in m], messages
    page.close()


def test_the_widget_works_when_another_site_embeds_it(browser: Any, base: tuple[str, str]) -> None:
    base, site = base
    page = browser.new_page()
    page.goto(site + "/commune.html")
    hrefs = _ask(page)
    assert f"{base}/sources/piege" in hrefs and not any("javascript" in h for h in hrefs)
    page.close()


def test_the_widget_source_checks_the_scheme() -> None:
    source = Path("chatbot/web/widget.js").read_text(encoding="utf-8")
    link = source[source.index("function sourceLink") :].split("\n  }\n", 1)[0]
    assert "/^https?:$/" in link and "new URL(citation.url)" in link
