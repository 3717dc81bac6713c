"""robots.txt, read once per site per crawl (urllib.robotparser): rules, Crawl-delay, sitemaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from ingestion.crawl.fetcher import Fetcher, FetchError


@dataclass
class SiteRules:
    """One site's robots.txt as understood; `problem` set means: crawl nothing there now."""

    parser: RobotFileParser | None = None
    sitemaps: list[str] = field(default_factory=list)
    problem: str = ""


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class Robots:
    """The robots.txt of every site met, fetched with the crawler's own fetcher."""

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.agent = user_agent.split("/")[0].split()[0]
        self._sites: dict[str, SiteRules] = {}

    def site(self, url: str) -> SiteRules:
        """The rules of the URL's site (fetched on first use)."""
        origin = origin_of(url)
        if origin not in self._sites:
            self._sites[origin] = self._read(origin)
        return self._sites[origin]

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids the URL (a sentence), or None when it may be fetched."""
        rules = self.site(url)
        if rules.problem:
            return rules.problem
        if rules.parser is not None and not rules.parser.can_fetch(self.agent, url):
            return "interdit par robots.txt"
        return None

    def _read(self, origin: str) -> SiteRules:
        try:
            result = self.fetcher.get(f"{origin}/robots.txt")
        except FetchError as error:
            return SiteRules(problem=f"robots.txt illisible ({error}) : site non exploré")
        if result.status >= 500 or result.status == 429:
            # RFC 9309: a server error on robots.txt means "crawl nothing" until it answers.
            return SiteRules(
                problem=f"robots.txt indisponible (HTTP {result.status}) : site non exploré"
            )
        if result.status >= 400:
            return SiteRules()  # no robots.txt: everything is allowed
        parser = RobotFileParser()
        text = result.body.decode("utf-8", errors="replace")
        parser.parse(text.splitlines())
        delay = parser.crawl_delay(self.agent)
        rate = parser.request_rate(self.agent)
        seconds = float(delay) if delay else 0.0
        if rate and rate.requests:
            seconds = max(seconds, rate.seconds / rate.requests)
        if seconds:
            self.fetcher.set_delay(urlsplit(origin).netloc, seconds)
        return SiteRules(parser, list(parser.site_maps() or []))
