"""`GET /metrics` on the served app: requests by route template, answers with their energy,
the queue read at scrape time; and the audit record and committee console carry the energy."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chatbot.store.audit_reads import AnswerFilters
from chatbot.wiring import Services
from tests.security.conftest import ask, sign_in
from tests.unit.test_metrics import delta, samples

SECRET = "Mme Quetzal, 12 rue des Lilas"


def test_metrics_count_requests_answers_energy_and_hold_no_text(
    fast: tuple[TestClient, Services],
) -> None:
    client, services = fast
    before = samples()
    reply = ask(client, f"Quand passe la collecte des encombrants ? {SECRET}")
    client.get(f"/nowhere/{SECRET}")
    client.get("/api/sessions/unknown-session/export")
    scraped = client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    after = samples()
    assert delta(before, after, "guichet_http_requests_total", route="/api/chat", status="200") == 1
    assert delta(before, after, "guichet_http_requests_total", route="unmatched", status="404") == 1
    assert delta(before, after, "guichet_http_requests_total",
                 route="/api/sessions/{session_id}/export", status="404") == 1  # fmt: skip
    assert delta(before, after, "guichet_answers_total") == 1
    assert delta(before, after, "guichet_energy_wh_total") > 0
    assert after[("guichet_queue_waiting", ())] == 0
    assert after[("guichet_queue_size", ())] == services.settings.queue_size
    assert "Quetzal" not in scraped.text and "Lilas" not in scraped.text
    record = services.store.get_answer(str(reply["answer_id"]))
    assert record["energy_wh"] > 0 and record["emissions_gco2e"] > 0
    assert record["energy_method"] == "green-algorithms"


def test_the_committee_console_shows_the_energy_of_its_selection(
    fast: tuple[TestClient, Services],
) -> None:
    client, services = fast
    for question in ("Quand passe la collecte des encombrants ?", "Où est la déchèterie ?"):
        ask(client, question)
    summary = services.store.energy_summary(AnswerFilters())
    assert summary["answers"] == 2 and summary["without_figure"] == 0
    assert summary["total_wh"] > summary["median_wh"] > 0
    assert summary["methods"] == ["green-algorithms"]
    sign_in(client, services, "auditor")
    page = client.get("/audit")
    assert page.status_code == 200
    assert "Énergie de la sélection" in page.text and "Médiane par réponse" in page.text
    assert f"{summary['total_wh']:.2f} Wh" in page.text
    entries = services.storage.access_log.entries(10, 0)
    assert any(e["action"] == "energy_summary" for e in entries)
