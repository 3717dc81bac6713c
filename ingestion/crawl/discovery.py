"""Finding URLs: normalised addresses, the crawl's scope, sitemaps (index files included, capped)
and the links of a page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from ingestion.crawl.config import CrawlSource

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".odt")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|xtor)$", re.IGNORECASE)
_SKIPPED_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".css", ".js",
                     ".zip", ".mp3", ".mp4", ".avi", ".xls", ".xlsx", ".ppt", ".pptx", ".ics")  # fmt: skip


def normalize_url(url: str, base: str = "") -> str | None:
    """An absolute http(s) URL without fragment, tracking parameters or default port; None for
    anything else (mailto:, javascript:, tel:, malformed)."""
    try:
        joined = urljoin(base, url.strip()) if base else url.strip()
        parts = urlsplit(joined)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])  # fmt: skip
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def is_document_url(url: str) -> bool:
    """Whether a URL names a PDF, DOCX or ODT file by its extension."""
    return urlsplit(url).path.lower().endswith(DOCUMENT_SUFFIXES)


@dataclass(frozen=True)
class Scope:
    """The sites and patterns a source may crawl."""

    source: CrawlSource

    def refusal(self, url: str) -> str | None:
        """Why the URL is out of scope (a sentence), or None when it is in."""
        host = (urlsplit(url).hostname or "").lower()
        sites = {name.removeprefix("www.") for name in self.source.hosts}
        if host.removeprefix("www.") not in sites:  # ville.fr and www.ville.fr are one site
            return f"autre domaine ({host}) : hors du périmètre"
        if self.source.allow and not any(p.search(url) for p in self.source.allow):
            return "ne correspond à aucun motif --allow"
        denied = next((p.pattern for p in self.source.deny if p.search(url)), None)
        if denied is not None:
            return f"exclu par --deny {denied!r}"
        if urlsplit(url).path.lower().endswith(_SKIPPED_SUFFIXES):
            return "type de fichier non indexé"
        return None


def page_links(tree: etree._Element, base: str) -> tuple[list[str], str]:
    """The normalised targets of a page's links (`a`, `area`, `iframe`), and its canonical URL
    ('' if none), both resolved against the page's `<base href>` when it has one."""
    base_href = tree.xpath("string(//base/@href)")
    if base_href:
        base = urljoin(base, str(base_href))
    links: dict[str, None] = {}
    for element in tree.xpath("//a[@href] | //area[@href] | //iframe[@src]"):
        if "nofollow" in (element.get("rel") or "").lower():
            continue
        target = normalize_url(element.get("href") or element.get("src") or "", base)
        if target:
            links[target] = None
    canonical = str(tree.xpath("string(//link[@rel='canonical']/@href)"))
    return list(links), (normalize_url(canonical, base) or "") if canonical else ""


def dedupe(urls: Iterable[str]) -> list[str]:
    """The URLs in their first order, each once."""
    return list(dict.fromkeys(urls))
