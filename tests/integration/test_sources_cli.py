"""`guichet sources` on a real embedded index that holds a folder's documents (`ingest`, one of
them a scan read by OCR) and a crawled site's pages (the crawler on a mock site, one page gone
since): both kinds listed with their dates, state and OCR. A hashing embedder writes the index,
so no model is loaded."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import chatbot.wiring
from chatbot.cli.main import app
from chatbot.cli.support import out
from chatbot.retrieval.index import IndexUnavailableError, QdrantIndex
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder
from ingestion.crawl.config import make_source
from ingestion.crawl.crawler import Crawler
from ingestion.crawl.indexing import IndexWriter
from ingestion.crawl.state import CrawlState
from ingestion.loaders.ocr import ocr_problem
from ingestion.pipeline import ChunkingOptions, ingest
from tests.documents import write_markdown
from tests.site_documents import scanned_pdf
from tests.unit.test_crawl_crawler import LIMITS, HashEmbedder, Site, html

pytestmark = pytest.mark.integration

OPTIONS = ChunkingOptions(800, 100)
MANIFEST = "- id: piscine\n  path: piscine.md\n  date: 2024-03-01\n  commune: Orsay\n"


def fill(data: Path, folder: Path) -> None:
    """Ingest the folder and crawl the site twice (its page /a gone at the second crawl)."""
    index = QdrantIndex.open(Settings(data_dir=data), HashEmbedder.name, HashEmbedder.dimension)
    try:
        report = ingest([folder], index, HashEmbedder(), FrenchBM25Encoder(), OPTIONS, 10**8)
        assert not report.failed, report.failed
        site = Site()
        site.pages["/b"] = html("Collecte des déchets", "Mis à jour le 12 juin 2024. Bac jaune.")
        writer = IndexWriter(index, HashEmbedder(), FrenchBM25Encoder(), OPTIONS)
        crawler = Crawler(writer, CrawlState(data / "crawl.db"), LIMITS,
                          httpx.MockTransport(site.handle), sleep=lambda s: None)  # fmt: skip
        source = make_source("agglo", ["https://v.fr/"], max_depth=1)
        try:
            crawler.run([source])
            del site.pages["/a"]
            crawler.run([source])
        finally:
            crawler.close()
    finally:
        index.close()


@pytest.fixture
def guichet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    data, folder = tmp_path / "data", tmp_path / "docs"
    folder.mkdir()
    write_markdown(folder / "piscine.md", "Piscine intercommunale",
                   {"Horaires": "La piscine ouvre du mardi au dimanche de 10 h à 19 h."})  # fmt: skip
    write_markdown(folder / "eau.md", "Eau potable",
                   {"Facture": "La facture d'eau est envoyée deux fois par an."})  # fmt: skip
    (folder / "sources.yaml").write_text(MANIFEST, encoding="utf-8")
    if not ocr_problem("fra"):
        (folder / "arrete.pdf").write_bytes(scanned_pdf())
    fill(data, folder)
    (folder / "eau.md").unlink()  # gone from its folder, not yet ingested again

    @contextmanager
    def search_services(settings: Settings) -> Iterator[SimpleNamespace]:
        index = QdrantIndex.open(settings, HashEmbedder.name, HashEmbedder.dimension)
        try:
            yield SimpleNamespace(index=index)
        finally:
            index.close()

    monkeypatch.setattr(chatbot.wiring, "build_search_services", search_services)
    monkeypatch.setattr(out, "_width", 220)  # the table's columns unabridged

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["sources", *args], env={"GUICHET_DATA_DIR": str(data)})
        assert result.exit_code == 0, f"{result.output}\n{result.exception!r}"
        return result.stdout

    yield SimpleNamespace(run=run, folder=folder)


def test_sources_lists_folder_and_crawled_documents_with_dates_state_and_ocr(
    guichet: Any,
) -> None:
    entries = {entry["url"] or entry["path"]: entry for entry in json.loads(guichet.run("--json"))}
    folder = str(guichet.folder.resolve())
    piscine = entries[f"{folder}/piscine.md"]
    assert (piscine["origin"], piscine["state"], piscine["source_id"]) == ("folder", "indexed",
                                                                          "piscine")  # fmt: skip
    assert (piscine["date"], piscine["commune"], piscine["ocr"]) == ("2024-03-01", "Orsay", False)
    indexed_at = dt.datetime.fromisoformat(piscine["indexed_at"])
    assert dt.datetime.now(dt.UTC) - indexed_at < dt.timedelta(minutes=10)
    assert entries[f"{folder}/eau.md"]["state"] == "file_missing"
    if not ocr_problem("fra"):
        scan = entries[f"{folder}/arrete.pdf"]
        assert scan["state"] == "indexed" and scan["ocr"] is True and scan["ocr_pages"] == [1]
    page = entries["https://v.fr/b"]
    assert (page["origin"], page["state"], page["source"]) == ("web", "indexed", "agglo")
    assert page["date"] == "2024-06-12" and page["chunks"] == 1 and not page["ocr"]
    assert page["last_seen"] >= page["last_changed"] and page["indexed_at"]
    assert entries["https://v.fr/a"]["state"] == "gone_pending"
    assert [e["url"] for e in json.loads(guichet.run("--state", "gone_pending", "--json"))] == [
        "https://v.fr/a"
    ]
    assert {e["origin"] for e in json.loads(guichet.run("--source", "agglo", "--json"))} == {"web"}


def test_sources_table_is_in_french(guichet: Any) -> None:
    table = guichet.run()
    for text in ("origine", "état", "dates", "du document 2024-03-01", "indexé le 20", "vu le 20",
                 "changé le 20", "dossier", "site", "disparu (à confirmer)", "fichier disparu"):  # fmt: skip
        assert text in table, text
    if not ocr_problem("fra"):
        assert "OCR (p. 1)" in table


def test_an_index_in_use_still_lists_the_crawled_urls(
    guichet: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(settings: Settings) -> Any:
        raise IndexUnavailableError("in use by another process")

    monkeypatch.setattr(chatbot.wiring, "build_search_services", locked)
    entries = json.loads(guichet.run("--json"))
    assert {e["origin"] for e in entries} == {"web"} and len(entries) == 4
    assert {e["state"] for e in entries} == {"indexed", "gone_pending"}
