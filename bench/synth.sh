#!/usr/bin/env bash
# Times `cdk synth` of the prod stage against the same command on a one-bucket app, in the same run,
# and reports medians of wall time and peak RSS (of the whole process tree's largest member: the
# node process running the app) and their ratios. Bundles are reused while their inputs are
# byte-identical (lib/constructs/bundling.ts), so one more run with an empty bundle cache shows the
# cost of building every bundle from source, and as many runs with the CDK's template validator on
# (`CDK_VALIDATION=true`, as the static gates and the tests synthesize; bin/storefront.ts leaves it
# off otherwise) show what it costs. Exits non-zero when the warm ratio exceeds MAX_RATIO (2).
# Usage: bench/synth.sh [runs=5] [stage=prod]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-5}"; STAGE="${2:-prod}"; MAX_RATIO="${MAX_RATIO:-2}"
export CDK_DISABLE_CLI_TELEMETRY=1
unset CDK_VALIDATION # the default runs synthesize as `cdk synth` does
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
BASE="$WORK/one-bucket"; mkdir -p "$BASE"
cat >"$BASE/app.ts" <<'TS'
import { App, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
const app = new App();
new Bucket(new Stack(app, 'OneBucket', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Bucket');
TS
ln -s "$ROOT/node_modules" "$BASE/node_modules"
echo '{ "app": "npx tsx app.ts", "notices": false }' >"$BASE/cdk.json"

measure() { # dir, args... -> "seconds maxrss_kb"
  local dir="$1"; shift
  ( cd "$dir" && /usr/bin/time -f '%e %M' -o "$WORK/t" "$ROOT/node_modules/.bin/cdk" synth --quiet -o "$WORK/out" "$@" >/dev/null 2>"$WORK/err" ) || { cat "$WORK/err" >&2; exit 1; }
  cat "$WORK/t"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

: >"$WORK/app"; : >"$WORK/base"; : >"$WORK/validated"
rm -rf "$WORK/out"; cold=$(STOREFRONT_BUNDLE_CACHE="$WORK/empty-cache" measure "$ROOT" '**' -c "stage=$STAGE")
for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/out"; measure "$ROOT" '**' -c "stage=$STAGE" >>"$WORK/app"
  rm -rf "$WORK/out"; measure "$BASE" >>"$WORK/base"
  rm -rf "$WORK/out"; CDK_VALIDATION=true measure "$ROOT" '**' -c "stage=$STAGE" >>"$WORK/validated"
done
vt=$(cut -d' ' -f1 "$WORK/validated" | median)
at=$(cut -d' ' -f1 "$WORK/app" | median); am=$(cut -d' ' -f2 "$WORK/app" | median)
bt=$(cut -d' ' -f1 "$WORK/base" | median); bm=$(cut -d' ' -f2 "$WORK/base" | median)
printf 'cdk synth, %s runs each (median)\n' "$RUNS"
printf '%-22s %8s s %8.0f MiB\n' "storefront $STAGE" "$at" "$(echo "$am/1024" | bc -l)"
printf '%-22s %8s s %8.0f MiB\n' "one-bucket app" "$bt" "$(echo "$bm/1024" | bc -l)"
printf '%-22s %8s s %8.0f MiB  (empty bundle cache: every bundle built from source)\n' "storefront $STAGE, cold" "${cold% *}" "$(echo "${cold#* }/1024" | bc -l)"
printf '%-22s %8s s             (CDK_VALIDATION=true: with the CDK template validator, %.2fx)\n' "storefront $STAGE, val." "$vt" "$(echo "$vt/$bt" | bc -l)"
ratio=$(echo "$at/$bt" | bc -l)
# Each run of the app is paired with the one-bucket run right after it.
pairs=$(paste -d' ' <(cut -d' ' -f1 "$WORK/app") <(cut -d' ' -f1 "$WORK/base") | awk '{printf "%.2f\n", $1/$2}' | sort -n)
printf 'per-run wall ratios (app run / the one-bucket run after it): min %sx, max %sx\n' "$(echo "$pairs" | head -1)" "$(echo "$pairs" | tail -1)"
printf 'ratio: wall %.2fx (cold %.2fx), peak memory %.2fx\n' "$ratio" "$(echo "${cold% *}/$bt" | bc -l)" "$(echo "$am/$bm" | bc -l)"
if (( $(echo "$ratio > $MAX_RATIO" | bc -l) )); then echo "MISSED: wall ratio above ${MAX_RATIO}x" >&2; exit 1; fi
echo "target met: wall ratio at most ${MAX_RATIO}x"
