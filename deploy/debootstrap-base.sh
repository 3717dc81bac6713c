#!/usr/bin/env bash
# A Debian bookworm base image made locally with debootstrap, for sites (and development machines)
# that reach the Debian archive but no image registry. The root file system is cached as a tar
# file, so the next build reuses it; the image is then created from it with buildah.
# Usage: deploy/debootstrap-base.sh [CACHE_DIR] [IMAGE]   (root; needs debootstrap and buildah)
#   defaults: build/image (ignored by git) and localhost/debian-bookworm:base
#   DEBIAN_MIRROR: the Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail
cache=${1:-build/image}
image=${2:-localhost/debian-bookworm:base}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball="$cache/debian-bookworm-minbase.tar"

if buildah inspect --type image "$image" >/dev/null 2>&1; then
  echo "Base image $image already exists."
  exit 0
fi
mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  echo "debootstrap --variant=minbase bookworm (a few minutes)..."
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
  # Small and reproducible: no package lists, no caches, no logs.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log \
    "$rootfs"/tmp/* "$rootfs"/dev/*
  tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi
container=$(buildah from scratch)
buildah add "$container" "$tarball" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --cmd /bin/bash "$container"
buildah commit --rm --quiet "$container" "$image" >/dev/null
echo "Base image $image created from $tarball."
