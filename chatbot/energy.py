"""Energy and emissions of a computation by the Green Algorithms method (an estimate).

    energy (Wh) = hours x (cores x W per core x usage + memory GB x W per GB) x PUE
    emissions (gCO2e) = energy (kWh) x carbon intensity (gCO2e/kWh)

Lannelongue, Grealey & Inouye, "Green Algorithms: Quantifying the Carbon Footprint of
Computation", Advanced Science 8 (2021) 2100707, https://doi.org/10.1002/advs.202100707.
Defaults (every one a setting): 12 W per core (the calculator's "Any" CPU, TDP per core),
0.3725 W/GB of memory, PUE 1.67, and France's grid at 52 gCO2e/kWh.

`measured_watts` reads RAPL (/sys/class/powercap) where the host exposes it, for a measured figure
beside the estimate; virtual machines usually do not, and then only the estimate exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

METHOD = "green-algorithms"
RAPL_ROOT = Path("/sys/class/powercap")


@dataclass(frozen=True)
class EnergyConstants:
    """The Green Algorithms constants; see the `energy_*` settings."""

    core_watts: float = 12.0
    core_usage: float = 1.0
    memory_watts_per_gb: float = 0.3725
    pue: float = 1.67
    carbon_intensity: float = 52.0  # gCO2e per kWh


@dataclass(frozen=True)
class EnergyEstimate:
    """Energy in Wh, emissions in gCO2e, and how they were obtained."""

    wh: float
    gco2e: float
    method: str


def estimate(
    seconds: float,
    cores: float,
    memory_gb: float,
    constants: EnergyConstants | None = None,
) -> EnergyEstimate:
    """Energy and emissions of `seconds` of run time on `cores` cores holding `memory_gb`."""
    if seconds < 0 or cores < 0 or memory_gb < 0:
        raise ValueError("seconds, cores and memory_gb must not be negative")
    c = constants or EnergyConstants()
    watts = cores * c.core_watts * c.core_usage + memory_gb * c.memory_watts_per_gb
    wh = seconds / 3600 * watts * c.pue
    return EnergyEstimate(wh=wh, gco2e=wh / 1000 * c.carbon_intensity, method=METHOD)


def process_memory_gb(status: Path = Path("/proc/self/status")) -> float:
    """Resident memory of this process in GB (0 where /proc is unreadable)."""
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0
    return 0.0


class EnergyMeter:
    """The estimate for one answer: its run time on the model's cores, with the memory the
    process holds at that moment (a shared model counts in full for each answer: an upper bound
    when several answers overlap)."""

    def __init__(
        self,
        constants: EnergyConstants,
        cores: int,
        memory_gb: Callable[[], float] = process_memory_gb,
    ) -> None:
        self.constants = constants
        self.cores = cores
        self._memory_gb = memory_gb

    def for_seconds(self, seconds: float) -> EnergyEstimate:
        """Energy and emissions of `seconds` of answering."""
        return estimate(max(0.0, seconds), self.cores, self._memory_gb(), self.constants)


def measured(joules: float, constants: EnergyConstants | None = None) -> EnergyEstimate:
    """A measured energy (RAPL, NVML) turned into the same record, with the PUE applied."""
    c = constants or EnergyConstants()
    wh = joules / 3600 * c.pue
    return EnergyEstimate(wh=wh, gco2e=wh / 1000 * c.carbon_intensity, method="rapl")


def rapl_available(root: Path = RAPL_ROOT) -> bool:
    """Whether the host exposes a readable RAPL package counter."""
    return any(_rapl_files(root))


def _rapl_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    files = sorted(root.glob("intel-rapl:*/energy_uj"))
    return [f for f in files if f.parent.name.count(":") == 1 and _readable(f)]


def _readable(path: Path) -> bool:
    try:
        int(path.read_text().strip())
    except (OSError, ValueError):
        return False
    return True


def rapl_joules(root: Path = RAPL_ROOT) -> float | None:
    """The sum of the package counters in joules, or None without RAPL (wrap-around ignored)."""
    files = _rapl_files(root)
    if not files:
        return None
    return sum(int(f.read_text().strip()) for f in files) / 1e6


def measured_watts(seconds: float = 1.0, root: Path = RAPL_ROOT) -> float | None:
    """Mean package power over `seconds`, or None where the host has no RAPL."""
    first = rapl_joules(root)
    if first is None:
        return None
    time.sleep(seconds)
    second = rapl_joules(root)
    return None if second is None or second < first else (second - first) / seconds
