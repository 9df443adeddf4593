#!/usr/bin/env bash
# Installs (pinned, into ./.venv), starts, stops and checks MiniStack, the local AWS emulator.
# Usage: scripts/ministack.sh start|stop|status|reset
set -euo pipefail
MINISTACK_VERSION="1.5.33"
# MiniStack runs ECS tasks as containers through the Docker SDK for Python when it can import it.
DOCKER_SDK_VERSION="7.2.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PORT="${MINISTACK_PORT:-4566}"
URL="http://127.0.0.1:$PORT"
# One pid file and log per port, so a second emulator (MINISTACK_PORT=4567) does not clobber the first's.
SUFFIX=""; [ "$PORT" = 4566 ] || SUFFIX="-$PORT"
LOG="$ROOT/.local/ministack$SUFFIX.log"
PIDFILE="$ROOT/.local/ministack$SUFFIX.pid"
# The host MiniStack writes into the URLs it hands out (queue URLs); 127.0.0.1 unless the caller
# needs another (the container shape of `npm run local` passes Docker's bridge address).
ADVERTISED="${MINISTACK_HOST:-127.0.0.1}"
HOSTFILE="$ROOT/.local/ministack$SUFFIX.host"

healthy() { curl -fsS -m 2 "$URL/_ministack/health" >/dev/null 2>&1; }

install() {
  local want="$MINISTACK_VERSION $DOCKER_SDK_VERSION"
  if [ ! -x "$VENV/bin/ministack" ] || [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ministack"), m.version("docker"))' 2>/dev/null)" != "$want" ]; then
    echo "ministack: installing ministack==$MINISTACK_VERSION and docker==$DOCKER_SDK_VERSION into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "ministack==$MINISTACK_VERSION" "docker==$DOCKER_SDK_VERSION"
  fi
}

start() {
  if healthy; then echo "ministack: already running on $URL" >&2; return 0; fi
  install
  mkdir -p "$ROOT/.local"
  # Bind to loopback only: the emulator accepts any credentials.
  # `nohup` on its own, not inside an `a && b` list: `$!` must be the emulator's pid, not a subshell's.
  (
    cd "$ROOT/.local"
    GATEWAY_PORT="$PORT" BIND_HOST=127.0.0.1 MINISTACK_HOST="$ADVERTISED" nohup "$VENV/bin/ministack" >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    echo "$ADVERTISED" >"$HOSTFILE"
  )
  for _ in $(seq 1 60); do
    if healthy; then echo "ministack: ready on $URL (log: $LOG)" >&2; return 0; fi
    sleep 0.5
  done
  echo "ministack: did not become healthy on $URL within 30 s; see $LOG" >&2
  tail -20 "$LOG" >&2 || true
  return 1
}

# Descendants of a pid (MiniStack runs each Lambda as a child `node`/`python` worker).
descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do echo "$child"; descendants "$child"; done
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid workers
    pid="$(cat "$PIDFILE")"
    # MiniStack leaves its Lambda workers running when it is terminated: stop them too. (Pid files
    # written before the fix name the subshell that started MiniStack; its descendants are covered.)
    workers="$(descendants "$pid")"
    kill "$pid" $workers 2>/dev/null || true
    # Until the process is gone, not only its port: it removes its containers on the way out.
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    rm -f "$PIDFILE" "$HOSTFILE"
    if healthy; then echo "ministack: still answering on $URL after stopping pid $pid" >&2; return 1; fi
    echo "ministack: stopped" >&2
  else
    echo "ministack: not started by this checkout" >&2
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if healthy; then echo "running on $URL"; else echo "not running"; exit 1; fi ;;
  reset) curl -fsS -X POST "$URL/_ministack/reset" ;;
  # The advertised host of a running emulator: as recorded at start (127.0.0.1 for one started elsewhere).
  advertised) cat "$HOSTFILE" 2>/dev/null || echo 127.0.0.1 ;;
  install) install ;;
  *) echo "usage: $0 start|stop|status|reset|install|advertised" >&2; exit 2 ;;
esac
