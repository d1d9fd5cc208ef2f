/**
 * `gtm routing`: exp-001's routing from the local store. `readout` prints the lift readout (the statistics in
 * scripts/stats, the rule in scripts/routing/readout.ts) for one as-of; the same store and as-of print the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, table } from '../cli/output';
import { describeFsError, InputError, UsageError } from '../lib/errors';
import { makeDirs } from '../lib/writableDir';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { loadPool, loadPqaAccounts, planPqa, simulate } from '../routing/pqaRun';
import { buildReadout, READOUT_EXPERIMENTS } from '../routing/readout';
import { sweep } from '../routing/sweep';
import { publishReadout, readoutView } from '../routing/publishedReadout';
import { createLocalSink } from '../store/localSink';
import { readReadoutRows } from '../routing/readoutStore';
import { accountsCsv, readoutText } from '../routing/readoutText';
import { DEFAULT_STORE } from '../store/localStore';
import { openExistingStore } from './pqa';
import { openOrg, refuseStoreWithOrg, reportOrgWrite } from '../org/orgCommand';
import { routingReadoutInOrg } from '../org/orgRuns';
import { parseAsOf } from './usage';

interface ReadoutFlags {
  asOf?: string;
  json?: boolean;
  export?: string;
  store?: string;
  publish?: boolean;
  targetOrg?: string;
  dryRun?: boolean;
}

export function registerRoutingCommand(program: Command): void {
  const routing = program.command('routing').description("exp-001's PQA routing: dry run and the lift readout");
  routing
    .command('simulate')
    .description(
      'dry run: qualification, arm and pick for every account against the store, one reason per row; writes nothing'
    )
    .option('--as-of <instant>', 'judge and route as of this date or ISO instant (default: now)')
    .option('--pool <key>', 'the pool to pick from (default: the only pool in the store)')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--json', 'the rows as JSON on stdout')
    .action(async (flags: { asOf?: string; pool?: string; store?: string; json?: boolean }) => {
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      const policy = loadPolicyFile();
      const store = await openExistingStore(flags.store);
      try {
        const pools = (
          await store.db.runAndReadAll('SELECT DISTINCT "Pool_Key__c" AS pool FROM "Routing_Pool_Member__c" ORDER BY 1')
        )
          .getRowObjects()
          .map((r) => String(r.pool));
        const pool = flags.pool ?? (pools.length === 1 ? pools[0]! : undefined);
        // no pool at all is the store's state (exit 1), not a mistake on the command line
        if (!pools.length)
          throw new InputError('the store has no Routing_Pool_Member__c rows: no pool to route to', {
            details: ['add the pool members first (the sample world has them: gtm workbench --fresh)']
          });
        if (!pool) throw new UsageError(`the store has ${pools.length} pools (${pools.join(', ')}): pass --pool`);
        if (!pools.includes(pool))
          throw new UsageError(`--pool ${pool} has no members in the store (pools: ${pools.join(', ') || 'none'})`);
        const accounts = await loadPqaAccounts(store, policy);
        const rows = simulate(
          planPqa(accounts, policy, asOf.slice(0, 10)),
          accounts,
          await loadPool(store.db, pool),
          policy,
          asOf
        );
        out.result({ as_of: asOf, pool, rows });
        out.info(
          `Dry run (nothing written): ${rows.length} accounts as of ${asOf}, pool ${pool}; business hours are not checked locally\n`
        );
        out.info(
          table(
            rows.map((r) => [r.accountKey, r.arm ?? '-', r.outcome, r.owner ?? '-', r.reason]),
            ['account', 'arm', 'outcome', 'owner', 'why']
          )
        );
      } finally {
        await store.close();
      }
    });
  routing
    .command('sweep')
    .description(
      'move open SLAs to Warning, Breached or Met and reassign at 2x the SLA, each transition kept with time and actor'
    )
    .option('--as-of <instant>', 'sweep as of this date or ISO instant (default: now)')
    .option('--dry-run', 'print the transitions, write nothing')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option('--json', 'the changes as JSON on stdout')
    .action(async (flags: { asOf?: string; dryRun?: boolean; store?: string; json?: boolean }) => {
      const now = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      const store = await openExistingStore(flags.store);
      try {
        const changes = await sweep(store, loadPolicyFile(), now, { dryRun: flags.dryRun });
        out.result({ as_of: now, dry_run: Boolean(flags.dryRun), changes });
        out.info(`${flags.dryRun ? 'Dry run (nothing written): ' : ''}${changes.length} SLA(s) moved as of ${now}`);
        for (const c of changes)
          out.info(
            `${c.assignmentKey}: ${[c.from, ...c.transitions.map((t) => `${t.to} at ${t.at}`)].join(' -> ')}` +
              (c.firstTouch ? `; first touch ${c.firstTouch.activityId} at ${c.firstTouch.at}` : '') +
              (c.reassignedTo ? `; reassigned to ${c.reassignedTo} (${c.reason})` : '')
          );
      } finally {
        await store.close();
      }
    });
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
      '--publish',
      'also store the readout (Routing_Readout__c, key experiment|as-of day) for the PQA Readout page; a re-run replaces it'
    )
    .option(
      '--store <file>',
      `the local store (default ${path.relative(process.cwd(), DEFAULT_STORE) || DEFAULT_STORE})`
    )
    .option(
      '-o, --target-org <alias>',
      "judge over this org's routing assignments; with --publish the Routing_Readout__c row is upserted there"
    )
    .option('--dry-run', 'with --target-org --publish: say what would be written, write nothing')
    .action(async (experiment: string, flags: ReadoutFlags) => {
      if (!READOUT_EXPERIMENTS.includes(experiment))
        throw new UsageError(
          `experiment ${JSON.stringify(experiment)} has no readout; known: ${READOUT_EXPERIMENTS.join(', ')}`
        );
      refuseStoreWithOrg(flags);
      if (flags.dryRun && !flags.targetOrg)
        throw new UsageError('--dry-run is for --target-org (the local readout writes nothing without --publish)');
      const asOf = isoSeconds(parseAsOf(flags.asOf));
      const out = createOutput(Boolean(flags.json));
      let rows;
      let readout;
      let published: string | null = null;
      let orgExit: number | null = null;
      if (flags.targetOrg) {
        const { org, policy } = await openOrg(flags.targetOrg, out);
        const run = await routingReadoutInOrg(org, flags.targetOrg, policy, asOf, {
          publish: flags.publish,
          dryRun: flags.dryRun,
          onProgress: (m) => out.progress(m)
        });
        out.done();
        ({ rows, readout } = run.value);
        out.result(readout);
        out.info(readoutText(readout).trimEnd());
        orgExit = reportOrgWrite(run, flags.targetOrg, Boolean(flags.dryRun), out);
        if (run.value.published && !flags.dryRun && !run.failed.length)
          out.info(
            `Published ${run.value.published} to ${flags.targetOrg} for the PQA Readout page (Routing_Readout__c)`
          );
      } else {
        const policy = loadPolicyFile();
        const store = await openExistingStore(flags.store);
        try {
          rows = await readReadoutRows(store);
          readout = buildReadout(rows, policy, asOf);
          // the page shows what the CLI computed: the statistics stay here (publishedReadout.ts)
          if (flags.publish) published = await publishReadout(createLocalSink(store), readoutView(readout, policy));
        } finally {
          await store.close();
        }
      }
      if (flags.export) {
        const dir = path.resolve(flags.export);
        try {
          makeDirs(dir); // not mkdirSync recursive: it spins forever under /proc
          fs.writeFileSync(path.join(dir, 'accounts.csv'), accountsCsv(rows, readout));
        } catch (err) {
          throw new InputError(`--export ${flags.export}: cannot write accounts.csv: ${describeFsError(err)}`);
        }
      }
      if (orgExit !== null) {
        process.exitCode = orgExit;
        return;
      }
      out.result(readout);
      out.info(readoutText(readout).trimEnd());
      if (published) out.info(`Published ${published} for the PQA Readout page (Routing_Readout__c)`);
    });
}
