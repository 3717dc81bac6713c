"""Log records that never carry what people typed.

The service log keeps what an administrator needs (what failed, where in the code, which route)
and none of the conversations' text: tracebacks lose their exceptions' messages (a database
error's message holds the statement's parameters, a decoding error the whole string), the access
log loses query strings and residents' session ids, and exceptions passed as arguments are shown
by their type only. `install_log_filter` puts the filter on the service's loggers.
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType
from typing import Any

from chatbot.domain import GuichetError

SERVICE_LOGGERS = ("", "guichet", "chatbot", "ingestion", "uvicorn", "uvicorn.error",
                   "uvicorn.access", "fastapi", "starlette", "sqlalchemy", "alembic", "httpx")  # fmt: skip
_SESSION_PATH = re.compile(r"(/api/sessions/)[^/?#\s]+")
_MAX_ARGUMENT = 300


def safe_path(path: str) -> str:
    """A request path fit for the log: no query string, no resident's session id."""
    return _SESSION_PATH.sub(r"\1…", path.split("?", 1)[0])


def describe_exception(error: BaseException) -> str:
    """An exception for the log: its type, and its message only when it is one of ours (domain
    errors carry fixed French texts, never a resident's)."""
    name = type(error).__name__
    if isinstance(error, GuichetError):
        return f"{name}: {str(error)[:_MAX_ARGUMENT]}"
    return f"{name} (message omis)"


def safe_traceback(
    kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
) -> str:
    """The traceback's frames (file, line, function) for every chained exception, each
    exception by `describe_exception`; no source line, no message, no local value."""
    parts: list[str] = []
    seen: set[int] = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__ if current is not error else tb)
        lines = [f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in frames]
        parts.append("\n".join(["Traceback (most recent call last):", *lines,
                                describe_exception(current)]))  # fmt: skip
        current = current.__cause__ or current.__context__
    return "\n\nwhich followed:\n".join(parts)


def _safe_argument(value: Any) -> Any:
    if isinstance(value, BaseException):
        return describe_exception(value)
    if isinstance(value, str) and len(value) > _MAX_ARGUMENT:
        return value[:_MAX_ARGUMENT] + "… (tronqué)"
    return value


class NoMessageText(logging.Filter):
    """Rewrites each record so that it cannot carry a conversation's text (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            kind, error, tb = record.exc_info
            record.exc_text = safe_traceback(kind, error, tb) if error is not None else None
            record.exc_info = None
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            record.args = tuple(safe_path(a) if n == 2 and isinstance(a, str) else a
                                for n, a in enumerate(record.args))  # fmt: skip
        elif isinstance(record.args, tuple):
            record.args = tuple(_safe_argument(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _safe_argument(v) for k, v in record.args.items()}
        if isinstance(record.msg, BaseException):
            record.msg = describe_exception(record.msg)
        return True


_FILTER = NoMessageText()


def install_log_filter(extra: tuple[str, ...] = ()) -> NoMessageText:
    """Put the filter on the service's loggers (and those already made below them) and on the
    root logger's handlers; idempotent."""
    names = set(SERVICE_LOGGERS + extra)
    prefixes = tuple(n + "." for n in names if n)
    names.update(n for n in logging.root.manager.loggerDict if n.startswith(prefixes))
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return _FILTER
