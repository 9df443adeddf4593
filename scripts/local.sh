#!/usr/bin/env bash
# `npm run local`: deploys every stack of the `local` stage to MiniStack on 127.0.0.1:4566 and seeds
# the demo catalog. `npm run local:down` stops what this script started. Safe to run twice (the
# second run is a CloudFormation update). Each step prints its name; a failure names the step and
# what to do.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .local

# The emulator accepts any credentials; these only make the SDK and the CLI sign requests.
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_ENDPOINT_URL_S3="${AWS_ENDPOINT_URL_S3:-$AWS_ENDPOINT_URL}"
# scripts/ministack.sh checks and starts the emulator on MINISTACK_PORT: the port of AWS_ENDPOINT_URL,
# so `AWS_ENDPOINT_URL=http://127.0.0.1:4567 npm run local` uses (or starts) a second emulator there.
if [ -z "${MINISTACK_PORT:-}" ] && [[ "$AWS_ENDPOINT_URL" =~ ^http://(127\.0\.0\.1|localhost):([0-9]+)/?$ ]]; then
  export MINISTACK_PORT="${BASH_REMATCH[2]}"
fi
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export CDK_DISABLE_CLI_TELEMETRY=1
OUTPUTS="$ROOT/cdk-outputs.local.json"

STEP=""
step() { STEP="$1"; printf '\n\033[1m==> [%s] %s\033[0m\n' "$(date -u +%H:%M:%S)" "$1" >&2; }
on_error() {
  local hint
  case "$STEP" in
    *MiniStack*) hint="see .local/ministack.log (ministack-<port>.log off 4566); 'scripts/ministack.sh stop' then retry" ;;
    *PostgreSQL*) hint="install PostgreSQL 15 and Redis 7 (apt-get install postgresql redis-server)" ;;
    *bootstrap*) hint="MiniStack must answer on $AWS_ENDPOINT_URL; try 'scripts/ministack.sh reset' and rerun" ;;
    *deploy*) hint="read the CloudFormation error above; a stack stuck in *_FAILED can be removed with 'npm run local:down -- --reset' before a rerun" ;;
    *page*) hint="the Cdn stack must be deployed (output SiteBucketName in cdk-outputs.local.json); rerun 'npm run local'" ;;
    *seed*) hint="the database 'storefront' must exist and be migrated (the Data stack's migration resource); run 'npm run db:migrate' then 'npm run db:seed'" ;;
    *) hint="see the output above" ;;
  esac
  printf '\n\033[31mnpm run local failed at step: %s\nwhat to do: %s\033[0m\n' "$STEP" "$hint" >&2
}
trap on_error ERR

if [ "${1:-}" = "down" ]; then
  # Only stops what `npm run local` started (recorded in .local/started-by-local).
  if [ "${2:-}" = "--reset" ]; then curl -fsS -X POST "$AWS_ENDPOINT_URL/_ministack/reset" >/dev/null || true; fi
  if grep -qx ministack .local/started-by-local 2>/dev/null; then scripts/ministack.sh stop; fi
  rm -f .local/started-by-local
  exit 0
fi

step "MiniStack (pinned, in .venv) on $AWS_ENDPOINT_URL"
if ! scripts/ministack.sh status >/dev/null 2>&1; then
  scripts/ministack.sh start
  echo ministack >>.local/started-by-local
else
  echo "reusing the running MiniStack" >&2
fi

step "PostgreSQL and Redis on 127.0.0.1, database 'storefront'"
scripts/ensure-local-services.sh
psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'storefront'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres storefront

step "cdk bootstrap aws://000000000000/us-east-1"
npx cdk bootstrap aws://000000000000/us-east-1 -c stage=local --quiet

step "cdk deploy (every stack of the local stage)"
npx cdk deploy '**' -c stage=local --require-approval never --concurrency 2 \
  --outputs-file "$OUTPUTS" --progress events

step "seed the demo catalog"
DB_WRITER_HOST=127.0.0.1 DB_PORT=5432 DB_NAME=storefront npm run --silent db:seed

step "storefront page into the site bucket"
npx tsx scripts/publish-page.ts

STEP="done"
