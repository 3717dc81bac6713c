"""Linked documents (types, signatures, bombs, OCR) and the crawl's state and configuration."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from chatbot.settings import Settings
from ingestion.crawl.config import (
    CommuneRule,
    CrawlConfigError,
    configured_sources,
    load_sources_file,
    make_source,
)
from ingestion.crawl.documents import DocumentError, document_kind, read_document
from ingestion.crawl.state import INDEXED, CrawlState, UrlState
from ingestion.loaders.ocr import OcrOptions, ocr_problem
from tests.documents import write_docx
from tests.site_documents import flate_bomb_pdf, scanned_pdf, zip_bomb

NO_OCR = OcrOptions(enabled=False)


def test_document_kind_from_type_or_extension() -> None:
    assert document_kind("application/pdf", "https://a.fr/x") == "pdf"
    assert document_kind("application/octet-stream", "https://a.fr/guide.DOCX") == "docx"
    assert document_kind("application/vnd.oasis.opendocument.text", "https://a.fr/x") == "odt"
    assert document_kind("image/png", "https://a.fr/x.pdf") is None


def test_wrong_signatures_and_bombs_are_refused() -> None:
    with pytest.raises(DocumentError, match="archive ZIP"):
        read_document(zip_bomb(1), "pdf", "https://a.fr/x.pdf", 10**7, NO_OCR)
    with pytest.raises(DocumentError, match="bombe de décompression"):
        read_document(flate_bomb_pdf(30), "pdf", "https://a.fr/x.pdf", 10**7, NO_OCR)
    with pytest.raises(DocumentError, match="bombe de décompression"):
        read_document(_docx_bomb(30), "docx", "https://a.fr/x.docx", 10**7, NO_OCR)
    with pytest.raises(DocumentError, match="pas une archive"):
        read_document(b"%PDF-1.4 nope", "docx", "https://a.fr/x.docx", 10**7, NO_OCR)


def _docx_bomb(megabytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bytes(megabytes << 20))
    return out.getvalue()


def test_docx_is_read_with_its_title(tmp_path: Path) -> None:
    body = write_docx(
        tmp_path / "g.docx", "Guide du tri", {"Bac jaune": "Emballages."}
    ).read_bytes()
    found = read_document(body, "docx", "https://a.fr/docs/guide-tri.docx", 10**7, NO_OCR)
    assert found.document.title == "Guide du tri" and not found.ocr_pages


def test_a_scan_without_ocr_is_reported_not_indexed_empty() -> None:
    with pytest.raises(DocumentError, match="aucun texte trouvé"):
        read_document(scanned_pdf(), "pdf", "https://a.fr/arrete.pdf", 10**8, NO_OCR)


def test_a_scan_is_read_by_ocr_and_marked() -> None:
    if ocr_problem("fra"):
        pytest.skip(ocr_problem("fra") or "")
    found = read_document(scanned_pdf(), "pdf", "https://a.fr/arrete.pdf", 10**8, OcrOptions())
    text = " ".join(block.text for block in found.document.blocks)
    assert "stationnement" in text and found.ocr_pages == (1,) and found.empty_pages == (2,)
    assert all(block.ocr and block.page == 1 for block in found.document.blocks)  # in its metadata


def test_state_round_trip(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "crawl.db")
    record = UrlState("https://a.fr/", "site", INDEXED, "a-fr", "page", 200, '"e"', "lm",
                      "hash", "Accueil", "2024-05-01", "Orsay", [1, 2], 3, ["https://a.fr/x"], 1)  # fmt: skip
    state.put(record)
    state.put(UrlState("https://b.fr/", "autre", "failed", note="HTTP 500"))
    assert state.get("https://a.fr/") == record
    assert [r.url for r in state.records("site")] == ["https://a.fr/"]
    assert len(state.records()) == 2 and state.get("https://c.fr/") is None
    shape = record.as_dict()
    assert shape["ocr"] is True and "links" not in shape
    state.close()


def test_sources_from_toml_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "crawl.toml"
    path.write_text(
        '[[source]]\nname = "agglo"\nurls = ["https://www.agglo.fr/"]\n'
        'sitemaps = ["https://www.agglo.fr/sitemap.xml"]\ndeny = ["/recherche"]\nmax_pages = 50\n'
        'commune = "Agglomération"\nmanifest = "sources.csv"\n'
        '[source.communes]\n"/orsay/" = "Orsay"\n"/massy/" = "Massy"\n',
        encoding="utf-8",
    )
    (source,) = load_sources_file(path)
    assert source.name == "agglo" and source.max_pages == 50 and source.hosts == {"www.agglo.fr"}
    assert source.manifest == tmp_path / "sources.csv"
    assert source.commune_for("https://www.agglo.fr/orsay/marche") == "Orsay"
    assert source.commune_for("https://www.agglo.fr/piscine") == "Agglomération"
    settings = Settings(data_dir=tmp_path, crawl_sources_file=path,
                        crawl_sources=[{"urls": ["https://www.ville.fr/"]}])  # fmt: skip
    assert [s.name for s in configured_sources(settings)] == ["www.ville.fr", "agglo"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[source]]\nurls = ["ftp://a.fr/"]\n', "http"),
        ('[[source]]\nurl = ["https://a.fr/"]\n', "clés inconnues"),
        ('[[source]]\nurls = ["https://a.fr/"]\ndeny = ["("]\n', "motif"),
        ("[[source]]\n", "au moins une adresse"),
        ("source = 3\n", "[[source]]"),
        ("[[source\n", "TOML"),
    ],
)
def test_bad_sources_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "crawl.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CrawlConfigError, match=message.replace("[", r"\[")):
        load_sources_file(path)


def test_commune_rules_from_the_command_line() -> None:
    assert CommuneRule.parse("/orsay/=Orsay").commune == "Orsay"
    with pytest.raises(CrawlConfigError, match="MOTIF=COMMUNE"):
        CommuneRule.parse("orsay")
    source = make_source("s", ["https://a.fr/"], commune_rules=["/gif/=Gif-sur-Yvette"])
    assert source.commune_for("https://a.fr/gif/x") == "Gif-sur-Yvette"
