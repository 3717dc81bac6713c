"""How the embedder's number format is chosen, and how the int8 export is found and checked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from chatbot.domain import GuichetError
from chatbot.models import ModelIntegrityError
from chatbot.retrieval import embedding
from chatbot.retrieval.embedding import (
    choose_precision,
    export_int8,
    int8_file,
    int8_model_file,
    int8_ready,
    int8_variant,
)

AVX2 = frozenset({"avx", "avx2", "fma"})
VNNI = AVX2 | {"avx512f", "avx512_vnni"}
AVX_VNNI = AVX2 | {"avx_vnni"}  # Alder Lake and later client CPUs: VNNI on 256-bit registers
BF16 = VNNI | {"avx512_bf16", "amx_bf16"}


def fake_export(folder: Path, variant: str, checksum: str | None = None) -> Path:
    """A model folder holding a stand-in int8 file and its sha256 file."""
    model_file = folder / int8_file(variant)
    model_file.parent.mkdir(parents=True, exist_ok=True)
    model_file.write_bytes(b"not really onnx")
    digest = checksum or hashlib.sha256(b"not really onnx").hexdigest()
    model_file.with_name(model_file.name + ".sha256").write_text(f"{digest}  {model_file.name}\n")
    return model_file


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """ONNX Runtime and optimum-onnx treated as installed."""
    monkeypatch.setattr(embedding, "int8_runtime_installed", lambda: True)


@pytest.fixture
def no_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """ONNX Runtime and optimum-onnx treated as absent."""
    monkeypatch.setattr(embedding, "int8_runtime_installed", lambda: False)


def test_the_int8_preset_follows_the_cpu() -> None:
    assert int8_variant(VNNI) == "avx512_vnni"
    assert int8_variant(AVX_VNNI) == "avx512_vnni"  # the same signed-weight format
    assert int8_variant(AVX2) == "avx2"
    assert int8_variant(frozenset({"sse4_2"})) is None
    assert int8_variant(frozenset({"asimd", "fp"})) is None  # arm64: not offered
    assert int8_file("avx2") == "onnx/model_qint8_avx2.onnx"


def test_auto_prefers_bfloat16_then_int8_then_float32(tmp_path: Path, runtime: None) -> None:
    fake_export(tmp_path, "avx2")
    fake_export(tmp_path, "avx512_vnni")
    assert choose_precision("auto", flags=BF16, path=tmp_path) == "bfloat16"
    assert choose_precision("auto", flags=VNNI, path=tmp_path) == "int8"
    assert choose_precision("auto", flags=AVX_VNNI, path=tmp_path) == "int8"
    assert choose_precision("auto", flags=VNNI) == "float32"  # no folder given
    assert choose_precision("auto", flags=frozenset({"sse4_2"}), path=tmp_path) == "float32"
    assert choose_precision("auto", device="cuda", flags=AVX2, path=tmp_path) == "float32"


def test_auto_keeps_float32_on_avx2_without_vnni(tmp_path: Path, runtime: None) -> None:
    """Measured: the avx2 (u8u8) export embedded passages no faster than float32."""
    fake_export(tmp_path, "avx2")
    assert int8_ready(tmp_path, AVX2)
    assert choose_precision("auto", flags=AVX2, path=tmp_path) == "float32"
    assert choose_precision("int8", flags=AVX2, path=tmp_path) == "int8"


def test_auto_stays_float32_without_this_cpus_export(tmp_path: Path, runtime: None) -> None:
    assert choose_precision("auto", flags=VNNI, path=tmp_path) == "float32"
    fake_export(tmp_path, "avx2")
    assert choose_precision("auto", flags=VNNI, path=tmp_path) == "float32"  # another preset
    fake_export(tmp_path, "avx512_vnni")
    checksum = tmp_path / "onnx" / "model_qint8_avx512_vnni.onnx.sha256"
    checksum.unlink()
    assert not int8_ready(tmp_path, VNNI)  # an export without its checksum is unfinished
    assert choose_precision("auto", flags=VNNI, path=tmp_path) == "float32"


def test_auto_stays_float32_without_the_runtime(tmp_path: Path, no_runtime: None) -> None:
    fake_export(tmp_path, "avx512_vnni")
    assert choose_precision("auto", flags=VNNI, path=tmp_path) == "float32"


def test_an_explicit_choice_wins(tmp_path: Path) -> None:
    assert choose_precision("int8", flags=BF16) == "int8"
    assert choose_precision("float32", flags=BF16, path=tmp_path) == "float32"
    assert choose_precision("bfloat16", flags=AVX2) == "bfloat16"
    with pytest.raises(GuichetError, match="CPU"):
        choose_precision("int8", device="cuda")
    with pytest.raises(GuichetError, match="auto, float32, bfloat16 or int8"):
        choose_precision("int4")


def test_the_int8_file_is_checked_against_its_sha256(tmp_path: Path, runtime: None) -> None:
    fake_export(tmp_path, "avx2")
    assert int8_model_file(tmp_path, AVX2) == "onnx/model_qint8_avx2.onnx"
    fake_export(tmp_path, "avx2", checksum="0" * 64)
    with pytest.raises(ModelIntegrityError, match="guichet models pull"):
        int8_model_file(tmp_path, AVX2)


def test_a_missing_int8_file_says_how_to_get_it(tmp_path: Path, runtime: None) -> None:
    with pytest.raises(GuichetError, match="guichet models pull"):
        int8_model_file(tmp_path, AVX2)
    with pytest.raises(GuichetError, match="AVX2"):
        int8_model_file(tmp_path, frozenset({"sse4_2"}))


def test_int8_without_the_runtime_names_the_extra(tmp_path: Path, no_runtime: None) -> None:
    fake_export(tmp_path, "avx2")
    with pytest.raises(GuichetError, match="int8 extra"):
        int8_model_file(tmp_path, AVX2)


def test_export_is_skipped_where_int8_is_not_offered(tmp_path: Path, no_runtime: None) -> None:
    assert export_int8(tmp_path, AVX2, progress=lambda _: None) is None
    assert not (tmp_path / "onnx").exists()


def test_a_verified_export_is_kept(tmp_path: Path, runtime: None) -> None:
    model_file = fake_export(tmp_path, "avx2")
    lines: list[str] = []
    assert export_int8(tmp_path, AVX2, progress=lines.append) == model_file
    assert "present and verified" in lines[0]
