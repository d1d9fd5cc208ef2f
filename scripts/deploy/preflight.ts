/**
 * The pre-flight of `gtm deploy`: what the org must already have for this project to work there, decided from plain
 * facts the deploy target reads (stages, API versions, one permission) before anything is deployed. Every problem
 * is one line that says what is wrong and how to fix it; all of them are reported together.
 */
import type { Policy } from '../policy/policy';

/** The policy's Opportunity stages and what the gates expect of each: an open stage, or the won stage. */
export const POLICY_STAGES: readonly { key: string; kind: 'open' | 'won' }[] = [
  { key: 'Stage_Pilot', kind: 'open' },
  { key: 'Stage_Proposal', kind: 'open' },
  { key: 'Stage_Production_Approval', kind: 'open' },
  { key: 'Stage_Closed_Won', kind: 'won' }
];

/** One row of `OpportunityStage`. Opportunity.StageName holds the API name (the label can be renamed). */
export interface OpportunityStageRow {
  apiName: string;
  masterLabel: string;
  isActive: boolean;
  isClosed: boolean;
  isWon: boolean;
}

export interface PreflightFacts {
  /** the org user the deploy runs as, for messages */
  username: string;
  /** the version the deploy uses (sourceApiVersion of sfdx-project.json) */
  apiVersion: string;
  /** what `GET /services/data/` lists */
  supportedApiVersions: string[];
  stages: OpportunityStageRow[];
  /** whether the deploying user may assign permission sets; undefined when not asked (no --assign-permsets) */
  canAssignPermissionSets?: boolean;
  /** the permission sets --assign-permsets would assign, for the message */
  permissionSets: string[];
  /** the policy file, as shown to the user */
  policyFile: string;
}

const quoted = (s: string) => `"${s}"`;

function stageProblem(
  key: string,
  kind: 'open' | 'won',
  value: string,
  stages: OpportunityStageRow[],
  policyFile: string
) {
  const orChange = `or set ${key} in ${policyFile} to a stage the org has, run npx gtm policy write-metadata and deploy again`;
  const head = `policy ${key} = ${quoted(value)}`;
  const active = stages.filter((s) => s.isActive);
  const stage = stages.find((s) => s.apiName === value);
  if (!stage) {
    const sameLetters = stages.find((s) => s.apiName.toLowerCase() === value.toLowerCase());
    if (sameLetters) {
      return `${head}: the org's stage is spelled ${quoted(sameLetters.apiName)} (stage names are compared exactly); set ${key} to ${quoted(sameLetters.apiName)} in ${policyFile}, run npx gtm policy write-metadata and deploy again`;
    }
    const byLabel = stages.find((s) => s.masterLabel === value);
    if (byLabel) {
      return `${head}: the org's stage labelled ${quoted(value)} has the API name ${quoted(byLabel.apiName)}, which is what Opportunity.StageName holds; set ${key} to ${quoted(byLabel.apiName)} in ${policyFile}, run npx gtm policy write-metadata and deploy again`;
    }
    const list = active.map((s) => s.apiName).join(', ') || 'none';
    return `${head}: no such Opportunity stage in the org (active stages: ${list}); add it to the Opportunity Stage picklist in Setup, ${orChange}`;
  }
  if (!stage.isActive) {
    return `${head}: the Opportunity stage is inactive in the org; activate it in Setup (Opportunity Stage picklist), ${orChange}`;
  }
  if (kind === 'won' && !(stage.isWon && stage.isClosed)) {
    const won = active.filter((s) => s.isWon && s.isClosed).map((s) => quoted(s.apiName));
    return `${head}: the org's stage is not a closed won stage (closed: ${stage.isClosed ? 'yes' : 'no'}, won: ${stage.isWon ? 'yes' : 'no'}); set ${key} in ${policyFile} to the org's won stage${won.length ? ` (${won.join(', ')})` : ''}, run npx gtm policy write-metadata and deploy again`;
  }
  if (kind === 'open' && stage.isClosed) {
    return `${head}: the org's stage is a closed stage, and ${key} must be an open one; set it in ${policyFile} to an open stage, run npx gtm policy write-metadata and deploy again`;
  }
  return undefined;
}

function versionProblem(apiVersion: string, supported: string[]): string | undefined {
  if (supported.includes(apiVersion)) return undefined;
  const sorted = [...supported].sort((a, b) => Number(a) - Number(b));
  const newest = sorted[sorted.length - 1];
  if (!newest)
    return `API version ${apiVersion} (sourceApiVersion in sfdx-project.json): the org listed no API versions`;
  const range = sorted.length > 1 ? `${sorted[0]} to ${newest}` : newest;
  const fix =
    Number(apiVersion) > Number(newest)
      ? `set sourceApiVersion to ${newest}, or deploy to an org on a release that has ${apiVersion}`
      : `set sourceApiVersion to a version from ${range}`;
  return `API version ${apiVersion} (sourceApiVersion in sfdx-project.json) is not supported by the org, which serves ${range}; ${fix}`;
}

/** Every reason not to deploy, one line each; empty when the org is ready. Pure: tests call it directly. */
export function preflightProblems(policy: Policy, facts: PreflightFacts): string[] {
  const problems: string[] = [];
  const version = versionProblem(facts.apiVersion, facts.supportedApiVersions);
  if (version) problems.push(version);
  for (const { key, kind } of POLICY_STAGES) {
    const p = stageProblem(key, kind, policy.text(key), facts.stages, facts.policyFile);
    if (p) problems.push(p);
  }
  if (facts.canAssignPermissionSets === false) {
    problems.push(
      `--assign-permsets: ${facts.username} may not assign permission sets (no "Assign Permission Sets" permission); ask an admin to grant it or to assign ${facts.permissionSets.join(' and ')}, or deploy without --assign-permsets`
    );
  }
  return problems;
}
