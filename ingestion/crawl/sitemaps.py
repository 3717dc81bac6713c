"""Sitemaps: index files followed, gzip read within limits, URLs capped, damage reported."""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from lxml import etree

from ingestion.crawl.config import CrawlLimits, CrawlSource
from ingestion.crawl.discovery import normalize_url
from ingestion.crawl.fetcher import Fetcher, FetchError
from ingestion.crawl.report import CrawlReport
from ingestion.crawl.robots import Robots

_MAX_FILES = 1000  # sitemap files read per source at most


@dataclass
class Sitemap:
    """The URLs one sitemap file lists: pages (`urlset`) or other sitemaps (`sitemapindex`)."""

    is_index: bool = False
    urls: list[str] = field(default_factory=list)
    capped: bool = False
    broken: str = ""


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress gzip data, refusing more than `limit` bytes of output."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decoder.decompress(data, limit + 1)
    if len(out) > limit:
        raise ValueError(f"plus de {limit / 1e6:.0f} Mo une fois décompressé")
    return out


def parse_sitemap(body: bytes, cap: int, unpacked_limit: int) -> Sitemap:
    """Read a sitemap (gzip or not) up to `cap` URLs; a truncated or broken file keeps the URLs
    read before the damage, and says so in `broken`."""
    found = Sitemap()
    try:
        if body[:2] == b"\x1f\x8b":
            body = gunzip_bounded(body, unpacked_limit)
    except (ValueError, zlib.error) as error:
        found.broken = f"sitemap compressé illisible ({error})"
        return found
    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=False
    )
    closing = False
    try:
        for start in range(0, len(body), 65536):
            parser.feed(body[start : start + 65536])
            if _collect(parser, found, cap):
                return found
        closing = True
        parser.close()
        _collect(parser, found, cap)
    except etree.XMLSyntaxError as error:
        # A failed close() ends the elements left open (lxml >= 6.2): those events are not the
        # file's, so only a failed feed() still has real events to take.
        if not closing:
            _collect(parser, found, cap)
        found.broken = f"XML invalide ou tronqué ({error.msg})"
    return found


def _collect(parser: etree.XMLPullParser, found: Sitemap, cap: int) -> bool:
    """Take the `loc` elements parsed so far; True once the cap is reached."""
    for event, element in parser.read_events():
        name = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if event == "start":
            if name == "sitemapindex":
                found.is_index = True
            continue
        if name == "loc" and element.text and element.text.strip():
            if len(found.urls) >= cap:
                found.capped = True
                return True
            found.urls.append(element.text.strip())
        if name in {"url", "sitemap"}:
            element.clear()
    return False


class _Crawl(Protocol):
    source: CrawlSource
    fetcher: Fetcher
    robots: Robots
    report: CrawlReport
    limits: CrawlLimits


def read_sitemaps(crawl: _Crawl) -> list[str]:
    """The page URLs of a source's sitemaps (those given, and those its sites' robots.txt name),
    at most `max_sitemap_urls`; each problem becomes a line of the report."""
    sites = {normalize_url(url) or url for url in crawl.source.start_urls}
    named: Iterable[str] = [s for site in sites for s in crawl.robots.site(site).sitemaps]
    files = deque(dict.fromkeys([*crawl.source.sitemaps, *named]))
    done: set[str] = set()
    urls: list[str] = []
    cap = crawl.limits.max_sitemap_urls
    while files and len(done) < _MAX_FILES:
        where = normalize_url(files.popleft())
        if where is None or where in done:
            continue
        done.add(where)
        refused = crawl.robots.refusal(where)
        if refused:
            crawl.report.skip(where, f"plan du site : {refused}")
            continue
        try:
            result = crawl.fetcher.get(where, truncate=True)
        except FetchError as error:
            crawl.report.fail(where, f"plan du site : {error}")
            continue
        if result.status != 200:
            crawl.report.fail(where, f"plan du site : réponse HTTP {result.status}")
            continue
        if result.truncated:
            crawl.report.warn(where, f"plan du site coupé à {crawl.limits.max_bytes / 1e6:.1f} Mo "
                                     "(GUICHET_CRAWL_MAX_MB)")  # fmt: skip
        found = parse_sitemap(result.body, cap - len(urls), crawl.limits.max_unpacked_bytes)
        if found.broken and not result.truncated:
            crawl.report.warn(where, f"plan du site : {found.broken}")
        if found.is_index:
            files.extend(found.urls)
        else:
            urls.extend(found.urls)
        if found.capped:
            crawl.report.warn(where, f"plafond de {cap} adresses de plans du site atteint : les "
                                     "suivantes sont ignorées (GUICHET_CRAWL_MAX_SITEMAP_URLS)")  # fmt: skip
            break
    crawl.report.sitemap_urls += len(urls)
    return [url for url in map(normalize_url, urls) if url]
