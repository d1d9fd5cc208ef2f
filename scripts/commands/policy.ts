import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { ValidationError } from '../lib/errors';
import { displayPath, projectPaths, requireProject } from '../lib/paths';
import { comparePolicyWithMetadata, writePolicyMetadata } from '../policy/customMetadata';
import { loadPolicyFile } from '../policy/policy';

const PROJECT_DIR = ['--project-dir <dir>', 'the SFDX project whose policy to use (default: this repository)'] as const;

const VALUE_WIDTH = 32;
const SOURCE_WIDTH = 50;

/** One line of at most `width` characters: whitespace collapsed, an ellipsis where it was cut. */
export function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1)}…`;
}

/** The project's policy file, validated against the policy schema (a value out of range stops the command). */
function projectPolicy(projectDir?: string) {
  const root = requireProject(projectDir);
  return { root, policy: loadPolicyFile(projectPaths(root).policyFile) };
}

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('the program policy (every threshold from the seed)');

  policy
    .command('show')
    .description('print every policy value with its source')
    .option('--json', 'machine-readable output')
    .option(...PROJECT_DIR)
    .action((opts: { json?: boolean; projectDir?: string }) => {
      const out = createOutput(Boolean(opts.json));
      const p = projectPolicy(opts.projectDir).policy;
      out.result({ version: p.version, policies: p.entries });
      out.info(`policy ${p.origin} version ${p.version}\n`);
      // long texts (the playbook, sources) are cut for the table; --json has them whole
      out.info(
        table(
          p.keys().map((k) => {
            const e = p.entry(k);
            return [
              k,
              clip(e.value + (e.unit ? ` ${e.unit}` : ''), VALUE_WIDTH),
              e.category,
              e.experiment ?? '',
              clip(e.source ?? '', SOURCE_WIDTH)
            ];
          }),
          ['key', 'value', 'category', 'experiment', 'source']
        )
      );
    });

  policy
    .command('write-metadata')
    .description(
      'render policy/gtm-policy.json into GTM_Policy__mdt records under force-app (refuses values out of range)'
    )
    .option(...PROJECT_DIR)
    .action((opts: { projectDir?: string }) => {
      const out = createOutput(false);
      const { root, policy: p } = projectPolicy(opts.projectDir);
      const { written, removed } = writePolicyMetadata(p, root);
      for (const f of written) out.info(`wrote   ${displayPath(f, root)}`);
      for (const f of removed) out.info(`removed ${displayPath(f, root)}`);
      out.info(written.length + removed.length === 0 ? 'custom metadata already matches the policy file' : 'done');
    });

  policy
    .command('check')
    .description('fail when a policy value is out of range or the GTM_Policy__mdt records and the policy file disagree')
    .option(...PROJECT_DIR)
    .action((opts: { projectDir?: string }) => {
      const { root, policy: p } = projectPolicy(opts.projectDir);
      const diffs = comparePolicyWithMetadata(p, root);
      if (diffs.length) {
        throw new ValidationError(
          `GTM_Policy__mdt records and ${p.origin} disagree (run: npx gtm policy write-metadata)`,
          { details: diffs }
        );
      }
      createOutput(false).info(`GTM_Policy__mdt records match ${p.origin} (${p.keys().length} values)`);
    });
}
