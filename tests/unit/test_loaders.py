from pathlib import Path

import pytest

from ingestion.loaders import UnreadableDocumentError, load, supported
from tests.documents import write_docx, write_html, write_markdown, write_odt, write_pdf

SECTIONS = {
    "Horaires": "La piscine est ouverte du lundi au samedi.",
    "Tarifs": "L'entrée coûte trois euros pour les résidents.",
}


def _by_heading(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for block in load(path).blocks:
        if block.headings:
            found.setdefault(block.headings[-1], block.text)
    return found


def test_markdown_title_and_sections(tmp_path: Path) -> None:
    document = load(write_markdown(tmp_path / "piscine.md", "La piscine", SECTIONS))
    assert document.title == "La piscine"
    assert _by_heading(tmp_path / "piscine.md") == SECTIONS


def test_markdown_front_matter_title_and_links(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("---\ntitle: Titre du fichier\n---\nVoir [le site](https://a.fr) **vite**.\n")
    document = load(path)
    assert document.title == "Titre du fichier"
    assert document.blocks[0].text == "Voir le site vite."


def test_text_headings_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "fiche.txt"
    path.write_text(
        "Le comité dispose de moyens.\nBudget\nLe comité ne dispose d'aucun budget.\n"
        "Le budget est fixé à :\nd'un montant variable\n",
        encoding="utf-8",
    )
    document = load(path)
    assert document.title == "Le comité dispose de moyens."
    assert document.blocks[1].headings == ("Budget",)
    assert "Le budget est fixé à :" in document.blocks[1].text


def test_text_in_windows_1252_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "ancien.txt"
    path.write_bytes("Déchèterie de la commune".encode("cp1252"))
    assert load(path).blocks[0].text == "Déchèterie de la commune"


def test_html_keeps_main_content_and_tables(tmp_path: Path) -> None:
    path = write_html(tmp_path / "page.html", "La piscine", SECTIONS)
    document = load(path)
    texts = " ".join(block.text for block in document.blocks)
    assert document.title == "La piscine"
    assert _by_heading(path)["Horaires"] == SECTIONS["Horaires"]
    assert "Lundi | 9 h – 17 h" in texts
    assert "Plan du site" not in texts and "tracker" not in texts and "Mentions" not in texts


def test_pdf_pages_are_numbered(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "guide.pdf", "Guide du tri", ["Page un : le verre.", "Page deux : le papier."]
    )
    document = load(path)
    assert document.title == "Guide du tri"
    assert [(b.page, b.text) for b in document.blocks] == [
        (1, "Page un : le verre."),
        (2, "Page deux : le papier."),
    ]


def test_docx_headings_paragraphs_and_table(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "note.docx", "Note piscine", SECTIONS)
    document = load(path)
    assert document.title == "Note piscine"
    assert _by_heading(path) == SECTIONS
    assert any("Accueil | 01 99 00 00 01" in block.text for block in document.blocks)


def test_odt_headings_and_title(tmp_path: Path) -> None:
    path = write_odt(tmp_path / "note.odt", "Note ODT", SECTIONS)
    document = load(path)
    assert document.title == "Note ODT"
    assert _by_heading(path) == SECTIONS


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrupt.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("empty.txt", b"", "no text"),
        ("blank.md", b"\n\n   \n", "no text"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
        ("broken.docx", b"PK not a zip", "DOCX"),
        ("broken.odt", b"nope", "ODT"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocumentError, match=reason):
        load(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"png")
    assert not supported(path)
    with pytest.raises(UnreadableDocumentError, match="unsupported"):
        load(path)
