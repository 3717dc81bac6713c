"""`guichet crawl` on a real web server on 127.0.0.1 (tests/site_builder.py), three times:
the first crawl indexes the site, the second sees a changed page and a removed one (304s for the
rest), the third confirms the removal. The small embedder indexes; searches check the result."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from chatbot.cli.crawl import register
from chatbot.domain import SearchFilters
from chatbot.settings import Settings
from chatbot.wiring import build_search_services
from ingestion.loaders.ocr import ocr_problem
from tests.conftest import SHARED_DATA, require_models
from tests.site_builder import COOKIES, FOOTER, MENU, TestSite
from tests.site_documents import SCAN_LINES, TARIFF_HEADER

pytestmark = [pytest.mark.integration, pytest.mark.shared_data, pytest.mark.slow]

SHEETS = SHARED_DATA / "service-public" / "fiches"
LIMITS = {"GUICHET_CRAWL_RATE_PER_HOST": "1000", "GUICHET_CRAWL_TIMEOUT_S": "3",
          "GUICHET_CRAWL_FETCH_TOTAL_S": "2", "GUICHET_CRAWL_MAX_MB": "2",
          "GUICHET_CRAWL_MAX_UNPACKED_MB": "20", "GUICHET_CRAWL_MAX_SITEMAP_URLS": "300",
          "GUICHET_CRAWL_RETRIES": "1", "GUICHET_CRAWL_BACKOFF_S": "0.05"}  # fmt: skip


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run_cli(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(cli(), list(args), env=env)
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def snapshot(settings: Settings) -> dict[str, Any]:
    """What the index holds: documents by URL, and each document's chunks."""
    with build_search_services(settings) as search:
        documents = {doc.path: doc for doc in search.index.documents().values()}
        chunks = {
            url: search.index.document_chunks(doc.source_id) for url, doc in documents.items()
        }
    return {"documents": documents, "chunks": chunks}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[dict[str, Any]]:
    if not SHEETS.is_dir():
        pytest.skip(f"shared data not found at {SHEETS} (it sits beside the project in CI)")
    require_models(models_dir, "small")
    data = tmp_path_factory.mktemp("crawl-data")
    env = {"GUICHET_DATA_DIR": str(data), "GUICHET_MODELS_DIR": str(models_dir),
           "GUICHET_MODEL_PROFILE": "small", **LIMITS}  # fmt: skip
    settings = Settings(data_dir=data, models_dir=models_dir, model_profile="small")
    sheets = sorted(SHEETS.glob("F*.txt"))[:12]
    with TestSite(sheets, tmp_path_factory.mktemp("site")) as site:
        b = site.base
        args = ["crawl", f"{b}/", "--sitemap", f"{b}/sitemap.xml", "--deny", "/archives/",
                "--commune-rule", "/orsay/=Orsay", "--commune", "Agglo Test", "--json"]  # fmt: skip
        found: dict[str, Any] = {"site": site, "settings": settings, "env": env}
        found["first"] = run_cli(env, *args)
        found["after_first"] = snapshot(settings)
        found["sources_first"] = run_cli(env, "sources", "--json")
        with build_search_services(settings) as search:
            found["tariff"] = search.retriever.search(
                "tarif résident Patinoire Carte 10 entrées", limit=3
            )
            found["orsay"] = search.retriever.search(
                "marché", limit=5, filters=SearchFilters(communes=("Orsay",))
            )
        requests_before = len(site.requests)
        site.set_news("Ouverture de la piscine", "<p>La piscine rouvre le 10 juin 2024 avec de "
                      "nouveaux horaires d'été.</p><p>Mis à jour le 12 juin 2024</p>")  # fmt: skip
        site.remove(f"/fiches/{site.sheets[5]}.html")
        found["second"] = run_cli(env, *args)
        found["second_requests"] = site.requests[requests_before:]
        found["after_second"] = snapshot(settings)
        found["third"] = run_cli(env, *args)
        found["after_third"] = snapshot(settings)
        found["sources_third"] = {r["url"]: r for r in run_cli(env, "sources", "--json")}
        yield found


