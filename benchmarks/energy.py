"""Energy per answer by the Green Algorithms method, from the answering benchmark's timings,
with the measured value beside it where the host exposes RAPL (/sys/class/powercap).

    python -m benchmarks.energy --profile default

Reads bench-output/answering-<profile>.json (run benchmarks.answering first); writes
bench-output/energy-<profile>.json and prints it. Without RAPL (virtual machines) only the
estimate exists, and the report says so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

from chatbot.energy import EnergyConstants, estimate, measured_watts, rapl_available
from chatbot.settings import Settings


def run(profile: str, answering: dict[str, Any], memory_gb: float) -> dict[str, Any]:
    """Estimate (and, with RAPL, measure) the energy of each run's median answer."""
    settings = Settings(model_profile=profile)  # type: ignore[arg-type]
    constants = EnergyConstants(settings.energy_core_watts, settings.energy_core_usage,
                                settings.energy_memory_watts_per_gb, settings.energy_pue,
                                settings.energy_carbon_intensity)  # fmt: skip
    cores = settings.llm_threads or os.cpu_count() or 1
    watts = measured_watts(2.0) if rapl_available() else None
    report: dict[str, Any] = {
        "profile": profile,
        "constants": constants.__dict__,
        "cores": cores,
        "memory_gb": memory_gb,
        "rapl": "measured" if watts is not None else "absent: figures are estimates only",
        "runs": [],
    }
    for run_ in answering["runs"]:
        seconds = statistics.median(row["total_s"] for row in run_["rows"])
        guess = estimate(seconds, cores, memory_gb, constants)
        entry = {
            "prompt_lookup": run_.get("prompt_lookup"), "answer_s_median": round(seconds, 2),
            "estimated_wh": round(guess.wh, 4), "estimated_gco2e": round(guess.gco2e, 4),
            "method": guess.method,
        }  # fmt: skip
        if watts is not None:  # idle package power while sampling: a floor, not the answer's
            entry["rapl_package_watts_now"] = round(watts, 1)
        report["runs"].append(entry)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "small"], default="default")
    parser.add_argument("--memory-gb", type=float, default=3.0,
                        help="memory held by the service while answering (default profile ~3 GB)")  # fmt: skip
    args = parser.parse_args()
    source = Path("bench-output") / f"answering-{args.profile}.json"
    if not source.is_file():
        raise SystemExit(f"{source} not found: run `python -m benchmarks.answering` first.")
    result = run(args.profile, json.loads(source.read_text()), args.memory_gb)
    (Path("bench-output") / f"energy-{args.profile}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
