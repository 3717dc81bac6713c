"""The `guichet` command, run as a user would, on the demo corpus with the small models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, require_models

pytestmark = pytest.mark.integration
GUICHET = [sys.executable, "-m", "chatbot"]


def guichet(
    *args: str, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*GUICHET, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"guichet {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> dict[str, str]:
    require_models(models_dir, "small")
    data = tmp_path_factory.mktemp("cli-data")
    return {**os.environ, "GUICHET_DATA_DIR": str(data), "GUICHET_MODELS_DIR": str(models_dir),
            "GUICHET_MODEL_PROFILE": "small"}  # fmt: skip


@pytest.fixture(scope="module")
def ingested(env: dict[str, str]) -> dict[str, object]:
    summary: dict[str, object] = json.loads(
        guichet("ingest", str(CORPUS), "--json", env=env).stdout
    )
    return summary


def test_ingest_json_summary(ingested: dict[str, object]) -> None:
    assert set(ingested) == {
        "documents",
        "chunks",
        "added",
        "updated",
        "removed",
        "unchanged",
        "failed",
        "seconds",
    }
    assert ingested["documents"] == ingested["added"] == 7
    assert ingested["failed"] == []


def test_search_json(env: dict[str, str], ingested: dict[str, object]) -> None:
    out = guichet(
        "search",
        "Comment joindre le délégué à la protection des données ?",
        "--limit",
        "3",
        "--json",
        env=env,
    )
    results = json.loads(out.stdout)
    assert len(results) == 3
    assert {"source_id", "title", "url", "page", "score", "text"} <= set(results[0])
    assert results[0]["score"] >= results[-1]["score"]


def test_search_questions_file(
    env: dict[str, str], ingested: dict[str, object], tmp_path: Path
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "Qui a rendu un avis sur la stratégie IA ?", "id": 1}\n\n'
        '{"question": "Guichet garde-t-il mon adresse IP ?"}\n',
        encoding="utf-8",
    )
    lines = guichet(
        "search", "--questions", str(questions), "--limit", "2", "--json", env=env
    ).stdout.splitlines()
    assert len(lines) == 2
    assert all(len(json.loads(line)) == 2 for line in lines)


def test_search_human_output(env: dict[str, str], ingested: dict[str, object]) -> None:
    out = guichet("search", "confidentialité des conversations", env=env).stdout
    assert out.startswith("1. ")


def test_config_prints_every_setting(env: dict[str, str]) -> None:
    config = json.loads(guichet("config", "--json", env=env).stdout)
    assert config["model_profile"] == "small"
    assert "chunk_size" in config and "qdrant_url" in config
    assert "GUICHET_DATA_DIR" in guichet("config", env=env).stdout


def test_errors_are_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    missing = guichet("search", "x", env={**env, "GUICHET_MODELS_DIR": str(tmp_path)}, check=False)
    assert missing.returncode == 2
    assert "guichet models pull --profile small" in missing.stderr
    assert "Traceback" not in missing.stderr

    bad = guichet("ingest", str(CORPUS), env={**env, "GUICHET_CHUNK_SIZE": "ten"}, check=False)
    assert bad.returncode == 2 and "GUICHET_CHUNK_SIZE" in bad.stderr

    unreachable = guichet(
        "search", "x", env={**env, "GUICHET_QDRANT_URL": "http://127.0.0.1:9"}, check=False
    )
    assert unreachable.returncode == 2 and "Cannot reach Qdrant" in unreachable.stderr

    usage = guichet("search", env=env, check=False)
    assert usage.returncode == 2 and "QUESTION" in usage.stderr

    bad_lines = tmp_path / "bad.jsonl"
    bad_lines.write_text("not json\n")
    malformed = guichet("search", "--questions", str(bad_lines), env=env, check=False)
    assert malformed.returncode == 2 and "line 1" in malformed.stderr


def test_ask_json_and_follow_up(env: dict[str, str], ingested: dict[str, object]) -> None:
    fast = {**env, "GUICHET_MAX_ANSWER_TOKENS": "24", "GUICHET_RELEVANCE_THRESHOLD": "0"}
    first = json.loads(guichet("ask", "Qu'est-ce que Guichet ?", "--json", env=fast).stdout)
    assert {"session_id", "answer", "language", "abstained", "citations", "timings"} <= set(first)
    assert first["passages"] and first["tokens"] > 0
    follow = guichet(
        "ask", "Et ses limites ?", "--session", first["session_id"], "--json", env=fast
    )
    assert json.loads(follow.stdout)["session_id"] == first["session_id"]
    unknown = guichet("ask", "Bonjour", "--session", "nope", env=fast, check=False)
    assert unknown.returncode == 2 and "nouvelle conversation" in unknown.stderr


def test_residents_rights_staff_accounts_and_purge_from_the_command_line(
    env: dict[str, str], ingested: dict[str, object]
) -> None:
    fast = {**env, "GUICHET_MAX_ANSWER_TOKENS": "24", "GUICHET_RELEVANCE_THRESHOLD": "0"}
    asked = json.loads(guichet("ask", "Mon mail est z.k@example.org, qui est le DPO ?", "--json",
                               env=fast).stdout)  # fmt: skip
    session = asked["session_id"]
    exported = json.loads(guichet("export", session, env=env).stdout)
    assert exported["exchanges"][0]["question"] == "Mon mail est [COURRIEL], qui est le DPO ?"

    token = guichet("users", "add", "c.auditrice", "--role", "auditor", env=env).stdout.strip()
    assert token.startswith("gch_")
    duplicate = guichet("users", "add", "c.auditrice", env=env, check=False)
    assert duplicate.returncode == 2 and "existe déjà" in duplicate.stderr
    assert json.loads(guichet("users", "list", "--json", env=env).stdout)[0]["role"] == "auditor"
    guichet("users", "revoke", "c.auditrice", env=env)

    preview = json.loads(guichet("purge", "--dry-run", "--json", env=env).stdout)
    assert preview["dry_run"] and preview["answers_stripped"] == 0
    short = {**env, "GUICHET_CONVERSATION_RETENTION_DAYS": "1", "GUICHET_AUDIT_RETENTION_DAYS": "1"}
    assert "0 answers were stripped" in guichet("purge", env=short).stdout

    assert "Erased" in guichet("erase", session, "--yes", env=env).stdout
    again = guichet("erase", session, "--yes", env=env, check=False)
    assert again.returncode == 2 and "inconnue" in again.stderr
    log = guichet("access-log", env=env).stdout
    assert "export_session" in log and "erase_session" in log
    assert "intègre" in guichet("access-log", "--verify", env=env).stdout
