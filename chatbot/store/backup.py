"""Backups and restoration of an installation: the conversation database (SQLite's online backup
API, or pg_dump), the index (a consistent copy of the embedded folder, or Qdrant snapshots), the
pseudonymisation secret and the configuration files, with a manifest and sha256 checksums.

A backup is a folder: `manifest.json` (what is inside, counts, versions), `SHA256SUMS` (checkable
with `sha256sum -c SHA256SUMS`), `database.sqlite` or `database.dump`, `index/`, `secrets/`,
`config/`. Taking one is a staff access to every conversation: it is written to the access log.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, make_url, select

from chatbot import __version__
from chatbot.domain import GuichetError
from chatbot.retrieval import collections
from chatbot.settings import Settings
from chatbot.store import tables
from chatbot.store.database import open_engine, safe_url, schema_version
from chatbot.store.staff import AccessLog

FORMAT = "guichet-backup/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
_COUNTED = (tables.sessions, tables.answers, tables.feedback, tables.staff_users, tables.access_log)


class BackupError(GuichetError):
    """A backup cannot be taken, or a folder cannot be restored."""


def inventory(engine: Engine) -> dict[str, Any]:
    """Row counts and the access log's chain state: what a restore must give back."""
    with engine.connect() as db:
        counts = {t.name: int(db.execute(select(func.count()).select_from(t)).scalar_one())
                  for t in _COUNTED}  # fmt: skip
        last = db.execute(
            select(tables.access_log.c.entry_hash).order_by(tables.access_log.c.id.desc()).limit(1)
        ).scalar()
    intact, entries, _ = AccessLog(engine).verify()
    return {"rows": counts, "access_log": {"intact": intact, "entries": entries, "last_hash": last}}


