"""`guichet backup | restore | migrate | index status | index promote`, and what `guichet serve
--workers N` needs: the check that the state is shared, the preparation done once before the
workers start, and the application factory each worker calls."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chatbot.cli.support import err, friendly_errors, load_settings, out
from chatbot.domain import GuichetError
from chatbot.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

_MIGRATION_LOCK = 0x6775_6963  # pg_advisory_lock key: one migration at a time across pods


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def shared_state_problems(settings: Settings) -> list[str]:
    """What keeps several processes from serving the same installation (empty when nothing)."""
    from sqlalchemy import make_url

    problems = []
    if not settings.qdrant_url or settings.qdrant_url == ":memory:":
        problems.append(
            "l'index est propre à un processus (dossier intégré ou :memory:) : réglez "
            "GUICHET_QDRANT_URL=http://hôte:6333 (serveur Qdrant)"
        )
    if make_url(settings.resolved_database_url).get_backend_name() == "sqlite":
        problems.append(
            "la base est un fichier SQLite : réglez GUICHET_DATABASE_URL="
            "postgresql+psycopg://utilisateur@hôte/base (PostgreSQL)"
        )
    if settings.llm_backend != "openai":
        problems.append(
            "le modèle serait chargé dans chaque processus : réglez GUICHET_LLM_BACKEND=openai et "
            "GUICHET_LLM_BASE_URL=http://hôte:8080/v1 (python -m llama_cpp.server, vLLM)"
        )
    return problems


def configured_collection(settings: Settings) -> str:
    """The collection of the configured embedder (without loading it)."""
    from chatbot.models import model_name
    from chatbot.retrieval.index import collection_name

    return collection_name(settings.collection, model_name(settings, "embedder"))


def check_serving(settings: Settings) -> None:
    """Refuse to serve a collection other than the promoted one (see `guichet index promote`)."""
    from chatbot.retrieval.collections import serving_problem

    problem = serving_problem(settings, configured_collection(settings))
    if problem:
        raise GuichetError(problem)


def prepare_workers(settings: Settings, workers: int) -> None:
    """Checks and one-off work done once before N workers start: shared state, migrations,
    the pseudonymisation secret, the index reachable and the promoted collection."""
    problems = shared_state_problems(settings)
    if problems:
        raise GuichetError(
            f"Plusieurs processus (--workers {workers}) doivent partager l'index, la base et le "
            f"modèle, or {' ; '.join(problems)}. Sinon, servez avec --workers 1."
        )
    from chatbot.privacy.pseudonyms import load_or_create_secret
    from chatbot.retrieval.index import IndexUnavailableError, open_client
    from chatbot.store.database import open_engine

    open_engine(settings.resolved_database_url).dispose()  # migrates once, not N times at once
    if settings.session_secret is None:
        load_or_create_secret(settings.resolved_secret_file)
    client = open_client(settings)
    try:
        client.get_collections()
    except Exception as error:
        raise IndexUnavailableError(
            f"Serveur Qdrant injoignable ({settings.qdrant_url}) : {error}. Démarrez-le ou "
            "corrigez GUICHET_QDRANT_URL."
        ) from error
    finally:
        client.close()
    check_serving(settings)


def create_app_from_environment() -> FastAPI:
    """The application factory each worker calls (`uvicorn --factory`): settings from the
    environment and the settings file, services built in the worker."""
    from chatbot.api.app import create_app

    return create_app(load_settings())


def migrate_database(settings: Settings) -> tuple[str | None, str | None]:
    """Bring the schema to this version's head; on PostgreSQL, one process at a time (an
    advisory lock: pods starting together wait for the first one's migration)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, make_url

    from chatbot.store.database import open_engine, schema_version

    url = settings.resolved_database_url
    postgres = make_url(url).get_backend_name() == "postgresql"
    if not postgres and make_url(url).database not in (None, "", ":memory:"):
        Path(str(make_url(url).database)).parent.mkdir(parents=True, exist_ok=True)
    holder = create_engine(url)
    try:
        with holder.connect() as connection:
            if postgres:
                connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
            before = MigrationContext.configure(connection).get_current_revision()
            connection.commit()  # the advisory lock is the session's: it outlives the transaction
            engine = open_engine(url)
            after = schema_version(engine)
            engine.dispose()
            if postgres:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})")
            return before, after
    finally:
        holder.dispose()


