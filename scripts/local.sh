#!/usr/bin/env bash
# `npm run local`: deploys every stack of the `local` stage to MiniStack on 127.0.0.1:4566 and seeds
# the demo catalog. With a Docker engine it deploys prod's compute shape (config `local-containers`:
# Fargate tasks behind the emulator's ALB, a real streaming replica); without one, the all-Lambda
# shape (config `local`). STOREFRONT_LOCAL_SHAPE=lambda|containers forces one. `npm run local:down`
# stops and removes what this script started. Safe to run twice (the second run is a CloudFormation
# update). Each step prints its name; a failure names the step and what to do.
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
    *Docker*) hint="start the Docker engine (dockerd) or run STOREFRONT_LOCAL_SHAPE=lambda npm run local" ;;
    *MiniStack*) hint="see .local/ministack.log (ministack-<port>.log off 4566); 'scripts/ministack.sh stop' then retry" ;;
    *PostgreSQL*) hint="install PostgreSQL 15 and Redis 7 (apt-get install postgresql redis-server)" ;;
    *bootstrap*) hint="MiniStack must answer on $AWS_ENDPOINT_URL; try 'scripts/ministack.sh reset' and rerun" ;;
    *deploy*) hint="read the CloudFormation error above; a stack stuck in *_FAILED can be removed with 'npm run local:down -- --reset' before a rerun" ;;
    *page*) hint="the Cdn stack must be deployed (output SiteBucketName in cdk-outputs.local.json); rerun 'npm run local'" ;;
    *image*) hint="see the docker output above; 'docker images' lists what is built" ;;
    *replica*) hint="the replica is a pg_basebackup of 127.0.0.1:5432 (needs 'bash scripts/ensure-local-services.sh' and root or the postgres user)" ;;
    *seed*) hint="the database 'storefront' must exist and be migrated (the Data stack's migration resource); run 'npm run db:migrate' then 'npm run db:seed'" ;;
    *) hint="see the output above" ;;
  esac
  printf '\n\033[31mnpm run local failed at step: %s\nwhat to do: %s\033[0m\n' "$STEP" "$hint" >&2
}
trap on_error ERR

STARTED=.local/started-by-local
started() { grep -qx "$1" "$STARTED" 2>/dev/null; }
record() { started "$1" || echo "$1" >>"$STARTED"; }
PORT="${MINISTACK_PORT:-4566}"
FORWARD_PIDFILE="$ROOT/.local/local-network.pid"

if [ "${1:-}" = "down" ]; then
  # Only stops and removes what `npm run local` started (recorded in .local/started-by-local).
  if [ "${2:-}" = "--reset" ]; then curl -fsS -X POST "$AWS_ENDPOINT_URL/_ministack/reset" >/dev/null || true; fi
  if started ministack; then scripts/ministack.sh stop; fi
  if started containers; then
    # MiniStack removes its task containers as it stops, but its service scheduler can still launch
    # replacements on the way out: remove what carries this emulator's instance label, until none.
    for _ in $(seq 1 10); do
      left="$(docker ps -aq --filter "label=ministack.instance=$(hostname):$PORT" 2>/dev/null || true)"
      [ -n "$left" ] || break
      docker rm -f $left >/dev/null 2>&1 || true
      sleep 0.5
    done
    images="$(docker images -q --filter label=storefront.local=service-image | sort -u)"
    [ -z "$images" ] || docker rmi -f $images >/dev/null
    docker image prune -f --filter label=storefront.local=service-image >/dev/null
    echo "local: removed the task containers and service images (the base image stays: scripts/container-base-image.sh)" >&2
  fi
  if started shop-redis; then scripts/shop-redis.sh stop; fi
  if started replica; then npx tsx scripts/local-replica.ts remove; fi
  if started local-network && [ -f "$FORWARD_PIDFILE" ]; then
    kill "$(cat "$FORWARD_PIDFILE")" 2>/dev/null || true
    rm -f "$FORWARD_PIDFILE"
  fi
  rm -f "$STARTED"
  exit 0
fi

# Which shape: prod's (containers) where a Docker engine answers, else all-Lambda.
SHAPE="${STOREFRONT_LOCAL_SHAPE:-}"
if [ -z "$SHAPE" ]; then
  if docker info >/dev/null 2>&1; then SHAPE=containers; else
    SHAPE=lambda
    echo "local: no Docker engine answers ('docker info'): deploying the all-Lambda shape (config 'local'); start dockerd for prod's container shape" >&2
  fi
fi
case "$SHAPE" in
  containers) CONFIG=local-containers ;;
  lambda) CONFIG=local ;;
  *) echo "STOREFRONT_LOCAL_SHAPE must be 'containers' or 'lambda', not '$SHAPE'" >&2; exit 2 ;;
esac
echo "$SHAPE" >.local/shape

