#!/usr/bin/env bash
# Create (or update) the virtual environment with everything Guichet needs.
# Usage: deploy/install.sh VENV [EXTRAS]   e.g. deploy/install.sh .venv dev
# Idempotent: a second run with unchanged inputs returns at once.
set -euo pipefail
venv=${1:-.venv}
extras=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python=$candidate; break
    fi
  done
fi
[ -n "$python" ] || { echo "Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)." >&2; exit 1; }

cmake_args=$("$python" "$here/deploy/llama_cmake_args.py")
llama_version=$(grep -oE 'llama-cpp-python\[server\]==[0-9.]+' "$here/pyproject.toml" | cut -d= -f3)
stamp_input="$(cat "$here/pyproject.toml" "$here/deploy/install.sh") $cmake_args $extras"
stamp_hash=$(printf '%s' "$stamp_input" | sha256sum | cut -c1-16)
stamp="$venv/.guichet-installed-$stamp_hash"
if [ -f "$stamp" ]; then
  echo "Environment $venv is up to date."
  exit 0
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --quiet --upgrade pip wheel setuptools

# 1. CPU PyTorch first, so that nothing pulls the multi-GB CUDA build.
#    GUICHET_TORCH_PIP_ARGS can point pip at a CPU wheel index on other machines.
if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
  echo "Installing PyTorch (CPU)..."
  # shellcheck disable=SC2086
  "${pip[@]}" install --quiet ${GUICHET_TORCH_PIP_ARGS:-} "torch==2.13.0"
fi

# 2. llama-cpp-python compiled for this CPU (never ggml's AMX path, see deploy/llama_cmake_args.py).
#    The wheel is cached per build flags, so a second environment reuses it.
cache=${XDG_CACHE_HOME:-$HOME/.cache}/guichet/wheels/llama-$(printf '%s' "$cmake_args" | sha256sum | cut -c1-12)
installed=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))' 2>/dev/null || true)
marker="$venv/.llama-build-flags"
if [ "$installed" != "$llama_version" ] || [ "$(cat "$marker" 2>/dev/null)" != "$cmake_args" ]; then
  if ! ls "$cache"/llama_cpp_python-"$llama_version"-*.whl >/dev/null 2>&1; then
    echo "Building llama-cpp-python $llama_version for this CPU (about 5-10 minutes on 2 cores)..."
    echo "  CMAKE_ARGS=$cmake_args"
    mkdir -p "$cache"
    CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
      "${pip[@]}" wheel --quiet --no-deps --no-cache-dir -w "$cache" "llama-cpp-python==$llama_version"
  fi
  "${pip[@]}" install --quiet --force-reinstall --no-deps "$cache"/llama_cpp_python-"$llama_version"-*.whl
  printf '%s' "$cmake_args" > "$marker"
fi

# 3. Guichet and the rest of its dependencies.
target="$here"
[ -n "$extras" ] && target="$here[$extras]"
echo "Installing Guichet and its dependencies..."
"${pip[@]}" install --quiet -e "$target"

rm -f "$venv"/.guichet-installed-*
touch "$stamp"
echo "Environment $venv is ready."
