"""The read model behind `guichet sources`: folder documents and crawled URLs in one list, each
with its dates, state and OCR pages, from the index's documents and the crawl state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatbot.domain import IndexedDocument
from ingestion.crawl.state import GONE_PENDING, INDEXED, REMOVED, UrlState
from ingestion.sources import FILE_MISSING, FOLDER, NOT_IN_INDEX, WEB, list_sources

NOW = "2024-06-12T08:00:00+00:00"
FOLDER_DOC = IndexedDocument("piscine", "v1", "/docs/piscine.md", 2, "Piscine", "Orsay",
                             date="2024-03-01", indexed_at=NOW)  # fmt: skip
SCAN = IndexedDocument("arrete", "v1", "/docs/arrete.pdf", 1, "Arrêté", date="2024-01-05",
                       indexed_at=NOW, ocr_pages=(1,))  # fmt: skip
CRAWLED = IndexedDocument("agglo-dechets", "v2", "https://agglo.fr/dechets", 3, "Déchets",
                          "Massy", url="https://agglo.fr/dechets", date="2024-05-01",
                          indexed_at=NOW)  # fmt: skip


def record(url: str, state: str, source_id: str = "", **extra: Any) -> UrlState:
    return UrlState(url, "agglo", state, source_id, "page", 200, title="Déchets",
                    first_seen="2024-05-02T00:00:00+00:00", last_seen=NOW,
                    last_changed="2024-06-01T00:00:00+00:00", **extra)  # fmt: skip


def test_folder_and_crawled_documents_are_listed_with_their_dates_state_and_ocr() -> None:
    documents = {d.source_id: d for d in (FOLDER_DOC, SCAN, CRAWLED)}
    records = [record("https://agglo.fr/dechets", INDEXED, "agglo-dechets", date="2024-05-01"),
               record("https://agglo.fr/ancien", REMOVED, "agglo-ancien", note="retiré")]  # fmt: skip
    entries = list_sources(documents, records, file_exists=lambda path: True)
    by_place = {entry.location: entry for entry in entries}
    assert list(by_place) == ["/docs/arrete.pdf", "/docs/piscine.md", "https://agglo.fr/ancien",
                              "https://agglo.fr/dechets"]  # folder documents first  # fmt: skip
    piscine = by_place["/docs/piscine.md"].as_dict()
    assert piscine["origin"] == FOLDER and piscine["state"] == INDEXED
    assert (piscine["date"], piscine["indexed_at"], piscine["chunks"]) == ("2024-03-01", NOW, 2)
    assert piscine["ocr"] is False and piscine["last_seen"] == ""
    assert by_place["/docs/arrete.pdf"].as_dict()["ocr_pages"] == [1]
    crawled = by_place["https://agglo.fr/dechets"]
    assert (crawled.origin, crawled.state, crawled.source_id) == (WEB, INDEXED, "agglo-dechets")
    assert crawled.last_seen == NOW and crawled.indexed_at == NOW and crawled.chunks == 3
    assert crawled.date == "2024-05-01" and crawled.source == "agglo" and crawled.path == ""
    removed = by_place["https://agglo.fr/ancien"]
    assert removed.state == REMOVED and removed.chunks == 0 and removed.note == "retiré"


def test_a_vanished_file_and_a_crawled_document_missing_from_the_index_say_so() -> None:
    records = [record("https://agglo.fr/dechets", INDEXED, "agglo-dechets", chunks=3),
               record("https://agglo.fr/piscine", GONE_PENDING, "agglo-piscine")]  # fmt: skip
    entries = list_sources({"piscine": FOLDER_DOC}, records, file_exists=lambda path: False)
    states = {entry.location: (entry.state, entry.chunks) for entry in entries}
    assert states == {"/docs/piscine.md": (FILE_MISSING, 2),
                      "https://agglo.fr/dechets": (NOT_IN_INDEX, 0),
                      "https://agglo.fr/piscine": (NOT_IN_INDEX, 0)}  # fmt: skip
    assert all(entry.note for entry in entries)


def test_an_unreadable_index_leaves_the_crawl_records_as_they_are() -> None:
    entries = list_sources(None, [record("https://agglo.fr/dechets", INDEXED, "x", chunks=3)])
    assert [(e.state, e.chunks) for e in entries] == [(INDEXED, 3)]


def test_a_crawled_document_without_crawl_state_is_known_by_its_address(tmp_path: Path) -> None:
    file = tmp_path / "piscine.md"
    file.write_text("x", encoding="utf-8")
    folder = IndexedDocument("piscine", "v1", str(file), 1, "Piscine")
    (here, web) = sorted(list_sources({"a": CRAWLED, "b": folder}, []), key=lambda e: e.origin)
    assert (here.origin, here.state, here.path) == (FOLDER, INDEXED, str(file))
    assert (web.origin, web.url, web.path) == (WEB, "https://agglo.fr/dechets", "")
