"""The Green Algorithms estimate and the RAPL reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.energy import EnergyConstants, estimate, measured, rapl_available, rapl_joules


def test_estimate_follows_the_green_algorithms_formula() -> None:
    constants = EnergyConstants(core_watts=12, core_usage=1, memory_watts_per_gb=0.3725,
                                pue=1.67, carbon_intensity=52)  # fmt: skip
    result = estimate(3600, cores=2, memory_gb=4, constants=constants)
    watts = 2 * 12 + 4 * 0.3725
    assert result.wh == pytest.approx(watts * 1.67)
    assert result.gco2e == pytest.approx(watts * 1.67 / 1000 * 52)
    assert result.method == "green-algorithms"


def test_estimate_scales_with_time_and_is_zero_for_no_time() -> None:
    assert estimate(0, 2, 4).wh == 0
    assert estimate(20, 2, 4).wh == pytest.approx(2 * estimate(10, 2, 4).wh)


def test_estimate_refuses_negative_inputs() -> None:
    with pytest.raises(ValueError):
        estimate(-1, 2, 4)


def test_measured_applies_the_pue() -> None:
    result = measured(3600, EnergyConstants(pue=1.5, carbon_intensity=100))
    assert result.wh == pytest.approx(1.5)
    assert result.gco2e == pytest.approx(0.15)
    assert result.method == "rapl"


def test_rapl_reader(tmp_path: Path) -> None:
    assert not rapl_available(tmp_path / "absent")
    assert rapl_joules(tmp_path) is None
    package = tmp_path / "intel-rapl:0"
    package.mkdir()
    (package / "energy_uj").write_text("2500000\n")
    subzone = tmp_path / "intel-rapl:0:0"
    subzone.mkdir()
    (subzone / "energy_uj").write_text("1000000\n")
    assert rapl_available(tmp_path)
    assert rapl_joules(tmp_path) == pytest.approx(2.5)
