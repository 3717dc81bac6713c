"""Index operations for deployments: the served collection and consistent copies of the index.

Each embedder has its own collection (`<base>-<embedder>`, see `collection_name`). Changing the
embedder therefore builds a new collection beside the old one; the Qdrant alias `<base>` names
the collection that is complete and served. `promote` moves the alias (one atomic operation)
only once the new collection holds every document of the served one, and `serving_problem`
lets `guichet serve` refuse to start on a collection that has not been promoted.

Backups: the embedded index is one SQLite file per collection plus `meta.json`; SQLite's online
backup API copies each file consistently even while the service writes. A Qdrant server is
copied by its own snapshots.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from qdrant_client import QdrantClient, models

from chatbot.domain import GuichetError
from chatbot.retrieval.index import QdrantIndex
from chatbot.settings import Settings

META_FILE = "meta.json"
POINTS_FILE = "storage.sqlite"


class IndexOperationError(GuichetError):
    """An index operation (promotion, copy, restore) cannot be done as asked."""


@dataclass(frozen=True)
class Promotion:
    """The result of `promote`: what the alias pointed at before and after."""

    alias: str
    previous: str | None
    current: str
    documents: int
    chunks: int


def is_embedded(settings: Settings) -> bool:
    """Whether the index is the embedded folder (neither a server nor `:memory:`)."""
    return not settings.qdrant_url


def is_server(settings: Settings) -> bool:
    """Whether the index is a Qdrant server reached by URL."""
    return bool(settings.qdrant_url) and settings.qdrant_url != ":memory:"


def aliases(settings: Settings, client: QdrantClient | None = None) -> dict[str, str]:
    """Alias -> collection. The embedded folder is read from its meta.json (no lock needed)."""
    if client is None and is_embedded(settings):
        meta = settings.qdrant_path / META_FILE
        if not meta.is_file():
            return {}
        return dict(json.loads(meta.read_text()).get("aliases", {}))
    if client is None:
        from chatbot.retrieval.index import open_client

        client = open_client(settings)
        try:
            return aliases(settings, client)
        finally:
            client.close()
    listed = client.get_aliases().aliases
    return {item.alias_name: item.collection_name for item in listed}


def serving_problem(settings: Settings, collection: str) -> str | None:
    """Why this collection must not be served, or None: once a collection has been promoted,
    only the promoted one is served (a new embedder's collection waits for its promotion)."""
    served = aliases(settings).get(settings.collection)
    if served is None or served == collection:
        return None
    return (
        f"La collection {collection} (modèle d'embedding configuré) n'est pas celle en service "
        f"({served}). Terminez son indexation (`guichet ingest` avec ce modèle), puis "
        f"`guichet index promote` ; ou remettez le modèle d'embedding de {served}."
    )


def promote(client: QdrantClient, alias: str, collection: str, force: bool = False) -> Promotion:
    """Point the alias at `collection`, atomically, if it holds every served document."""
    if not client.collection_exists(collection):
        raise IndexOperationError(
            f"La collection {collection} n'existe pas : indexez d'abord avec `guichet ingest`."
        )
    new_documents = QdrantIndex(client, collection, 0, "").documents()
    chunks = int(client.count(collection, exact=True).count)
    if chunks == 0:
        raise IndexOperationError(
            f"La collection {collection} est vide : rien à mettre en service."
        )
    previous = aliases_of(client).get(alias)
    if previous and previous != collection and not force:
        missing = set(QdrantIndex(client, previous, 0, "").documents()) - set(new_documents)
        if missing:
            sample = ", ".join(sorted(missing)[:5])
            raise IndexOperationError(
                f"La collection {collection} est incomplète : {len(missing)} documents de "
                f"{previous} n'y sont pas encore ({sample}…). Terminez l'indexation, ou "
                "forcez avec --force."
            )
    _set_alias(client, alias, collection)
    return Promotion(alias, previous, collection, len(new_documents), chunks)


@contextmanager
def embedded_folder_lock(folder: Path) -> Iterator[None]:
    """Hold the embedded index's lock (the one qdrant-client takes): fails if a service has it."""
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / ".lock"
    if not lock_path.exists():
        lock_path.write_text("tmp lock file")
    with lock_path.open("r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IndexOperationError(
                f"L'index {folder} est ouvert par un autre processus (le service ?). Arrêtez-le "
                "avant de restaurer."
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def copy_embedded(folder: Path, dest: Path) -> dict[str, int]:
    """Copy the embedded index consistently (SQLite online backup); return chunks per collection."""
    counts: dict[str, int] = {}
    dest.mkdir(parents=True, exist_ok=True)
    meta = folder / META_FILE
    if not meta.is_file():
        (dest / META_FILE).write_text(json.dumps({"collections": {}, "aliases": {}}))
        return counts
    shutil.copy2(meta, dest / META_FILE)
    for name in json.loads(meta.read_text()).get("collections", {}):
        source = folder / "collection" / name / POINTS_FILE
        target = dest / "collection" / name / POINTS_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        counts[name] = sqlite_copy(source, target) if source.is_file() else 0
    return counts


def sqlite_copy(source: Path, target: Path) -> int:
    """Copy one SQLite file with the online backup API into one self-contained file (no WAL
    beside it); return its number of points (0 for a file without a `points` table)."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        closing(sqlite3.connect(target)) as writer,
    ):
        reader.backup(writer)
        writer.execute("PRAGMA journal_mode=DELETE")  # the source may be in WAL mode
        tables = {row[0] for row in writer.execute("SELECT name FROM sqlite_master")}
        if "points" not in tables:
            return 0
        return int(writer.execute("SELECT count(*) FROM points").fetchone()[0])


def restore_embedded(source: Path, folder: Path) -> None:
    """Replace the embedded index with a copy (the service must be stopped)."""
    with embedded_folder_lock(folder):
        for child in folder.iterdir():
            if child.name == ".lock":
                continue
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copy2(source / META_FILE, folder / META_FILE)
        if (source / "collection").is_dir():
            shutil.copytree(source / "collection", folder / "collection")


def upload_embedded(source: Path, client: QdrantClient) -> None:
    """Load an embedded copy into a Qdrant server (moving from one host to a cluster)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="guichet-restore-") as scratch:
        work = Path(scratch) / "index"
        shutil.copytree(source, work)  # the client writes a lock file into its folder
        local = QdrantClient(path=str(work))
        try:
            local.migrate(client, recreate_on_collision=True)
            for alias, collection in aliases_of(local).items():
                _set_alias(client, alias, collection)
        finally:
            local.close()


def aliases_of(client: QdrantClient) -> dict[str, str]:
    """Alias -> collection on an open client."""
    return {item.alias_name: item.collection_name for item in client.get_aliases().aliases}


def _set_alias(client: QdrantClient, alias: str, collection: str) -> None:
    """Point `alias` at `collection` in one atomic request (a server refuses deleting an alias
    that does not exist, so the deletion is sent only when it does)."""
    operations: list[models.AliasOperations] = []
    if alias in aliases_of(client):
        operations.append(
            models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias))
        )
    operations.append(
        models.CreateAliasOperation(
            create_alias=models.CreateAlias(collection_name=collection, alias_name=alias)
        )
    )
    client.update_collection_aliases(change_aliases_operations=operations)


