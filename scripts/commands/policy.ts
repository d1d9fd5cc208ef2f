import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { UsageError, ValidationError } from '../lib/errors';
import { displayPath, projectPaths, requireProject } from '../lib/paths';
import { comparePolicyWithMetadata, writePolicyMetadata } from '../policy/customMetadata';
import { loadPolicyFile } from '../policy/policy';

const PROJECT_DIR = ['--project-dir <dir>', 'the SFDX project whose policy to use (default: this repository)'] as const;

const VALUE_WIDTH = 32;
/** The narrowest source column worth printing, and the narrowest --width the table fits. */
const MIN_SOURCE_WIDTH = 20;
const MIN_WIDTH = 100;
/** The narrowest the value column gets on a narrow terminal, before the source column is narrowed. */
const MIN_VALUE_WIDTH = 12;
/** Lines for a pipe or a file, where no terminal says how wide it is (and COLUMNS is not set). */
const DEFAULT_WIDTH = 160;

/** The width `policy show` fits its lines to: --width, else the terminal's, else $COLUMNS, else 160. */
export function outputWidth(flag: string | undefined, stdout: { isTTY?: boolean; columns?: number } = process.stdout) {
  if (flag !== undefined) {
    const n = /^\d+$/.test(flag.trim()) ? Number(flag) : NaN;
    if (!(n >= MIN_WIDTH))
      throw new UsageError(`--width ${JSON.stringify(flag)} must be a whole number of at least ${MIN_WIDTH}`);
    return n;
  }
  if (stdout.isTTY && stdout.columns) return Math.max(stdout.columns, MIN_WIDTH);
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? Math.max(env, MIN_WIDTH) : DEFAULT_WIDTH;
}

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
    .option('--width <columns>', 'fit lines to this many columns (default: the terminal, $COLUMNS, or 160)')
    .option(...PROJECT_DIR)
    .action((opts: { json?: boolean; width?: string; projectDir?: string }) => {
      const out = createOutput(Boolean(opts.json));
      const width = outputWidth(opts.width);
      const p = projectPolicy(opts.projectDir).policy;
      out.result({ version: p.version, policies: p.entries });
      out.info(`policy ${p.origin} version ${p.version}\n`);
      // long texts (the playbook, sources) are cut to fit the width; --json has them whole
      const entries = p.keys().map((k) => [k, p.entry(k)] as const);
      const header = ['key', 'value', 'category', 'experiment', 'source'];
      // the source column takes what the other columns and their two-space gaps leave; on a narrow terminal the
      // value column gives up room first
      const columnWidth = (texts: string[], title: string) => Math.max(title.length, ...texts.map((t) => t.length)) + 2;
      const valueText = ([, e]: (typeof entries)[number]) => e.value + (e.unit ? ` ${e.unit}` : '');
      const fixed =
        columnWidth(
          entries.map(([k]) => k),
          'key'
        ) +
        columnWidth(
          entries.map(([, e]) => e.category),
          'category'
        ) +
        columnWidth(
          entries.map(([, e]) => e.experiment ?? ''),
          'experiment'
        );
      const valueWidth = Math.max(
        MIN_VALUE_WIDTH,
        Math.min(
          VALUE_WIDTH,
          Math.max(...entries.map((x) => clip(valueText(x), VALUE_WIDTH).length)),
          width - fixed - 2 - MIN_SOURCE_WIDTH
        )
      );
      const sourceWidth = Math.max(MIN_SOURCE_WIDTH, width - fixed - valueWidth - 2);
      const rows = entries.map((x) => [
        x[0],
        clip(valueText(x), valueWidth),
        x[1].category,
        x[1].experiment ?? '',
        clip(x[1].source ?? '', sourceWidth)
      ]);
      out.info(table(rows, header));
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
