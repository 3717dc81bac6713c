"""Opening the database: engine, SQLite pragmas, migrations, and errors a person can act on."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from chatbot.domain import GuichetError


class DatabaseUnavailableError(GuichetError):
    """The conversation database cannot be opened or reached."""


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
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    try:
        migrate(engine)
        database = parsed.database or ""
        if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
            Path(database).chmod(0o600)  # conversations: readable by the service only
    except OperationalError as error:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"Base de données injoignable ({safe_url(url)}) : {error.orig}. Vérifiez que le "
            "serveur tourne et que GUICHET_DATABASE_URL est juste (hôte, port, utilisateur, base)."
        ) from error
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"Base de données inutilisable ({safe_url(url)}) : {error}"
        ) from error
    return engine


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
