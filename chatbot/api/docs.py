"""/docs: the API's routes listed from its own OpenAPI schema, server-rendered.

FastAPI's default /docs loads Swagger UI's script and style from a CDN; this page loads nothing
from elsewhere and runs no script (GUICHET_API_DOCS=false turns it off; /openapi.json stays).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from chatbot.web.templating import render

METHODS = ("get", "post", "put", "patch", "delete")


def operation_groups(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema's operations grouped by their first tag, in the schema's order."""
    groups: dict[str, list[dict[str, str]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["autres"])[0]
            description = str(operation.get("description") or "").strip()
            groups.setdefault(tag, []).append({
                "method": method.upper(), "path": path,
                "summary": str(operation.get("summary") or ""),
                "description": description if description != operation.get("summary") else "",
            })  # fmt: skip
    return [{"tag": tag, "operations": ops} for tag, ops in groups.items()]


def install_docs(app: FastAPI) -> None:
    """Serve /docs built from app.openapi()."""

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        schema = app.openapi()
        info = schema.get("info", {})
        page = render("api_docs.html", version=info.get("version", ""),
                      description=info.get("description", ""), openapi=schema.get("openapi", ""),
                      groups=operation_groups(schema))  # fmt: skip
        return HTMLResponse(page)
