"""`guichet migrate`: the schema brought up to date once, and on PostgreSQL one process at a time
(pods starting together wait on an advisory lock instead of racing)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chatbot.cli.main import app
from chatbot.cli.operations import migrate_database
from chatbot.settings import Settings
from chatbot.store.database import open_engine, schema_version


def _head(tmp_path: Path) -> str | None:
    engine = open_engine(f"sqlite:///{tmp_path / 'head.db'}")
    try:
        return schema_version(engine)
    finally:
        engine.dispose()


def test_migrate_creates_then_finds_the_schema_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    first = runner.invoke(app, ["migrate", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"before": None, "after": _head(tmp_path)}
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0 and "déjà à jour" in again.stdout


@pytest.mark.integration
def test_concurrent_migrations_on_postgresql_do_not_race(postgres: object, tmp_path: Path) -> None:
    url = postgres.create_database("migrate_race")  # type: ignore[attr-defined]
    settings = Settings(data_dir=tmp_path, database_url=url)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: migrate_database(settings), range(3)))
    head = _head(tmp_path)
    assert sorted(results, key=str) == sorted([(None, head), (head, head), (head, head)], key=str)
