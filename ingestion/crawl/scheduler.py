"""The crawl run by the service itself: a background thread re-crawls the configured sources."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from chatbot.ports import DocumentEncoder, Embedder, VectorIndex
from chatbot.settings import Settings
from ingestion.crawl.config import configured_sources
from ingestion.crawl.crawler import Crawler
from ingestion.crawl.indexing import IndexWriter
from ingestion.crawl.report import CrawlReport
from ingestion.pipeline import ChunkingOptions

logger = logging.getLogger("guichet.crawl")


class CrawlScheduler:
    """Runs `crawl(stop)` at start and then every `interval_s` seconds, until stopped (the
    crawl in progress sees `stop` set and ends after its current page)."""

    def __init__(self, crawl: Callable[[threading.Event], CrawlReport], interval_s: float) -> None:
        self.crawl = crawl
        self.interval_s = interval_s
        self.last_report: CrawlReport | None = None
        self.last_error: str | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="guichet-crawl", daemon=True)

    def start(self) -> None:
        """Start the schedule (a zero interval disables it)."""
        if self.interval_s > 0:
            self._thread.start()

    def run_once(self) -> None:
        """One crawl; an error is logged and kept, never raised into the service."""
        try:
            self.last_report = self.crawl(self._stop)
            self.last_error = None
            logger.info("crawl: %s", " ".join(self.last_report.summary_lines()))
            for line in self.last_report.problem_lines()[:200]:
                logger.warning("crawl: %s", line)
        except Exception as error:  # the next run tries again
            self.last_error = f"{type(error).__name__}: {error}"
            logger.exception("crawl failed")
        self.runs += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        """Stop the schedule and wait (a while) for a crawl in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)


def build_crawl_scheduler(
    settings: Settings, index: VectorIndex, embedder: Embedder, encoder: DocumentEncoder
) -> CrawlScheduler:
    """The schedule of the settings' sources (`crawl_sources`, `crawl_sources_file`) every
    `crawl_interval_hours`, writing into the service's own index; disabled when either is unset.

    Start it with the service (next to the retention schedule) and `stop()` it at shutdown.
    """
    sources = configured_sources(settings)
    writer = IndexWriter(
        index, embedder, encoder, ChunkingOptions(settings.chunk_size, settings.chunk_overlap)
    )

    def crawl(stop: threading.Event) -> CrawlReport:
        crawler = Crawler.from_settings(settings, writer)
        try:
            return crawler.run(sources, stop=stop)
        finally:
            crawler.close()

    interval = settings.crawl_interval_hours * 3600 if sources else 0.0
    return CrawlScheduler(crawl, interval)
