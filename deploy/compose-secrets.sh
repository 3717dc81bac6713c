#!/bin/sh
# Create the secret files of the compose deployment, once, in ./secrets/ (beside compose.yaml):
# random passwords and keys, a folder only root can enter, files readable inside the containers
# (each runs as its own user). Never commit them; back them up with the authority's secret store.
# Usage: cd deploy && ./compose-secrets.sh      (refuses to overwrite existing secrets)
set -eu
cd "$(dirname "$0")"
umask 077
if [ -e secrets ]; then
  echo "./secrets exists already: nothing changed (remove it only to start from scratch)." >&2
  exit 1
fi
mkdir -m 0700 secrets
password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
api_key=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
printf '%s' "$password" > secrets/postgres_password
printf 'postgresql+psycopg://guichet:%s@postgres:5432/guichet' "$password" > secrets/database_url
printf '%s' "$api_key" > secrets/qdrant_api_key
printf 'service:\n  api_key: %s\n' "$api_key" > secrets/qdrant_config.yaml
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > secrets/session_secret
chmod 0444 secrets/*
mkdir -p backups && chown 10001:10001 backups 2>/dev/null || true
chmod 0700 backups
echo "Secrets written in $(pwd)/secrets (folder 0700: only root enters it)."
