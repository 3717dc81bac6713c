"""Tables as Markdown: HTML spans, PDF tables, and chunks that repeat the header."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from chatbot.domain import Block
from ingestion.chunking import chunk_blocks
from ingestion.loaders import load, pdf
from ingestion.loaders.tables import (
    html_table_rows,
    is_markdown_table,
    markdown_table,
    split_markdown_table,
)
from tests.documents import write_pdf
from tests.site_documents import TARIFF_HEADER, tariff_pdf, tariff_rows

HEADER = "| " + " | ".join(TARIFF_HEADER) + " |"


def test_markdown_table_drops_empty_rows_and_columns_and_escapes_pipes() -> None:
    table = markdown_table([["Jour", "", "Prix"], ["", "", ""], ["Lundi", None, "3 | 4 €"]])
    assert table == "| Jour | Prix |\n|---|---|\n| Lundi | 3 \\| 4 € |"
    assert is_markdown_table(table)
    assert markdown_table([["seule colonne"], ["valeur"]]) == "seule colonne\nvaleur"
    assert not is_markdown_table("| une ligne |")


def test_html_spans_are_filled_in() -> None:
    soup = BeautifulSoup(
        "<table><thead><tr><th rowspan=2>Équipement</th><th colspan=2>Tarif</th></tr>"
        "<tr><th>résident</th><th>extérieur</th></tr></thead>"
        "<tr><td rowspan=2>Piscine</td><td>3 €</td><td>5 €</td></tr>"
        "<tr><td>2 €</td><td>4 €</td></tr></table>",
        "lxml",
    )
    rows, heads = html_table_rows(soup.table)  # type: ignore[arg-type]
    assert heads == 2
    assert markdown_table(rows, heads).splitlines() == [
        "| Équipement | Tarif / résident | Tarif / extérieur |",
        "|---|---|---|",
        "| Piscine | 3 € | 5 € |",
        "| Piscine | 2 € | 4 € |",
    ]


def test_split_repeats_the_header_and_never_cuts_a_row() -> None:
    table = markdown_table([TARIFF_HEADER, *tariff_rows()])
    pieces = split_markdown_table(table, 400)
    assert len(pieces) > 3
    rows = [line for piece in pieces for line in piece.splitlines()[2:]]
    assert rows == table.splitlines()[2:]
    assert all(piece.startswith(HEADER + "\n|---|") and len(piece) <= 400 for piece in pieces)


def test_chunks_holding_rows_start_with_the_header() -> None:
    table = markdown_table([TARIFF_HEADER, *tariff_rows()])
    blocks = [Block("Les tarifs de l'année.", ("Tarifs",)), Block(table, ("Tarifs",))]
    chunks = chunk_blocks(blocks, 500, 80)
    with_rows = [chunk for chunk in chunks if "| Piscine |" in chunk.text or "€ |" in chunk.text]
    assert len(with_rows) >= 3
    assert all(HEADER in chunk.text for chunk in with_rows)


def test_pdf_tables_become_markdown_on_their_page(tmp_path: Path) -> None:
    path = tmp_path / "tarifs.pdf"
    path.write_bytes(tariff_pdf())
    document = load(path)
    tables = [block for block in document.blocks if is_markdown_table(block.text)]
    assert len(tables) == 1 and tables[0].page == 1
    assert tables[0].text.startswith(HEADER)
    assert "| Patinoire | Carte 10 entrées | 8,20 € | 12,00 € |" in tables[0].text
    intro = " ".join(block.text for block in document.blocks if block not in tables)
    assert "s'appliquent du 1er janvier" in intro and "Patinoire" not in intro


def test_html_loader_writes_tables_as_markdown(tmp_path: Path) -> None:
    path = tmp_path / "horaires.html"
    path.write_text(
        "<html><body><main><h1>Mairie</h1><table><tr><th>Jour</th><th>Horaires</th></tr>"
        "<tr><td>Lundi</td><td>9 h – 17 h</td></tr></table></main></body></html>",
        encoding="utf-8",
    )
    texts = [block.text for block in load(path).blocks]
    assert texts == ["| Jour | Horaires |\n|---|---|\n| Lundi | 9 h – 17 h |"]


def test_pages_without_lines_skip_the_slow_table_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_call(path: Path, pages: set[int] | None = None) -> dict[int, list[str]]:
        raise AssertionError("pdfplumber should not parse a page without lines")

    monkeypatch.setattr(pdf, "pdf_page_parts", no_call)
    path = write_pdf(tmp_path / "note.pdf", "Note", ["Le conseil se réunit chaque mois."])
    document, details = pdf.read_pdf(path)
    assert details.table_pages == () and document.blocks[0].text.startswith("Le conseil")
