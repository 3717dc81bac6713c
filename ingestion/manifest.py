"""The optional manifest of a folder: sources.yaml or sources.csv giving each document's metadata."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from chatbot.domain import GuichetError

MANIFEST_NAMES = ("sources.yaml", "sources.yml", "sources.csv")
IGNORE_FILE = ".guichetignore"
FIELDS = ("id", "path", "title", "url", "date", "commune", "licence", "official", "payments")
_TRUE = {"true", "yes", "oui", "1"}


class ManifestError(GuichetError):
    """A manifest that cannot be used as written."""


@dataclass(frozen=True)
class ManifestEntry:
    """Metadata the manifest gives for one document; empty strings mean 'not given'."""

    id: str
    path: str = ""
    title: str = ""
    url: str = ""
    date: str = ""
    commune: str = ""
    licence: str = ""
    official: str = ""  # "true": its phones, e-mails and links are the authority's own contacts
    payments: str = ""  # "true": it may carry payment requests and bank details to residents

    @property
    def is_official(self) -> bool:
        """Whether the manifest marks the document as an official source of contacts."""
        return self.official.lower() in _TRUE

    @property
    def allows_payments(self) -> bool:
        """Whether the manifest allows the document's payment details to reach residents."""
        return self.payments.lower() in _TRUE


class Manifest:
    """Entries of one folder's manifest, found by relative path or by id (the file's stem)."""

    def __init__(self, source: Path, entries: list[ManifestEntry]) -> None:
        self.source = source
        self.by_path: dict[str, ManifestEntry] = {}
        self.by_id: dict[str, ManifestEntry] = {}
        for entry in entries:
            if entry.id in self.by_id:
                raise ManifestError(f"{source}: id {entry.id!r} appears twice.")
            self.by_id[entry.id] = entry
            if entry.path:
                self.by_path[str(PurePosixPath(entry.path))] = entry

    def lookup(self, relative: PurePosixPath) -> ManifestEntry | None:
        """The entry for a file: by its path in the folder, else by its stem as id."""
        return self.by_path.get(str(relative)) or self.by_id.get(relative.stem)

    def __len__(self) -> int:
        return len(self.by_id)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _entry(raw: dict[str, Any], where: str) -> ManifestEntry:
    values = {key.strip().lower(): _text(value) for key, value in raw.items() if key}
    if "file" in values and "path" not in values:
        values["path"] = values.pop("file")
    if "license" in values and "licence" not in values:
        values["licence"] = values.pop("license")
    if not values.get("id"):
        if not values.get("path"):
            raise ManifestError(f"{where}: an entry needs an 'id' or a 'path'.")
        values["id"] = PurePosixPath(values["path"]).stem
    return ManifestEntry(**{key: values.get(key, "") for key in FIELDS})


def read_manifest(folder: Path) -> Manifest | None:
    """Read the folder's manifest if it has one; raise ManifestError naming the problem."""
    for name in MANIFEST_NAMES:
        path = folder / name
        if path.is_file():
            return read_manifest_file(path)
    return None


def read_manifest_file(path: Path) -> Manifest:
    """Read a manifest file (.yaml, .yml or .csv) wherever it is."""
    if not path.is_file():
        raise ManifestError(f"manifest {path} does not exist.")
    if path.suffix.lower() == ".csv":
        return Manifest(path, _read_csv(path))
    if path.suffix.lower() in {".yaml", ".yml"}:
        return Manifest(path, _read_yaml(path))
    raise ManifestError(f"manifest {path} must be a .yaml, .yml or .csv file.")


def _read_yaml(path: Path) -> list[ManifestEntry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ManifestError(f"{path} is not valid YAML: {error}") from error
    if isinstance(data, dict) and "documents" in data:
        data = data["documents"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise ManifestError(f"{path}: expected a list of documents (or a 'documents:' list).")
    entries = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ManifestError(f"{path}: document #{number} is not a mapping of fields.")
        entries.append(_entry(item, f"{path}, document #{number}"))
    return entries


def _read_csv(path: Path) -> list[ManifestEntry]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"id", "path", "file"} & {
            name.strip().lower() for name in reader.fieldnames
        }:
            raise ManifestError(f"{path}: the header must have an 'id' or a 'path' column.")
        return [_entry(row, f"{path}, line {reader.line_num}") for row in reader]


def read_ignore_patterns(folder: Path) -> list[str]:
    """Glob patterns from the folder's .guichetignore (one a line, '#' comments)."""
    path = folder / IGNORE_FILE
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def is_ignored(relative: PurePosixPath, patterns: list[str]) -> bool:
    """Whether a relative path matches one of the ignore patterns (or any of its folders does)."""
    candidates = [
        str(relative),
        relative.name,
        *(str(p) for p in relative.parents if str(p) != "."),
    ]
    return any(fnmatch.fnmatch(c, pattern.rstrip("/")) for c in candidates for pattern in patterns)
