#!/usr/bin/env bash
# Sourced by the rotation scripts: the stage's region and a helper naming a stack's resources.
# Usage: source scripts/stage-env.sh <stage>
set -euo pipefail
STAGE="${1:?usage: $0 <stage>}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REGION="$(cd "$ROOT" && npx --no-install tsx -e "import { loadStageConfig } from './lib/config/index.ts'; console.log(loadStageConfig('$STAGE').env.region)")"
export AWS_REGION="$REGION"

# Physical id of the resource of TYPE in stack Storefront-<stage>-<STACK> whose logical id starts with PREFIX.
resource() {
  aws cloudformation describe-stack-resources --stack-name "Storefront-$STAGE-$1" \
    --query "StackResources[?ResourceType=='$2' && starts_with(LogicalResourceId, '$3')].PhysicalResourceId | [0]" --output text
}

# Version id of a secret that carries STAGE_LABEL (AWSCURRENT, AWSPENDING, ...).
version_with() {
  aws secretsmanager list-secret-version-ids --secret-id "$1" \
    --query "Versions[?contains(VersionStages, '$2')].VersionId | [0]" --output text
}
