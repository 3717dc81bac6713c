"""Dense embeddings with sentence-transformers, using the model's query/document prompts."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chatbot.domain import GuichetError

# Nothing is fetched from a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

BatchDone = Callable[[int], None]


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder (normalised vectors)."""

    def __init__(self, path: Path, name: str, device: str = "cpu", batch_size: int = 16) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        try:
            self._model: Any = SentenceTransformer(
                str(path), device=device, local_files_only=True, trust_remote_code=False
            )
        except (OSError, ValueError) as error:
            raise GuichetError(
                f"Could not load the embedder from {path}: {error}. "
                "Run `guichet models pull` or check GUICHET_EMBEDDER_PATH."
            ) from error
        self.name = name
        self.batch_size = batch_size
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._document_prompt = "document" if "document" in prompts else None
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dimension = get_dimension()
        if not dimension:
            raise GuichetError(f"The embedder at {path} does not report its dimension.")
        self.dimension: int = int(dimension)

    def embed_documents(
        self, texts: Sequence[str], on_batch: BatchDone | None = None
    ) -> list[list[float]]:
        """Embed passages with the model's document prompt, batch by batch."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            encoded = self._model.encode(
                batch,
                prompt_name=self._document_prompt,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            vectors.extend(row.tolist() for row in encoded)
            if on_batch is not None:
                on_batch(len(batch))
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed questions with the model's query prompt."""
        encoded = self._model.encode(
            list(texts),
            prompt_name=self._query_prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [row.tolist() for row in encoded]
