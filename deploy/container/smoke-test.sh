#!/bin/sh
# Run inside the image by deploy/image-test.sh: index a small corpus, start the service on
# loopback, wait for the health check, ask one question, print the answer's JSON, stop.
set -eu
port=${1:-18080}
corpus=${2:-/tmp/corpus}
export GUICHET_HEALTH_URL="http://127.0.0.1:$port/api/health"
guichet ingest "$corpus"
guichet serve --host 127.0.0.1 --port "$port" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
tries=0
until /opt/guichet/bin/python /usr/local/bin/guichet-healthcheck 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "the service did not become healthy" >&2
    exit 1
  fi
  sleep 1
done
/opt/guichet/bin/python - "$port" <<'PY'
import json, sys, time, urllib.request
port = sys.argv[1]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/api/chat",
    data=json.dumps({"message": "Qu'est-ce que Guichet ?"}).encode(),
    headers={"Content-Type": "application/json"},
)
started = time.monotonic()
with urllib.request.urlopen(request, timeout=600) as response:
    body = json.load(response)
assert response.status == 200 and body["answer"].strip(), body
print(json.dumps({"status": response.status, "seconds": round(time.monotonic() - started, 1),
                  "model": body.get("model"), "abstained": body["abstained"],
                  "answer": body["answer"][:300]}, ensure_ascii=False))
PY