def url(crawled: dict[str, Any], path: str) -> str:
    return f"{crawled['site'].base}{path}"


def test_first_crawl_indexes_every_allowed_page_and_document(crawled: dict[str, Any]) -> None:
    site, first = crawled["site"], crawled["first"]
    print(f"\nfirst crawl: {first['fetched']} URLs in {first['seconds']} s, "
          f"{first['pages_per_minute']} per minute, {first['chunks']} chunks")  # fmt: skip
    expected = {f"/fiches/{stem}.html" for stem in site.sheets} | {
        "/", "/orsay/marche.html", "/actualites/piscine.html", "/ancien-encodage.html",
        "/instable.html", "/docs/tarifs.pdf", "/docs/arrete-scan.pdf", "/docs/guide.docx",
    }  # fmt: skip
    if ocr_problem("fra"):  # without Tesseract the scan has no text: reported, not indexed
        expected.discard("/docs/arrete-scan.pdf")
    assert set(crawled["after_first"]["documents"]) == {url(crawled, p) for p in expected}
    assert first["added"] == len(expected)
    assert first["documents"] == len([p for p in expected if p.startswith("/docs/")])
    assert not site.asked("/prive/") and not site.asked("/archives/")
    assert not any("example.org" in path for path, _ in site.requests)


def test_hostile_and_broken_answers_each_get_a_line(crawled: dict[str, Any]) -> None:
    first = crawled["first"]
    failed = {item["url"].rsplit("/", 1)[-1]: item["error"] for item in first["failed"]}
    assert "boucle de redirections" in failed["boucle-a"]
    assert "autre domaine" in failed["vers-ailleurs"]
    assert "introuvable (HTTP 404)" in failed["page-disparue"]
    assert "taille annoncée 5000.0 Mo" in failed["enorme.pdf"]
    assert "plus de 2.0 Mo" in failed["sans-fin.pdf"]
    assert "archive ZIP" in failed["bombe.pdf"]
    assert "décompressée" in failed["rapport-gzip.pdf"]
    assert "bombe de décompression" in failed["bombe-flate.pdf"]
    assert "toujours en cours après 2 s" in failed["flux-lent"]
    assert "aucun texte" in failed["vide.html"]
    skipped = {item["url"]: item["reason"] for item in first["skipped"]}
    assert "autre domaine" in skipped["http://example.org/partenaire"]
    assert "robots.txt" in skipped[url(crawled, "/prive/notes.html")]
    assert "noindex" in skipped[url(crawled, "/brouillon.html")]
    assert "--deny" in skipped[url(crawled, "/archives/0")]
    warnings = " ".join(item["message"] for item in first["warnings"])
    assert "lu en windows-1252" in warnings and "plafond de 300 adresses" in warnings
    assert "page 2 : aucun texte" in warnings
    duplicates = {item["url"] for item in first["duplicates"]}
    site = crawled["site"]
    assert url(crawled, f"/copie/{site.sheets[1]}.html") in duplicates
    assert url(crawled, f"/imprimer/{site.sheets[2]}.html") in duplicates


def test_main_content_only_and_citations_are_public_urls(crawled: dict[str, Any]) -> None:
    chunks = crawled["after_first"]["chunks"]
    texts = " ".join(chunk.text for doc in chunks.values() for chunk in doc)
    assert MENU not in texts and FOOTER not in texts and COOKIES not in texts
    assert "Déchèterie" in texts and "été de 9 h à 18 h" in texts  # the wrong charset, read right
    for public_url, doc_chunks in chunks.items():
        assert all(chunk.source.url == public_url for chunk in doc_chunks)
    site = crawled["site"]
    assert chunks[url(crawled, f"/fiches/{site.sheets[0]}.html")][0].source.date == "2024-05-01"
    assert chunks[url(crawled, "/actualites/piscine.html")][0].source.date == "2024-03-05"


