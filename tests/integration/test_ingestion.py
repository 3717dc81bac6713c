"""Ingest a real folder of every format into a real embedded Qdrant index with the small models."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from chatbot.retrieval.index import QdrantIndex
from chatbot.retrieval.retriever import HybridRetriever, RetrievalOptions
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder
from ingestion.pipeline import ChunkingOptions, ingest
from tests.documents import write_docx, write_html, write_markdown, write_odt, write_pdf

pytestmark = pytest.mark.integration

OPTIONS = ChunkingOptions(size=600, overlap=80)


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    write_markdown(folder / "piscine.md", "Piscine intercommunale", {
        "Horaires": "La piscine intercommunale ouvre du mardi au dimanche de 10 h à 19 h.",
        "Tarifs": "Le ticket d'entrée coûte 3 euros, gratuit pour les moins de 6 ans.",
    })  # fmt: skip
    write_html(folder / "dechets.html", "Collecte des déchets", {
        "Bac jaune": "Le bac jaune reçoit les emballages et papiers, collecté le mercredi.",
        "Encombrants": "Les encombrants sont ramassés sur rendez-vous une fois par mois.",
    })  # fmt: skip
    write_pdf(folder / "transport.pdf", "Plan de mobilité", [
        "Le bus 91-06 relie Massy à Saclay toutes les 10 minutes en semaine.",
        "Les vélos en libre-service sont disponibles dans 12 stations.",
    ])  # fmt: skip
    write_docx(folder / "eau.docx", "Eau potable", {
        "Facturation": "La facture d'eau est envoyée deux fois par an par la régie.",
    })  # fmt: skip
    write_odt(folder / "bibliotheque.odt", "Médiathèques", {
        "Inscription": "L'inscription aux médiathèques du réseau est gratuite pour tous.",
    })  # fmt: skip
    (folder / "notes").mkdir()
    (folder / "notes" / "conseil.txt").write_text(
        "Le conseil communautaire se réunit chaque mois.\nSéances\nLes séances sont publiques.\n",
        encoding="utf-8",
    )
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n garbage that no parser can read")
    (folder / "vide.txt").write_bytes(b"")
    (folder / "image.png").write_bytes(b"\x89PNG not a document")
    (folder / "sources.yaml").write_text(
        "- id: piscine\n  path: piscine.md\n  url: https://example.fr/piscine\n"
        "  commune: Orsay\n  date: 2024-05-01\n  licence: Licence Ouverte 2.0\n"
        "- id: dechets\n  path: dechets.html\n  commune: Massy\n  title: Guide du tri\n",
        encoding="utf-8",
    )
    return folder


def run(folder: Path, index: QdrantIndex, embedder: Any) -> dict[str, Any]:
    report = ingest([folder], index, embedder, FrenchBM25Encoder(), OPTIONS, max_file_bytes=10**7)
    return report.as_dict()


def retriever(index: QdrantIndex, embedder: Any) -> HybridRetriever:
    return HybridRetriever(index, embedder, FrenchBM25Encoder(), RetrievalOptions(limit=3))


@pytest.fixture
def index(tmp_path: Path, small_embedder: Any) -> Any:
    settings = Settings(data_dir=tmp_path / "data")
    opened = QdrantIndex.open(settings, small_embedder.name, small_embedder.dimension)
    yield opened
    opened.close()


def test_first_ingestion_reports_every_file(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    summary = run(make_folder(tmp_path / "docs"), index, small_embedder)
    assert summary["documents"] == 6
    assert summary["added"] == 6
    assert summary["updated"] == summary["removed"] == summary["unchanged"] == 0
    assert summary["chunks"] == index.count() >= 6
    failed = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    assert set(failed) == {"scan.pdf", "vide.txt"}
    assert "PDF" in failed["scan.pdf"] and "no text" in failed["vide.txt"]
    assert set(index.documents()) == {
        "piscine",
        "dechets",
        "transport",
        "eau",
        "bibliotheque",
        "conseil",
    }


def test_metadata_pages_and_headings_reach_the_results(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    run(make_folder(tmp_path / "docs"), index, small_embedder)
    search = retriever(index, small_embedder)
    top = search.search("bus Massy Saclay")[0].chunk
    assert (top.source.source_id, top.page) == ("transport", 1)
    bikes = search.search("vélos libre-service stations")[0].chunk
    assert (bikes.source.source_id, bikes.page) == ("transport", 2)
    pool = search.search("prix du ticket piscine")[0].chunk
    assert pool.source.source_id == "piscine"
    assert (pool.source.url, pool.source.commune, pool.source.date) == (
        "https://example.fr/piscine", "Orsay", "2024-05-01",
    )  # fmt: skip
    assert pool.source.title == "Piscine intercommunale"
    waste = search.search("bac jaune emballages")[0].chunk
    assert waste.source.title == "Guide du tri"  # the manifest's title wins
    assert "Bac jaune" in waste.headings or "Bac jaune" in waste.text


def test_reingestion_is_incremental(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    folder = make_folder(tmp_path / "docs")
    run(folder, index, small_embedder)
    again = run(folder, index, small_embedder)
    assert (again["unchanged"], again["added"], again["updated"], again["removed"]) == (6, 0, 0, 0)

    write_markdown(folder / "piscine.md", "Piscine intercommunale", {
        "Horaires": "La piscine est fermée pour travaux jusqu'en septembre.",
    })  # fmt: skip
    (folder / "eau.docx").unlink()
    (folder / "notes" / "conseil.txt").unlink()
    write_markdown(folder / "marche.md", "Marché", {"Jours": "Le marché a lieu le samedi matin."})
    changed = run(folder, index, small_embedder)
    assert (changed["added"], changed["updated"], changed["removed"], changed["unchanged"]) == (
        1,
        1,
        2,
        3,
    )
    assert set(index.documents()) == {"piscine", "dechets", "transport", "bibliotheque", "marche"}
    passages = retriever(index, small_embedder).search("piscine fermée travaux")
    assert "fermée pour travaux" in passages[0].chunk.text
    assert all("10 h à 19 h" not in p.chunk.text for p in passages)


def test_a_corrupt_update_keeps_the_indexed_version(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    folder = make_folder(tmp_path / "docs")
    run(folder, index, small_embedder)
    before = index.documents()["transport"]
    (folder / "transport.pdf").write_bytes(b"%PDF truncated during upload")
    summary = run(folder, index, small_embedder)
    assert [Path(f["path"]).name for f in summary["failed"]].count("transport.pdf") == 1
    assert summary["removed"] == 0
    assert index.documents()["transport"] == before


def test_other_folders_are_left_alone(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    run(make_folder(tmp_path / "docs"), index, small_embedder)
    other = tmp_path / "other"
    other.mkdir()
    write_markdown(other / "voirie.md", "Voirie", {"Travaux": "La rue principale est en travaux."})
    summary = run(other, index, small_embedder)
    assert (summary["added"], summary["removed"]) == (1, 0)
    assert len(index.documents()) == 7


def test_duplicate_ids_and_missing_paths_are_reported(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    folder = tmp_path / "dup"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "a" / "note.md").write_text("# A\n\nPremier texte.\n")
    (folder / "b" / "note.md").write_text("# B\n\nSecond texte.\n")
    report = ingest(
        [folder, tmp_path / "absent"], index, small_embedder, FrenchBM25Encoder(), OPTIONS, 10**7
    )
    errors = " ".join(f["error"] for f in report.failed)
    assert report.added == 1
    assert "already used" in errors and "no such file or folder" in errors


def test_oversized_files_are_refused(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "big.txt").write_text("mot " * 5000)
    report = ingest(
        [folder], index, small_embedder, FrenchBM25Encoder(), OPTIONS, max_file_bytes=1000
    )
    assert report.added == 0 and "limit" in report.failed[0]["error"]


def test_filters_by_commune_and_source(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    from chatbot.domain import SearchFilters

    run(make_folder(tmp_path / "docs"), index, small_embedder)
    search = retriever(index, small_embedder)
    only_massy = search.search("horaires", limit=10, filters=SearchFilters(communes=("Massy",)))
    assert only_massy and {p.chunk.source.source_id for p in only_massy} == {"dechets"}
    only_eau = search.search("horaires", limit=10, filters=SearchFilters(source_ids=("eau",)))
    assert only_eau and {p.chunk.source.source_id for p in only_eau} == {"eau"}


def test_embedded_index_persists_and_is_locked(tmp_path: Path, small_embedder: Any) -> None:
    from chatbot.retrieval.index import IndexUnavailableError

    settings = Settings(data_dir=tmp_path / "data")
    first = QdrantIndex.open(settings, small_embedder.name, small_embedder.dimension)
    run(make_folder(tmp_path / "docs"), first, small_embedder)
    with pytest.raises(IndexUnavailableError, match="in use by another process"):
        QdrantIndex.open(settings, small_embedder.name, small_embedder.dimension)
    first.close()
    reopened = QdrantIndex.open(settings, small_embedder.name, small_embedder.dimension)
    assert len(reopened.documents()) == 6
    reopened.close()


def test_copy_of_folder_is_reindexed_under_its_new_path(
    tmp_path: Path, index: QdrantIndex, small_embedder: Any
) -> None:
    folder = make_folder(tmp_path / "docs")
    run(folder, index, small_embedder)
    moved = tmp_path / "moved"
    shutil.move(folder, moved)
    summary = run(moved, index, small_embedder)
    assert summary["updated"] == 6
    assert all(doc.path.startswith(str(moved)) for doc in index.documents().values())
