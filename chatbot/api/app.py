"""FastAPI application factory: health, search and the page at '/'."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from chatbot import __version__
from chatbot.domain import SearchFilters
from chatbot.settings import Settings
from chatbot.wiring import SearchServices, build_search_services


def get_services(request: Request) -> SearchServices:
    """The services built at start-up."""
    services: SearchServices = request.app.state.services
    return services


ServicesDep = Annotated[SearchServices, Depends(get_services)]


def create_app(settings: Settings, services: SearchServices | None = None) -> FastAPI:
    """Build the app; models and index are loaded here so that errors show before serving."""
    services = services or build_search_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(
        title="Guichet",
        version=__version__,
        description="Citizen assistant answering from the authority's own documents.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services

    @app.get("/api/health", tags=["service"])
    def health(services: ServicesDep) -> dict[str, Any]:
        """Whether the embedder and the index are loaded, and how many chunks are indexed."""
        return {
            "status": "ok",
            "version": __version__,
            "embedder": services.embedder.name,
            "index": {"collection": services.index.collection, "chunks": services.index.count()},
        }

    @app.get("/api/search", tags=["search"])
    def search(
        services: ServicesDep,
        q: Annotated[str, Query(min_length=1, max_length=1000, description="The question.")],
        limit: Annotated[int, Query(ge=1, le=50)] = 5,
        commune: Annotated[list[str] | None, Query()] = None,
    ) -> list[dict[str, Any]]:
        """The passages that best match a question."""
        from chatbot.cli import passage_json

        filters = SearchFilters(communes=tuple(commune or ()))
        return [passage_json(p) for p in services.retriever.search(q, limit, filters)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return _HOME

    return app


_HOME = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Guichet</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Guichet</h1>
<p>Le service est en marche. État&nbsp;: <a href="/api/health">/api/health</a>,
documentation de l'API&nbsp;: <a href="/docs">/docs</a>.</p></main></body></html>
"""
