"""A stand-in for a Qdrant server, for tests only: the REST routes Guichet and qdrant-client's
`migrate` use, answered by qdrant-client's own local engine behind one lock.

No Qdrant server can be installed on the development machines (see the environment notes), yet
several `guichet serve` workers must be shown to share one index over HTTP. This shim speaks the
same REST API for the calls Guichet makes; the real server's behaviour is Qdrant's contract
with qdrant-client, which this shim does not replace. Snapshots are not implemented.
"""

from __future__ import annotations

import importlib.metadata
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import Body, FastAPI
from fastapi.encoders import jsonable_encoder
from qdrant_client import QdrantClient, models

from chatbot.generation.local_server import free_port


def build_app(client: QdrantClient | None = None) -> FastAPI:
    """The REST routes over an in-memory local client."""
    warnings.filterwarnings(
        "ignore", message="Payload indexes have no effect", category=UserWarning
    )
    local = client or QdrantClient(location=":memory:")
    lock = threading.Lock()
    app = FastAPI()

    def ok(call: Callable[[], Any]) -> dict[str, Any]:
        with lock:
            result = call()
        return {"result": jsonable_encoder(result), "status": "ok", "time": 0.0}

    @app.get("/")
    def root() -> dict[str, str]:
        version = importlib.metadata.version("qdrant-client")  # no version-mismatch warning
        return {"title": "qdrant - vector search engine (test shim)", "version": version}

    @app.get("/collections")
    def collections() -> dict[str, Any]:
        return ok(local.get_collections)

    @app.get("/collections/{name}/exists")
    def exists(name: str) -> dict[str, Any]:
        return ok(lambda: {"exists": local.collection_exists(name)})

    @app.get("/collections/{name}")
    def info(name: str) -> dict[str, Any]:
        return ok(lambda: local.get_collection(name))

    @app.put("/collections/{name}")
    def create(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.CreateCollection.model_validate(body)
        return ok(lambda: local.create_collection(name, vectors_config=spec.vectors,
                                                  sparse_vectors_config=spec.sparse_vectors))  # fmt: skip

    @app.delete("/collections/{name}")
    def drop(name: str) -> dict[str, Any]:
        return ok(lambda: local.delete_collection(name))

    @app.put("/collections/{name}/index")
    def field_index(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.CreateFieldIndex.model_validate(body)
        return ok(lambda: local.create_payload_index(name, spec.field_name, spec.field_schema))

    @app.post("/collections/{name}/points/scroll")
    def scroll(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.ScrollRequest.model_validate(body)

        def run() -> dict[str, Any]:
            points, offset = local.scroll(
                name, scroll_filter=spec.filter, limit=spec.limit or 10, offset=spec.offset,
                with_payload=spec.with_payload if spec.with_payload is not None else True,
                with_vectors=spec.with_vector or False,
            )  # fmt: skip
            return {"points": points, "next_page_offset": offset}

        return ok(run)

    @app.post("/collections/{name}/points/count")
    def count(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.CountRequest.model_validate(body)
        return ok(lambda: local.count(name, count_filter=spec.filter, exact=True))

    @app.put("/collections/{name}/points")
    def upsert(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.PointsList.model_validate(body)
        return ok(lambda: local.upsert(name, points=spec.points))

    @app.post("/collections/{name}/points/delete")
    def delete(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        selector: Any = (
            models.FilterSelector.model_validate(body)
            if "filter" in body
            else models.PointIdsList.model_validate(body)
        )
        return ok(lambda: local.delete(name, points_selector=selector))

    @app.post("/collections/{name}/points/query/batch")
    def query_batch(name: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.QueryRequestBatch.model_validate(body)
        return ok(lambda: local.query_batch_points(name, requests=spec.searches))

    @app.get("/aliases")
    def all_aliases() -> dict[str, Any]:
        return ok(local.get_aliases)

    @app.post("/collections/aliases")
    def change_aliases(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        spec = models.ChangeAliasesOperation.model_validate(body)
        return ok(lambda: local.update_collection_aliases(change_aliases_operations=spec.actions))

    return app


@contextmanager
def running_shim() -> Iterator[str]:
    """Serve the shim on a free loopback port in a thread; yield its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the Qdrant shim did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
