"""What the crawler knows about each URL between runs, in a small SQLite file (<data_dir>/crawl.db):
validators for conditional requests, content hash, dates seen and changed, gone confirmation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

# States of a URL
INDEXED = "indexed"  # its text is in the index
GONE_PENDING = "gone_pending"  # answered 404/410 once; removed if it still does next run
REMOVED = "removed"  # confirmed gone and removed from the index
FAILED = "failed"  # could not be fetched or read (a previously indexed copy stays)
DUPLICATE = "duplicate"  # same text as another URL, or its canonical URL is another one
REDIRECT = "redirect"  # redirects to another URL
EXCLUDED = "excluded"  # noindex or empty: not indexed


def utc_now(precise: bool = False) -> str:
    """Now, in UTC (ISO 8601), to the second unless `precise` (then to the microsecond)."""
    now = dt.datetime.now(dt.UTC)
    return (now if precise else now.replace(microsecond=0)).isoformat()


@dataclass
class UrlState:
    """One URL's record."""

    url: str
    source: str
    state: str = ""
    source_id: str = ""
    kind: str = ""
    http_status: int = 0
    etag: str = ""
    last_modified: str = ""
    content_hash: str = ""
    title: str = ""
    date: str = ""
    commune: str = ""
    ocr_pages: list[int] = field(default_factory=list)
    chunks: int = 0
    links: list[str] = field(default_factory=list)
    depth: int = 0
    first_seen: str = ""
    last_seen: str = ""
    last_changed: str = ""
    gone_since: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of `guichet sources --json` (without the stored links)."""
        shape = dataclasses.asdict(self)
        shape.pop("links")
        shape["ocr"] = bool(self.ocr_pages)
        return shape


_COLUMNS = [f.name for f in dataclasses.fields(UrlState)]
_JSON = {"ocr_pages", "links"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY, source TEXT NOT NULL, state TEXT NOT NULL, source_id TEXT, kind TEXT,
    http_status INTEGER, etag TEXT, last_modified TEXT, content_hash TEXT, title TEXT, date TEXT,
    commune TEXT, ocr_pages TEXT, chunks INTEGER, links TEXT, depth INTEGER, first_seen TEXT,
    last_seen TEXT, last_changed TEXT, gone_since TEXT, note TEXT
);
CREATE INDEX IF NOT EXISTS urls_source ON urls (source);
"""


class CrawlState:
    """The per-URL records of every crawl source (thread-safe, one connection)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._db.execute("PRAGMA journal_mode=WAL")

    def get(self, url: str) -> UrlState | None:
        """The record of a URL, if any."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM urls WHERE url = ?", (url,)
            ).fetchone()
        return _from_row(row) if row else None

    def put(self, record: UrlState) -> None:
        """Insert or replace a URL's record."""
        values = [
            json.dumps(getattr(record, name)) if name in _JSON else getattr(record, name)
            for name in _COLUMNS
        ]
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._lock, self._db:
            self._db.execute(
                f"INSERT OR REPLACE INTO urls ({', '.join(_COLUMNS)}) VALUES ({marks})", values
            )

    def records(self, source: str | None = None) -> list[UrlState]:
        """Every record (of one source), by URL."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM urls"
        params: tuple[str, ...] = ()
        if source is not None:
            query += " WHERE source = ?"
            params = (source,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY url", params).fetchall()
        return [_from_row(row) for row in rows]

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def _from_row(row: tuple[object, ...]) -> UrlState:
    values: dict[str, object] = {}
    for name, value in zip(_COLUMNS, row, strict=True):
        if name in _JSON:
            values[name] = json.loads(str(value)) if value else []
        elif value is None:
            values[name] = 0 if name in {"http_status", "chunks", "depth"} else ""
        else:
            values[name] = value
    return UrlState(**values)  # type: ignore[arg-type]
