#!/usr/bin/env python3
"""Print CMAKE_ARGS for building llama-cpp-python on this CPU.

ggml's native build enables the AMX backend, which crashes on the first decode on some
Xeon CPUs; a non-native build with exactly the instruction sets this CPU reports stays
fast and never uses AMX. Set GUICHET_LLAMA_CMAKE_ARGS to override (e.g. "-DGGML_CUDA=on").

`--level LEVEL` builds for a CPU level instead of this CPU, for images run on other machines:
x86-64-v2 (SSE4.2 only), x86-64-v3 (AVX2, FMA, F16C: Intel since 2013, AMD since 2015; the
image's default) or x86-64-v4 (AVX-512 too); `--level native` is this CPU (the default).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# /proc/cpuinfo flag -> ggml CMake option
FLAG_OPTIONS = {
    "avx": "GGML_AVX",
    "avx2": "GGML_AVX2",
    "fma": "GGML_FMA",
    "f16c": "GGML_F16C",
    "avx512f": "GGML_AVX512",
    "avx512_vnni": "GGML_AVX512_VNNI",
    "avx512_bf16": "GGML_AVX512_BF16",
    "avx512vbmi": "GGML_AVX512_VBMI",
    "avx_vnni": "GGML_AVX_VNNI",
}


def cpu_flags(cpuinfo: str) -> set[str]:
    """Return the CPU feature flags listed in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cmake_args(flags: set[str]) -> str:
    """Return the CMake arguments for a portable CPU build using exactly these flags."""
    args = [
        "-DGGML_NATIVE=OFF",
        "-DGGML_AMX_TILE=OFF",
        "-DGGML_AMX_INT8=OFF",
        "-DGGML_AMX_BF16=OFF",
    ]
    for flag, option in FLAG_OPTIONS.items():
        args.append(f"-D{option}={'ON' if flag in flags else 'OFF'}")
    args.append("-DLLAMA_BUILD_TESTS=OFF")
    return " ".join(args)


# Portable x86-64 micro-architecture levels -> the /proc/cpuinfo flags they guarantee
LEVELS = {
    "x86-64-v2": set(),
    "x86-64-v3": {"avx", "avx2", "fma", "f16c"},
    "x86-64-v4": {"avx", "avx2", "fma", "f16c", "avx512f"},
}


def level_flags(level: str) -> set[str]:
    """The flags of a CPU level, or of this CPU for 'native'."""
    if level == "native":
        cpuinfo = Path("/proc/cpuinfo")
        return cpu_flags(cpuinfo.read_text()) if cpuinfo.exists() else set()
    if level not in LEVELS:
        raise SystemExit(f"unknown CPU level {level!r}: native, {', '.join(LEVELS)}")
    return LEVELS[level]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    override = os.environ.get("GUICHET_LLAMA_CMAKE_ARGS")
    if override:
        print(override)
        return 0
    level = "native"
    if args[:1] == ["--level"] and len(args) == 2:
        level = args[1]
    elif args:
        raise SystemExit(
            "usage: llama_cmake_args.py [--level native|x86-64-v2|x86-64-v3|x86-64-v4]"
        )
    print(cmake_args(level_flags(level)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
