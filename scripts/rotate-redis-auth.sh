#!/usr/bin/env bash
# Rotates the Redis AUTH token of a stage (docs/runbook.md#rotate-redis-auth), in the order that
# never leaves a client with a token the server refuses:
#   1. the new token goes into the secret as AWSPENDING (clients still read AWSCURRENT, the old one);
#   2. ElastiCache ROTATE: both tokens accepted;
#   3. AWSCURRENT moves to the new token: new connections use it;
#   4. containers restart onto it; Lambda instances re-read it when Redis refuses the old one;
#   5. ElastiCache SET: only the new token.
# The template's reference follows AWSCURRENT, which moves only once ElastiCache accepts the new
# token, so a later stack update that resolves it again sends the token ElastiCache already has.
# Usage: scripts/rotate-redis-auth.sh <stage>
set -euo pipefail
source "$(dirname "$0")/stage-env.sh" "${1:-}"
SECRET="$(resource Data AWS::SecretsManager::Secret CacheAuthToken)"
GROUP="$(resource Data AWS::ElastiCache::ReplicationGroup CacheReplicationGroup)"
[ "$SECRET" != "None" ] && [ "$GROUP" != "None" ] || { echo "no ElastiCache cache in Storefront-$STAGE-Data ($REGION)" >&2; exit 1; }
OLD_VERSION="$(version_with "$SECRET" AWSCURRENT)"
# 64 hex characters: within ElastiCache's 16-128 printable characters, none of @ " /.
TOKEN="$(openssl rand -hex 32)"

echo "-- 1. new token into $SECRET as AWSPENDING"
NEW_VERSION="$(aws secretsmanager put-secret-value --secret-id "$SECRET" --secret-string "$TOKEN" --version-stages AWSPENDING --query VersionId --output text)"

echo "-- 2. ROTATE on $GROUP (old and new accepted)"
aws elasticache modify-replication-group --replication-group-id "$GROUP" --auth-token "$TOKEN" \
  --auth-token-update-strategy ROTATE --apply-immediately >/dev/null
aws elasticache wait replication-group-available --replication-group-id "$GROUP"

echo "-- 3. AWSCURRENT -> $NEW_VERSION"
aws secretsmanager update-secret-version-stage --secret-id "$SECRET" --version-stage AWSCURRENT \
  --move-to-version-id "$NEW_VERSION" --remove-from-version-id "$OLD_VERSION"
aws secretsmanager update-secret-version-stage --secret-id "$SECRET" --version-stage AWSPENDING --remove-from-version-id "$NEW_VERSION"

echo "-- 4. containers onto the new token; Lambda secret caches expire (5 minutes)"
CLUSTER="$(resource Services AWS::ECS::Cluster ContainerPlatformCluster)"
if [ "$CLUSTER" != "None" ]; then
  for service in $(aws ecs list-services --cluster "$CLUSTER" --query 'serviceArns[]' --output text); do
    aws ecs update-service --cluster "$CLUSTER" --service "$service" --force-new-deployment >/dev/null
  done
  # shellcheck disable=SC2046
  aws ecs wait services-stable --cluster "$CLUSTER" --services $(aws ecs list-services --cluster "$CLUSTER" --query 'serviceArns[]' --output text)
fi
sleep 300

echo "-- 5. SET on $GROUP (only the new token)"
aws elasticache modify-replication-group --replication-group-id "$GROUP" --auth-token "$TOKEN" \
  --auth-token-update-strategy SET --apply-immediately >/dev/null
aws elasticache wait replication-group-available --replication-group-id "$GROUP"
echo "rotated: $SECRET now $NEW_VERSION"
