"""Word (.docx) and OpenDocument (.odt) files: heading styles, paragraphs, lists and tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chatbot.domain import LoadedDocument
from ingestion.loaders.common import BlockCollector, clean, title_from_path

_LEVEL = re.compile(r"(\d+)")


def _style_level(style_name: str) -> int | None:
    """'Heading 2' / 'Titre 2' -> 2; 'Title' / 'Titre' -> 0; other styles -> None."""
    name = style_name.strip().lower()
    if name in {"title", "titre"}:
        return 0
    if name.startswith(("heading", "titre")):
        match = _LEVEL.search(name)
        return int(match.group(1)) if match else 1
    return None


def load_docx(path: Path) -> LoadedDocument:
    """A .docx file, walking paragraphs and tables in document order."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    collector = BlockCollector()
    collector.title = (document.core_properties.title or "").strip()
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            level = _style_level(style or "")
            if level == 0:
                collector.title = collector.title or clean(paragraph.text)
            elif level is not None:
                collector.heading(level, paragraph.text)
            else:
                collector.add(paragraph.text)
        elif tag == "tbl":
            for row in Table(element, document).rows:
                cells = [clean(cell.text) for cell in row.cells]
                collector.add(" | ".join(dict.fromkeys(c for c in cells if c)))
    collector.title = collector.title or collector.first_heading or title_from_path(path)
    return LoadedDocument(collector.title, tuple(collector.blocks))


def load_odt(path: Path) -> LoadedDocument:
    """An OpenDocument text file: text:h outline levels, paragraphs, lists and tables."""
    from odf import teletype
    from odf.dc import Title
    from odf.opendocument import load

    document = load(str(path))
    collector = BlockCollector()
    titles = document.meta.getElementsByType(Title) if document.meta else []
    collector.title = clean(teletype.extractText(titles[0])) if titles else ""

    def walk(node: Any) -> None:
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname is None:
                continue
            name = qname[1]
            if name == "h":
                level = child.getAttribute("outlinelevel")
                collector.heading(int(level) if level else 1, teletype.extractText(child))
            elif name == "p":
                collector.add(teletype.extractText(child))
            elif name == "table-row":
                cells = [clean(teletype.extractText(cell)) for cell in child.childNodes]
                collector.add(" | ".join(c for c in cells if c))
            else:
                walk(child)

    walk(document.text)
    collector.title = collector.title or collector.first_heading or title_from_path(path)
    return LoadedDocument(collector.title, tuple(collector.blocks))
