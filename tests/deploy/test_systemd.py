"""deploy/systemd: the units parse (`systemd-analyze verify` where systemd is installed; skipped
otherwise) and keep the hardening they promise; the timers start their services."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
TIMERS = sorted(UNITS.glob("*.timer"))
HARDENING = {
    "User": "guichet",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}


def parse(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text())
    return parser


def test_there_are_units_for_the_api_the_model_and_each_job() -> None:
    names = {p.name for p in SERVICES + TIMERS}
    assert {"guichet.service", "guichet-inference.service"} <= names
    for job in ("crawl", "purge", "backup"):
        assert {f"guichet-{job}.service", f"guichet-{job}.timer"} <= names


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_each_service_is_hardened(path: Path) -> None:
    service = parse(path)["Service"]
    for key, value in HARDENING.items():
        assert service.get(key) == value, f"{path.name}: {key}"
    assert "/var/lib/guichet" in service["ReadWritePaths"].split()
    assert service["ExecStart"].startswith("/opt/guichet/venv/bin/")
    assert service["EnvironmentFile"] == "/etc/guichet/guichet.env"


@pytest.mark.parametrize("path", TIMERS, ids=lambda p: p.name)
def test_each_timer_starts_its_service_and_catches_up(path: Path) -> None:
    timer = parse(path)["Timer"]
    assert timer["Unit"] == path.name.replace(".timer", ".service")
    assert (UNITS / timer["Unit"]).is_file() and timer["Persistent"] == "true"
    assert timer["OnCalendar"]


def test_the_crawl_job_runs_only_against_a_qdrant_server() -> None:
    service = parse(UNITS / "guichet-crawl.service")["Service"]
    assert "GUICHET_QDRANT_URL" in service["ExecCondition"]


@pytest.fixture(scope="module")
def installed_units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units as installed, pointed at this checkout's environment (which exists here)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (no systemd on this machine)")
    folder = tmp_path_factory.mktemp("units")
    bin_dir = str(Path(sys.executable).parent) + "/"
    for unit in SERVICES + TIMERS:
        text = unit.read_text().replace("/opt/guichet/venv/bin/", bin_dir)
        text = text.replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/")
        (folder / unit.name).write_text(text)
    return folder


def test_systemd_analyze_verifies_every_unit(installed_units: Path) -> None:
    names = sorted(p.name for p in installed_units.iterdir())
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *names],
                            cwd=installed_units, capture_output=True, text=True, check=False)  # fmt: skip
    problems = [
        line for line in (result.stdout + result.stderr).splitlines()
        if "guichet" in line and ("Unknown" in line or "Failed" in line or "ignoring" in line)
    ]  # fmt: skip
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_systemd_rates_the_api_unit_well_exposed(installed_units: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--threshold=30", "guichet.service"],
        cwd=installed_units, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if "--offline" in result.stderr:
        pytest.skip("this systemd-analyze has no offline security report")
    assert result.returncode == 0, result.stdout[-2000:]  # exposure at most 3.0 of 10
