"""The app over a data folder, for the API tests (the indexed corpus is `chat_data`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from chatbot.api.app import create_app
from chatbot.wiring import Services, build_services
from tests.conftest import make_settings


def api_client(data: Path, models_dir: Path, **extra: Any) -> Iterator[tuple[TestClient, Services]]:
    """The app over a data folder, with the small models and short answers."""
    settings = make_settings(data, models_dir, "small", **{"max_answer_tokens": 24, **extra})
    services = build_services(settings)
    with TestClient(create_app(settings, services)) as client:
        yield client, services
