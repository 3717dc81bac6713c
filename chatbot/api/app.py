"""FastAPI application factory: chat, health, search, sources and the page at '/'."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, Response

from chatbot import __version__
from chatbot.api.deps import ServicesDep
from chatbot.api.errors import install_error_handlers
from chatbot.api.pages.agent import router as agent_pages
from chatbot.api.pages.audit import router as audit_pages
from chatbot.api.pages.rendering import install_pages
from chatbot.api.pages.staff_access import router as staff_sign_in
from chatbot.api.routes.chat import router as chat_router
from chatbot.api.routes.privacy import router as privacy_router
from chatbot.api.routes.staff import router as staff_router
from chatbot.domain import SearchFilters
from chatbot.settings import Settings
from chatbot.web.pages import demo_page, widget_script
from chatbot.wiring import Services, build_services


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app; models and index load here, so that errors show before serving."""
    built = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built.retention.start()
        with built:
            yield

    app = FastAPI(
        title="Guichet",
        version=__version__,
        description="Citizen assistant answering from the authority's own documents, with sources.",
        lifespan=lifespan,
    )
    app.state.services = built
    install_error_handlers(app)
    if settings.allowed_origins:  # sites allowed to embed the widget from another origin
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    app.include_router(chat_router)
    app.include_router(privacy_router)
    app.include_router(staff_router)
    app.include_router(staff_sign_in)
    app.include_router(agent_pages)
    app.include_router(audit_pages)
    install_pages(app)  # the consoles' CSS and JS under /static, their sign-in redirects

    @app.get("/api/health", tags=["service"])
    def health(services: ServicesDep) -> dict[str, Any]:
        """Whether the model, the embedder and the index are loaded."""
        queue = services.generator.queue
        purger = services.retention
        return {
            "status": "ok",
            "version": __version__,
            "model": services.generator.name,
            "llm_backend": services.settings.llm_backend,
            "embedder": services.search.embedder.name,
            "index": {
                "collection": services.search.index.collection,
                "chunks": services.search.index.count(),
            },
            "queue": {"waiting": queue.waiting, "size": queue.size} if queue else None,
            "retention": {
                "conversation_days": services.settings.conversation_retention_days,
                "audit_days": services.settings.audit_retention_days,
                "purges": purger.runs,
                "last_purge_error": purger.last_error,
            },
        }

    @app.get("/api/search", tags=["search"])
    def search(
        services: ServicesDep,
        q: Annotated[str, Query(min_length=1, max_length=1000, description="The question.")],
        limit: Annotated[int, Query(ge=1, le=50)] = 5,
        commune: Annotated[list[str] | None, Query()] = None,
    ) -> list[dict[str, Any]]:
        """The passages that best match a question."""
        filters = SearchFilters(communes=tuple(commune or ()))
        return [p.as_json() for p in services.search.retriever.search(q, limit, filters)]

    @app.get("/sources/{source_id}", response_class=HTMLResponse, tags=["sources"])
    def source_page(source_id: str, services: ServicesDep) -> str:
        """A readable copy of an indexed document (for documents without a public URL)."""
        chunks = services.search.index.document_chunks(source_id)
        if not chunks:
            raise HTTPException(404, f"Aucun document « {source_id} » dans l'index.")
        title = html.escape(chunks[0].source.title)
        parts = []
        for chunk in chunks:
            heading = " › ".join(chunk.headings)
            page = f" (page {chunk.page})" if chunk.page else ""
            if heading or page:
                parts.append(f"<h2>{html.escape(heading)}{page}</h2>")
            parts.extend(f"<p>{html.escape(line)}</p>" for line in chunk.text.splitlines())
        return (
            f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f"<body><main><h1>{title}</h1>{''.join(parts)}</main></body></html>"
        )

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        """The resident widget, with every interface language bundled (one file each)."""
        return Response(
            widget_script(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(lang: str = "fr") -> str:
        """A demo page of the authority's site, with the widget embedded as any site would."""
        return demo_page(lang)

    return app
