/**
 * `gtm deploy`: validate offline, then (unless --dry-run) deploy the metadata, assign the permission sets and
 * upsert the registry and gate definitions by external ID. Nothing touches the org until every offline check
 * has passed, and nothing is written to a production org without --allow-production.
 */
import { GtmError, OrgError, ValidationError, formatProblem } from '../lib/errors';
import type { Output } from '../cli/output';
import { comparePolicyWithMetadata } from '../policy/customMetadata';
import { Policy } from '../policy/policy';
import { runChecks } from '../validate';
import { buildDeployPlan, DeployPlan } from './plan';
import type { DeployTarget, OrgIdentity, UpsertOutcome } from './target';

/** The offline checks a deploy runs first: the ones that catch what the org would reject. */
export const DEPLOY_CHECKS = ['metadata-xml', 'apex-syntax', 'field-references'];

export interface DeployOptions {
  projectDir?: string;
  dryRun: boolean;
  targetOrg?: string;
  assignPermsets: boolean;
  allowProduction: boolean;
  testLevel?: string;
  skipChecks?: boolean;
}

export interface DeployReport {
  status: 'planned' | 'deployed';
  org?: Omit<OrgIdentity, 'userId'>;
  apiVersion: string;
  components: DeployPlan['components'];
  objects: string[];
  permissionSets: string[];
  manifest: string;
  policy: DeployPlan['policy'];
  registry: { object: string; externalIdField: string; records: DeployPlan['upserts'][number]['records'] }[];
  deployId?: string;
  permissionSetAssignments?: { assigned: string[]; alreadyAssigned: string[] };
  upserted?: ({ object: string } & UpsertOutcome)[];
}

export async function validateBeforeDeploy(policy: Policy, out: Output, projectDir?: string): Promise<void> {
  const diffs = comparePolicyWithMetadata(policy, projectDir);
  if (diffs.length) {
    throw new ValidationError(
      `GTM_Policy__mdt records and ${policy.origin} disagree (run: npx gtm policy write-metadata)`,
      {
        details: diffs
      }
    );
  }
  const results = await runChecks({
    projectDir: projectDir ?? process.cwd(),
    only: DEPLOY_CHECKS,
    onProgress: (name) => out.progress(`checking ${name} ...`)
  });
  out.done();
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    const problems = failed.flatMap((r) => r.problems.map((p) => `${r.name}: ${formatProblem(p)}`));
    throw new ValidationError(`offline validation found ${problems.length} problem(s); nothing was deployed`, {
      details: problems
    });
  }
}

function report(plan: DeployPlan, status: DeployReport['status']): DeployReport {
  return {
    status,
    apiVersion: plan.apiVersion,
    components: plan.components,
    objects: plan.objects,
    permissionSets: plan.permissionSets,
    manifest: plan.manifest,
    policy: plan.policy,
    registry: plan.upserts.map(({ object, externalIdField, records }) => ({ object, externalIdField, records }))
  };
}

export async function runDeploy(
  options: DeployOptions,
  policy: Policy,
  out: Output,
  connect: (alias: string, plan: DeployPlan) => Promise<DeployTarget>
): Promise<DeployReport> {
  out.progress('planning: reading force-app, the policy and the registry ...');
  const plan = await buildDeployPlan(policy, options.projectDir);
  out.done();
  if (!options.skipChecks) await validateBeforeDeploy(policy, out, options.projectDir ?? plan.project);

  if (options.dryRun) return report(plan, 'planned');
  if (!options.targetOrg) {
    throw new GtmError('no org to deploy to: pass --target-org <alias> (or --dry-run to see the plan without an org)');
  }

  const target = await connect(options.targetOrg, plan);
  const identity = await target.identity();
  if (identity.isProduction && !options.allowProduction) {
    throw new OrgError(`${identity.username} is a production org (${identity.kind}); nothing was written`, {
      details: ['validate in a sandbox first, then re-run with --allow-production to deploy to production']
    });
  }
  const testLevel = options.testLevel ?? (identity.isProduction ? 'RunLocalTests' : 'NoTestRun');

  out.progress(`deploying ${plan.components.length} components to ${identity.username} (${testLevel}) ...`);
  const deployed = await target.deployMetadata(plan.componentSet, { testLevel }, (m) =>
    out.progress(`deploying: ${m}`)
  );
  out.done();
  if (!deployed.success) {
    throw new OrgError(
      `the org rejected the deploy ${deployed.deployId}${deployed.message ? `: ${deployed.message}` : ''}; it was rolled back and no records were written`,
      {
        details: deployed.failures.map(
          (f) => `${f.type} ${f.fullName}${f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : ''}: ${f.problem}`
        )
      }
    );
  }

  const result = report(plan, 'deployed');
  const { userId: _userId, ...org } = identity;
  result.org = org;
  result.deployId = deployed.deployId;

  if (options.assignPermsets) {
    out.progress(`assigning ${plan.permissionSets.join(', ')} to ${identity.username} ...`);
    result.permissionSetAssignments = await target.assignPermissionSets(plan.permissionSets);
    out.done();
  }

  result.upserted = [];
  for (const u of plan.upserts) {
    out.progress(`upserting ${u.records.length} ${u.object} by ${u.externalIdField} ...`);
    const outcome = await target.upsert(u.object, u.externalIdField, u.records);
    out.done();
    result.upserted.push({ object: u.object, ...outcome });
    if (outcome.failures.length) {
      throw new OrgError(`the org rejected ${outcome.failures.length} ${u.object} record(s); none of them was saved`, {
        details: outcome.failures.map((f) => `${f.key}: ${f.message}`)
      });
    }
  }
  return result;
}
