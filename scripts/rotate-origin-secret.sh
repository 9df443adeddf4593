#!/usr/bin/env bash
# Rotates the X-Origin-Verify secret of a stage (docs/runbook.md#rotate-origin-secret).
#   scripts/rotate-origin-secret.sh <stage>          put a new value, print the config to deploy
#   scripts/rotate-origin-secret.sh <stage> --check  show the versions and what CloudFront sends
# CloudFormation resolves the secret again only when the template changes, so the templates name
# secret versions (stage config `originSecret`); this script never deploys, the pinned config does.
set -euo pipefail
source "$(dirname "$0")/stage-env.sh" "${1:-}"
SECRET="$(resource Services AWS::SecretsManager::Secret OriginSecret)"
[ "$SECRET" != "None" ] || { echo "no origin secret in Storefront-$STAGE-Services ($REGION)" >&2; exit 1; }
CURRENT="$(version_with "$SECRET" AWSCURRENT)"
if [ "${2:-}" = "--check" ]; then
  aws secretsmanager list-secret-version-ids --secret-id "$SECRET" --query 'Versions[].[VersionId, join(`,`, VersionStages)]' --output text
  exit 0
fi
# 48 hex characters: no character a header or a WAF byte match could mangle.
NEW="$(aws secretsmanager put-secret-value --secret-id "$SECRET" --secret-string "$(openssl rand -hex 24)" --query VersionId --output text)"
cat <<MSG
New version $NEW (the one CloudFront sent until now, if the stage was pinned to AWSCURRENT: $CURRENT).

1. In lib/config/stages/$STAGE.ts set
     originSecret: { versionId: '$NEW', previousVersionId: '$CURRENT' },
   (if the config already pinned a versionId, use that one as previousVersionId), commit, and deploy
   the whole stage:  npx cdk deploy '**' -c stage=$STAGE
   The Services stack (web ACL: accepts both) deploys before the Cdn stack (CloudFront: sends new).
2. Wait until CloudFront has deployed everywhere:
     aws cloudfront wait distribution-deployed --id \$(aws cloudformation describe-stack-resources \\
       --stack-name Storefront-$STAGE-Cdn --query "StackResources[?ResourceType=='AWS::CloudFront::Distribution'].PhysicalResourceId" --output text)
3. Remove previousVersionId from the config and deploy again: the web ACL stops accepting the old value.
MSG
