"""Pseudonymous keys: what the database stores instead of the session ids residents hold.

The widget receives a random session id. The database only ever sees HMAC-SHA256(secret, id), and
the secret lives outside the database (an environment variable or a file readable by the service
alone), so a copy of the database cannot be linked back to the ids residents hold.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from chatbot.domain import GuichetError

SECRET_BYTES = 32


class SecretFileError(GuichetError):
    """The pseudonymisation secret cannot be read or created."""


def new_session_id() -> str:
    """A random session id for the widget (144 bits, URL-safe)."""
    return secrets.token_urlsafe(18)


def new_answer_id() -> str:
    """A random answer id."""
    return secrets.token_urlsafe(12)


class Pseudonymizer:
    """Derives stored keys from the ids that residents hold."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise SecretFileError("The pseudonymisation secret must be at least 16 bytes long.")
        self._secret = secret

    def key(self, session_id: str) -> str:
        """The stored key of a session id (hex HMAC-SHA256)."""
        return hmac.new(self._secret, session_id.encode(), hashlib.sha256).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """Read the secret from `path`, creating it (mode 0600) on first use."""
    try:
        if path.is_file():
            secret = bytes.fromhex(path.read_text().strip())
            if len(secret) < 16:
                raise ValueError("too short")
            return secret
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = secrets.token_bytes(SECRET_BYTES)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secret.hex())
        return secret
    except FileExistsError:  # another process created it just now
        return load_or_create_secret(path)
    except (OSError, ValueError) as error:
        raise SecretFileError(
            f"Secret de pseudonymisation illisible ({path}) : {error}. Restaurez le fichier depuis "
            "la sauvegarde, ou réglez GUICHET_SESSION_SECRET (64 caractères hexadécimaux). Sans le "
            "même secret, les conversations existantes ne peuvent plus être retrouvées."
        ) from error
