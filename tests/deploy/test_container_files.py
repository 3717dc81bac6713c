"""The image's files, checked without building it (`make image-test` builds and runs it):
the Containerfiles' promises, the entry point's secrets from files, the job loop, the CPU levels."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
import llama_cmake_args  # noqa: E402


@pytest.mark.parametrize("name", ["Containerfile", "Containerfile.cuda"])
def test_the_containerfile_is_multi_stage_non_root_and_checked(name: str) -> None:
    text = (DEPLOY / name).read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, flags=re.M)
    assert stages == ["builder", "models", "runtime"]
    assert re.search(r"^USER 10001:10001$", text, flags=re.M)
    assert "guichet models pull" in text  # fetched and checked against the pinned sha256
    assert re.search(r"^HEALTHCHECK .*\n.*guichet-healthcheck", text, flags=re.M)
    assert re.search(r"^ENTRYPOINT \[\"/usr/local/bin/guichet-entrypoint\"\]$", text, flags=re.M)
    runtime = text[text.index("AS runtime") :]
    assert "build-essential" not in runtime and "python3-dev" not in runtime


def test_the_cpu_image_takes_its_base_and_cpu_level_as_build_arguments() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    assert "ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim" in text
    assert "ARG LLAMA_CPU_LEVEL=x86-64-v3" in text
    assert '--level "${LLAMA_CPU_LEVEL}"' in text


def test_the_build_context_holds_only_what_the_image_needs() -> None:
    ignore = (DEPLOY / "Containerfile.dockerignore").read_text().split()
    assert ignore[ignore.index("*")] == "*"
    copied = re.findall(
        r"^COPY (?!--from)(\S+)", (DEPLOY / "Containerfile").read_text(), flags=re.M
    )
    for path in copied:
        assert any(path == entry[1:] or path.startswith(entry[1:] + "/") for entry in ignore
                   if entry.startswith("!")), path  # fmt: skip


@pytest.mark.parametrize(
    ("level", "on", "off"),
    [
        ("x86-64-v2", set(), {"GGML_AVX", "GGML_AVX2", "GGML_AVX512"}),
        ("x86-64-v3", {"GGML_AVX", "GGML_AVX2", "GGML_FMA", "GGML_F16C"}, {"GGML_AVX512"}),
        ("x86-64-v4", {"GGML_AVX2", "GGML_AVX512"}, {"GGML_AVX512_BF16"}),
    ],
)
def test_cpu_levels_are_portable_and_never_use_amx(level: str, on: set[str], off: set[str]) -> None:
    args = llama_cmake_args.cmake_args(llama_cmake_args.level_flags(level)).split()
    values = dict(arg.removeprefix("-D").split("=") for arg in args)
    assert values["GGML_NATIVE"] == "OFF" and values["GGML_AMX_INT8"] == "OFF"
    assert all(values[o] == "ON" for o in on) and all(values[o] == "OFF" for o in off)


def test_the_default_stays_this_cpu_for_install_sh() -> None:
    script = DEPLOY / "llama_cmake_args.py"
    plain = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True)
    native = subprocess.run([sys.executable, script, "--level", "native"], capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert plain.stdout == native.stdout
    bad = subprocess.run([sys.executable, script, "--level", "pentium"], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert bad.returncode != 0 and "unknown CPU level" in bad.stderr


def test_the_entrypoint_reads_secrets_from_files(tmp_path: Path) -> None:
    (tmp_path / "url").write_text("postgresql+psycopg://guichet:s3cret@db/guichet")
    env = {"PATH": os.environ["PATH"], "GUICHET_DATABASE_URL_FILE": str(tmp_path / "url"),
           "GUICHET_SESSION_SECRET_FILE": "/run/secrets/session"}  # fmt: skip
    result = subprocess.run([DEPLOY / "container" / "entrypoint.sh", "env"], env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    lines = result.stdout.splitlines()
    assert "GUICHET_DATABASE_URL=postgresql+psycopg://guichet:s3cret@db/guichet" in lines
    assert not [line for line in lines if line.startswith("GUICHET_DATABASE_URL_FILE=")]
    assert "GUICHET_SESSION_SECRET_FILE=/run/secrets/session" in lines  # a setting of its own
    env["GUICHET_QDRANT_API_KEY_FILE"] = str(tmp_path / "missing")
    failed = subprocess.run([DEPLOY / "container" / "entrypoint.sh", "true"], env=env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert failed.returncode == 1 and "GUICHET_QDRANT_API_KEY_FILE" in failed.stderr


def test_the_job_loop_runs_the_command_and_reports_failures(tmp_path: Path) -> None:
    marker = tmp_path / "runs"
    script = DEPLOY / "container" / "every.sh"
    process = subprocess.Popen(["sh", script, "1s", "sh", "-c", f"echo x >> {marker}; exit 3"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        _, errors = process.communicate(timeout=2.5)
    except subprocess.TimeoutExpired:
        process.terminate()
        _, errors = process.communicate(timeout=5)
    assert marker.read_text().count("x") >= 2
    assert "échec (code 3)" in errors
    assert process.returncode == 0  # SIGTERM ends the loop cleanly
