"""The communes named by the indexed documents, for the consoles' filters.

Listing them reads every point of the index, so the list is kept for a few minutes instead of
being read again on every console page: a newly ingested commune shows within `TTL_S` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from chatbot.domain import IndexedDocument

TTL_S = 300.0


class DocumentIndex(Protocol):
    """What the list needs of the index."""

    def documents(self) -> dict[str, IndexedDocument]: ...


class CommuneList:
    """The sorted commune names of an index, read again once they are `ttl_s` seconds old."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()  # one page reads the index; the others wait for its list
        # The list of one index: a service has one (a test building many reads each afresh).
        self._entry: tuple[DocumentIndex, float, list[str]] | None = None

    def names(self, index: DocumentIndex) -> list[str]:
        """The communes, from the cache while it is fresh."""
        with self._lock:
            now = self._clock()
            if self._entry is not None:
                cached_index, read_at, names = self._entry
                if cached_index is index and now - read_at < self.ttl_s:
                    return list(names)
            names = sorted({d.commune for d in index.documents().values() if d.commune})
            self._entry = (index, now, names)
            return list(names)


COMMUNES = CommuneList()


def commune_names(index: DocumentIndex) -> list[str]:
    """The communes named by the indexed documents (cached, see the module's docstring)."""
    return COMMUNES.names(index)
