"""The store's objects over one database, built together."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from chatbot.store.conversations import ConversationStore
from chatbot.store.database import ProbeResult, probe
from chatbot.store.staff import AccessLog, StaffDirectory, StaffReads
from chatbot.store.staff_sessions import StaffSessions


@dataclass
class Storage:
    """Conversations, staff accounts and sign-ins, the access log and logged staff reads."""

    engine: Engine
    conversations: ConversationStore
    staff: StaffDirectory
    access_log: AccessLog
    reads: StaffReads
    sessions: StaffSessions = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = StaffSessions(self.engine, self.staff.clock)

    def probe(self) -> ProbeResult:
        """A cheap check that the database answers and its pages are sound."""
        return probe(self.engine)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()
