"""Staff accounts (tokens with roles) and the append-only, hash-chained access log.

Tokens are shown once, at creation; the database keeps only their SHA-256. Every read of
conversations by staff goes through `StaffReads`, which writes an access-log entry in the same
transaction as nothing else: the entry is committed before the data is returned.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from chatbot.domain import GuichetError
from chatbot.store.audit_reads import AnswerFilters
from chatbot.store.conversations import Clock, ConversationStore, utc_now
from chatbot.store.tables import access_log, staff_sessions, staff_users

Role = Literal["agent", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
TOKEN_PREFIX = "gch_"
GENESIS = "0" * 64
_NAME = re.compile(r"^[\w.@-]{1,80}$")


class StaffError(GuichetError):
    """A staff account operation that cannot be done as asked."""


class NotAuthenticatedError(GuichetError):
    """No token, or a token that is unknown or revoked."""


class ForbiddenError(GuichetError):
    """A valid token whose role does not allow this."""


@dataclass(frozen=True)
class StaffUser:
    """A member of staff, as authenticated."""

    name: str
    role: Role


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffDirectory:
    """Staff accounts: create, list, revoke, authenticate."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, name: str, role: str) -> str:
        """Create an account; return its token (shown once, never stored)."""
        if not _NAME.match(name):
            raise StaffError(
                f"Nom « {name} » refusé : lettres, chiffres, . _ @ - (80 caractères au plus)."
            )
        if role not in ROLES:
            raise StaffError(f"Rôle « {role} » inconnu : choisissez parmi {', '.join(ROLES)}.")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self.engine.begin() as db:
                db.execute(
                    insert(staff_users).values(
                        name=name,
                        role=role,
                        token_sha256=token_hash(token),
                        created_at=self.clock(),
                    )
                )
        except IntegrityError as error:
            raise StaffError(
                f"Le compte « {name} » existe déjà : révoquez-le d'abord "
                f"(guichet users revoke {name}) ou choisissez un autre nom."
            ) from error
        return token

    def revoke(self, name: str) -> None:
        """Disable an account at once (its token stops working, its sign-ins end)."""
        with self.engine.begin() as db:
            done = db.execute(
                update(staff_users)
                .where(staff_users.c.name == name, staff_users.c.revoked_at.is_(None))
                .values(revoked_at=self.clock(), token_sha256="revoked:" + secrets.token_hex(24))
            )
            db.execute(delete(staff_sessions).where(staff_sessions.c.name == name))
        if done.rowcount == 0:
            raise StaffError(f"Aucun compte actif « {name} » (voir guichet users list).")

    def list(self) -> list[dict[str, Any]]:
        """Every account, without tokens."""
        with self.engine.connect() as db:
            rows = db.execute(select(staff_users).order_by(staff_users.c.name)).all()
        return [
            {
                "name": r.name,
                "role": r.role,
                "created_at": r.created_at.isoformat(timespec="seconds") + "Z",
                "revoked_at": r.revoked_at.isoformat(timespec="seconds") + "Z"
                if r.revoked_at
                else None,
            }
            for r in rows
        ]

    def authenticate(self, token: str | None) -> StaffUser:
        """The active account holding this token."""
        if not token:
            raise NotAuthenticatedError(
                "Authentification requise : envoyez l'en-tête « Authorization: Bearer <jeton> » "
                "avec un jeton créé par `guichet users add`."
            )
        with self.engine.connect() as db:
            row = db.execute(
                select(staff_users.c.name, staff_users.c.role).where(
                    staff_users.c.token_sha256 == token_hash(token),
                    staff_users.c.revoked_at.is_(None),
                )
            ).first()
        if row is None:
            raise NotAuthenticatedError(
                "Jeton inconnu ou révoqué : demandez-en un à un administrateur."
            )
        return StaffUser(row.name, cast(Role, row.role))


def require_role(user: StaffUser, *allowed: Role) -> None:
    """Raise ForbiddenError unless the user has one of the roles (admin always may)."""
    if user.role != "admin" and user.role not in allowed:
        raise ForbiddenError(
            f"Le rôle « {user.role} » ne donne pas accès à cette page "
            f"(rôle requis : {' ou '.join(allowed)})."
        )


def _entry_hash(previous: str, entry: dict[str, Any]) -> str:
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


