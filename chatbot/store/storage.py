"""The store's objects over one database, built together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from chatbot.store.conversations import ConversationStore
from chatbot.store.staff import AccessLog, StaffDirectory, StaffReads


@dataclass
class Storage:
    """Conversations, staff accounts, the access log and logged staff reads, on one engine."""

    engine: Engine
    conversations: ConversationStore
    staff: StaffDirectory
    access_log: AccessLog
    reads: StaffReads

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()
