"""`guichet backup` and `guichet restore`: back up, wipe, restore, and get the same counts, the
same access-log chain and the same answer to a question (small models, greedy generation)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from qdrant_client import QdrantClient
from sqlalchemy import text
from typer.testing import CliRunner

from chatbot.cli.main import app
from chatbot.domain import GuichetError
from chatbot.privacy.redaction import Redactor
from chatbot.settings import Settings
from chatbot.store.backup import BackupError, inventory, restore, verify
from chatbot.store.database import open_engine
from chatbot.wiring import build_search_services, build_services, build_storage
from ingestion.pipeline import ChunkingOptions, ingest
from tests.conftest import CORPUS, require_models

pytestmark = pytest.mark.integration
QUESTION = "Quels sont les horaires de la médiathèque ?"


def _env(settings: Settings) -> dict[str, str]:
    env = {
        "GUICHET_DATA_DIR": str(settings.data_dir),
        "GUICHET_MODELS_DIR": str(settings.resolved_models_dir),
        "GUICHET_MODEL_PROFILE": settings.model_profile,
    }
    if settings.database_url:
        env["GUICHET_DATABASE_URL"] = settings.database_url
    return env


def _settings(data: Path, models_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(
        data_dir=data, models_dir=models_dir, model_profile="small", database_url=database_url,
        temperature=0.0, max_answer_tokens=24, redact_person_names=False,
    )  # fmt: skip


def _answer(settings: Settings) -> tuple[Any, ...]:
    """One question answered by freshly built services: text, passages and model sentences."""
    with build_services(settings) as services:
        answered = services.conversations.answer(services.conversations.open(QUESTION))
        answer = answered.answer
        chunks = services.search.index.count()
    retrieved = tuple(p.chunk.chunk_id for p in answer.retrieved)
    return answer.text, retrieved, repr(answer.verdicts), chunks


def _populate(settings: Settings) -> None:
    with build_search_services(settings) as search:
        ingest([CORPUS], search.index, search.embedder, search.encoder,
               ChunkingOptions(1000, 150), 10**7)  # fmt: skip
    storage = build_storage(settings, redactor=Redactor())
    try:
        storage.staff.add("a.martin", "auditor")
        for n in range(3):
            storage.access_log.append("a.martin", "auditor", "list_answers", f"page-{n}", {"n": n})
    finally:
        storage.close()


@pytest.fixture
def installation(tmp_path: Path, models_dir: Path) -> Settings:
    require_models(models_dir, "small")
    settings = _settings(tmp_path / "data", models_dir)
    _populate(settings)
    return settings


def test_backup_wipe_restore_gives_the_same_installation(
    installation: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The prompt carries a random canary per pipeline: fixed here, so that the same index and
    # the same model with greedy decoding must give the very same answer.
    monkeypatch.setattr("chatbot.answering.pipeline.new_canary", lambda: "canary-backup-test")
    before_answer = _answer(installation)  # also records one answer and one session
    for key, value in _env(installation).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    result = runner.invoke(app, ["backup", str(tmp_path / "backups"), "--dated", "--json"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    folder = Path(manifest["path"])
    check = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder, check=False)
    assert check.returncode == 0  # the checksums can be checked with standard tools
    assert manifest["index"]["kind"] == "embedded" and manifest["secret"] == "secrets/session.key"
    assert manifest["rows"]["answers"] == 1 and manifest["rows"]["staff_users"] == 1
    assert manifest["access_log"]["intact"] and manifest["access_log"]["entries"] == 4  # + backup
    secret = installation.resolved_secret_file.read_bytes()

    shutil.rmtree(installation.data_dir)  # the disk is lost

    result = runner.invoke(app, ["restore", str(folder), "--yes", "--json"])
    assert result.exit_code == 0, result.output
    restored = json.loads(result.stdout)["restored"]
    rows = manifest["rows"]
    assert restored["rows"] == {**rows, "access_log": rows["access_log"] + 1}  # + the restore
    chain = restored["access_log"]
    assert chain["intact"] and chain["entries"] == manifest["access_log"]["entries"] + 1
    assert installation.resolved_secret_file.read_bytes() == secret
    assert oct(installation.resolved_secret_file.stat().st_mode & 0o777) == "0o600"
    engine = open_engine(installation.resolved_database_url)
    with engine.connect() as db:  # the chain continues from the backed-up entries
        hashes = [
            row[0] for row in db.execute(text("SELECT entry_hash FROM access_log ORDER BY id"))
        ]
    engine.dispose()
    assert hashes[-2] == manifest["access_log"]["last_hash"]
    assert _answer(installation) == before_answer  # same index, same model: the same answer


def test_an_altered_backup_is_refused(installation: Settings, tmp_path: Path) -> None:
    from chatbot.store.backup import backup

    folder = tmp_path / "backup"
    backup(installation, folder, "test")
    with (folder / "database.sqlite").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(BackupError, match=r"altérée.*database\.sqlite"):
        verify(folder)
    (folder / "index" / "meta.json").unlink()
    with pytest.raises(BackupError):
        restore(installation, folder, "test")


def test_restore_waits_for_the_service_to_stop(installation: Settings, tmp_path: Path) -> None:
    from chatbot.store.backup import backup

    folder = tmp_path / "backup"
    backup(installation, folder, "test")  # taken while nothing runs; works while it runs too
    running = QdrantClient(path=str(installation.qdrant_path))  # what `guichet serve` holds
    try:
        with pytest.raises(GuichetError, match="Arrêtez-le"):
            restore(installation, folder, "test")
        second = tmp_path / "while-serving"
        assert backup(installation, second, "test")["index"]["collections"]
    finally:
        running.close()


def test_a_backup_goes_into_a_new_folder_only(installation: Settings, tmp_path: Path) -> None:
    from chatbot.store.backup import backup

    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x")
    with pytest.raises(BackupError, match="pas vide"):
        backup(installation, tmp_path / "used", "test")


def test_postgresql_backup_and_restore(postgres: object, tmp_path: Path, models_dir: Path) -> None:
    require_models(models_dir, "small")
    url = postgres.create_database("backup_source")  # type: ignore[attr-defined]
    settings = _settings(tmp_path / "data", models_dir, database_url=url)
    _populate(settings)
    folder = tmp_path / "backup"
    from chatbot.store.backup import backup

    manifest = backup(settings, folder, "test")
    assert manifest["database"] == {"kind": "postgresql", "file": "database.dump"}
    engine = open_engine(url)
    with engine.begin() as db:  # wipe: every table, trigger and the migration marker
        db.execute(text("DROP SCHEMA public CASCADE"))
        db.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    shutil.rmtree(settings.qdrant_path)
    state = restore(settings, folder, "test")
    rows = manifest["rows"]
    assert state["rows"] == {**rows, "access_log": rows["access_log"] + 1}
    assert state["access_log"]["intact"]
    assert state["access_log"]["entries"] == manifest["access_log"]["entries"] + 1
    engine = open_engine(url)
    assert inventory(engine)["rows"]["staff_users"] == 1
    engine.dispose()
    with build_search_services(settings) as search:
        assert search.index.count() == sum(manifest["index"]["collections"].values())


def test_an_embedded_backup_restores_into_a_qdrant_server(
    installation: Settings, tmp_path: Path
) -> None:
    """From one host to a cluster: the embedded index's copy is uploaded to a server (here the
    test stand-in speaking Qdrant's REST API, tests/deploy/qdrant_shim.py)."""
    from chatbot.retrieval.collections import promote
    from chatbot.retrieval.index import open_client
    from chatbot.store.backup import backup
    from tests.deploy.qdrant_shim import running_shim

    client = QdrantClient(path=str(installation.qdrant_path))
    name = client.get_collections().collections[0].name
    promote(client, installation.collection, name)
    client.close()
    manifest = backup(installation, tmp_path / "backup", "test")
    with running_shim() as url:
        server = installation.model_copy(update={"qdrant_url": url})
        restore(server, tmp_path / "backup", "test")
        remote = open_client(server)
        try:
            assert (
                int(remote.count(name, exact=True).count) == manifest["index"]["collections"][name]
            )
            assert {a.alias_name: a.collection_name for a in remote.get_aliases().aliases} == {
                "guichet": name
            }
        finally:
            remote.close()
