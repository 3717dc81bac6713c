"""A fetched HTML page: its text decoded, its main content (trafilatura: no menus, footers or
cookie banners) as blocks under headings with tables as Markdown, its title, date and links."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from chatbot.domain import Block
from ingestion.crawl.discovery import page_links
from ingestion.loaders.common import BlockCollector, clean
from ingestion.loaders.html import parse_html
from ingestion.loaders.tables import markdown_table

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_MONTHS = {"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
           "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
           "décembre": 12, "decembre": 12}  # fmt: skip
_UPDATED = re.compile(
    r"(?:mis|mise)\s+à\s+jour\s*(?:le|:)?\s*:?\s*(?:le\s+)?"
    r"(\d{1,2})(?:er)?(?:\s+([a-zéû]+)\s+|[/.-](\d{1,2})[/.-])(\d{4})",
    re.IGNORECASE,
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dcterms.modified",
                  "dc.date.modified", "last-modified", "datemodified")  # fmt: skip
_PUBLISHED_META = ("article:published_time", "dcterms.date", "dc.date", "datepublished")
# Removed before extraction, so that trafilatura's fallback on short pages cannot bring it back.
_BANNER = "contains({0}, 'cookie') or contains({0}, 'consent') or contains({0}, 'rgpd')"
_BOILERPLATE = [
    "//nav", "//aside", "//header[not(ancestor::article or ancestor::main)]",
    "//footer[not(ancestor::article or ancestor::main)]",
    "//*[@role='navigation' or @role='banner' or @role='contentinfo']",
    f"//*[{_BANNER.format('@id')} or {_BANNER.format('@class')}]",
]  # fmt: skip
_LOWER = "translate(@{0}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_META_XPATH = (
    f"//meta[{_LOWER.format('property')}=$n or {_LOWER.format('name')}=$n "
    f"or {_LOWER.format('itemprop')}=$n]/@content"
)


@dataclass
class Page:
    """What a page gives the crawler."""

    title: str
    blocks: tuple[Block, ...]
    date: str = ""
    canonical: str = ""
    links: list[str] = field(default_factory=list)
    noindex: bool = False
    nofollow: bool = False
    charset_note: str = ""


def decode(body: bytes, content_type: str) -> tuple[str, str]:
    """The page's text and a note when its announced charset was wrong ('' when it was right).

    UTF-8 that decodes cleanly wins over any announcement (a page saying latin-1 but written in
    UTF-8 is common); otherwise the announced charset (header, then <meta>), else Windows-1252.
    """
    announced = ""
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if match:
        announced = match.group(1).lower()
    else:
        meta = _META_CHARSET.search(body[:4096])
        announced = meta.group(1).decode("ascii", "replace").lower() if meta else ""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        is_utf8 = announced.replace("-", "") in {"utf8", ""}
        wrong = not is_utf8 and any(byte > 127 for byte in body)
        return text, (f"jeu de caractères annoncé {announced}, lu en utf-8" if wrong else "")
    for charset in (announced, "windows-1252"):
        if not charset:
            continue
        try:
            text = body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
        if charset == announced:
            return text, ""
        note = f"annoncé {announced}" if announced else "non annoncé"
        return text, f"jeu de caractères {note}, lu en windows-1252"
    return body.decode("windows-1252", errors="replace"), "jeu de caractères illisible"


def extract_page(markup: str, url: str, last_modified: str = "") -> Page:
    """Main content, title, date, canonical URL, links and robots directives of a page."""
    try:
        tree = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return Page(title="", blocks=())
    robots = " ".join(tree.xpath("//meta[@name='robots' or @name='ROBOTS']/@content")).lower()
    links, canonical = page_links(tree, url)
    title = clean(tree.findtext(".//title") or "").replace("\n", " ")
    h1 = tree.find(".//h1")
    title = clean(h1.text_content()).replace("\n", " ") if h1 is not None else title
    date = _page_date(tree) or http_date(last_modified)
    collector = _main_content(markup, url)
    if collector is None or not collector.blocks:
        loaded = parse_html(markup, title)
        blocks, found_title = loaded.blocks, loaded.title
    else:
        blocks, found_title = tuple(collector.blocks), collector.title
    return Page(
        title=found_title or title,
        blocks=blocks,
        date=date,
        canonical=canonical,
        links=links,
        noindex="noindex" in robots or "none" in robots.split(","),
        nofollow="nofollow" in robots,
    )


def _main_content(markup: str, url: str) -> BlockCollector | None:
    """trafilatura's main content (XML output) walked into blocks."""
    import trafilatura

    xml = trafilatura.extract(
        markup, url=url, output_format="xml", include_tables=True, include_comments=False,
        include_formatting=False, include_links=False, favor_recall=True, prune_xpath=_BOILERPLATE,
    )  # fmt: skip
    if not xml:
        return None
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    collector = BlockCollector()
    h1 = root.find(".//head[@rend='h1']")
    collector.title = " ".join("".join(h1.itertext()).split()) if h1 is not None else ""
    main = root.find("main")
    _walk(main if main is not None else root, collector)
    return collector


def _walk(node: etree._Element, collector: BlockCollector) -> None:
    for child in node:
        tag = child.tag if isinstance(child.tag, str) else ""
        text = " ".join("".join(child.itertext()).split())
        if tag == "head":
            level = str(child.get("rend") or "h2").lstrip("h")
            collector.heading(int(level) if level.isdigit() else 2, text)
        elif tag == "table":
            rows = [[" ".join("".join(c.itertext()).split()) for c in row.iter("cell")]
                    for row in child.iter("row")]  # fmt: skip
            heads = 0
            for row in child.iter("row"):
                if row.find("cell[@role='head']") is None:
                    break
                heads += 1
            collector.add(markdown_table(rows, heads))
        elif tag in {"list", "div", "main"}:
            _walk(child, collector)
        elif tag in {"p", "item", "quote", "code", "lb"} and text:
            collector.add(text)


def _page_date(tree: etree._Element) -> str:
    """The date a page gives itself: a 'modified' <meta>, a visible 'mis à jour le …', then a
    'published' <meta>."""
    modified = _meta_date(tree, _MODIFIED_META)
    if modified:
        return modified
    match = _UPDATED.search(" ".join(tree.text_content().split()))
    if match:
        day, month_name, month_number, year = match.groups()
        month = int(month_number) if month_number else _MONTHS.get(month_name.lower(), 0)
        try:
            return dt.date(int(year), month, int(day)).isoformat()
        except ValueError:
            pass
    return _meta_date(tree, _PUBLISHED_META)


def _meta_date(tree: etree._Element, names: tuple[str, ...]) -> str:
    for name in names:
        for value in tree.xpath(_META_XPATH, n=name):
            iso = _iso_date(str(value))
            if iso:
                return iso
    return ""


def _iso_date(value: str) -> str:
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return ""
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return ""


def http_date(value: str) -> str:
    """An HTTP date (Last-Modified) as YYYY-MM-DD, '' when absent or unreadable."""
    if not value:
        return ""
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return ""
