"""The intent classifier: nearest neighbours of a question among labelled example questions.

The examples (`intent_examples.yaml`, French and English with some Spanish, Portuguese and
Arabic) are embedded once, on first use, with the same embedder as retrieval, and kept in memory;
with a cache folder, their vectors are also kept on disk under the embedder's name and a hash of
the examples, so that a new process (`guichet ask`) does not embed them again.
A question's label is a similarity-weighted vote of its k nearest examples.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from chatbot.domain import GuichetError

EXAMPLES_FILE = Path(__file__).with_name("intent_examples.yaml")
FAMILIES = ("political", "personal_data", "emergency", "personal_advice", "answer")


class QueryEmbedder(Protocol):
    """What the classifier needs from an embedder (the same as `chatbot.ports.QueryEmbedder`)."""

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised vectors of questions."""
        ...


@dataclass(frozen=True)
class Example:
    """One labelled example question."""

    text: str
    family: str
    detail: str
    language: str


@dataclass(frozen=True)
class Neighbour:
    """An example close to the question, with its cosine similarity."""

    example: Example
    similarity: float


@dataclass(frozen=True)
class IntentVote:
    """The vote of the nearest examples: the winning family, its share, and per-family evidence."""

    family: str
    confidence: float
    neighbours: tuple[Neighbour, ...]
    scores: dict[str, float]
    best: dict[str, Neighbour]

    def top(self, family: str) -> float:
        """The similarity of the closest example of a family among all examples (0 when none)."""
        neighbour = self.best.get(family)
        return neighbour.similarity if neighbour else 0.0


def load_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    """Read the labelled examples; raise naming the file and group when one is malformed."""
    try:
        groups = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as error:
        raise GuichetError(f"Cannot read the safety examples {path}: {error}") from error
    examples: list[Example] = []
    for number, group in enumerate(groups, start=1):
        family = group.get("family") if isinstance(group, dict) else None
        if family not in FAMILIES:
            raise GuichetError(f"{path}: group #{number} needs a family among {FAMILIES}.")
        detail = str(group.get("detail", family))
        for language, texts in group.items():
            if language in ("family", "detail"):
                continue
            examples.extend(Example(str(t), family, detail, str(language)) for t in texts or ())
    if not examples:
        raise GuichetError(f"{path} holds no example questions.")
    return examples


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


class IntentClassifier:
    """k-nearest-neighbour vote over the labelled examples (vectors computed once, lazily)."""

    def __init__(
        self,
        embedder: QueryEmbedder,
        examples: Sequence[Example] | None = None,
        k: int = 5,
        cache_dir: Path | None = None,
    ) -> None:
        self.embedder = embedder
        self.examples = list(examples) if examples is not None else load_examples()
        self.k = k
        self.cache_file = None if cache_dir is None else cache_dir / self._cache_name()
        self._vectors: list[list[float]] | None = None
        self._lock = threading.Lock()

    def _cache_name(self) -> str:
        name = str(getattr(self.embedder, "name", type(self.embedder).__name__))
        texts = json.dumps([e.text for e in self.examples], ensure_ascii=False)
        digest = hashlib.sha256(f"{name}\n{texts}".encode()).hexdigest()[:16]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return f"safety-examples-{safe}-{digest}.json"

    def _example_vectors(self) -> list[list[float]]:
        with self._lock:
            if self._vectors is None:
                self._vectors = self._cached() or self._embed_and_keep()
            return self._vectors

    def _cached(self) -> list[list[float]] | None:
        """The vectors kept on disk for these examples and this embedder (None: none usable)."""
        if self.cache_file is None:
            return None
        try:
            vectors = json.loads(self.cache_file.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(vectors, list) or len(vectors) != len(self.examples):
            return None
        return [[float(x) for x in vector] for vector in vectors]

    def _embed_and_keep(self) -> list[list[float]]:
        vectors = self.embedder.embed_queries([e.text for e in self.examples])
        if self.cache_file is not None:
            try:  # a cache that cannot be written only costs the next process the embedding
                self.cache_file.parent.mkdir(parents=True, exist_ok=True)
                partial = self.cache_file.with_suffix(".tmp")
                partial.write_text(json.dumps(vectors))
                partial.replace(self.cache_file)
            except OSError:
                pass
        return vectors

    def warm_up(self) -> None:
        """Embed the examples now rather than on the first question."""
        self._example_vectors()

    def classify(self, text: str) -> IntentVote:
        """The nearest examples' vote for one text."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[IntentVote]:
        """The nearest examples' vote for each text (one embedding call)."""
        vectors = self._example_vectors()
        queries = self.embedder.embed_queries(list(texts)) if texts else []
        return [self._vote(query, vectors) for query in queries]

    def _vote(self, query: Sequence[float], vectors: list[list[float]]) -> IntentVote:
        ranked = sorted(
            (Neighbour(e, _dot(query, v)) for e, v in zip(self.examples, vectors, strict=True)),
            key=lambda n: (-n.similarity, n.example.text),
        )
        best: dict[str, Neighbour] = {}
        for neighbour in ranked:
            best.setdefault(neighbour.example.family, neighbour)
        nearest = tuple(ranked[: self.k])
        scores = dict.fromkeys(FAMILIES, 0.0)
        for neighbour in nearest:
            scores[neighbour.example.family] += max(neighbour.similarity, 0.0)
        total = sum(scores.values()) or 1.0
        family = max(FAMILIES, key=lambda f: (scores[f], -FAMILIES.index(f)))
        return IntentVote(family, scores[family] / total, nearest, scores, best)
