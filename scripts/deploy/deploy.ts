/**
 * `gtm deploy`: validate offline, then (unless --dry-run) ask the org the pre-flight questions, deploy the metadata,
 * assign the permission sets and upsert the registry and gate definitions by external ID. Nothing touches the org
 * until every offline check has passed, nothing is deployed until the pre-flight has passed, and nothing is
 * written to a production org without --allow-production. `--check-only` is a validation deploy (the org compiles
 * and tests everything, then rolls it back) and writes nothing at all.
 */
import { GtmError, InputError, OrgError, ValidationError, formatProblem } from '../lib/errors';
import type { Output } from '../cli/output';
import { comparePolicyWithMetadata } from '../policy/customMetadata';
import { Policy } from '../policy/policy';
import { runChecks } from '../validate';
import { buildDeployPlan, DeployPlan } from './plan';
import { preflightProblems } from './preflight';
import type { ApexTestOutcome, DeployTarget, MetadataDeployResult, OrgIdentity, UpsertOutcome } from './target';
import { apexTestClasses } from './testClasses';

/** The offline checks a deploy runs first: the ones that catch what the org would reject. */
/** What a deploy would reject, checked offline before connecting: the compile step included (a few seconds). */
export const DEPLOY_CHECKS = ['metadata-xml', 'policy', 'apex-syntax', 'field-references', 'apex-compile'];

export interface DeployOptions {
  projectDir?: string;
  dryRun: boolean;
  targetOrg?: string;
  assignPermsets: boolean;
  allowProduction: boolean;
  testLevel?: string;
  /** a validation deploy (Metadata API checkOnly): nothing is deployed, assigned or upserted */
  checkOnly?: boolean;
  skipChecks?: boolean;
}

/** The Apex tests a deploy runs (planned, or with their outcome once the org ran them). */
export interface DeployTests extends Partial<ApexTestOutcome> {
  level: string;
  /** the classes of RunSpecifiedTests */
  classes?: string[];
}