def backup(
    settings: Settings, dest: Path, operator: str, with_secret: bool = True
) -> dict[str, Any]:
    """Write a complete backup into `dest` (a new or empty folder); return its manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"Le dossier {dest} n'est pas vide : choisissez un dossier neuf.")
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)  # conversations and the secret: readable by the operator only
    url = settings.resolved_database_url
    engine = open_engine(url)
    try:
        AccessLog(engine).append(operator, "admin", "backup", dest.name, {})
        database = _dump_database(url, dest)
        state = inventory(engine)
        version = schema_version(engine)
    finally:
        engine.dispose()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "guichet_version": __version__,
        "schema_version": version,
        "database": database,
        "index": _copy_index(settings, dest / "index"),
        "secret": _copy_secret(settings, dest, with_secret),
        "config": _copy_config(settings, dest / "config"),
        **state,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _write_sums(dest)
    return manifest


def verify(source: Path) -> dict[str, Any]:
    """The manifest of a backup folder whose every file matches SHA256SUMS (raises otherwise)."""
    sums = source / SUMS
    if not sums.is_file():
        raise BackupError(f"{source} n'est pas une sauvegarde Guichet (pas de {SUMS}).")
    for line in sums.read_text().splitlines():
        expected, name = line.split("  ", 1)
        path = source / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(
                f"Sauvegarde altérée ou incomplète : {name} ne correspond pas à {SUMS}."
            )
    manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')}.")
    return manifest


def restore(settings: Settings, source: Path, operator: str) -> dict[str, Any]:
    """Restore a verified backup over the configured database and index (service stopped);
    return the inventory after restoration."""
    manifest = verify(source)
    url = settings.resolved_database_url
    backend = make_url(url).get_backend_name()
    if manifest["database"]["kind"] != backend:
        raise BackupError(
            f"La sauvegarde contient une base {manifest['database']['kind']} mais "
            f"GUICHET_DATABASE_URL désigne une base {backend} : réglez-la comme à la sauvegarde."
        )
    if collections.is_embedded(settings):
        with collections.embedded_folder_lock(settings.qdrant_path):
            pass  # fails now, before anything is touched, if the service still runs
    _restore_database(url, source, manifest["database"])
    _restore_index(settings, source / "index", manifest["index"])
    _restore_secret(settings, source, manifest.get("secret"))
    engine = open_engine(url)  # migrates an older backup to this version's schema
    try:
        AccessLog(engine).append(operator, "admin", "restore_backup", source.name,
                                 {"created_at": manifest["created_at"]})  # fmt: skip
        return inventory(engine)
    finally:
        engine.dispose()


def _dump_database(url: str, dest: Path) -> dict[str, Any]:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise BackupError("Une base SQLite en mémoire ne se sauvegarde pas.")
        collections.sqlite_copy(Path(parsed.database), dest / "database.sqlite")
        return {"kind": "sqlite", "file": "database.sqlite"}
    if backend == "postgresql":
        _pg("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges",
            f"--file={dest / 'database.dump'}")  # fmt: skip
        return {"kind": "postgresql", "file": "database.dump"}
    raise BackupError(f"Base {backend} non prise en charge par la sauvegarde ({safe_url(url)}).")


def _restore_database(url: str, source: Path, described: dict[str, Any]) -> None:
    path = source / str(described["file"])
    if described["kind"] == "postgresql":
        _pg("pg_restore", url, "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", str(path))  # fmt: skip
        return
    target = Path(str(make_url(url).database))
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(target.name + ".restoring")
    shutil.copyfile(path, scratch)
    for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)  # a journal of the old file would corrupt the new one
    scratch.replace(target)
    target.chmod(0o600)


def _pg(tool: str, url: str, *args: str) -> None:
    """Run pg_dump or pg_restore on the URL, the password passed by environment, not argv."""
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} introuvable : installez postgresql-client (version majeure égale ou "
            "supérieure à celle du serveur)."
        )
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run([tool, *args, f"--dbname={plain}"], env=env, capture_output=True,
                            text=True, check=False)  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"{tool} a échoué ({safe_url(url)}) : {result.stderr.strip()[-800:]}")


def _copy_index(settings: Settings, dest: Path) -> dict[str, Any]:
    if collections.is_embedded(settings):
        counts = collections.copy_embedded(settings.qdrant_path, dest)
        return {"kind": "embedded", "collections": counts, "aliases": collections.aliases(settings)}
    if not collections.is_server(settings):
        return {"kind": "none", "collections": {}, "aliases": {}}
    from chatbot.retrieval.index import open_client

    client = open_client(settings)
    try:
        counts = collections.snapshot_server(settings, client, dest)
        return {"kind": "server", "collections": counts, "aliases": collections.aliases_of(client)}
    finally:
        client.close()


def _restore_index(settings: Settings, source: Path, described: dict[str, Any]) -> None:
    kind = described["kind"]
    if kind == "none":
        return
    if collections.is_embedded(settings) and kind == "embedded":
        collections.restore_embedded(source, settings.qdrant_path)
        return
    if not collections.is_server(settings):
        raise BackupError(
            f"La sauvegarde contient un index « {kind} » : réglez GUICHET_QDRANT_URL vers un "
            "serveur Qdrant pour le restaurer ailleurs que dans le dossier intégré."
        )
    from chatbot.retrieval.index import open_client

    client = open_client(settings)
    try:
        if kind == "embedded":  # from one host to a server: the points are uploaded
            collections.upload_embedded(source, client)
        else:
            collections.restore_server(settings, client, source)
    finally:
        client.close()


def _copy_secret(settings: Settings, dest: Path, wanted: bool) -> str | None:
    if settings.session_secret is not None or not wanted:
        return None  # held by the environment or the operator's secret store, not the backup
    path = settings.resolved_secret_file
    if not path.is_file():
        return None
    (dest / "secrets").mkdir(mode=0o700)
    target = dest / "secrets" / "session.key"
    shutil.copyfile(path, target)
    target.chmod(0o600)
    return "secrets/session.key"


def _restore_secret(settings: Settings, source: Path, name: str | None) -> None:
    if name is None or settings.session_secret is not None:
        return
    target = settings.resolved_secret_file
    saved = (source / name).read_bytes()
    if target.is_file() and target.read_bytes() != saved:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target.replace(target.with_name(f"{target.name}.before-restore-{stamp}"))
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(saved)


def _copy_config(settings: Settings, dest: Path) -> list[str]:
    """The settings, contacts and crawl-source files in use (kept for the operator, not restored)."""
    explicit = os.environ.get("GUICHET_SETTINGS_FILE")
    candidates = [Path(explicit) if explicit else Path("guichet.toml"), settings.contacts_file,
                  settings.crawl_sources_file]  # fmt: skip
    copied = []
    for path in candidates:
        if path is not None and path.is_file():
            dest.mkdir(exist_ok=True)
            shutil.copy2(path, dest / path.name)
            copied.append(str(path.resolve()))
    return copied


def _write_sums(folder: Path) -> None:
    # a SQLite -shm file is a shared-memory index rebuilt whenever the copy is opened: no data
    files = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.name != SUMS and not p.name.endswith("-shm")
    )  # fmt: skip
    lines = [f"{_sha256(p)}  {p.relative_to(folder).as_posix()}" for p in files]
    (folder / SUMS).write_text("\n".join(lines) + "\n")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prune(parent: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups in `parent` (folders holding a manifest)."""
    found = sorted((p for p in parent.iterdir() if (p / MANIFEST).is_file()), key=lambda p: p.name)
    removed = found[:-keep] if keep > 0 else []
    for folder in removed:
        shutil.rmtree(folder)
    return removed
