"""Turn domain errors into HTTP responses with a message a person can act on."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from chatbot.answering.turns import ConversationTooLongError, MessageRejectedError
from chatbot.domain import GeneratorUnavailableError, GuichetError, QueueFullError
from chatbot.retrieval.index import IndexUnavailableError
from chatbot.store.conversations import UnknownAnswerError, UnknownSessionError
from chatbot.store.database import DatabaseUnavailableError
from chatbot.store.staff import ForbiddenError, NotAuthenticatedError, StaffError

logger = logging.getLogger("guichet.api")


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
        return 503, {"Retry-After": "30"}
    if isinstance(error, ConversationTooLongError):
        return 409, {}
    if isinstance(error, QueueFullError):
        return 503, {"Retry-After": str(error.retry_after_s)}
    if isinstance(error, GeneratorUnavailableError | IndexUnavailableError):
        return 503, {"Retry-After": "30"}
    return 500, {}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handler for every domain error."""

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, error: OperationalError) -> JSONResponse:
        return JSONResponse(
            {"detail": "La base des conversations est momentanément injoignable : réessayez dans "
             "une minute. Si cela dure, l'administrateur doit vérifier GUICHET_DATABASE_URL."},
            status_code=503,
            headers={"Retry-After": "30"},
        )  # fmt: skip

    @app.exception_handler(GuichetError)
    async def domain_error(request: Request, error: GuichetError) -> JSONResponse:
        status, headers = status_for(error)
        return JSONResponse({"detail": public_message(error)}, status_code=status, headers=headers)


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
    return str(error)
