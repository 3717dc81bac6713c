#!/usr/bin/env bash
# Install from Debian what `make test` needs beyond Python, when it is missing (idempotent):
# PostgreSQL's server (the store's contract tests start a throw-away server on loopback and stop
# it) and Chromium (the browser tests drive it headless through Playwright; never
# `playwright install`, which downloads), Tesseract with its French model (OCR of scanned PDFs).
set -euo pipefail
missing=()
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if ! command -v chromium >/dev/null; then
  missing+=(chromium)
fi
# Tesseract and its French model: the crawler reads scanned PDF pages with them (OCR).
if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -x fra >/dev/null; then
  missing+=(tesseract-ocr tesseract-ocr-fra)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing from Debian for the tests: ${missing[*]}..."
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "Missing ${missing[*]} and this user cannot install them: run as root" \
       "'apt-get install -y ${missing[*]}', then make test again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
