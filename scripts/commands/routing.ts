/**
 * `gtm routing`: exp-001's routing from the local store. `readout` prints the lift readout (the statistics in
 * scripts/stats, the rule in scripts/routing/readout.ts) for one as-of; the same store and as-of print the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput } from '../cli/output';
import { describeFsError, InputError, UsageError } from '../lib/errors';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { buildReadout } from '../routing/readout';
import { readReadoutRows } from '../routing/readoutStore';
import { accountsCsv, readoutText } from '../routing/readoutText';
import { DEFAULT_STORE, LocalStore } from '../store/localStore';
import { parseAsOf } from './usage';

interface ReadoutFlags {
  asOf?: string;
  json?: boolean;
  export?: string;
  store?: string;
}

export const EXPERIMENTS = ['exp-001'];

export function registerRoutingCommand(program: Command): void {
  const routing = program.command('routing').description("exp-001's PQA routing: the lift readout");
  routing
    .command('readout')
    .description(
      'per-arm conversion with intervals, lift, exact and Bayesian comparisons, power, reliability, SLA and the recommendation'
    )
    .argument('<experiment>', 'the experiment (exp-001)')
    .option(
      '--as-of <instant>',
      'judge as of this date or ISO instant (default: now); the same as-of prints the same bytes'
    )
    .option('--json', 'the readout as JSON on stdout')
    .option('--export <dir>', 'also write accounts.csv (one row per account: arm, window, outcome, SLA) into DIR')
    .option(
      '--store <file>',
      `the local store (default ${path.relative(process.cwd(), DEFAULT_STORE) || DEFAULT_STORE})`
    )
    .action(async (experiment: string, flags: ReadoutFlags) => {
      if (!EXPERIMENTS.includes(experiment))
        throw new UsageError(
          `experiment ${JSON.stringify(experiment)} has no readout; known: ${EXPERIMENTS.join(', ')}`
        );
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      const file = path.resolve(flags.store ?? DEFAULT_STORE);
      if (!fs.existsSync(file))
        throw new InputError(`no local store at ${file}: run npm start (sample world) or a sync first`);
      const store = await LocalStore.open(file, loadSchema());
      let rows;
      try {
        rows = await readReadoutRows(store);
      } finally {
        await store.close();
      }
      const readout = buildReadout(rows, loadPolicyFile(), asOf);
      if (flags.export) {
        const dir = path.resolve(flags.export);
        try {
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, 'accounts.csv'), accountsCsv(rows, readout));
        } catch (err) {
          throw new InputError(`--export ${flags.export}: cannot write accounts.csv: ${describeFsError(err)}`);
        }
      }
      out.result(readout);
      out.info(readoutText(readout).trimEnd());
    });
}