class AccessLog:
    """Who read what, when: append-only (database triggers) and hash-chained (tamper-evident)."""

    def __init__(self, engine: Engine, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._lock = threading.Lock()

    def append(
        self, actor: str, role: str, action: str, target: str, detail: dict[str, Any]
    ) -> None:
        """Write one entry, chained to the previous one."""
        at = self.clock().replace(microsecond=0)
        with self._lock, self.engine.begin() as db:
            if db.dialect.name == "postgresql":  # one writer at a time keeps the chain linear
                db.exec_driver_sql("LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE")
            last = db.execute(
                select(access_log.c.entry_hash).order_by(access_log.c.id.desc()).limit(1)
            ).scalar()
            previous = last or GENESIS
            entry = {
                "at": at.isoformat(),
                "actor": actor,
                "role": role,
                "action": action,
                "target": target[:200],
                "detail": detail,
            }
            db.execute(
                insert(access_log).values(
                    at=at,
                    actor=actor,
                    role=role,
                    action=action,
                    target=target[:200],
                    detail=detail,
                    previous_hash=previous,
                    entry_hash=_entry_hash(previous, entry),
                )
            )

    def entries(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """The newest entries first."""
        with self.engine.connect() as db:
            rows = db.execute(
                select(access_log).order_by(access_log.c.id.desc()).limit(limit).offset(offset)
            ).all()
        return [
            {
                "id": r.id,
                "at": r.at.isoformat() + "Z",
                "actor": r.actor,
                "role": r.role,
                "action": r.action,
                "target": r.target,
                "detail": r.detail,
            }
            for r in rows
        ]

    def verify(self) -> tuple[bool, int, str]:
        """Recompute the chain: (intact, entries checked, message)."""
        previous = GENESIS
        checked = 0
        with self.engine.connect() as db:
            for r in db.execute(select(access_log).order_by(access_log.c.id)):
                entry = {
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "role": r.role,
                    "action": r.action,
                    "target": r.target,
                    "detail": r.detail,
                }
                if r.previous_hash != previous or r.entry_hash != _entry_hash(previous, entry):
                    return (
                        False,
                        checked,
                        f"Chaîne rompue à l'entrée {r.id} ({r.at:%Y-%m-%d %H:%M}).",
                    )
                previous = r.entry_hash
                checked += 1
        return True, checked, f"Journal intègre : {checked} entrées vérifiées."


class StaffReads:
    """The only way staff read conversations: each read is logged before data is returned."""

    def __init__(self, store: ConversationStore, log: AccessLog) -> None:
        self.store = store
        self.log = log

    def list_answers(self, user: StaffUser, filters: AnswerFilters) -> list[dict[str, Any]]:
        """The audit list (auditor or admin)."""
        require_role(user, "auditor")
        self.log.append(user.name, user.role, "list_answers", "answers", filters.describe())
        return self.store.list_answers(filters)

    def energy_summary(self, user: StaffUser, filters: AnswerFilters) -> dict[str, Any]:
        """Energy and emissions of the selection (auditor or admin); figures only, no text."""
        require_role(user, "auditor")
        self.log.append(user.name, user.role, "energy_summary", "answers", filters.describe())
        return self.store.energy_summary(filters)

    def answer(self, user: StaffUser, answer_id: str) -> dict[str, Any]:
        """One answer's audit record (auditor or admin)."""
        require_role(user, "auditor")
        self.log.append(user.name, user.role, "read_answer", answer_id, {})
        return self.store.get_answer(answer_id)

    def export_answers(self, user: StaffUser, filters: AnswerFilters) -> list[dict[str, Any]]:
        """The audit list for a CSV download (auditor or admin)."""
        require_role(user, "auditor")
        self.log.append(user.name, user.role, "export_csv", "answers", filters.describe())
        return self.store.list_answers(filters)

    def view(self, user: StaffUser, action: str, target: str, *allowed: Role) -> None:
        """Check the role and log a console view that reads no conversation by itself."""
        require_role(user, *allowed)
        self.log.append(user.name, user.role, action, target, {})

    def access_log(self, user: StaffUser, limit: int, offset: int) -> list[dict[str, Any]]:
        """The access log itself (admin)."""
        require_role(user, "admin")
        self.log.append(
            user.name,
            user.role,
            "read_access_log",
            "access_log",
            {"limit": limit, "offset": offset},
        )
        return self.log.entries(limit, offset)
