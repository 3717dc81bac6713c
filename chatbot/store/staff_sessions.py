"""Staff sign-ins kept on the server: the browser holds a random id, the database its SHA-256.

A sign-in ends at its expiry, after `idle` without use, at sign-out, and when its account is
revoked (the row is deleted with the account's other sign-ins). The account's token itself never
leaves the sign-in form. Each sign-in has a form token (CSRF) derived from its id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Engine, delete, insert, select, update

from chatbot.store.conversations import Clock, utc_now
from chatbot.store.staff import NotAuthenticatedError, Role, StaffUser
from chatbot.store.tables import staff_sessions, staff_users

SIGNED_OUT = "Session terminée ou expirée : reconnectez-vous avec votre jeton."
TOUCH_EVERY = timedelta(seconds=60)  # a page view refreshes `last_seen_at` at most this often


@dataclass(frozen=True)
class SignedInStaff(StaffUser):
    """A member of staff signed in through the consoles, with the sign-in's form token."""

    csrf_token: str = ""


def session_hash(session_id: str) -> str:
    """What the database keeps of a sign-in id."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def csrf_token_for(session_id: str) -> str:
    """The form token of a sign-in: unguessable without the id, and revealing nothing of it."""
    return hmac.new(session_id.encode("utf-8", "replace"), b"guichet-csrf", "sha256").hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    """How long a sign-in lives, in all and without use."""

    lifetime: timedelta = timedelta(hours=12)
    idle: timedelta = timedelta(minutes=30)


class StaffSessions:
    """Open, resolve and end staff sign-ins."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def open(self, user: StaffUser, policy: SessionPolicy) -> str:
        """A new sign-in for an authenticated account; return its id (for the cookie only)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as db:
            db.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now))
            db.execute(
                insert(staff_sessions).values(
                    id_sha256=session_hash(session_id),
                    name=user.name,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + policy.lifetime,
                )
            )
        return session_id

    def resolve(self, session_id: str | None, policy: SessionPolicy) -> SignedInStaff:
        """The active account of a live sign-in (NotAuthenticatedError otherwise)."""
        if not session_id or len(session_id) > 200:
            raise NotAuthenticatedError(SIGNED_OUT)
        key = session_hash(session_id)
        now = self.clock()
        query = (
            select(staff_users.c.name, staff_users.c.role, staff_sessions.c.last_seen_at)
            .join(staff_users, staff_users.c.name == staff_sessions.c.name)
            .where(
                staff_sessions.c.id_sha256 == key,
                staff_sessions.c.expires_at > now,
                staff_sessions.c.last_seen_at > now - policy.idle,
                staff_users.c.revoked_at.is_(None),
            )
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        if row is None:
            raise NotAuthenticatedError(SIGNED_OUT)
        if now - row.last_seen_at >= TOUCH_EVERY:
            with self.engine.begin() as db:
                db.execute(
                    update(staff_sessions)
                    .where(staff_sessions.c.id_sha256 == key)
                    .values(last_seen_at=now)
                )
        return SignedInStaff(row.name, cast(Role, row.role), csrf_token_for(session_id))

    def close(self, session_id: str | None) -> None:
        """End one sign-in (sign-out); unknown ids are ignored."""
        if session_id:
            with self.engine.begin() as db:
                db.execute(
                    delete(staff_sessions).where(
                        staff_sessions.c.id_sha256 == session_hash(session_id)
                    )
                )

    def count(self, name: str) -> int:
        """Live sign-ins of an account (for tests and administrators)."""
        now = self.clock()
        with self.engine.connect() as db:
            rows = db.execute(
                select(staff_sessions.c.id_sha256).where(
                    staff_sessions.c.name == name, staff_sessions.c.expires_at > now
                )
            ).all()
        return len(rows)
