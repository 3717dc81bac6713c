#!/bin/sh
# Run a command now and then every INTERVAL (e.g. 24h, 6h, 30m), for the scheduled jobs of the
# compose deployment (crawl, purge, backup); on a plain host the systemd timers do this instead.
# A failed run is reported and retried at the next interval; SIGTERM stops the loop at once.
# Usage: guichet-every INTERVAL COMMAND [ARG...]   (GUICHET_EVERY_DELAY: wait before the first run)
set -u
interval=$1; shift
case $interval in
  *h) seconds=$(( ${interval%h} * 3600 )) ;;
  *m) seconds=$(( ${interval%m} * 60 )) ;;
  *s) seconds=${interval%s} ;;
  *) seconds=$interval ;;
esac
trap 'exit 0' TERM INT
sleep "${GUICHET_EVERY_DELAY:-0}" & wait $!
while true; do
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if "$@"; then
    echo "$started $*: terminé"
  else
    echo "$started $*: échec (code $?), nouvel essai dans $interval" >&2
  fi
  sleep "$seconds" & wait $!
done
