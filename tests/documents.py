"""Write real test documents of every supported format (no binary fixtures in git)."""

from __future__ import annotations

from pathlib import Path


def write_markdown(path: Path, title: str, sections: dict[str, str]) -> Path:
    body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections.items())
    path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    return path


def write_html(path: Path, title: str, sections: dict[str, str]) -> Path:
    body = "".join(f"<h2>{heading}</h2><p>{text}</p>" for heading, text in sections.items())
    path.write_text(
        f"<!doctype html><html lang='fr'><head><title>{title} | Site</title>"
        "<script>var tracker = 1;</script></head><body>"
        "<nav><a href='/'>Accueil</a> <a href='/plan'>Plan du site</a></nav>"
        f"<main><h1>{title}</h1>{body}<table><tr><th>Jour</th><th>Horaires</th></tr>"
        "<tr><td>Lundi</td><td>9 h – 17 h</td></tr></table></main>"
        "<footer>Mentions légales</footer></body></html>",
        encoding="utf-8",
    )
    return path


def write_pdf(path: Path, title: str, pages: list[str]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    for text in pages:
        y = 800
        for line in _wrap(text, 90):
            pdf.drawString(50, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()
    return path


def write_docx(path: Path, title: str, sections: dict[str, str]) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    for heading, text in sections.items():
        document.add_heading(heading, level=1)
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(
        table.rows, [("Service", "Téléphone"), ("Accueil", "01 99 00 00 01")], strict=True
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.save(str(path))
    return path


def write_odt(path: Path, title: str, sections: dict[str, str]) -> Path:
    from odf.dc import Title
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.meta.addElement(Title(text=title))
    for heading, text in sections.items():
        document.text.addElement(H(outlinelevel=1, text=heading))
        document.text.addElement(P(text=text))
    document.save(str(path))
    return path


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines
