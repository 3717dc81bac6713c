"""The crawl of every source in one run, into the index through the ingestion pipeline's chunking
(see `source_crawl` for one source's crawl)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import httpx

from chatbot.settings import Settings
from ingestion.crawl.config import CrawlLimits, CrawlSource
from ingestion.crawl.fetcher import Fetcher
from ingestion.crawl.indexing import IndexWriter
from ingestion.crawl.report import CrawlReport
from ingestion.crawl.robots import Robots
from ingestion.crawl.source_crawl import OnUrl, SourceCrawl
from ingestion.crawl.state import CrawlState, utc_now


class Crawler:
    """Crawls sources into the index through the ingestion pipeline's chunking and writing."""

    def __init__(self, writer: IndexWriter, state: CrawlState, limits: CrawlLimits,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.writer, self.state, self.limits = writer, state, limits
        self.transport, self.sleep = transport, sleep

    @classmethod
    def from_settings(cls, settings: Settings, writer: IndexWriter) -> Crawler:
        """A crawler with the settings' limits and the state file in the data folder."""
        return cls(writer, CrawlState(settings.data_dir / "crawl.db"),
                   CrawlLimits.from_settings(settings))  # fmt: skip

    def run(
        self,
        sources: Sequence[CrawlSource],
        on_url: OnUrl | None = None,
        stop: threading.Event | None = None,
    ) -> CrawlReport:
        """Crawl every source once (until `stop` is set); the report says what was fetched,
        indexed and why not."""
        started = time.perf_counter()
        report = CrawlReport(sources=len(sources))
        fetcher = Fetcher(self.limits, self.transport, sleep=self.sleep)
        robots = Robots(fetcher, self.limits.user_agent)
        self.writer.refresh()
        try:
            for source in sources:
                if stop is not None and stop.is_set():
                    break
                SourceCrawl(self, source, fetcher, robots, report, utc_now(True)).run(on_url, stop)
            self.writer.flush()
        finally:
            fetcher.close()
        report.requests = fetcher.requests
        report.seconds = time.perf_counter() - started
        return report

    def close(self) -> None:
        """Close the state file."""
        self.state.close()
