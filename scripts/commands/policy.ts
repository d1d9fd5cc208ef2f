import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { ValidationError } from '../lib/errors';
import { displayPath } from '../lib/paths';
import { comparePolicyWithMetadata, writePolicyMetadata } from '../policy/customMetadata';
import { loadPolicyFile } from '../policy/policy';

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('the program policy (every threshold from the seed)');

  policy
    .command('show')
    .description('print every policy value with its source')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const out = createOutput(Boolean(opts.json));
      const p = loadPolicyFile();
      out.result({ version: p.version, policies: p.entries });
      out.info(`policy ${p.origin} version ${p.version}\n`);
      out.info(
        table(
          p.keys().map((k) => {
            const e = p.entry(k);
            return [k, e.value + (e.unit ? ` ${e.unit}` : ''), e.category, e.experiment ?? ''];
          }),
          ['key', 'value', 'category', 'experiment']
        )
      );
    });

  policy
    .command('write-metadata')
    .description('render policy/gtm-policy.json into GTM_Policy__mdt records under force-app')
    .action(() => {
      const out = createOutput(false);
      const { written, removed } = writePolicyMetadata(loadPolicyFile());
      for (const f of written) out.info(`wrote   ${displayPath(f)}`);
      for (const f of removed) out.info(`removed ${displayPath(f)}`);
      out.info(written.length + removed.length === 0 ? 'custom metadata already matches the policy file' : 'done');
    });

  policy
    .command('check')
    .description('fail when the GTM_Policy__mdt records and the policy file disagree')
    .action(() => {
      const p = loadPolicyFile();
      const diffs = comparePolicyWithMetadata(p);
      if (diffs.length) {
        throw new ValidationError(
          `GTM_Policy__mdt records and ${p.origin} disagree (run: npx gtm policy write-metadata)`,
          { details: diffs }
        );
      }
      createOutput(false).info(`GTM_Policy__mdt records match ${p.origin} (${p.keys().length} values)`);
    });
}
