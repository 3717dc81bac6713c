"""GET /api/health: the model, the embedder, the index, the queue, retention, and the store.

The store is probed (`Storage.probe`: `PRAGMA quick_check(1)` on SQLite, `SELECT 1` elsewhere)
at most every `PROBE_TTL_S` seconds; any failure makes the status "degraded".
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Request

from chatbot import __version__
from chatbot.api.deps import ServicesDep
from chatbot.domain import GuichetError
from chatbot.store.database import ProbeResult
from chatbot.wiring import Services

router = APIRouter(tags=["service"])
PROBE_TTL_S = 30.0


class StoreProbe:
    """The last probe of the store, kept for `ttl_s` seconds (the check reads every page)."""

    def __init__(self, ttl_s: float = PROBE_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._last: tuple[float, ProbeResult] | None = None

    def check(self, services: Services) -> ProbeResult:
        """The store's state, probed again once the last probe is stale."""
        with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._last[0] >= self.ttl_s:
                self._last = (now, services.storage.probe())
            return self._last[1]


def _index(services: Services) -> dict[str, Any]:
    try:
        chunks: int | None = services.search.index.count()
    except GuichetError:
        chunks = None
    return {"collection": services.search.index.collection, "chunks": chunks,
            "status": "ok" if chunks is not None else "unavailable"}  # fmt: skip


@router.get("/api/health")
def health(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Whether the model, the embedder, the index and the conversation store are usable."""
    probe: StoreProbe = request.app.state.store_probe
    store = probe.check(services)
    index = _index(services)
    queue = services.generator.queue
    purger = services.retention
    sound = store.ok and index["status"] == "ok"
    return {
        "status": "ok" if sound else "degraded",
        "version": __version__,
        "model": services.generator.name,
        "llm_backend": services.settings.llm_backend,
        "embedder": services.search.embedder.name,
        "index": index,
        "store": {"status": "ok" if store.ok else "error", "detail": store.detail},
        "queue": {"waiting": queue.waiting, "size": queue.size} if queue else None,
        "retention": {
            "conversation_days": services.settings.conversation_retention_days,
            "audit_days": services.settings.audit_retention_days,
            "purges": purger.runs,
            "last_purge_error": purger.last_error,
        },
    }