export interface DeployReport {
  /** validated: a --check-only deploy the org accepted (and rolled back) */
  status: 'planned' | 'validated' | 'deployed';
  checkOnly: boolean;
  org?: Omit<OrgIdentity, 'userId'>;
  apiVersion: string;
  components: DeployPlan['components'];
  objects: string[];
  permissionSets: string[];
  manifest: string;
  policy: DeployPlan['policy'];
  registry: { object: string; externalIdField: string; records: DeployPlan['upserts'][number]['records'] }[];
  deployId?: string;
  tests?: DeployTests;
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

function report(plan: DeployPlan, status: DeployReport['status'], checkOnly: boolean): DeployReport {
  return {
    status,
    checkOnly,
    apiVersion: plan.apiVersion,
    components: plan.components,
    objects: plan.objects,
    permissionSets: plan.permissionSets,
    manifest: plan.manifest,
    policy: plan.policy,
    registry: plan.upserts.map(({ object, externalIdField, records }) => ({ object, externalIdField, records }))
  };
}

/**
 * The tests a deploy runs. An explicit --test-level wins. Otherwise a real deploy runs RunLocalTests in production
 * (the org requires it) and no tests elsewhere; a check-only deploy runs RunLocalTests in production and the
 * project's own test classes (RunSpecifiedTests) elsewhere.
 */
export function chooseTests(
  options: { testLevel?: string; checkOnly?: boolean },
  isProduction: boolean | undefined,
  testClasses: () => string[]
): DeployTests {
  const level =
    options.testLevel ?? (isProduction ? 'RunLocalTests' : options.checkOnly ? 'RunSpecifiedTests' : 'NoTestRun');
  if (level !== 'RunSpecifiedTests') return { level };
  const classes = testClasses();
  if (!classes.length) {
    throw new InputError('RunSpecifiedTests needs test classes, and force-app has no @IsTest class with test methods');
  }
  return { level, classes };
}

function failureLines(deployed: MetadataDeployResult): string[] {
  return [
    ...deployed.failures.map(
      (f) => `${f.type} ${f.fullName}${f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : ''}: ${f.problem}`
    ),
    ...(deployed.tests?.failures ?? []).map(
      (t) => `test ${t.className}.${t.methodName}: ${t.message}${t.at ? ` (${t.at})` : ''}`
    ),
    ...(deployed.tests?.coverageWarnings ?? []).map((w) => `coverage${w.name ? ` ${w.name}` : ''}: ${w.message}`)
  ];
}

/** Asks the org the pre-flight questions and refuses, with every problem at once, when it is not ready. */
async function preflight(
  target: DeployTarget,
  identity: OrgIdentity,
  plan: DeployPlan,
  policy: Policy,
  options: DeployOptions,
  out: Output
): Promise<void> {
  out.progress(`pre-flight: asking ${identity.username} for its API versions, Opportunity stages and permissions ...`);
  const supportedApiVersions = await target.supportedApiVersions();
  const stages = await target.opportunityStages();
  const canAssignPermissionSets = options.assignPermsets ? await target.canAssignPermissionSets() : undefined;
  out.done();
  const problems = preflightProblems(policy, {
    username: identity.username,
    apiVersion: plan.apiVersion,
    supportedApiVersions,
    stages,
    canAssignPermissionSets,
    permissionSets: plan.permissionSets,
    policyFile: policy.origin
  });
  if (problems.length) {
    throw new OrgError(
      `pre-flight: ${identity.username} is not ready for this deploy (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was deployed`,
      { details: problems }
    );
  }
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

  const checkOnly = Boolean(options.checkOnly);
  const testClasses = () => apexTestClasses(plan.componentSet);

  if (options.dryRun) {
    const planned = report(plan, 'planned', checkOnly);
    // production or not is unknown without an org: the plan shows the non-production choice
    if (checkOnly || options.testLevel) planned.tests = chooseTests(options, undefined, testClasses);
    return planned;
  }
  if (!options.targetOrg) {
    throw new GtmError('no org to deploy to: pass --target-org <alias> (or --dry-run to see the plan without an org)');
  }

  const target = await connect(options.targetOrg, plan);
  const identity = await target.identity();
  // a check-only deploy changes nothing, so it needs no --allow-production
  if (identity.isProduction && !options.allowProduction && !checkOnly) {
    throw new OrgError(`${identity.username} is a production org (${identity.kind}); nothing was written`, {
      details: [
        'validate in a sandbox first (or rehearse here with --check-only), then re-run with --allow-production to deploy to production'
      ]
    });
  }
  await preflight(target, identity, plan, policy, options, out);
  const tests = chooseTests(options, identity.isProduction, testClasses);

  const doing = checkOnly ? 'validating (check-only)' : 'deploying';
  out.progress(`${doing} ${plan.components.length} components on ${identity.username} (${tests.level}) ...`);
  const deployed = await target.deployMetadata(
    plan.componentSet,
    {
      testLevel: tests.level,
      ...(checkOnly ? { checkOnly } : {}),
      ...(tests.classes ? { runTests: tests.classes } : {})
    },
    (m) => out.progress(`${doing}: ${m}`)
  );
  out.done();
  if (!deployed.success) {
    const why = deployed.message ? `: ${deployed.message}` : '';
    throw new OrgError(
      checkOnly
        ? `the org rejected the check-only deploy ${deployed.deployId}${why}; nothing was deployed or written`
        : `the org rejected the deploy ${deployed.deployId}${why}; it was rolled back and no records were written`,
      { details: failureLines(deployed) }
    );
  }

  const result = report(plan, checkOnly ? 'validated' : 'deployed', checkOnly);
  const { userId: _userId, ...org } = identity;
  result.org = org;
  result.deployId = deployed.deployId;
  result.tests = { ...tests, ...deployed.tests };
  if (checkOnly) return result;

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
