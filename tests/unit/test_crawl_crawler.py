"""The crawler's decisions on a mock site (no network, no model: a hashing embedder and an
in-memory Qdrant): scope, depth, budget, manifest communes, freshness and the gone confirmation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from chatbot.ports import BatchDone
from chatbot.retrieval.index import QdrantIndex
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder
from ingestion.crawl.config import CrawlLimits, make_source
from ingestion.crawl.crawler import Crawler
from ingestion.crawl.indexing import IndexWriter, source_id_for
from ingestion.crawl.scheduler import CrawlScheduler
from ingestion.crawl.state import CrawlState
from ingestion.pipeline import ChunkingOptions

LIMITS = CrawlLimits(rate_per_host=1000, retries=0)


class HashEmbedder:
    """Deterministic 8-dimension vectors, enough for the index's bookkeeping."""

    name = "hash"
    dimension = 8

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_documents(texts)

    def embed_documents(
        self, texts: Sequence[str], on_batch: BatchDone | None = None
    ) -> list[list[float]]:
        return [[b / 255 + 0.01 for b in hashlib.sha256(t.encode()).digest()[:8]] for t in texts]


def html(title: str, body: str, links: Sequence[str] = ()) -> str:
    anchors = "".join(f"<a href='{link}'>{link}</a> " for link in links)
    return (f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>"
            f"<p>{body} Ce texte est assez long pour être retenu comme contenu principal de la "
            f"page par l'extracteur.</p><p>{anchors}</p></main></body></html>")  # fmt: skip


class Site:
    """Pages served by a mock transport; ETags make re-crawls conditional."""

    def __init__(self) -> None:
        self.pages = {
            "/": html("Accueil", "Bienvenue.", ["/a", "/b", "/orsay/c", "https://ailleurs.fr/"]),
            "/a": html("Page A", "Texte de la page A.", ["/a/profond"]),
            "/a/profond": html("Profonde", "Une page profonde.", ["/a/profond/plus"]),
            "/b": html("Page B", "Texte de la page B."),
            "/orsay/c": html("Marché", "Le marché d'Orsay."),
        }
        self.asked: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.asked.append(path)
        if path not in self.pages:  # robots.txt included: everything is allowed
            return httpx.Response(404, stream=httpx.ByteStream(b"introuvable"))
        etag = '"' + hashlib.sha256(self.pages[path].encode()).hexdigest()[:8] + '"'
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304, headers={"ETag": etag}, stream=httpx.ByteStream(b""))
        headers = {"ETag": etag, "Content-Type": "text/html"}
        return httpx.Response(
            200, headers=headers, stream=httpx.ByteStream(self.pages[path].encode())
        )


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Site, Crawler, QdrantIndex]]:
    site = Site()
    index = QdrantIndex.open(Settings(data_dir=tmp_path, qdrant_url=":memory:"), "hash", 8)
    writer = IndexWriter(index, HashEmbedder(), FrenchBM25Encoder(), ChunkingOptions(800, 100))
    crawler = Crawler(writer, CrawlState(tmp_path / "crawl.db"), LIMITS,
                      httpx.MockTransport(site.handle), sleep=lambda s: None)  # fmt: skip
    yield site, crawler, index
    crawler.close()
    index.close()


def urls(index: QdrantIndex) -> set[str]:
    return {doc.path.removeprefix("https://v.fr") for doc in index.documents().values()}


def test_scope_depth_and_communes(setup: tuple[Site, Crawler, QdrantIndex], tmp_path: Path) -> None:
    _, crawler, index = setup
    manifest = tmp_path / "sources.csv"
    manifest.write_text("id,url,commune,title\nb-page,https://v.fr/b,Massy,Page B officielle\n")
    source = make_source("v", ["https://v.fr/"], max_depth=1, commune_rules=["/orsay/=Orsay"],
                         commune="Agglo", manifest=manifest)  # fmt: skip
    report = crawler.run([source])
    assert urls(index) == {"/", "/a", "/b", "/orsay/c"}
    skipped = {item["url"]: item["reason"] for item in report.skipped}
    assert "profondeur maximale" in skipped["https://v.fr/a/profond"]
    assert "autre domaine" in skipped["https://ailleurs.fr/"]
    documents = {doc.path: doc for doc in index.documents().values()}
    assert documents["https://v.fr/orsay/c"].commune == "Orsay"
    assert documents["https://v.fr/a"].commune == "Agglo"
    assert documents["https://v.fr/b"].source_id == "b-page"
    assert documents["https://v.fr/b"].title == "Page B officielle"
    assert documents["https://v.fr/a"].source_id == source_id_for("https://v.fr/a")


def test_recrawl_is_conditional_and_gone_pages_need_two_runs(
    setup: tuple[Site, Crawler, QdrantIndex],
) -> None:
    site, crawler, index = setup
    source = make_source("v", ["https://v.fr/"], max_depth=1)
    assert crawler.run([source]).added == 4
    site.pages["/b"] = html("Page B", "Nouveau texte de la page B.")
    del site.pages["/a"]
    second = crawler.run([source])
    assert (second.not_modified, second.updated, second.added, second.removed) == (2, 1, 0, 0)
    assert second.gone_pending == ["https://v.fr/a"] and "/a" in urls(index)
    third = crawler.run([source])
    assert third.removed == 1 and "/a" not in urls(index)
    record = crawler.state.get("https://v.fr/a")
    assert record is not None and record.state == "removed"
    assert crawler.run([source]).removed == 0  # removed pages are not asked for again


def test_page_budget_and_links_followed_after_a_304(
    setup: tuple[Site, Crawler, QdrantIndex],
) -> None:
    site, crawler, index = setup
    source = make_source("v", ["https://v.fr/"], max_pages=2)
    report = crawler.run([source])
    assert report.fetched == 2 and any(
        "limite de 2 adresses" in w["message"] for w in report.warnings
    )
    everything = make_source("v", ["https://v.fr/"])
    crawler.run([everything])
    site.asked.clear()
    again = crawler.run([everything])
    assert again.not_modified == len(urls(index)) == 5  # /a/profond/plus does not exist
    assert "/a/profond" in site.asked  # reached through the stored links of a 304 page


def test_scheduler_keeps_errors_and_runs_on_schedule() -> None:
    calls: list[int] = []

    def crawl(stop: object) -> object:
        calls.append(1)
        raise RuntimeError("site down")

    scheduler = CrawlScheduler(crawl, 0)  # type: ignore[arg-type]
    scheduler.start()  # a zero interval never starts the thread
    scheduler.run_once()
    assert scheduler.last_error == "RuntimeError: site down" and scheduler.runs == 1
    scheduler.stop()
