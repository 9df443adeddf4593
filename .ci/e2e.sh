#!/usr/bin/env bash
# Deploys the local stage to MiniStack, runs the end-to-end tests and the browser test against it,
# and always tears down what `npm run local` started. Called from .ci/run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
trap 'npm run --silent local:down' EXIT
start=$(date +%s)
npm run local
echo "e2e: npm run local took $(( $(date +%s) - start )) s" >&2
t=$(date +%s)
npm run test:e2e
echo "e2e: test:e2e took $(( $(date +%s) - t )) s" >&2
if [ -f test/e2e/browser.ts ]; then
  command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  npx tsx test/e2e/browser.ts
fi
echo "e2e: total $(( $(date +%s) - start )) s" >&2