def test_pdf_table_rows_keep_their_header_and_are_found(crawled: dict[str, Any]) -> None:
    header = "| " + " | ".join(TARIFF_HEADER) + " |"
    table_chunks = [c for c in crawled["after_first"]["chunks"][url(crawled, "/docs/tarifs.pdf")]
                    if "| Piscine |" in c.text or "| Musée |" in c.text]  # fmt: skip
    assert len(table_chunks) >= 2
    assert all(chunk.text.startswith(header) and chunk.page == 1 for chunk in table_chunks)
    top = crawled["tariff"][0].chunk
    assert "| Patinoire | Carte 10 entrées | 8,20 € | 12,00 € |" in top.text
    assert top.source.url == url(crawled, "/docs/tarifs.pdf") and top.page == 1


def test_scanned_pdf_is_read_by_ocr(crawled: dict[str, Any]) -> None:
    problem = ocr_problem("fra")
    if problem:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(problem)
    chunks = crawled["after_first"]["chunks"][url(crawled, "/docs/arrete-scan.pdf")]
    text = " ".join(chunk.text for chunk in chunks)
    assert "stationnement" in text and "Lilas" in text, text
    assert all(chunk.page == 1 for chunk in chunks) and SCAN_LINES
    record = next(r for r in crawled["sources_first"] if r["url"].endswith("arrete-scan.pdf"))
    assert record["ocr"] is True and record["ocr_pages"] == [1]
    assert crawled["first"]["ocr"] == [{"url": url(crawled, "/docs/arrete-scan.pdf"), "pages": [1]}]


def test_commune_rules_make_the_commune_filter_work(crawled: dict[str, Any]) -> None:
    passages = crawled["orsay"]
    assert passages and {p.chunk.source.url for p in passages} == {
        url(crawled, "/orsay/marche.html")
    }
    documents = crawled["after_first"]["documents"]
    assert {doc.commune for u, doc in documents.items() if "/orsay/" not in u} == {"Agglo Test"}


def test_second_crawl_fetches_only_what_changed(crawled: dict[str, Any]) -> None:
    second, site = crawled["second"], crawled["site"]
    indexed = len(crawled["after_first"]["documents"])
    assert second["not_modified"] == indexed - 2  # all but the changed and the removed page
    assert (second["added"], second["updated"], second["removed"]) == (0, 1, 0)
    gone = url(crawled, f"/fiches/{site.sheets[5]}.html")
    assert second["gone_pending"] == [gone]
    assert gone in crawled["after_second"]["documents"]  # one 404 does not empty the index
    news = crawled["after_second"]["chunks"][url(crawled, "/actualites/piscine.html")]
    assert "nouveaux horaires" in news[0].text and news[0].source.date == "2024-06-12"
    conditional = [p for p, h in crawled["second_requests"] if p.startswith("/fiches/")
                   and "If-None-Match" in h]  # fmt: skip
    assert len(conditional) == len(site.sheets)


def test_third_crawl_confirms_the_removal(crawled: dict[str, Any]) -> None:
    third, site = crawled["third"], crawled["site"]
    gone = url(crawled, f"/fiches/{site.sheets[5]}.html")
    assert third["removed"] == 1 and third["updated"] == 0 and third["added"] == 0
    assert gone not in crawled["after_third"]["documents"]
    records = crawled["sources_third"]
    assert records[gone]["state"] == "removed"
    news = records[url(crawled, "/actualites/piscine.html")]
    before = next(r for r in crawled["sources_first"] if r["url"] == news["url"])
    assert news["state"] == "indexed" and news["date"] == "2024-06-12"
    assert (
        news["first_seen"] == before["first_seen"] and news["last_changed"] > before["last_changed"]
    )
    fiche = records[url(crawled, f"/fiches/{site.sheets[0]}.html")]
    assert fiche["last_seen"] > fiche["last_changed"]  # seen again (304), not changed
    assert records[url(crawled, "/ancienne-adresse")]["state"] == "redirect"
