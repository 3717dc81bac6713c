"""FastAPI application factory: chat, health, search, sources, the page at '/', and the layers
every request goes through (error shield, security headers, CORS, body limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, Response

from chatbot import __version__
from chatbot.api.deps import ServicesDep
from chatbot.api.docs import install_docs
from chatbot.api.errors import install_error_handlers
from chatbot.api.health import StoreProbe
from chatbot.api.health import router as health_router
from chatbot.api.limits import BodyLimit, ErrorShield
from chatbot.api.logs import install_log_filter
from chatbot.api.metrics import install_metrics
from chatbot.api.pages.agent import router as agent_pages
from chatbot.api.pages.audit import router as audit_pages
from chatbot.api.pages.rendering import install_pages
from chatbot.api.pages.staff_access import router as staff_sign_in
from chatbot.api.routes.chat import router as chat_router
from chatbot.api.routes.privacy import router as privacy_router
from chatbot.api.routes.staff import router as staff_router
from chatbot.api.security import SecurityHeaders
from chatbot.domain import SearchFilters
from chatbot.settings import Settings
from chatbot.web.pages import demo_page, demo_style_hashes, widget_script
from chatbot.web.templating import render
from chatbot.wiring import Services, build_services


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the app; models and index load here, so that errors show before serving."""
    install_log_filter()
    built = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built.start()
        with built:
            yield

    app = FastAPI(
        title="Guichet",
        version=__version__,
        description="Citizen assistant answering from the authority's own documents, with sources.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN: see chatbot.api.docs
        redoc_url=None,
    )
    app.state.services = built
    app.state.store_probe = StoreProbe()
    install_error_handlers(app)
    # Added innermost first: the shield wraps the headers, which wrap CORS, which wraps the limit
    # (so that a 413 still carries the CORS and security headers).
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.allowed_origins:  # sites allowed to embed the widget from another origin
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type"],
            max_age=600,
        )
    app.add_middleware(SecurityHeaders, demo_frame_ancestors=tuple(settings.frame_ancestors),
                       demo_styles=demo_style_hashes())  # fmt: skip
    app.add_middleware(ErrorShield)
    install_metrics(app, built)  # outermost: counts the shield's 500s and the limits' 4xx too
    app.include_router(health_router)
    app.include_router(chat_router)
    app.include_router(privacy_router)
    app.include_router(staff_router)
    app.include_router(staff_sign_in)
    app.include_router(agent_pages)
    app.include_router(audit_pages)
    install_pages(app)  # the consoles' CSS and JS under /static, their sign-in redirects
    if settings.api_docs:
        install_docs(app)

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
    def source_page(source_id: str, services: ServicesDep) -> HTMLResponse:
        """A readable copy of an indexed document (for documents without a public URL); its
        text is escaped, so that the document's own HTML never reaches the page."""
        chunks = services.search.index.document_chunks(source_id)
        if not chunks:
            raise HTTPException(404, "Aucun document de ce nom dans l'index.")
        sections = []
        for chunk in chunks:
            heading = " › ".join(chunk.headings)
            page = f" (page {chunk.page})" if chunk.page else ""
            sections.append({"heading": heading + page, "lines": chunk.text.splitlines()})
        source = chunks[0].source
        return HTMLResponse(
            render("source.html", title=source.title, url=source.url, sections=sections)
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
