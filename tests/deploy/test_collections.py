"""Changing the embedder: the new collection is built beside the served one, which keeps serving
until the new one holds every document and is promoted (the Qdrant alias moves atomically)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatbot.cli.main import app
from chatbot.cli.operations import check_serving, configured_collection
from chatbot.domain import GuichetError
from chatbot.models import MINILM_L6
from chatbot.retrieval.collections import IndexOperationError, aliases, promote
from chatbot.retrieval.index import open_client
from chatbot.settings import Settings
from chatbot.wiring import build_search_services
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, require_models

pytestmark = pytest.mark.integration


def _ingest(settings: Settings, folder: Path) -> int:
    with build_search_services(settings) as search:
        ingest([folder], search.index, search.embedder, search.encoder,
               ChunkingOptions(1000, 150), 10**7)  # fmt: skip
        return search.index.count()


def _promote(settings: Settings, force: bool = False) -> str:
    client = open_client(settings)
    try:
        return promote(client, settings.collection, configured_collection(settings), force).current
    finally:
        client.close()


def test_a_new_embedder_serves_only_once_its_collection_is_complete(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_models(models_dir, "small")
    data = tmp_path / "data"
    old = Settings(data_dir=data, models_dir=models_dir, model_profile="small")
    # "A new embedder": the same weights under another name, so another collection.
    (tmp_path / "minilm-v2").symlink_to(models_dir / MINILM_L6.target)
    new = Settings(data_dir=data, models_dir=models_dir, model_profile="small",
                   embedder_path=tmp_path / "minilm-v2")  # fmt: skip
    assert configured_collection(new) != configured_collection(old)

    served_chunks = _ingest(old, CORPUS)
    assert _promote(old) == configured_collection(old)
    check_serving(old)

    partial = tmp_path / "partial"
    shutil.copytree(CORPUS, partial)
    for name in ("strategie-ia.md", "projets-ia.html", "gouvernance-ia.md"):
        (partial / name).unlink()
    assert 0 < _ingest(new, partial) < served_chunks  # interrupted half-way

    with pytest.raises(GuichetError, match="n'est pas celle en service"):
        check_serving(new)  # a worker restarted with the new embedder refuses to start...
    monkeypatch.setenv("GUICHET_DATA_DIR", str(data))
    monkeypatch.setenv("GUICHET_MODEL_PROFILE", "small")
    monkeypatch.setenv("GUICHET_EMBEDDER_PATH", str(tmp_path / "minilm-v2"))
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("served an unpromoted index"))
    refused = CliRunner().invoke(app, ["serve"])
    assert refused.exit_code == 2 and "guichet index promote" in " ".join(refused.output.split())
    with pytest.raises(IndexOperationError, match="incomplète"):
        _promote(new)  # ...and the new collection cannot be promoted yet
    check_serving(old)  # while the old one goes on serving, untouched
    with build_search_services(old) as search:
        assert search.index.count() == served_chunks
        assert search.retriever.search("Comment joindre un agent ?", 3, None)

    _ingest(new, CORPUS)  # completed
    assert _promote(new) == configured_collection(new)
    assert aliases(new) == {"guichet": configured_collection(new)}
    check_serving(new)
    with pytest.raises(GuichetError):
        check_serving(old)
    assert _promote(old) == configured_collection(old)  # going back is one promotion away


def test_without_a_promotion_the_configured_collection_serves(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, model_profile="small")
    assert aliases(settings) == {}
    check_serving(settings)  # development: nothing promoted, nothing refused
