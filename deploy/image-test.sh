#!/usr/bin/env bash
# `make image-test`: build the CPU image and prove that it serves.
#   1. a Debian bookworm base made with debootstrap (cached under build/image/),
#   2. `buildah bud --isolation chroot` of deploy/Containerfile (small models, portable CPU level),
#   3. `buildah run --isolation chroot` indexes the demo corpus, starts the service on loopback and
#      asks one question, which must be answered (HTTP 200 with an answer).
# Prints the build time and the image size. Long (20-40 minutes on 2 cores, most of it compiling
# llama.cpp and downloading Python packages); kept out of `make test`.
# `deploy/image-test.sh --build-only` builds without the service test (`make image`).
# Settings (environment): IMAGE (localhost/guichet:cpu-test), MODEL_PROFILE (small),
# LLAMA_CPU_LEVEL (x86-64-v3), BASE_IMAGE (the debootstrap base), WHEELS (a folder of wheels
# bound at /wheels for pip, e.g. a CPU PyTorch wheel when download.pytorch.org is unreachable;
# default /opt/wheels when it exists), TORCH_INDEX_URL (empty when WHEELS is used), PIP_CERT (a CA
# bundle for pip, bound into the build, behind a TLS-inspecting proxy).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cache=build/image
image=${IMAGE:-localhost/guichet:cpu-test}
base=${BASE_IMAGE:-localhost/debian-bookworm:base}
profile=${MODEL_PROFILE:-small}
level=${LLAMA_CPU_LEVEL:-x86-64-v3}
build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

if [ "$(id -u)" -ne 0 ]; then
  echo "image-test needs root (debootstrap, buildah with chroot isolation)." >&2
  exit 1
fi
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing from Debian: ${missing[*]}..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$cache"
[ "$base" = "localhost/debian-bookworm:base" ] && deploy/debootstrap-base.sh "$cache" "$base"

args=(--build-arg "BASE_IMAGE=$base" --build-arg "MODEL_PROFILE=$profile"
      --build-arg "LLAMA_CPU_LEVEL=$level")
wheels=${WHEELS:-}
[ -z "$wheels" ] && [ -d /opt/wheels ] && wheels=/opt/wheels
if [ -n "$wheels" ]; then
  args+=(--volume "$wheels:/wheels:ro" --build-arg PIP_FIND_LINKS=/wheels
         --build-arg "TORCH_INDEX_URL=${TORCH_INDEX_URL:-}")
elif [ -n "${TORCH_INDEX_URL+set}" ]; then
  args+=(--build-arg "TORCH_INDEX_URL=$TORCH_INDEX_URL")
fi

# Behind a TLS-inspecting proxy the host's CA bundle holds the proxy's authority: pip in the build
# must trust it too (PIP_CERT names it on such machines).
if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
  args+=(--volume "$(dirname "$PIP_CERT"):/host-certs:ro"
         --build-arg "PIP_CERT=/host-certs/$(basename "$PIP_CERT")")
fi

echo "Building $image (MODEL_PROFILE=$profile, LLAMA_CPU_LEVEL=$level)..."
started=$(date +%s)
buildah bud --isolation chroot --layers --format docker --ignorefile deploy/Containerfile.dockerignore \
  -f deploy/Containerfile "${args[@]}" -t "$image" . >"$cache/build.log" 2>&1 \
  || { tail -40 "$cache/build.log" >&2; echo "Build failed: full log in $cache/build.log" >&2; exit 1; }
seconds=$(( $(date +%s) - started ))
size=$(buildah images --format '{{.Size}}' "$image" | head -1)
echo "Built $image in $((seconds / 60)) min $((seconds % 60)) s; size $size (log: $cache/build.log)."
printf '{"image": "%s", "build_seconds": %d, "size": "%s", "model_profile": "%s", "cpu_level": "%s"}\n' \
  "$image" "$seconds" "$size" "$profile" "$level" >"$cache/image-test.json"
$build_only && exit 0

echo "Starting the service inside the image (buildah run --isolation chroot, host network)..."
container=$(buildah from "$image")
trap 'buildah rm "$container" >/dev/null 2>&1 || true' EXIT
buildah copy --chown 10001:10001 "$container" corpus /tmp/corpus >/dev/null
buildah copy --chmod 0755 "$container" deploy/container/smoke-test.sh /tmp/smoke-test.sh >/dev/null
port=${PORT:-18080}
started=$(date +%s)
result=$(buildah run --isolation chroot "$container" -- /tmp/smoke-test.sh "$port" /tmp/corpus \
  2>"$cache/run.log" | tail -1) || { tail -40 "$cache/run.log" >&2; exit 1; }
echo "Answered in the image: $result"
echo "(ingest + start + answer: $(( $(date +%s) - started )) s; log: $cache/run.log)"