def register(app: typer.Typer) -> None:
    """Add the operations commands to the `guichet` application."""
    index_app = typer.Typer(
        help="The served collection: status, and switching to a new embedder's collection.",
        no_args_is_help=True,
    )
    app.add_typer(index_app, name="index")

    @app.command("backup")
    def backup_command(
        dest: Annotated[Path, typer.Argument(help="New folder (or, with --dated, its parent).")],
        dated: Annotated[
            bool, typer.Option("--dated", help="Write into DEST/<UTC date-time>.")
        ] = False,
        keep: Annotated[
            int, typer.Option(help="With --dated: keep this many backups (0: all).")
        ] = 0,
        no_secret: Annotated[
            bool, typer.Option("--no-secret", help="Leave out the pseudonymisation secret.")
        ] = False,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the manifest as JSON.")
        ] = False,
    ) -> None:
        """Back up the database, the index, the secret and the configuration, with checksums."""
        from chatbot.store.backup import backup, prune

        folder = dest / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") if dated else dest
        with friendly_errors():
            manifest = backup(load_settings(), folder, _operator(), with_secret=not no_secret)
            removed = prune(dest, keep) if dated and keep > 0 else []
        if as_json:
            print(json.dumps({"path": str(folder), **manifest}, ensure_ascii=False, indent=2))
            return
        rows = manifest["rows"]
        out.print(
            f"Sauvegarde écrite dans {folder} : {rows['answers']} réponses, {rows['sessions']} "
            f"conversations, index {manifest['index']['kind']} "
            f"({sum(manifest['index']['collections'].values())} passages), journal d'accès "
            f"{manifest['access_log']['entries']} entrées. Vérifiez-la avec "
            f"`cd {folder} && sha256sum -c SHA256SUMS`."
        )
        if manifest["secret"] is None:
            err.print(
                "Le secret de pseudonymisation n'est pas dans la sauvegarde : gardez-le à part."
            )
        for old in removed:
            err.print(f"Ancienne sauvegarde supprimée : {old}")

    @app.command("restore")
    def restore_command(
        source: Annotated[Path, typer.Argument(help="A folder written by `guichet backup`.")],
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Replace the database, the index and the secret with a backup (stop the service first)."""
        from chatbot.store.backup import restore, verify

        with friendly_errors():
            manifest = verify(source)
            if not yes:
                typer.confirm(
                    f"Remplacer la base et l'index actuels par la sauvegarde du "
                    f"{manifest['created_at']} ?", abort=True,
                )  # fmt: skip
            state = restore(load_settings(), source, _operator())
        if as_json:
            print(json.dumps({"backup": manifest, "restored": state}, ensure_ascii=False, indent=2))
            return
        chain = state["access_log"]
        out.print(
            f"Restauré : {state['rows']['answers']} réponses, {state['rows']['sessions']} "
            f"conversations ; journal d'accès {'intègre' if chain['intact'] else 'ROMPU'} "
            f"({chain['entries']} entrées). Fichiers de configuration d'origine : {source / 'config'}."
        )

    @app.command("migrate")
    def migrate_command(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Bring the database schema up to date (the service also does it when it starts)."""
        with friendly_errors():
            before, after = migrate_database(load_settings())
        if as_json:
            print(json.dumps({"before": before, "after": after}))
            return
        state = "déjà à jour" if before == after else f"migré de {before or 'vide'} à {after}"
        out.print(f"Schéma de la base : {state}.")

    @index_app.command("status")
    def index_status(
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """The collections, their size, the configured one and the one in service."""
        with friendly_errors():
            settings = load_settings()
            status = _index_status(settings)
        if as_json:
            print(json.dumps(status, indent=2))
            return
        for name, chunks in status["collections"].items():
            marks = [m for m, on in (("en service", name == status["served"]),
                                     ("configurée", name == status["configured"])) if on]  # fmt: skip
            out.print(f"{name:<48} {chunks:>8} passages  {', '.join(marks)}")
        if status["served"] is None:
            out.print("Aucune collection promue : le service sert la collection configurée.")

    @index_app.command("promote")
    def index_promote(
        force: Annotated[
            bool, typer.Option("--force", help="Even if documents are missing.")
        ] = False,
    ) -> None:
        """Put the configured embedder's collection in service once it is complete (atomic)."""
        from chatbot.retrieval.collections import promote
        from chatbot.retrieval.index import open_client

        with friendly_errors():
            settings = load_settings()
            client = open_client(settings)
            try:
                done = promote(client, settings.collection, configured_collection(settings), force)
            finally:
                client.close()
        before = f" (avant : {done.previous})" if done.previous else ""
        out.print(
            f"En service : {done.current}, {done.documents} documents, {done.chunks} passages"
            f"{before}. Redémarrez le service avec ce modèle d'embedding."
        )


def _index_status(settings: Settings) -> dict[str, Any]:
    from chatbot.retrieval.collections import aliases_of
    from chatbot.retrieval.index import open_client

    client = open_client(settings)
    try:
        names = [c.name for c in client.get_collections().collections]
        counts = {name: int(client.count(name, exact=True).count) for name in sorted(names)}
        served = aliases_of(client).get(settings.collection)
    finally:
        client.close()
    return {"collections": counts, "served": served, "configured": configured_collection(settings)}
