"""The crawl run by the service itself: a background thread re-crawls the configured sources."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from chatbot.ports import DocumentEncoder, Embedder, VectorIndex
from chatbot.scheduling import PeriodicJob
from chatbot.settings import Settings
from ingestion.crawl.config import configured_sources
from ingestion.crawl.crawler import Crawler
from ingestion.crawl.indexing import IndexWriter
from ingestion.crawl.report import CrawlReport
from ingestion.pipeline import ChunkingOptions

logger = logging.getLogger("guichet.crawl")


class CrawlScheduler(PeriodicJob[CrawlReport]):
    """Runs `crawl(stop)` at start and then every `interval_s` seconds, until stopped (the
    crawl in progress sees `stop` set and ends after its current page)."""

    def __init__(self, crawl: Callable[[threading.Event], CrawlReport], interval_s: float) -> None:
        super().__init__("crawl", interval_s, logger)
        self.crawl = crawl

    def run(self, stop: threading.Event) -> CrawlReport:
        """One crawl of every source."""
        return self.crawl(stop)

    def describe(self, report: CrawlReport) -> list[str]:
        """The summary, then at most 200 problems."""
        lines = [" ".join(report.summary_lines()), *report.problem_lines()[:200]]
        return [f"crawl: {line}" for line in lines]


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