def _http(settings: Settings) -> httpx.Client:
    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return httpx.Client(
        base_url=str(settings.qdrant_url).rstrip("/"),
        headers={"api-key": key} if key else {},
        timeout=httpx.Timeout(600.0, connect=settings.qdrant_timeout_s),
    )


def snapshot_server(settings: Settings, client: QdrantClient, dest: Path) -> dict[str, int]:
    """Download a fresh snapshot of every collection of a Qdrant server; return their counts."""
    dest.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with _http(settings) as http:
        for described in client.get_collections().collections:
            name = described.name
            counts[name] = int(client.count(name, exact=True).count)
            snapshot = client.create_snapshot(name, wait=True)
            if snapshot is None:
                raise IndexOperationError(f"Qdrant n'a pas créé d'instantané de {name}.")
            url = f"/collections/{name}/snapshots/{snapshot.name}"
            with http.stream("GET", url) as response, (dest / f"{name}.snapshot").open("wb") as out:
                response.raise_for_status()
                for block in response.iter_bytes(1 << 20):
                    out.write(block)
            client.delete_snapshot(name, snapshot.name, wait=True)
    (dest / "aliases.json").write_text(json.dumps(aliases_of(client), indent=2))
    return counts


def restore_server(settings: Settings, client: QdrantClient, source: Path) -> None:
    """Recreate each collection of a server from its snapshot, then the aliases."""
    with _http(settings) as http:
        for snapshot in sorted(source.glob("*.snapshot")):
            name = snapshot.name.removesuffix(".snapshot")
            with snapshot.open("rb") as handle:
                files: Any = {"snapshot": (snapshot.name, handle, "application/octet-stream")}
                response = http.post(
                    f"/collections/{name}/snapshots/upload",
                    params={"priority": "snapshot", "wait": "true"},
                    files=files,
                )
            if response.status_code >= 400:
                raise IndexOperationError(
                    f"Qdrant a refusé l'instantané de {name} ({response.status_code}) : "
                    f"{response.text[:300]}"
                )
    for alias, collection in json.loads((source / "aliases.json").read_text()).items():
        _set_alias(client, alias, collection)
