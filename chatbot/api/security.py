"""Security headers on every response (a pure ASGI middleware).

- Pages (staff consoles, sign-in, the evaluation report, /sources, /docs): a Content-Security-
  Policy allowing scripts, styles and images from this origin only (no inline script or style),
  forms posting here only, and no framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
- The demo page `/`: the same, plus the hashes of its inline styles (its own and the widget's
  shadow-DOM stylesheet), and framing by the origins of GUICHET_FRAME_ANCESTORS only.
- Everything else (JSON, CSV, the widget's script, static files): `default-src 'none'`.
- Always: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (addresses with a
  resident's question never leave the site, and same-origin form posts keep their Origin header
  for the CSRF check), and a Permissions-Policy turning off devices the service never uses.
No Cross-Origin-Resource-Policy: the authority's sites load `/widget.js` from their own pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_SOURCES = ("default-src 'none'", "script-src 'self'", "style-src 'self'",
                "img-src 'self' data:", "connect-src 'self'", "form-action 'self'",
                "base-uri 'none'")  # fmt: skip
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def page_policy(frame_ancestors: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """The CSP of an HTML page: this origin only, the given style hashes, the given framers."""
    sources = list(PAGE_SOURCES)
    hashes = " ".join(styles)
    if hashes:
        sources[2] = f"style-src 'self' {hashes}"
    ancestors = " ".join(frame_ancestors) or "'none'"
    return "; ".join([*sources, f"frame-ancestors {ancestors}"])


class SecurityHeaders:
    """Adds the headers above to every HTTP response (a route's own values win)."""

    def __init__(
        self,
        app: ASGIApp,
        demo_frame_ancestors: Iterable[str] = (),
        demo_styles: Iterable[str] = (),
        demo_path: str = "/",
    ) -> None:
        self.app = app
        self.demo_path = demo_path
        self.demo_framed = bool(tuple(demo_frame_ancestors))
        self.page = page_policy()
        self.demo = page_policy(demo_frame_ancestors, demo_styles)

    def headers_for(self, path: str, content_type: str) -> dict[str, str]:
        """The headers a response to `path` with this content type gets."""
        headers = dict(ALWAYS)
        if path == self.demo_path and content_type.startswith("text/html"):
            headers["content-security-policy"] = self.demo
            if not self.demo_framed:
                headers["x-frame-options"] = "DENY"
        elif content_type.startswith("text/html"):
            headers["content-security-policy"] = self.page
            headers["x-frame-options"] = "DENY"
            headers["cross-origin-opener-policy"] = "same-origin"
        else:
            headers["content-security-policy"] = DATA_POLICY
            headers["x-frame-options"] = "DENY"
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers_for(path, headers.get("content-type", "")).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
