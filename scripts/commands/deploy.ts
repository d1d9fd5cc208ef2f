import { Command, Option } from 'commander';
import { createOutput, Output, table } from '../cli/output';
import { connectToOrg, findOrg } from '../deploy/salesforceTarget';
import { DeployReport, runDeploy } from '../deploy/deploy';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile } from '../policy/policy';
import { projectPaths, requireProject } from '../lib/paths';

interface DeployFlags {
  targetOrg?: string;
  dryRun?: boolean;
  assignPermsets?: boolean;
  allowProduction?: boolean;
  testLevel?: string;
  checkOnly?: boolean;
  json?: boolean;
  projectDir?: string;
}

const fmt = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function heading(r: DeployReport): string {
  if (r.status === 'planned') {
    return `${r.checkOnly ? 'Check-only deploy plan' : 'Deploy plan'} (dry run: nothing was sent to any org)`;
  }
  if (r.status === 'validated') {
    return `Check-only deploy validated on ${r.org?.username} (${r.org?.kind}), deploy ${r.deployId}: a rehearsal; nothing was deployed, assigned or written`;
  }
  return `Deployed to ${r.org?.username} (${r.org?.kind}), deploy ${r.deployId}`;
}

function testsLine(r: DeployReport, flags: DeployFlags): string | undefined {
  const t = r.tests;
  if (!t) return undefined;
  const which = t.classes ? `${t.level}: ${t.classes.join(', ')}` : t.level;
  if (t.run !== undefined) return `Apex tests (${which}): ${t.run} run, ${t.failures?.length ?? 0} failed`;
  // a dry run does not know whether the org is production
  const production = r.checkOnly && !flags.testLevel ? ' (against a production org: RunLocalTests)' : '';
  return `Apex tests: ${which}${production}`;
}

/** What the same command without --check-only would do, for the rehearsal's last lines. */
function wouldDo(r: DeployReport, flags: DeployFlags): string[] {
  const lines = [`\nA real deploy (the same command without --check-only) would:`];
  if (r.org?.isProduction) lines.push('- need --allow-production (this is a production org)');
  const level =
    flags.testLevel ??
    (r.org ? (r.org.isProduction ? 'RunLocalTests' : 'NoTestRun') : 'NoTestRun, or RunLocalTests in production');
  lines.push(`- deploy these ${r.components.length} components (${level})`);
  lines.push(
    flags.assignPermsets
      ? `- assign ${r.permissionSets.join(', ')} to ${r.org?.username ?? 'the deploying user'}`
      : `- assign no permission sets (add --assign-permsets for ${r.permissionSets.join(', ')})`
  );
  for (const u of r.registry) lines.push(`- upsert ${u.records.length} ${u.object} records by ${u.externalIdField}`);
  return lines;
}

function printReport(r: DeployReport, out: Output, flags: DeployFlags) {
  out.info(heading(r));
  const tests = testsLine(r, flags);
  if (tests) out.info(tests);
  for (const w of r.tests?.coverageWarnings ?? []) out.info(`  coverage${w.name ? ` ${w.name}` : ''}: ${w.message}`);
  out.info(`\nMetadata: ${r.components.length} components, API ${r.apiVersion}`);
  out.info(
    table(
      r.components.map((c) => [c.type, c.fullName]),
      ['type', 'component']
    )
  );
  out.info(`\nObjects: ${r.objects.join(', ')}`);
  out.info(`Permission sets: ${r.permissionSets.join(', ')}`);
  out.info(
    `Policy: ${r.policy.values} values from ${r.policy.origin} (version ${r.policy.version}), deployed as GTM_Policy__mdt records`
  );
  out.info('\nManifest (package.xml):');
  out.info(r.manifest.trimEnd());
  for (const u of r.registry) {
    const cols = Object.keys(u.records[0] ?? {}).filter((k) => !/Hypothesis|Decision_Rule|Risk_Control/.test(k));
    out.info(`\n${u.object}: ${u.records.length} records, upserted by ${u.externalIdField}`);
    out.info(
      table(
        u.records.map((rec) => cols.map((c) => fmt(rec[c]).slice(0, 48))),
        cols
      )
    );
  }
  if (r.permissionSetAssignments) {
    const a = r.permissionSetAssignments;
    out.info(
      `\nPermission sets assigned: ${a.assigned.join(', ') || 'none'}; already held: ${a.alreadyAssigned.join(', ') || 'none'}`
    );
  }
  for (const u of r.upserted ?? []) out.info(`${u.object}: ${u.created} created, ${u.updated} updated`);
  if (r.checkOnly && r.status !== 'deployed') for (const line of wouldDo(r, flags)) out.info(line);
}

export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description('validate offline, deploy the metadata, assign permission sets and load the registry and gate policy')
    .option('-o, --target-org <alias>', 'org alias or username, as logged in with `sf org login web`')
    .option('--dry-run', 'validate and print the plan (components, manifest, registry rows); needs no org')
    .option('--assign-permsets', 'assign GTM_Copilot_User and GTM_Copilot_Admin to the deploying user')
    .option('--allow-production', 'allow writing to a production org (not needed with --check-only)')
    .option(
      '--check-only',
      'rehearse: a validation deploy that compiles and runs the tests, then rolls back; assigns and upserts nothing'
    )
    .addOption(
      new Option(
        '--test-level <level>',
        "Apex tests to run with the deploy (default: RunLocalTests in production, else NoTestRun; with --check-only, the project's test classes outside production); RunSpecifiedTests runs the project's test classes"
      ).choices(['NoTestRun', 'RunSpecifiedTests', 'RunLocalTests', 'RunAllTestsInOrg'])
    )
    .option('--json', 'machine-readable output on stdout')
    .option('--project-dir <dir>', 'the SFDX project to deploy (default: this repository)')
    .action(async (flags: DeployFlags) => {
      const out = createOutput(Boolean(flags.json));
      const projectDir = requireProject(flags.projectDir);
      const policy = loadPolicyFile(projectPaths(projectDir).policyFile);
      // a dry run connects to nothing, but an org it names must be one the sf CLI knows: say so before planning
      if (flags.dryRun && flags.targetOrg) await findOrg(flags.targetOrg);
      const result = await runDeploy(
        {
          dryRun: Boolean(flags.dryRun),
          targetOrg: flags.targetOrg,
          assignPermsets: Boolean(flags.assignPermsets),
          allowProduction: Boolean(flags.allowProduction),
          testLevel: flags.testLevel,
          checkOnly: Boolean(flags.checkOnly),
          projectDir
        },
        policy,
        out,
        (alias, plan) => connectToOrg(alias, plan.apiVersion, loadSchema(projectDir))
      );
      out.result(result);
      printReport(result, out, flags);
    });
}
