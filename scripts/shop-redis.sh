#!/usr/bin/env bash
# The local shop's own Redis in the container shape (lib/config/stages/local-containers.ts): on
# loopback and Docker's bridge, so the task containers reach it and a drill can stop it without
# touching the machine's Redis on 6379. Usage: scripts/shop-redis.sh start|stop|status
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BRIDGE=172.17.0.1 PORT=6390
PIDFILE="$ROOT/.local/shop-redis.pid"
mkdir -p "$ROOT/.local"
case "${1:-}" in
  start)
    if redis-cli -p "$PORT" ping >/dev/null 2>&1; then echo "shop-redis: already running on :$PORT" >&2; exit 0; fi
    # Not protected mode: it listens on loopback and the bridge only, which no other host reaches.
    redis-server --daemonize yes --bind 127.0.0.1 "$BRIDGE" --protected-mode no --port "$PORT" --save "" --appendonly no \
      --dir "$ROOT/.local" --pidfile "$PIDFILE" --logfile "$ROOT/.local/shop-redis.log"
    for _ in $(seq 1 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && { echo "shop-redis: up on $BRIDGE:$PORT" >&2; exit 0; }; sleep 0.1; done
    echo "shop-redis: did not answer on :$PORT; see .local/shop-redis.log" >&2; exit 1 ;;
  stop)
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 || { rm -f "$PIDFILE"; echo "shop-redis: stopped" >&2; exit 0; }; sleep 0.1; done
    echo "shop-redis: still answering on :$PORT" >&2; exit 1 ;;
  status) redis-cli -p "$PORT" ping ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