REDIS_PORT=6379
# The address the emulator writes into the URLs it hands out (queue URLs): one its clients reach.
ADVERTISED=127.0.0.1
if [ "$SHAPE" = containers ]; then
  # Values of lib/config/stages/local-containers.ts.
  BRIDGE=172.17.0.1 REPLICA_PORT=5434 REDIS_PORT=6390 ALB_PORT=4599
  # Queue URLs must work from the task containers and from this host alike: the bridge address,
  # which the forwarder below makes reach the emulator (it listens on 127.0.0.1 only).
  ADVERTISED=$BRIDGE
  step "Docker bridge at $BRIDGE: the emulator and the database port forwarded there; the ALB hop on :$ALB_PORT"
  # The default bridge's IPAM often names no gateway; the host's address on docker0 is it.
  gateway="$(ip -4 -o addr show docker0 2>/dev/null | awk '{split($4, a, "/"); print a[1]}')"
  [ "$gateway" = "$BRIDGE" ] || { echo "Docker's bridge gateway is $gateway, lib/config/stages/local-containers.ts expects $BRIDGE" >&2; false; }
  if ! { [ -f "$FORWARD_PIDFILE" ] && kill -0 "$(cat "$FORWARD_PIDFILE")" 2>/dev/null; }; then
    nohup node --import tsx scripts/local-network.ts --bridge "$BRIDGE" --forward "$PORT,5432" \
      --emulator "$AWS_ENDPOINT_URL" --alb-port "$ALB_PORT" >.local/local-network.log 2>&1 &
    echo $! >"$FORWARD_PIDFILE"
    record local-network
    for _ in $(seq 1 40); do grep -q "alb" .local/local-network.log 2>/dev/null && break; sleep 0.25; done
  fi
fi

step "MiniStack (pinned, in .venv) on $AWS_ENDPOINT_URL, advertising $ADVERTISED"
if scripts/ministack.sh status >/dev/null 2>&1 && [ "$(scripts/ministack.sh advertised)" != "$ADVERTISED" ]; then
  # Its queue URLs name another address than this shape's clients reach.
  if [ -f ".local/ministack$([ "$PORT" = 4566 ] || echo "-$PORT").pid" ]; then
    echo "restarting this checkout's MiniStack to advertise $ADVERTISED (it advertised $(scripts/ministack.sh advertised))" >&2
    scripts/ministack.sh stop
  else
    echo "the MiniStack on :$PORT advertises $(scripts/ministack.sh advertised), this shape needs $ADVERTISED: stop it, or use another port (AWS_ENDPOINT_URL=http://127.0.0.1:4567)" >&2
    false
  fi
fi
if ! scripts/ministack.sh status >/dev/null 2>&1; then
  MINISTACK_HOST=$ADVERTISED scripts/ministack.sh start
  record ministack
else
  echo "reusing the running MiniStack" >&2
fi
[ "$SHAPE" != containers ] || curl -fsS -m 2 "http://$BRIDGE:$PORT/_ministack/health" >/dev/null

step "PostgreSQL and Redis on 127.0.0.1, database 'storefront'"
scripts/ensure-local-services.sh
psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'storefront'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres storefront

if [ "$SHAPE" = containers ]; then

  step "read replica: a streaming replica of 127.0.0.1:5432 on :$REPLICA_PORT"
  if pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"; then echo "reusing the running replica" >&2; else
    npx tsx scripts/local-replica.ts start
    record replica
  fi

  step "the shop's Redis on $BRIDGE:$REDIS_PORT (its own, so a drill can stop it)"
  if scripts/shop-redis.sh status >/dev/null 2>&1; then echo "reusing the running Redis" >&2; else
    scripts/shop-redis.sh start
    record shop-redis
  fi

  step "container base image (Node.js 24, built offline, once per machine)"
  scripts/container-base-image.sh
fi

step "cdk synth (config $CONFIG)"
rm -rf cdk.out.local
npx cdk synth '**' -c stage=$CONFIG --quiet -o cdk.out.local >/dev/null

step "cdk bootstrap aws://000000000000/us-east-1"
# From the assembly just synthesized: the CLI would otherwise synthesize the app a second time.
npx cdk bootstrap aws://000000000000/us-east-1 --app cdk.out.local --quiet

if [ "$SHAPE" = containers ]; then
  step "service images into the emulator's ECR"
  record containers
  npx tsx scripts/container-images.ts cdk.out.local
fi

step "cdk deploy (every stack of the local stage, config $CONFIG)"
npx cdk deploy --app cdk.out.local '**' --require-approval never --concurrency 2 \
  --outputs-file "$OUTPUTS" --progress events

step "seed the demo catalog"
DB_WRITER_HOST=127.0.0.1 DB_PORT=5432 DB_NAME=storefront REDIS_PORT=$REDIS_PORT npm run --silent db:seed

step "storefront page into the site bucket"
npx tsx scripts/publish-page.ts

if [ "$SHAPE" = containers ]; then
  step "container services: two running tasks each"
  # MiniStack starts the tasks after the stack is complete; the shop is ready when they run.
  short_of_two() { case "$counts" in *=0* | *=1\ *) return 0 ;; *) return 1 ;; esac; }
  for _ in $(seq 1 120); do
    counts="$(for svc in Catalog Orders Payments; do
      printf '%s=%s ' "$svc" "$(docker ps --filter status=running --format '{{.Label "com.amazonaws.ecs.task-definition-family"}}' | grep -c "${svc}ServiceTask" || true)"
    done)"
    short_of_two || break
    sleep 0.5
  done
  echo "tasks running: $counts(docker ps --filter label=ministack=ecs)" >&2
  if short_of_two; then echo "not every container service has two running tasks" >&2; false; fi
fi

STEP="done"
