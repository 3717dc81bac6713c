"""Where a staff form comes from, and whether the browser reached us over HTTPS.

SameSite=Strict cookies still go with requests from another origin of the same site (another
port on loopback, another sub-domain): so every state-changing staff form is checked twice, by a
strict Origin check here and by the sign-in's form token (`require_page_role`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from chatbot.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _from_trusted_proxy(request: Request, settings: Settings) -> bool:
    client = request.client.host if request.client else ""
    return client in settings.trusted_proxies


def request_scheme(request: Request, settings: Settings) -> str:
    """http or https, as the browser used it (X-Forwarded-Proto only from a trusted proxy)."""
    forwarded = request.headers.get("x-forwarded-proto")
    if forwarded and _from_trusted_proxy(request, settings):
        return forwarded.split(",")[0].strip().lower()
    return request.url.scheme


def secure_cookie(request: Request, settings: Settings) -> bool:
    """Whether the staff cookie gets `Secure`: the setting, else whether this came over HTTPS."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return request_scheme(request, settings) == "https"


def _host(netloc: str, scheme: str) -> str:
    host = netloc.strip().lower()
    default = _DEFAULT_PORTS.get(scheme)
    if default and host.endswith(f":{default}"):
        host = host[: -len(default) - 1]
    return host


def this_host(request: Request, settings: Settings) -> str:
    """The host (and port) the browser addressed."""
    scheme = request_scheme(request, settings)
    forwarded = request.headers.get("x-forwarded-host")
    if forwarded and _from_trusted_proxy(request, settings):
        return _host(forwarded.split(",")[0], scheme)
    return _host(request.headers.get("host", ""), scheme)


def same_origin(request: Request, settings: Settings) -> bool:
    """Whether a state-changing request may come from this site's own pages: its Origin (or,
    without one, Sec-Fetch-Site) names this host; "null" and other origins are refused.
    Requests with neither header come from programs, not browsers, and carry no cookie risk."""
    if request.method in SAFE_METHODS:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    parts = urlsplit(origin.strip())
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return False
    return _host(parts.netloc, parts.scheme) == this_host(request, settings)
