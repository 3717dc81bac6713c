"""Two pure ASGI middlewares at the edge of the app: one limit on request bodies, and a shield
that turns any unexpected exception into a short answer with an incident number (the log gets
the traceback without any message text, see `chatbot.api.logs`)."""

from __future__ import annotations

import logging
import secrets

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatbot.api.logs import safe_path

logger = logging.getLogger("guichet.api")
UNREADABLE_TEXT = (
    "Texte illisible : la requête contient des caractères qui ne peuvent pas être encodés "
    "(par exemple un demi-caractère UTF-16 isolé). Corrigez le texte et réessayez."
)


def too_large(limit: int) -> JSONResponse:
    """The 413 answer for a body over `limit` bytes."""
    size = f"{limit // 1024} Kio" if limit >= 1024 else f"{limit} octets"
    return JSONResponse(
        {"detail": f"La requête dépasse la taille maximale acceptée ({size}) : raccourcissez "
                   "votre message."},
        status_code=413,
    )  # fmt: skip


class BodyLimit:
    """Reads each request body up to `max_bytes` before the app sees it: a declared or actual
    size above the limit gets 413 at once, and the rest of the body is never read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await JSONResponse({"detail": "En-tête Content-Length invalide."}, 400)(
                    scope, receive, send
                )
                return
            if int(declared) > self.max_bytes:
                await too_large(self.max_bytes)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await too_large(self.max_bytes)(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # later calls wait for the client to leave

        await self.app(scope, replay, send)


class ErrorShield:
    """The outermost layer: an exception that escaped every handler is logged (type, place,
    route; no message) and answered in French with an incident number, or with 422 when it
    comes from text that cannot be encoded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            incident = secrets.token_hex(4)
            route = f"{scope.get('method', '')} {safe_path(str(scope.get('path', '')))}"
            logger.error("unhandled error on %s (incident %s)", route, incident, exc_info=error)
            if started:
                return  # the answer had begun: the connection just ends
            if isinstance(error, UnicodeError):
                response = JSONResponse({"detail": UNREADABLE_TEXT}, status_code=422)
            else:
                response = JSONResponse(
                    {"detail": f"Erreur interne (incident {incident}) : réessayez. Si cela dure, "
                               "donnez ce numéro à l'administrateur."},
                    status_code=500,
                )  # fmt: skip
            await response(scope, receive, send)
