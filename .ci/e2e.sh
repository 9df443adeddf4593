#!/usr/bin/env bash
# Deploys the local stage to MiniStack (`npm run local`; STOREFRONT_LOCAL_SHAPE picks the compute
# shape, as there), runs the end-to-end tests (`npm run test:e2e`, with the container drills in the
# container shape), the browser test (test/e2e/browser.ts, headless Debian Chromium) and, in the
# Lambda shape, Schemathesis (scripts/fuzz.sh) against it, prints how long each took, and always
# tears down what `npm run local` started. Called from .ci/run.
# Installs what it needs itself: MiniStack via scripts/ministack.sh, Chromium via apt-get if absent.
# Honours AWS_ENDPOINT_URL (e.g. http://127.0.0.1:4567 for a second emulator beside a shared one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .local
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export CHROMIUM_PATH

start=$(date +%s)
timings=()
current=""
summary() {
  local rc=$?
  [ -n "$current" ] && timings+=("$current FAILED after $(( $(date +%s) - t ))s")
  npm run --silent local:down || true
  printf '\n== e2e timings: %s; total %ss\n' "$(IFS=,; echo "${timings[*]:-none}" | sed 's/,/, /g')" "$(( $(date +%s) - start ))" >&2
  [ "$rc" -eq 0 ] || echo "e2e FAILED during: ${current:-setup} (exit $rc)" >&2
  exit "$rc"
}
trap summary EXIT
# Runs "$@" as a named, timed phase.
phase() {
  current="$1"; shift
  printf '\n== e2e: %s\n' "$current" >&2
  t=$(date +%s)
  "$@"
  timings+=("$current $(( $(date +%s) - t ))s")
  current=""
}

install_chromium() {
  [ -x "$CHROMIUM_PATH" ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "e2e: no Chromium at $CHROMIUM_PATH, installing Debian's (apt-get, log in .local/apt-chromium.log)" >&2
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >.local/apt-chromium.log 2>&1; then
    tail -20 .local/apt-chromium.log >&2
    echo "e2e: could not install chromium; install it (apt-get install chromium) or set CHROMIUM_PATH" >&2
    return 1
  fi
}

phase "chromium" install_chromium
phase "npm run local" npm run local
phase "test:e2e" npm run test:e2e -- --json --outputFile="${E2E_RESULTS:-.local/e2e-results.json}"
phase "browser" npx tsx test/e2e/browser.ts
# Schemathesis against the deployed API from docs/openapi.json (scripts/fuzz.sh: every check, 0
# failures, 50 cases per operation and phase, about a minute). In the all-Lambda shape by default, where every
# route's service answers behind the same gateway; E2E_FUZZ=1 adds it to the container shape.
if [ "$(cat .local/shape 2>/dev/null)" = lambda ] || [ "${E2E_FUZZ:-0}" = 1 ]; then
  phase "fuzz" bash scripts/fuzz.sh
fi
