#!/usr/bin/env bash
# Fuzzes the deployed local API (`npm run local` first) from docs/openapi.json with Schemathesis,
# every check (`--checks all`, including positive_data_acceptance: the document must be exact,
# neither looser nor stricter than the services), as a fresh signed-in user. Prints the case count,
# the failures and the run time; exits non-zero on any failure. Schemathesis is pinned and installed
# into ./.venv-fuzz on first use. FUZZ_MAX_EXAMPLES bounds the cases per operation and phase
# (default 50: about a minute and 1,000 cases on a 2-core machine), FUZZ_SEED makes a run repeatable.
set -euo pipefail
SCHEMATHESIS_VERSION="4.32.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-fuzz"
cd "$ROOT"

if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  echo "fuzz: installing schemathesis==$SCHEMATHESIS_VERSION into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

mapfile -t session < <(npx tsx scripts/fuzz-session.ts)
base="${session[0]}"
token="${session[1]}"
mkdir -p .local/fuzz
started=$(date +%s)
set +e
# --output-sanitize: the bearer token never reaches the log or the reports. One worker: with two,
# Hypothesis parses lambda sources in two threads at once, which CPython 3.11.7's AST constructor
# does not survive ("AST constructor recursion depth mismatch", a runtime error, not a finding).
"$VENV/bin/schemathesis" run docs/openapi.json \
  --url "$base" \
  --checks all \
  --header "Authorization: Bearer $token" \
  --max-examples "${FUZZ_MAX_EXAMPLES:-50}" \
  ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
  --workers 1 \
  --output-sanitize true \
  --report junit --report-junit-path .local/fuzz/junit.xml \
  --warnings off | tee .local/fuzz/run.log
rc=${PIPESTATUS[0]}
set -e
cases=$(grep -oE '[0-9]+ generated' .local/fuzz/run.log | tail -1 | grep -oE '[0-9]+')
failures=$(grep -oE 'failures="[0-9]+"' .local/fuzz/junit.xml | head -1 | grep -oE '[0-9]+')
echo "fuzz: schemathesis $SCHEMATHESIS_VERSION, ${cases:-?} cases, ${failures:-?} failures, $(( $(date +%s) - started ))s (exit $rc)" >&2
exit "$rc"
