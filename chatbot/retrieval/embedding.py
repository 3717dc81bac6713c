"""Dense embeddings with sentence-transformers, using the model's query/document prompts.

The number format follows the CPU (`choose_precision`): bfloat16 where it has AMX or AVX-512 BF16
(PyTorch's oneDNN kernels; vectors at cosine >= 0.9999 to float32, so one index serves both);
int8 through ONNX Runtime on CPUs with VNNI where `guichet models pull` exported it (the `int8`
extra; `export_int8`; cosine ~0.997 to float32), float32 otherwise (bfloat16 without those
instructions is emulated and slower).
`LazyEmbedder` loads the model on its first embedding only, so that an unchanged ingestion
never pays for it; its name and dimension come from the model folder's configuration files.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from chatbot.domain import GuichetError
from chatbot.models import ModelIntegrityError, sha256_of

# Nothing is fetched from a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

BatchDone = Callable[[int], None]
Precision = Literal["auto", "float32", "bfloat16", "int8"]
PRECISIONS: tuple[str, ...] = ("auto", "float32", "bfloat16", "int8")
_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
_VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni"})
INT8_MISSING_HINT = (
    "run `guichet models pull` with the int8 extra installed (deploy/install.sh VENV int8), "
    "or set GUICHET_EMBEDDING_PRECISION=float32"
)


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


def int8_variant(flags: frozenset[str]) -> str | None:
    """sentence-transformers' int8 preset for this CPU: avx512_vnni (unsigned activations, signed
    weights: ONNX Runtime's VNNI kernels) where it has AVX-512 VNNI or AVX-VNNI, avx2 (both
    unsigned, no saturation without VNNI) on other x86-64 CPUs with AVX2, none elsewhere."""
    if flags & _VNNI_FLAGS:
        return "avx512_vnni"
    if "avx2" in flags:
        return "avx2"
    return None


def int8_file(variant: str) -> str:
    """The int8 model's path inside the model folder (sentence-transformers' naming)."""
    return f"onnx/model_qint8_{variant}.onnx"


def checksum_file(model_file: Path) -> Path:
    """The sha256 file written beside an exported model (`sha256sum` format)."""
    return model_file.with_name(model_file.name + ".sha256")


def int8_runtime_installed() -> bool:
    """Whether ONNX Runtime and optimum-onnx (the `int8` extra) can be imported."""
    try:
        return all(
            importlib.util.find_spec(name) is not None
            for name in ("onnxruntime", "optimum.onnxruntime")
        )
    except (ImportError, ValueError):
        return False


def int8_ready(path: Path, flags: frozenset[str]) -> bool:
    """Whether the folder holds this CPU's int8 export with its checksum file, and the runtime
    to run it is installed (the checksum itself is checked when the model loads)."""
    variant = int8_variant(flags)
    if variant is None:
        return False
    model_file = path / int8_file(variant)
    return model_file.is_file() and checksum_file(model_file).is_file() and int8_runtime_installed()


def choose_precision(
    requested: str,
    device: str = "cpu",
    flags: frozenset[str] | None = None,
    path: Path | None = None,
) -> str:
    """The number format to load the embedder in: an explicit choice wins; 'auto' gives bfloat16
    on a CPU with AVX-512 BF16 or AMX, int8 on a CPU with VNNI where the model folder `path` holds
    its int8 export, float32 otherwise and on GPUs. On AVX2 without VNNI int8 is only chosen
    explicitly: there it embedded queries 2.4x faster but passages no faster than float32."""
    if requested not in PRECISIONS:
        raise GuichetError(
            f"Unknown embedding precision {requested!r}: use auto, float32, bfloat16 or int8 "
            "(GUICHET_EMBEDDING_PRECISION)."
        )
    if requested == "int8" and device != "cpu":
        raise GuichetError(
            f"int8 embeddings run on the CPU (ONNX Runtime), not on {device!r}: set "
            "GUICHET_EMBEDDING_PRECISION to auto or float32, or GUICHET_EMBEDDING_DEVICE=cpu."
        )
    if requested != "auto":
        return requested
    if device != "cpu":
        return "float32"
    available = cpu_flags() if flags is None else flags
    if available & _BF16_FLAGS:
        return "bfloat16"
    if available & _VNNI_FLAGS and path is not None and int8_ready(path, available):
        return "int8"
    return "float32"


def int8_model_file(path: Path, flags: frozenset[str] | None = None) -> str:
    """The int8 model for this CPU inside the folder, checked against its recorded sha256;
    returns its path relative to the folder. Raises GuichetError with the fix."""
    variant = int8_variant(cpu_flags() if flags is None else flags)
    if variant is None:
        raise GuichetError(
            "int8 embeddings need an x86-64 CPU with AVX2: set GUICHET_EMBEDDING_PRECISION=float32."
        )
    if not int8_runtime_installed():
        raise GuichetError(
            f"int8 embeddings need ONNX Runtime and optimum-onnx: {INT8_MISSING_HINT}."
        )
    relative = int8_file(variant)
    model_file = path / relative
    recorded = checksum_file(model_file)
    if not model_file.is_file() or not recorded.is_file():
        raise GuichetError(f"The int8 embedder {model_file} is missing: {INT8_MISSING_HINT}.")
    fields = recorded.read_text().split()
    expected = fields[0] if fields else ""
    actual = sha256_of(model_file)
    if actual != expected:
        raise ModelIntegrityError(
            f"{model_file} has sha256 {actual}, {recorded.name} says {expected or 'nothing'}: "
            "delete both and run `guichet models pull` again."
        )
    return relative


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

        self.precision = choose_precision(precision, device, path=path)
        dtype = torch.bfloat16 if self.precision == "bfloat16" else torch.float32
        options: dict[str, Any] = {"model_kwargs": {"torch_dtype": dtype}}
        if self.precision == "int8":  # ONNX Runtime for the transformer, torch for the Dense heads
            options = {"backend": "onnx", "model_kwargs": {
                "file_name": int8_model_file(path), "provider": "CPUExecutionProvider"}}  # fmt: skip
        try:
            self._model: Any = SentenceTransformer(
                str(path), device=device, local_files_only=True, trust_remote_code=False, **options
            )
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
        self.precision = choose_precision(precision, device, path=path)
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


def export_int8(
    path: Path, flags: frozenset[str] | None = None, progress: Callable[[str], None] = print
) -> Path | None:
    """Export the folder's model to int8 ONNX for this CPU (`onnx/model_qint8_<variant>.onnx`,
    its sha256 in a `.sha256` file beside it) through sentence-transformers' ONNX backend; a
    verified export is kept. Returns the file, or None where int8 is not offered here (no AVX2,
    or the `int8` extra not installed). The folder's pinned files are left untouched.

    Dynamic quantisation (weights int8 per channel, activations per batch) of the MatMuls with
    weights, except the MLP down-projections: their inputs carry Gemma's large activation outliers,
    and quantising them too left EmbeddingGemma's passage vectors at cosine 0.93 to float32
    (0.997 without them, queries 0.998)."""
    available = cpu_flags() if flags is None else flags
    variant = int8_variant(available)
    if variant is None or not int8_runtime_installed():
        return None
    model_file = path / int8_file(variant)
    recorded = checksum_file(model_file)
    if model_file.is_file() and recorded.is_file():
        try:
            int8_model_file(path, available)
        except ModelIntegrityError as error:
            progress(f"  int8 export fails verification ({error}); exporting again")
        else:
            progress(f"  int8 ({variant}): present and verified ({model_file})")
            return model_file

    progress(f"  exporting to ONNX and quantising to int8 ({variant}); a few minutes")
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    recorded.unlink(missing_ok=True)
    with (
        warnings.catch_warnings(),  # the ONNX tracer's warnings on Gemma's masks are expected
        tempfile.TemporaryDirectory(prefix=".int8-", dir=path.parent) as tmp,
    ):
        warnings.simplefilter("ignore")
        model, config = _quantisable(path, variant)
        export_dynamic_quantized_onnx_model(model, config, tmp, file_suffix=f"qint8_{variant}")
        staged = Path(tmp) / int8_file(variant)
        digest = sha256_of(staged)
        model_file.parent.mkdir(exist_ok=True)
        staged.replace(model_file)
    recorded.write_text(f"{digest}  {model_file.name}\n")
    progress(f"  int8 ({variant}): exported and checksummed ({model_file})")
    return model_file


def _quantisable(path: Path, variant: str) -> tuple[Any, Any]:
    """The model loaded through the ONNX backend (exported to float32 ONNX in a temporary
    folder) and the quantisation config naming the MatMuls to quantise (see `export_int8`)."""
    import onnx
    from optimum.onnxruntime import ORTQuantizer
    from optimum.onnxruntime.configuration import AutoQuantizationConfig
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    for name in ("sentence_transformers.backend", "optimum"):  # advice to save, to re-export
        logging.getLogger(name).setLevel(logging.ERROR)
    model = SentenceTransformer(
        str(path), device="cpu", backend="onnx", local_files_only=True,
        model_kwargs={"export": True},
    )  # fmt: skip
    source = ORTQuantizer.from_pretrained(model.transformers_model).onnx_model_path
    graph = onnx.load(str(source), load_external_data=False).graph
    weights = {initializer.name for initializer in graph.initializer}
    nodes = [
        node.name for node in graph.node
        if node.op_type == "MatMul" and any(name in weights for name in node.input)
        and "down_proj" not in node.name
    ]  # fmt: skip
    config = getattr(AutoQuantizationConfig, variant)(
        is_static=False, nodes_to_quantize=nodes, operators_to_quantize=["MatMul"]
    )
    return model, config
