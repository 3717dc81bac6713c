"""Jinja2 for the server-rendered pages (staff consoles, evaluation report).

Every value is escaped (autoescape on for .html). Pages carry no inline <script>, no <style>
element and no style attribute, and load nothing from another site: their CSS and JS are files
under chatbot/web/static/, served at STATIC_URL, so that a Content-Security-Policy without
'unsafe-inline' holds.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

STATIC_URL = "/static"
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _escape(value: Any) -> Any:
    """Escape as `html.escape` does (`&#x27;` and `&quot;`, as these pages always have), so that
    a page's text can be found with `html.escape`; markup the templates build passes through."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


def safe_href(url: str | None) -> str | None:
    """A link target a page may show: an http(s) address or a path on this site; None for
    anything else (`javascript:`, `data:`, `//host`), which must not become a link."""
    target = (url or "").strip()
    if target.startswith("/"):
        return None if target.startswith(("//", "/\\")) else target
    parts = urlsplit(target)  # also drops the tabs and newlines a browser would ignore
    return target if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def passage_href(passage: dict[str, Any]) -> str:
    """Where a passage's title links: its public address, else the readable copy on this site."""
    return safe_href(passage.get("url")) or "/sources/" + quote(str(passage["source_id"]), safe="")


def iso_day(value: object) -> dt.date | None:
    """The day a document's date names when it starts as YYYY-MM-DD (a date or a time), else
    None: the pages show 'mis à jour le' only for a date they can read, as the widget does."""
    match = _ISO_DAY.match(str(value or ""))
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def static_url(name: str) -> str:
    """The address of a file of chatbot/web/static/."""
    return f"{STATIC_URL}/{name}"


def make_environment(loader: BaseLoader) -> Environment:
    """An environment with autoescaping, strict undefined values and the shared filters."""
    environment = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        finalize=_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["safe_href"] = safe_href
    environment.filters["passage_href"] = passage_href
    environment.filters["iso_day"] = iso_day
    environment.globals["static_url"] = static_url
    return environment


@cache
def console_templates() -> Environment:
    """The templates of chatbot/web/templates/ (staff pages)."""
    return make_environment(PackageLoader("chatbot.web", "templates"))


def render(name: str, **context: Any) -> str:
    """A staff page rendered from its template."""
    return console_templates().get_template(name).render(**context)
