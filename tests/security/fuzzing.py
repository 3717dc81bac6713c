"""Property-based fuzzing of every route of the OpenAPI schema (Schemathesis 4 over ASGI, on the
fast app), with two properties: no 5xx other than 503, and no echo of a large input.

Each operation gets `examples` cases that fit the schema and `examples` that do not; every
fourth case is sent again with each of its strings replaced by a 5,000-character marker (large
inputs must never come back). Staff routes get an admin's token on half of the cases, so that
their handlers run too. `python -m tests.security.fuzzing --examples 90` is `make fuzz`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LARGE = 2_000  # an input at least this long must not come back in the answer
MARKER = "GRAND-ECHO-" + "é" * 4_980 + "-FIN"


@dataclass
class Summary:
    """What a campaign sent and found."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        counts = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return [f"requests: {self.requests} in {self.seconds:.0f} s", f"status counts: {counts}",
                f"failures: {len(self.failures)}", *(f"  - {f}" for f in self.failures[:30])]  # fmt: skip


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)] + [
            k for k in value if isinstance(k, str)
        ]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _enlarge(value: Any) -> Any:
    if isinstance(value, str):
        return MARKER
    if isinstance(value, dict):
        return {k: _enlarge(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_enlarge(v) for v in value]
    return value


def problems(case: Any, status: int, text: str) -> list[str]:
    """What is wrong with an answer: a 5xx other than 503, or a large input sent back."""
    found = []
    if status >= 500 and status != 503:
        found.append(f"status {status}: {text[:120]!r}")
    sent = _strings([case.body, case.query, case.path_parameters, case.headers])
    for value in sent:
        if len(value) >= LARGE and value[:LARGE] in text:
            found.append(f"a {len(value)}-character input came back")
    return found


def _fuzz(
    operation: Any, mode: Any, examples: int, seed: int, summary: Summary, admin: dict[str, str]
) -> None:
    """Send `examples` cases of one operation in one generation mode, recording each answer."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed
    from hypothesis.errors import Unsatisfiable

    where = f"{operation.method.upper()} {operation.path} ({mode.value})"
    staff_route = operation.path.startswith("/api/staff")

    @fixed_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        number = summary.requests
        headers = admin if staff_route and number % 2 == 0 else None
        for attempt in range(2 if number % 4 == 0 else 1):
            if attempt:  # the same case with every string made large
                case.body = _enlarge(case.body)
                case.query = _enlarge(case.query)
                case.path_parameters = _enlarge(case.path_parameters)
            response = case.call(headers=headers)
            summary.requests += 1
            summary.statuses[response.status_code] += 1
            found = problems(case, response.status_code, response.text)
            summary.failures.extend(f"{where}: {problem}" for problem in found)

    with suppress(Unsatisfiable):  # no invalid input exists for a route without parameters
        send()


def run_campaign(examples: int, data_dir: Path, seed: int = 0) -> Summary:
    """Fuzz every operation of the fast app's schema; return what was sent and found."""
    import schemathesis
    from fastapi.testclient import TestClient
    from schemathesis import GenerationMode

    from tests.security.fast_app import fast_app

    app, services = fast_app(data_dir, max_answer_tokens=16)
    admin = {"Authorization": "Bearer " + services.storage.staff.add("fuzz-admin", "admin")}
    summary = Summary()
    started = time.monotonic()
    with TestClient(app):  # runs the app's lifespan around the campaign
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        for result in schema.get_all_operations():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(result.ok(), mode, examples, seed, summary, admin)
    services.close()
    summary.seconds = time.monotonic() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    """`make fuzz`: a longer campaign, its summary on standard output; 1 when it found any."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=90, help="cases per route and mode")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        summary = run_campaign(args.examples, Path(folder) / "data", args.seed)
    print("\n".join(summary.lines()))
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
