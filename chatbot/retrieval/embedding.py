"""Dense embeddings with sentence-transformers, using the model's query/document prompts.

The number format follows the CPU (`choose_precision`): bfloat16 where it has AMX or AVX-512 BF16
(PyTorch's oneDNN kernels; vectors at cosine >= 0.9999 to float32, so one index serves both),
float32 elsewhere (bfloat16 without those instructions is emulated and slower).
`LazyEmbedder` loads the model on its first embedding only, so that an unchanged ingestion
never pays for it; its name and dimension come from the model folder's configuration files.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from chatbot.domain import GuichetError

# Nothing is fetched from a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

BatchDone = Callable[[int], None]
Precision = Literal["auto", "float32", "bfloat16"]
_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags of the first CPU in /proc/cpuinfo (empty where unreadable)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in {"flags", "Features"}:
            return frozenset(value.split())
    return frozenset()


def choose_precision(
    requested: str, device: str = "cpu", flags: frozenset[str] | None = None
) -> str:
    """The number format to load the embedder in: an explicit choice wins; 'auto' gives bfloat16
    on a CPU with AVX-512 BF16 or AMX, float32 on other CPUs and on GPUs' default path."""
    if requested not in {"auto", "float32", "bfloat16"}:
        raise GuichetError(
            f"Unknown embedding precision {requested!r}: use auto, float32 or bfloat16 "
            "(GUICHET_EMBEDDING_PRECISION)."
        )
    if requested != "auto":
        return requested
    if device != "cpu":
        return "float32"
    available = cpu_flags() if flags is None else flags
    return "bfloat16" if available & _BF16_FLAGS else "float32"


def by_length(texts: Sequence[str]) -> list[int]:
    """Positions of texts from longest to shortest (batches of similar length pad little)."""
    return sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder (normalised vectors)."""

    def __init__(
        self,
        path: Path,
        name: str,
        device: str = "cpu",
        batch_size: int = 16,
        precision: str = "auto",
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        self.precision = choose_precision(precision, device)
        dtype = torch.bfloat16 if self.precision == "bfloat16" else torch.float32
        try:
            self._model: Any = SentenceTransformer(
                str(path), device=device, local_files_only=True, trust_remote_code=False,
                model_kwargs={"torch_dtype": dtype},
            )  # fmt: skip
        except (OSError, ValueError) as error:
            raise GuichetError(
                f"Could not load the embedder from {path}: {error}. "
                "Run `guichet models pull` or check GUICHET_EMBEDDER_PATH."
            ) from error
        if self.precision == "bfloat16":
            self._model.to(torch.bfloat16)  # the Dense heads too, not only the transformer
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

    def _encode(self, texts: list[str], prompt: str | None) -> list[list[float]]:
        encoded = self._model.encode(
            texts,
            prompt_name=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [row.tolist() for row in encoded.astype("float32")]

    def embed_documents(
        self, texts: Sequence[str], on_batch: BatchDone | None = None
    ) -> list[list[float]]:
        """Embed passages with the model's document prompt, in batches of similar length;
        the vectors come back in the order of `texts`."""
        order = by_length(texts)
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            positions = order[start : start + self.batch_size]
            encoded = self._encode([texts[i] for i in positions], self._document_prompt)
            for position, vector in zip(positions, encoded, strict=True):
                vectors[position] = vector
            if on_batch is not None:
                on_batch(len(positions))
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed questions with the model's query prompt."""
        return self._encode(list(texts), self._query_prompt)


def folder_dimension(path: Path) -> int:
    """The output dimension of a sentence-transformers folder, read from its config files:
    the last Dense module's out_features, else the Pooling module's dimension."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        dimension = 0
        for module in modules:
            kind = str(module.get("type", ""))
            config_file = path / str(module.get("path", "")) / "config.json"
            if kind.endswith(".Pooling"):
                dimension = int(json.loads(config_file.read_text())["word_embedding_dimension"])
            elif kind.endswith(".Dense"):
                dimension = int(json.loads(config_file.read_text())["out_features"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GuichetError(f"Cannot read the embedder's dimension from {path}: {error}") from error
    if dimension <= 0:
        raise GuichetError(f"The embedder folder {path} names no Pooling or Dense module.")
    return dimension


class LazyEmbedder:
    """An embedder whose model is loaded on the first embedding call (thread-safe).

    `name` and `dimension` are known without loading (from the folder's config files), so that
    the index can be opened and an unchanged ingestion finishes without the model in memory.
    """

    def __init__(
        self,
        path: Path,
        name: str,
        device: str = "cpu",
        batch_size: int = 16,
        precision: str = "auto",
    ) -> None:
        self.path = path
        self.name = name
        self.device = device
        self.batch_size = batch_size
        self.precision = choose_precision(precision, device)
        self.dimension: int = folder_dimension(path)
        self._model: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded."""
        return self._model is not None

    def load(self) -> SentenceTransformerEmbedder:
        """The loaded model (loading it now if needed)."""
        with self._lock:
            if self._model is None:
                model = SentenceTransformerEmbedder(
                    self.path, self.name, self.device, self.batch_size, self.precision
                )
                if model.dimension != self.dimension:
                    raise GuichetError(
                        f"The embedder at {self.path} gives {model.dimension} dimensions, its "
                        f"config files say {self.dimension}."
                    )
                self._model = model
            return self._model

    def embed_documents(
        self, texts: Sequence[str], on_batch: BatchDone | None = None
    ) -> list[list[float]]:
        """Embed passages (loads the model unless there is nothing to embed)."""
        if not texts:
            return []
        return self.load().embed_documents(texts, on_batch)

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed questions (loads the model unless there is nothing to embed)."""
        if not texts:
            return []
        return self.load().embed_queries(texts)
