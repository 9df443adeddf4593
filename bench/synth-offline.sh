#!/usr/bin/env bash
# Synthesizes every stage with no AWS credentials and no AWS variables at all (an empty
# environment but PATH and HOME), and prints the wall time and the resources per stack.
# Usage: bench/synth-offline.sh [stages...]   (default: local dev staging prod)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
STAGES=("${@:-local dev staging prod}")
# shellcheck disable=SC2206
STAGES=(${STAGES[*]})
for stage in "${STAGES[@]}"; do
  start=$(date +%s.%N)
  # No credentials, no region, no profile: synth must not need AWS (cdk.context.json holds the AZs).
  env -i PATH="$PATH" HOME="$(mktemp -d)" CDK_DISABLE_CLI_TELEMETRY=1 \
    node_modules/.bin/cdk synth '**' -c "stage=$stage" -o "$OUT/$stage" --quiet >"$OUT/$stage.log" 2>&1 \
    || { cat "$OUT/$stage.log"; echo "synth of $stage failed" >&2; exit 1; }
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  printf '\n%s: synthesized offline, no credentials, in %.1f s\n' "$stage" "$secs"
  node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    const templates = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".template.json")).sort();
    let total = 0;
    for (const t of templates) {
      const n = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, t), "utf8")).Resources ?? {}).length;
      total += n;
      console.log(`  ${path.basename(t, ".template.json").padEnd(44)} ${String(n).padStart(4)} resources`);
    }
    console.log(`  ${"total".padEnd(44)} ${String(total).padStart(4)} resources`);' "$OUT/$stage"
done
