"""Every route of the OpenAPI schema, fuzzed with Schemathesis (a bounded number of cases, so
that CI stays under a minute): no 5xx other than 503, and no large input sent back. `make fuzz`
runs the same campaign longer."""

from __future__ import annotations

from pathlib import Path

from tests.security.fuzzing import MARKER, problems, run_campaign


def test_every_route_survives_fuzzing(tmp_path: Path) -> None:
    summary = run_campaign(examples=8, data_dir=tmp_path / "data")
    assert summary.requests >= 150, summary.lines()
    assert not summary.failures, "\n".join(summary.lines())
    assert 422 in summary.statuses and 200 in summary.statuses


class _Case:
    def __init__(self) -> None:
        self.body = {"message": MARKER}
        self.query: dict[str, str] = {}
        self.path_parameters: dict[str, str] = {}
        self.headers: dict[str, str] = {}


def test_the_properties_catch_what_they_are_for() -> None:
    assert problems(_Case(), 500, "") == ["status 500: ''"]
    assert problems(_Case(), 503, "") == []
    assert problems(_Case(), 422, '{"input": "' + MARKER + '"}')
    assert problems(_Case(), 422, '{"detail": "Requête invalide"}') == []
