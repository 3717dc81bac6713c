"""Opening the database: engine, SQLite pragmas, migrations, and errors a person can act on."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from chatbot.domain import GuichetError

logger = logging.getLogger("guichet.store")

UNREACHABLE = (
    "La base des conversations est momentanément injoignable : réessayez dans une minute. "
    "Si cela dure, l'administrateur doit vérifier GUICHET_DATABASE_URL."
)
READ_ONLY = (
    "La base des conversations est en lecture seule : réessayez plus tard. L'administrateur "
    "doit rendre le dossier de données accessible en écriture au service."
)
DAMAGED = (
    "La base des conversations est endommagée : réessayez plus tard. L'administrateur doit la "
    "restaurer depuis une sauvegarde (état : /api/health)."
)
DISK = (
    "Le disque de la base des conversations est plein ou en erreur : réessayez plus tard. "
    "L'administrateur doit libérer de la place ou vérifier le disque."
)
FAILED = (
    "La base des conversations n'a pas pu traiter la demande : réessayez dans une minute. "
    "Si cela dure, l'administrateur doit consulter le journal du service."
)


class DatabaseUnavailableError(GuichetError):
    """The conversation database cannot be opened or reached."""


def describe_failure(error: SQLAlchemyError) -> str:
    """What people are told of a database error: French, and none of the server's internals."""
    text = str(error.orig if isinstance(error, DBAPIError) else error).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return READ_ONLY
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return DAMAGED
    if "disk i/o" in text or "disk is full" in text or "no space" in text:
        return DISK
    return UNREACHABLE if isinstance(error, OperationalError) else FAILED


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of `probe`: whether the database answers with sound pages, and why not."""

    ok: bool
    detail: str = "ok"


def probe(engine: Engine) -> ProbeResult:
    """A cheap health check: `PRAGMA quick_check(1)` on SQLite (stops at the first damaged page),
    `SELECT 1` elsewhere."""
    try:
        with engine.connect() as db:
            if db.dialect.name == "sqlite":
                found = [str(row[0]) for row in db.exec_driver_sql("PRAGMA quick_check(1)")]
                if found != ["ok"]:
                    return ProbeResult(False, DAMAGED)
            else:
                db.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as error:
        return ProbeResult(False, describe_failure(error))
    return ProbeResult(True)


def checkpoint(engine: Engine, attempts: int = 5) -> bool:
    """Move SQLite's write-ahead log into the database file and empty it, so that rows just
    deleted (with secure_delete, their bytes too) leave the disk; True when done (always True on
    other databases, whose files this service does not manage)."""
    if engine.dialect.name != "sqlite":
        return True
    for attempt in range(attempts):
        with engine.connect() as db:
            busy = db.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        if busy is None or not busy[0]:
            return True
        time.sleep(0.05 * (attempt + 1))  # a reader still holds a snapshot of the old pages
    logger.warning("WAL checkpoint still busy after %d attempts", attempts)
    return False


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<URL illisible>"


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    # WAL: readers never block the writer, and a killed process loses no committed transaction.
    # synchronous=FULL: a committed conversation also survives a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted rows are overwritten with zeros: an erased conversation leaves no bytes behind.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for the URL, with the schema migrated to the latest version."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseUnavailableError(
            f"GUICHET_DATABASE_URL illisible ({error}). Exemples : "
            "sqlite:////var/lib/guichet/guichet.db ou postgresql+psycopg://guichet@127.0.0.1/guichet"
        ) from error
    sqlite = parsed.get_backend_name() == "sqlite"
    database = parsed.database or ""
    file = Path(database) if sqlite and database not in ("", ":memory:") else None
    if file is not None:
        _check_writable(file)
    if sqlite:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    try:
        migrate(engine)
        if file is not None:
            file.chmod(0o600)  # conversations: readable by the service only
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseUnavailableError(_startup_message(url, file, error)) from error
    except OSError as error:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"Base SQLite {file} inutilisable : {error.strerror}. Vérifiez les droits du service "
            "sur ce fichier."
        ) from error
    return engine


def _read_only_folder(folder: Path) -> bool:
    """Whether nothing can be written in the folder (a read-only mount counts even for root)."""
    try:
        mounted_read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
    return mounted_read_only or not os.access(folder, os.W_OK | os.X_OK)


def _check_writable(file: Path) -> None:
    """SQLite in WAL mode writes beside its file (-wal, -shm): the folder must be writable."""
    folder = file.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnavailableError(
            f"Le dossier de données {folder} ne peut pas être créé ({error.strerror}) : "
            "choisissez un dossier où le service peut écrire (GUICHET_DATA_DIR)."
        ) from error
    if _read_only_folder(folder) or (file.exists() and not os.access(file, os.W_OK)):
        raise DatabaseUnavailableError(
            f"Le dossier de données {folder} est en lecture seule : la base SQLite et son journal "
            "(-wal, -shm) doivent pouvoir y être écrits. Rendez-le accessible en écriture à "
            "l'utilisateur du service, ou choisissez un autre dossier (GUICHET_DATA_DIR)."
        )


def _startup_message(url: str, file: Path | None, error: SQLAlchemyError) -> str:
    """Why the database cannot be opened, for the administrator starting the service."""
    reason = error.orig if isinstance(error, DBAPIError) else error
    told = describe_failure(error)
    if file is None:
        if isinstance(error, OperationalError):
            return (
                f"Base de données injoignable ({safe_url(url)}) : {reason}. Vérifiez que le "
                "serveur tourne et que GUICHET_DATABASE_URL est juste (hôte, port, utilisateur, "
                "base)."
            )
        return f"Base de données inutilisable ({safe_url(url)}) : {reason}"
    if told == READ_ONLY:
        return (
            f"La base SQLite {file} est en lecture seule ({reason}) : rendez le fichier et son "
            "dossier accessibles en écriture à l'utilisateur du service."
        )
    if told == DAMAGED:
        return (
            f"La base SQLite {file} est endommagée ({reason}) : restaurez-la depuis une "
            "sauvegarde, ou déplacez-la pour en créer une nouvelle."
        )
    return f"Base SQLite {file} inutilisable : {reason}. Vérifiez le fichier et le disque."


def alembic_config(engine_connection: Any) -> Any:
    """The Alembic configuration pointing at our migrations, bound to a connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("chatbot.store").joinpath("migrations"))
    )
    config.attributes["connection"] = engine_connection
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (creates it on an empty database)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def schema_version(engine: Engine) -> str | None:
    """The migration the database is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
