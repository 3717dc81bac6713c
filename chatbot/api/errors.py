"""Turn domain, validation and database errors into HTTP responses a person can act on.

Nothing a client sent is echoed back (a 422 names the fields and what is wrong with them, never
their values), and nothing of the server's internals goes out (those go to the service log,
without message text: see `chatbot.api.logs`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError, StatementError

from chatbot.answering.turns import ConversationTooLongError, MessageRejectedError
from chatbot.api.limits import UNREADABLE_TEXT
from chatbot.api.logs import safe_path
from chatbot.api.pages.rendering import page_response
from chatbot.domain import GeneratorUnavailableError, GuichetError, QueueFullError
from chatbot.retrieval.index import IndexUnavailableError
from chatbot.store.audit_reads import UnknownAnswerError
from chatbot.store.conversations import UnknownSessionError
from chatbot.store.database import DatabaseUnavailableError, describe_failure
from chatbot.store.staff import ForbiddenError, NotAuthenticatedError, StaffError

logger = logging.getLogger("guichet.api")
PAGE_PREFIXES = ("/agent", "/audit", "/login", "/logout")
DATABASE_RETRY_S = 30
_LOCATION_PART = 60


def status_for(error: GuichetError) -> tuple[int, dict[str, str]]:
    """HTTP status and extra headers for a domain error."""
    if isinstance(error, MessageRejectedError):
        return (413 if error.too_long else 422), {}
    if isinstance(error, UnknownSessionError | UnknownAnswerError):
        return 404, {}
    if isinstance(error, NotAuthenticatedError):
        return 401, {"WWW-Authenticate": "Bearer"}
    if isinstance(error, ForbiddenError):
        return 403, {}
    if isinstance(error, StaffError):
        return 422, {}
    if isinstance(error, DatabaseUnavailableError):
        return 503, {"Retry-After": str(DATABASE_RETRY_S)}
    if isinstance(error, ConversationTooLongError):
        return 409, {}
    if isinstance(error, QueueFullError):
        return 503, {"Retry-After": str(error.retry_after_s)}
    if isinstance(error, GeneratorUnavailableError | IndexUnavailableError):
        return 503, {"Retry-After": "30"}
    return 500, {}


def _answer(request: Request, status: int, detail: str, headers: dict[str, str]) -> Response:
    """JSON for the API; a page for the consoles, which browsers show as such."""
    if request.url.path.startswith(PAGE_PREFIXES):
        title = "Service momentanément indisponible" if status == 503 else "Demande refusée"
        page = page_response("message.html", status, title=title, user=None, message=detail)
        page.headers.update(headers)
        return page
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, never the value sent (`input`, `ctx` and `url` are left out)."""
    shown = []
    for item in error.errors()[:20]:
        location = [str(part)[:_LOCATION_PART] for part in item.get("loc", ())]
        message = str(item.get("msg", ""))[:200]
        shown.append({"loc": location, "type": str(item.get("type", "")), "msg": message})
    return shown


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for validation, database and domain errors."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        fields = validation_errors(error)
        where = ", ".join(".".join(f["loc"][1:] or f["loc"]) for f in fields[:5])
        return JSONResponse(
            {"detail": f"Requête invalide ({where}) : vérifiez ces champs.", "errors": fields},
            status_code=422,
        )

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, error: SQLAlchemyError) -> Response:
        if isinstance(error, StatementError) and isinstance(error.orig, UnicodeError):
            return JSONResponse({"detail": UNREADABLE_TEXT}, status_code=422)
        logger.error("database error on %s: %s", safe_path(request.url.path), error)
        return _answer(request, 503, describe_failure(error),
                       {"Retry-After": str(DATABASE_RETRY_S)})  # fmt: skip

    @app.exception_handler(GuichetError)
    async def domain_error(request: Request, error: GuichetError) -> Response:
        status, headers = status_for(error)
        return _answer(request, status, public_message(error), headers)


def public_message(error: GuichetError) -> str:
    """What residents and staff read: French, and never a server's internals (those go to the
    service log). Other domain errors already carry a French message a person can act on."""
    if isinstance(error, GeneratorUnavailableError):
        logger.error("model unavailable: %s", error)
        return (
            "Le modèle de langue est momentanément indisponible : réessayez dans une minute. "
            "Si cela dure, l'administrateur doit vérifier le modèle ou le serveur d'inférence "
            "(journal du service)."
        )
    if isinstance(error, IndexUnavailableError):
        logger.error("index unavailable: %s", error)
        return (
            "L'index des documents est momentanément injoignable : réessayez dans une minute. "
            "Si cela dure, l'administrateur doit vérifier Qdrant (GUICHET_QDRANT_URL)."
        )
    if isinstance(error, DatabaseUnavailableError):
        logger.error("database unavailable: %s", error)
        return describe_failure_text(error)
    return str(error)


def describe_failure_text(error: DatabaseUnavailableError) -> str:
    """The resident-facing message of a database that could not be reached."""
    cause = error.__cause__
    if isinstance(cause, SQLAlchemyError):
        return describe_failure(cause)
    return (
        "La base des conversations est momentanément injoignable : réessayez dans une minute. "
        "Si cela dure, l'administrateur doit vérifier GUICHET_DATABASE_URL."
    )
