"""Browser-test fixtures: `guichet serve` on loopback (small profile), headless Chromium, staff
tokens, and helpers. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatbot.generation.local_server import free_port
from tests.conftest import ROOT

SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def server(
    chat_data: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """`guichet serve` on a free loopback port, over a copy of the indexed demo corpus."""
    data = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(chat_data / "data", data)
    for name, date, faithfulness in (("2026-10-01", "2026-10-01T10:00:00+00:00", 0.71),
                                     ("2026-11-01", "2026-11-01T10:00:00+00:00", 0.82)):  # fmt: skip
        report = data / "reports" / name
        report.mkdir(parents=True)
        summary = {"date": date, "dataset": "eval/datasets/demo-golden.jsonl", "profile": "default",
                   "questions": 34, "metrics": {"faithfulness": faithfulness, "hit_at_k": 1.0,
                   "abstention_accuracy": 0.82, "citation_precision": 0.69, "groundedness": 0.95}}  # fmt: skip
        (report / "summary.json").write_text(json.dumps(summary))
        (report / "report.html").write_text(f"<!doctype html><title>Rapport {name}</title>")
    # Deterministic answers: with a sampled model, an answer would depend on the ones before it.
    env = {**os.environ, "GUICHET_DATA_DIR": str(data), "GUICHET_MODELS_DIR": str(models_dir),
           "GUICHET_MODEL_PROFILE": "small", "GUICHET_MAX_ANSWER_TOKENS": "80",
           # The small model's answers are noise that verification rightly drops: the browser
           # tests get deterministic answers quoting the sources (same gate, no model).
           "GUICHET_LLM_BACKEND": "extractive",
           "GUICHET_RELEVANCE_THRESHOLD": "0", "GUICHET_SUPPORT_THRESHOLD": "0",
           "GUICHET_MEANING_SUPPORT_THRESHOLD": "0",
           "GUICHET_TEMPERATURE": "0"}  # fmt: skip
    port = free_port()
    log = (tmp_path_factory.mktemp("e2e-log") / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "chatbot", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, Path(log.name).read_text()
        try:
            if httpx.get(f"{url}/api/health", timeout=2, trust_env=False).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.5)
    else:
        pytest.fail("the service did not start: " + Path(log.name).read_text()[-2000:])
    tokens = {
        role: subprocess.run([sys.executable, "-m", "chatbot", "users", "add", f"e2e-{role}", "--role",
                              role], env=env, capture_output=True, text=True, check=True).stdout.strip()
        for role in ("agent", "auditor", "admin")
    }  # fmt: skip
    yield {"url": url, "data": data, **tokens}
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="package")  # Playwright's sync API keeps a loop running while open
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        message = "Chromium is not installed: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def staff_answers(server: dict[str, Any], **filters: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server['url']}/api/staff/answers", params=filters, trust_env=False,
                         headers={"Authorization": f"Bearer {server['auditor']}"})  # fmt: skip
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def focus_launcher_by_keyboard(page: Any) -> None:
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement?.shadowRoot?.activeElement?.className || ''"
        )
        if focused == "launcher":
            return
    pytest.fail("the widget's button cannot be reached with Tab")
