#!/usr/bin/env bash
# Install PostgreSQL's server binaries from Debian when they are missing (for `make test`, whose
# store tests start a throw-away server on loopback and stop it). Idempotent.
set -euo pipefail
if command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
echo "Installing PostgreSQL from Debian (for the store's contract tests)..."
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "PostgreSQL is missing and this user cannot install it: run as root" \
       "'apt-get install -y postgresql', then make test again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
