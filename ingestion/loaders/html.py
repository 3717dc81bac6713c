"""HTML pages: main content only, headings kept, navigation and boilerplate dropped."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from chatbot.domain import LoadedDocument
from ingestion.loaders.common import BlockCollector, clean, title_from_path
from ingestion.loaders.tables import html_table_rows, markdown_table
from ingestion.loaders.text import read_text

_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template",
         "svg", "iframe", "button")  # fmt: skip
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {"p", "li", "pre", "blockquote", "dd", "dt", "figcaption", "tr", "caption", "address"}
_CONTAINERS = {"div", "section", "article", "main", "body", "td", "th"}


def load_html(path: Path) -> LoadedDocument:
    """Parse an HTML file into blocks under its h1–h6 headings."""
    return parse_html(read_text(path), title_from_path(path))


def parse_html(markup: str, fallback_title: str = "") -> LoadedDocument:
    """Parse HTML text into blocks under its h1–h6 headings; tables become Markdown tables."""
    soup = BeautifulSoup(markup, "lxml")
    page_title = clean(soup.title.get_text(" ")) if soup.title else ""
    for tag in soup.find_all(_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    collector = BlockCollector()
    first_h1 = root.find("h1") if isinstance(root, Tag) else None
    collector.title = (
        (clean(first_h1.get_text(" ")) if first_h1 else "") or page_title or fallback_title
    )
    if isinstance(root, Tag):
        _walk(root, collector)
    return LoadedDocument(collector.title, tuple(collector.blocks))


def _walk(node: Tag, collector: BlockCollector) -> None:
    loose: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if node.name in _CONTAINERS and child.strip():
                loose.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        if loose:
            collector.add(" ".join(loose))
            loose.clear()
        if child.name in _HEADINGS:
            collector.heading(_HEADINGS[child.name], child.get_text(" "))
        elif child.name == "table" and not child.find("table"):
            rows, header_rows = html_table_rows(child)
            collector.add(markdown_table(rows, header_rows))
        elif child.name == "tr":
            cells = [clean(cell.get_text(" ")) for cell in child.find_all(["th", "td"])]
            collector.add(" | ".join(cell for cell in cells if cell))
        elif child.name in _BLOCKS and not child.find(list(_BLOCKS | set(_HEADINGS))):
            collector.add(child.get_text(" "))
        else:
            _walk(child, collector)
    if loose:
        collector.add(" ".join(loose))
