"""The crawl of one source: seeds (start URLs, sitemaps, URLs known from earlier runs), then
breadth-first over links within scope, each URL fetched politely and indexed only if changed."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chatbot.domain import Block
from ingestion.crawl.config import CrawlLimits, CrawlSource
from ingestion.crawl.discovery import Scope, is_document_url, normalize_url
from ingestion.crawl.documents import DocumentError, document_kind, read_document
from ingestion.crawl.extract import decode, extract_page, http_date
from ingestion.crawl.fetcher import Fetcher, FetchError, FetchResult
from ingestion.crawl.indexing import IndexWriter, describe, manifest_by_url, text_hash
from ingestion.crawl.report import CrawlReport
from ingestion.crawl.robots import Robots
from ingestion.crawl.sitemaps import read_sitemaps
from ingestion.crawl.state import (
    DUPLICATE,
    EXCLUDED,
    FAILED,
    GONE_PENDING,
    INDEXED,
    REDIRECT,
    REMOVED,
    CrawlState,
    UrlState,
    utc_now,
)

_HTML = {"text/html", "application/xhtml+xml"}
OnUrl = Callable[[str], None]


def _same_page(a: str, b: str) -> bool:
    """Whether two URLs differ only by their scheme or a final slash."""
    return a.split("://", 1)[-1].rstrip("/") == b.split("://", 1)[-1].rstrip("/")


class _Crawler(Protocol):
    state: CrawlState
    writer: IndexWriter
    limits: CrawlLimits


@dataclass(frozen=True)
class _Item:
    url: str
    depth: int


class SourceCrawl:
    """One source's crawl within a run (shares the run's fetcher, robots and report)."""

    def __init__(self, crawler: _Crawler, source: CrawlSource, fetcher: Fetcher, robots: Robots,
                 report: CrawlReport, run_started: str) -> None:  # fmt: skip
        self.crawler, self.source, self.fetcher, self.robots = crawler, source, fetcher, robots
        self.report, self.run_started = report, run_started
        self.state, self.writer, self.limits = crawler.state, crawler.writer, crawler.limits
        self.scope = Scope(source)
        self.manifest = manifest_by_url(source.manifest)
        self.max_pages = source.max_pages or self.limits.max_pages
        self.max_depth = self.limits.max_depth if source.max_depth is None else source.max_depth
        self.frontier: deque[_Item] = deque()
        self.queued: set[str] = set()
        self.visited: set[str] = set()
        self.seen_text: dict[str, str] = {}

    def run(self, on_url: OnUrl | None, stop: threading.Event | None = None) -> None:
        """Seed, then visit until the frontier is empty, the page budget is spent or `stop`."""
        for url in self.source.start_urls:
            self.enqueue(normalize_url(url) or url, 0)
        for url in read_sitemaps(self):
            self.enqueue(url, 0)
        for record in self.state.records(self.source.name):
            if record.state in {INDEXED, GONE_PENDING}:
                self.enqueue(record.url, record.depth)
        fetched = 0
        while self.frontier and not (stop and stop.is_set()):
            item = self.frontier.popleft()
            if item.url in self.visited:
                continue
            if fetched >= self.max_pages:
                left = 1 + sum(1 for other in self.frontier if other.url not in self.visited)
                self.report.warn(self.source.start_urls[0] if self.source.start_urls else "",
                                 f"limite de {self.max_pages} adresses atteinte (--max-pages, "
                                 f"GUICHET_CRAWL_MAX_PAGES) : {left} non visitées")  # fmt: skip
                break
            fetched += 1
            self.visit(item)
            if on_url:
                on_url(item.url)

    def enqueue(self, url: str, depth: int) -> None:
        """Add a URL to visit, once; out-of-scope and too-deep URLs are reported instead."""
        if url in self.queued:
            return
        self.queued.add(url)
        refused = self.scope.refusal(url)
        deep = depth > self.max_depth + (1 if is_document_url(url) else 0)
        if refused is None and deep:
            refused = f"au-delà de la profondeur maximale ({self.max_depth}, --max-depth)"
        if refused:
            self.report.skip(url, refused)
            return
        self.frontier.append(_Item(url, depth))

    def permit(self, url: str) -> str | None:
        """Why a redirect target may not be followed, or None."""
        target = normalize_url(url) or url
        return self.scope.refusal(target) or self.robots.refusal(target)

    def validators(self, url: str) -> tuple[str, str] | None:
        """The ETag and Last-Modified of an indexed copy, for a conditional request."""
        record = self.state.get(normalize_url(url) or url)
        if record is None or record.state != INDEXED or not self.writer.holds(record.source_id):
            return None
        return (record.etag, record.last_modified) if record.etag or record.last_modified else None

    def visit(self, item: _Item) -> None:
        """Fetch one URL and act on the answer."""
        self.visited.add(item.url)
        refused = self.robots.refusal(item.url)
        if refused:
            self.report.skip(item.url, refused)
            return
        self.report.fetched += 1
        try:
            result = self.fetcher.get(
                item.url,
                self.validators,
                self.permit,
                known=lambda u: (normalize_url(u) or u) in self.visited,
            )
        except FetchError as error:
            self.fail(item.url, str(error))
            return
        url = normalize_url(result.final_url) or result.final_url
        if url != item.url:
            self.exclude(item.url, self.state.get(item.url), REDIRECT, f"→ {url}")  # moved
            if url in self.visited:
                self.report.duplicates.append({"url": item.url, "of": url})
                return
            self.visited.add(url)
        known = self.state.get(url)
        if result.status == 304 and known is not None and known.state == INDEXED:
            self.not_modified(known, item.depth)
        elif result.status in {404, 410}:
            self.gone(url, known, result.status)
        elif 200 <= result.status < 300:
            self.read(url, item.depth, result, known)
        else:
            self.fail(url, f"réponse HTTP {result.status}")

    def read(self, url: str, depth: int, result: FetchResult, known: UrlState | None) -> None:
        """Index a page or a document from a successful answer."""
        kind = document_kind(result.content_type, url)
        if result.content_type in _HTML:
            markup, note = decode(result.body, result.headers.get("content-type", ""))
            if note:
                self.report.warn(url, note)
            try:
                page = extract_page(markup, url, result.headers.get("last-modified", ""))
            except Exception as error:  # a parser's own exception on a broken page
                self.fail(url, f"page illisible ({type(error).__name__}: {error})")
                return
            self.report.pages += 1
            links = [] if page.nofollow else page.links
            for link in links:
                self.enqueue(link, depth + 1)
            in_scope = [link for link in links if self.scope.refusal(link) is None]
            canonical = page.canonical
            if canonical and not _same_page(canonical, url) and not self.scope.refusal(canonical):
                self.exclude(url, known, DUPLICATE, f"URL canonique : {canonical}")
                self.report.duplicates.append({"url": url, "of": canonical})
                self.enqueue(canonical, depth)
            elif page.noindex:
                self.exclude(url, known, EXCLUDED, "meta robots noindex")
                self.report.skip(url, "balise meta robots noindex : non indexée")
            else:
                self.index(url, depth, result, known, "page", page.title, page.date, page.blocks,
                           in_scope)  # fmt: skip
        elif kind is not None:
            try:
                found = read_document(result.body, kind, url, self.limits.max_unpacked_bytes,
                                      self.limits.ocr)  # fmt: skip
            except DocumentError as error:
                self.fail(url, str(error))
                return
            self.report.documents += 1
            for page_number in found.empty_pages:
                self.report.warn(url, f"page {page_number} : aucun texte, même par OCR")
            if found.ocr_pages:
                self.report.ocr.append({"url": url, "pages": list(found.ocr_pages)})
            modified = http_date(result.headers.get("last-modified", ""))
            self.index(url, depth, result, known, kind, found.document.title, modified,
                       found.document.blocks, [], found.ocr_pages)  # fmt: skip
        else:
            self.report.skip(url, f"type de contenu non pris en charge ({result.content_type})")

    def index(self, url: str, depth: int, result: FetchResult, known: UrlState | None,
              kind: str, title: str, date: str, blocks: Sequence[Block], links: list[str],
              ocr_pages: Sequence[int] = ()) -> None:  # fmt: skip
        """Write a document unless it is empty, a duplicate or unchanged; record its state."""
        if not any(block.text.strip() for block in blocks):
            self.fail(url, "aucun texte extrait : non indexé")  # an indexed copy stays
            return
        digest = text_hash(blocks)
        original = self.seen_text.setdefault(digest, url)
        if original != url:
            self.exclude(url, known, DUPLICATE, f"même texte que {original}")
            self.report.duplicates.append({"url": url, "of": original})
            return
        info = describe(url, title, date, self.source, self.manifest)
        outcome = self.writer.write(info, blocks, digest)
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        changed = outcome != "unchanged"
        if changed:
            self.report.chunks += self.writer.chunks_of(info.source_id)
        now = utc_now()
        self.record(UrlState(
            url, self.source.name, INDEXED, info.source_id, kind, result.status,
            result.headers.get("etag", ""), result.headers.get("last-modified", ""), digest,
            info.title, info.date if changed or known is None else known.date, info.commune,
            list(ocr_pages), self.writer.chunks_of(info.source_id), links, depth,
            first_seen=known.first_seen if known and known.first_seen else now, last_seen=now,
            last_changed=now if changed or known is None or not known.last_changed
            else known.last_changed,
        ))  # fmt: skip

    def not_modified(self, known: UrlState, depth: int) -> None:
        """A 304: the indexed copy is current; its stored links are followed."""
        self.report.not_modified += 1
        self.seen_text.setdefault(known.content_hash, known.url)
        known.http_status, known.last_seen, known.gone_since, known.note = 304, utc_now(), "", ""
        self.record(known)
        for link in known.links:
            self.enqueue(link, depth + 1)

    def gone(self, url: str, known: UrlState | None, status: int) -> None:
        """404/410: an indexed document is removed only when the previous run saw it gone too."""
        if known is None or known.state not in {INDEXED, GONE_PENDING}:
            self.fail(url, f"introuvable (HTTP {status})")
            return
        known.http_status = status
        if known.state == GONE_PENDING and known.gone_since < self.run_started:
            self.writer.delete(known.source_id)
            known.state, known.chunks, known.note = REMOVED, 0, f"retiré (HTTP {status} confirmé)"
            self.report.removed += 1
        elif known.state == INDEXED:
            known.state, known.gone_since = GONE_PENDING, utc_now(True)
            known.note = f"HTTP {status} : retiré au prochain passage s'il l'est encore"
            self.report.gone_pending.append(url)
        self.record(known)

    def exclude(self, url: str, known: UrlState | None, state: str, note: str) -> None:
        """Record a URL that must not be indexed (a duplicate, noindex); an indexed copy goes."""
        if known is not None and known.state in {INDEXED, GONE_PENDING} and known.source_id:
            self.writer.delete(known.source_id)
            self.report.removed += 1
        self.record(UrlState(url, self.source.name, state, note=note))

    def fail(self, url: str, error: str) -> None:
        """Report a failure; an indexed copy stays, its record notes the error."""
        self.report.fail(url, error)
        known = self.state.get(url)
        if known is not None and known.state == INDEXED:
            known.note = error
            self.record(known)
        elif known is None or known.state not in {GONE_PENDING, REMOVED}:
            self.record(UrlState(url, self.source.name, FAILED, note=error))

    def record(self, record: UrlState) -> None:
        """Store a URL's record (of this source)."""
        record.source = self.source.name
        record.first_seen = record.first_seen or utc_now()
        record.last_seen = record.last_seen or utc_now()
        self.state.put(record)
