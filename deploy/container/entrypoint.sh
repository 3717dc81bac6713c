#!/bin/sh
# Entry point of the Guichet image. Secrets come from files (docker/podman secrets, Kubernetes
# secret volumes), never from the compose file or the image: for each setting below, NAME_FILE
# names a file whose content becomes NAME. Then the command runs (by default `guichet serve`).
# GUICHET_SESSION_SECRET_FILE is a setting of its own (a path): Guichet reads that file itself.
set -eu
for name in GUICHET_DATABASE_URL GUICHET_QDRANT_API_KEY GUICHET_LLM_API_KEY; do
  eval "file=\${${name}_FILE:-}"
  if [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "Secret illisible : ${name}_FILE=$file (fichier absent ou droits insuffisants)." >&2
      exit 1
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "${name}_FILE"
  fi
done
exec "$@"
