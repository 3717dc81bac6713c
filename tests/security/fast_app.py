"""The real app over fakes for everything that needs a model: a fixed index holding a hostile
document, an embedder hashing words, and a generator quoting its first source. The store is the
real one (SQLite in a temporary folder), so are the middlewares, the pages and the queue. Builds
in well under a second; used by the hostile-input table, the fuzzing and `make fuzz`."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from chatbot.api.app import create_app
from chatbot.domain import Chunk, IndexedDocument, Passage, SourceInfo
from chatbot.generation.queue import RequestQueue
from chatbot.ports import GenerationOptions, Message
from chatbot.privacy.redaction import Redactor
from chatbot.settings import Settings
from chatbot.text.lexical import FrenchBM25Encoder
from chatbot.wiring import (
    SearchServices,
    Services,
    build_answerer,
    build_energy_meter,
    build_retention,
    build_storage,
    turn_limits,
)

HOSTILE_URL = "javascript:alert(document.cookie)"
HOSTILE_TITLE = "<script>alert('titre')</script>Collecte des déchets"
HOSTILE_TEXT = (
    "Les encombrants sont collectés le premier lundi du mois. "
    "<img src=x onerror=alert('texte')> Déposez-les la veille au soir."
)
SAFE = SourceInfo("dechets", "Collecte des déchets", url="https://www.ville.example/dechets",
                  commune="Orsay")  # fmt: skip
HOSTILE = SourceInfo("piege", HOSTILE_TITLE, url=HOSTILE_URL, commune="<b>Orsay</b>")
CHUNKS = [
    Chunk(
        "dechets-0",
        SAFE,
        0,
        "Les encombrants sont collectés le premier lundi du mois.",
        headings=("Encombrants",),
    ),
    Chunk("piege-0", HOSTILE, 0, HOSTILE_TEXT, headings=("<h1>Titre</h1>",), page=2),
]


class HashingEmbedder:
    """Bag of hashed words on 16 dimensions, normalised (deterministic, no model)."""

    name = "hashing-embedder"
    dimension = 16

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in text.lower().split():
            vector[hashlib.sha256(word.encode("utf-8", "replace")).digest()[0] % 16] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_documents(self, texts: Sequence[str], on_batch: Any = None) -> list[list[float]]:
        return self.embed_queries(texts)


class FixedIndex:
    """The two documents above, read-only."""

    collection = "fake"

    def count(self) -> int:
        return len(CHUNKS)

    def documents(self) -> dict[str, IndexedDocument]:
        return {c.source.source_id: IndexedDocument(c.source.source_id, "v1", c.path, 1,
                                                    c.source.title, c.source.commune)
                for c in CHUNKS}  # fmt: skip

    def document_chunks(self, source_id: str) -> list[Chunk]:
        return [c for c in CHUNKS if c.source.source_id == source_id]

    def close(self) -> None:
        pass


class FixedRetriever:
    """Every passage for every question (the hostile one first)."""

    def search(self, question: str, limit: int | None = None, filters: Any = None) -> list[Passage]:
        passages = [Passage(c, 0.03, 0.9, 1.0) for c in reversed(CHUNKS)]
        return passages[: limit or len(passages)]


class QuotingGenerator:
    """Quotes the first sentence of the text after the first \"\"\" of the prompt, with [1],
    word by word, waiting `delay_s` before the first word (to hold the model in a burst)."""

    name = "quoting-generator"

    def __init__(self, queue: RequestQueue, delay_s: float = 0.0) -> None:
        self.queue = queue
        self.delay_s = delay_s

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[str]:
        with self.queue.turn():
            time.sleep(self.delay_s)
            prompt = "\n".join(m["content"] for m in messages)
            quoted = prompt.split('"""\n', 1)[-1].split(". ", 1)[0].split("\n", 1)[0]
            words = (quoted.rstrip(".") + " [1].").split(" ")[: options.max_tokens]
            for n, word in enumerate(words):
                yield word if n == len(words) - 1 else word + " "

    def close(self) -> None:
        pass


def fast_settings(data_dir: Path, **extra: Any) -> Settings:
    """Settings for the fast app: no names model, no purge thread, short answers."""
    values: dict[str, Any] = {"data_dir": data_dir, "redact_person_names": False,
                              "purge_interval_hours": 0, "max_answer_tokens": 16,
                              "relevance_threshold": 0.0, "support_threshold": 0.0,
                              "meaning_support_threshold": 0.0,
                              "queue_size": 2, "queue_timeout_s": 10.0}  # fmt: skip
    return Settings(**{**values, **extra})


def fast_services(settings: Settings, delay_s: float = 0.0) -> Services:
    """Services with the fakes above and the real store, queue and pipeline."""
    from chatbot.answering.turns import ConversationService

    search = SearchServices(HashingEmbedder(), FixedIndex(), FrenchBM25Encoder(),  # type: ignore[arg-type]
                            FixedRetriever())  # type: ignore[arg-type]  # fmt: skip
    generator = QuotingGenerator(RequestQueue(settings.queue_size, settings.queue_timeout_s,
                                              typical_answer_s=2.0), delay_s)  # fmt: skip
    storage = build_storage(settings, redactor=Redactor())
    answerer = build_answerer(settings, search, generator)
    conversations = ConversationService(answerer, storage.conversations, turn_limits(settings),
                                        generator.queue, energy=build_energy_meter(settings))  # fmt: skip
    values: dict[str, Any] = {"settings": settings, "search": search, "generator": generator,
                              "answerer": answerer, "storage": storage,
                              "conversations": conversations,
                              "retention": build_retention(settings, storage.conversations)}  # fmt: skip
    if "crawl" in {f.name for f in fields(Services)}:  # the service's re-crawl (off here)
        from chatbot import wiring

        values["crawl"] = wiring.build_crawl_schedule(settings, search)  # type: ignore[attr-defined]
    return Services(**values)


def fast_app(data_dir: Path, delay_s: float = 0.0, **extra: Any) -> tuple[Any, Services]:
    """The app and its services (use the app in a TestClient's `with` block)."""
    settings = fast_settings(data_dir, **extra)
    services = fast_services(settings, delay_s)
    return create_app(settings, services), services
