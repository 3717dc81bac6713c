"""What every staff page needs from the web layer: its template rendered into a response, the
static files (CSS, JS) and the pages sent instead of the one asked (sign-in, access refused)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from chatbot.web.templating import STATIC_URL, render


def page_response(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A console page from its template, never cached (it may show conversations)."""
    return HTMLResponse(
        render(template, **context), status_code=status, headers={"Cache-Control": "no-store"}
    )


class SendInstead(Exception):  # noqa: N818 - not an error: a page answers in place of another
    """Raised by a page's dependency to answer with another response (a redirect to the sign-in
    page, the access-refused page) instead of running the page."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _send_instead(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SendInstead)
    return exc.response


def install_pages(app: FastAPI) -> None:
    """Serve the pages' static files and turn `SendInstead` into its response."""
    app.mount(STATIC_URL, StaticFiles(packages=[("chatbot.web", "static")]), name="static")
    app.add_exception_handler(SendInstead, _send_instead)
