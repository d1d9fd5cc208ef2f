#!/usr/bin/env bash
# Builds a scratch org with the metadata, the registry, the permission sets and sample data.
# Needs a Dev Hub the sf CLI is logged in to: npx sf org login web --set-default-dev-hub --alias devhub
set -euo pipefail
cd "$(dirname "$0")/../.."
alias="${1:-gtm-scratch}"
export SF_SKIP_NEW_VERSION_CHECK=true SF_DISABLE_TELEMETRY=true SF_DISABLE_AUTOUPDATE=true

npx sf org create scratch --definition-file config/project-scratch-def.json --alias "$alias" --duration-days 7 --wait 15
# Opportunity stages the policy names and a new org lacks (Pilot, Production Approval), next to the standard ones.
# Kept out of force-app: a StandardValueSet replaces an org's whole stage list, which must never reach a customer org.
npx sf project deploy start --metadata-dir config/scratch-stages --target-org "$alias" --wait 10
npx gtm deploy --target-org "$alias" --assign-permsets
npx sf data import tree --plan data/sample/plan.json --target-org "$alias"
echo "Scratch org $alias is ready: npx sf org open --target-org $alias"
