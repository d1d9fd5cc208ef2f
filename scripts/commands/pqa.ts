/**
 * `gtm pqa sync`: exp-001's qualification over the local store's usage snapshots (what `gtm usage sync` wrote):
 * a PQA_Signal__c for each account that became a PQA, with its evidence, arm and stratum. With --target-org the
 * same qualification runs over the org's records (scripts/org) and the new signals are upserted there, where the
 * PQA_Signal__c trigger routes them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { createOutput, table, type Output } from '../cli/output';
import { InputError } from '../lib/errors';
import { loadSchema } from '../metadata/schema';
import { loadPolicyFile } from '../policy/policy';
import { isoSeconds } from '../rules/routingRule';
import { loadPqaAccounts, loadUnkeyedAccounts, planPqa, writeSignals } from '../routing/pqaRun';
import { DEFAULT_STORE, LocalStore } from '../store/localStore';
import { openOrg, refuseStoreWithOrg, reportOrgWrite } from '../org/orgCommand';
import { pqaSyncInOrg } from '../org/orgRuns';
import { readSignalRouting, routingOutcome, signalRoutingTable } from '../org/signalRouting';
import { parseAsOf } from './usage';

export interface PqaFlags {
  asOf?: string;
  dryRun?: boolean;
  json?: boolean;
  store?: string;
  targetOrg?: string;
}

/** The local store named by --store (or the default), which must exist. */
export async function openExistingStore(store: string | undefined): Promise<LocalStore> {
  const file = path.resolve(store ?? DEFAULT_STORE);
  if (!fs.existsSync(file))
    throw new InputError(`no local store at ${file}: run npm start (sample world) or gtm usage sync first`);
  return LocalStore.open(file, loadSchema());
}

export function registerPqaCommand(program: Command): void {
  const pqa = program.command('pqa').description("exp-001's product-qualified accounts");
  pqa
    .command('sync')
    .description(
      'qualify accounts from the stored usage snapshots and write their PQA signals (evidence, arm, stratum)'
    )
    .option('--as-of <instant>', 'judge as of this date or ISO instant (default: now)')
    .option('--dry-run', 'print what would be written, write nothing')
    .option('--store <file>', 'the local store (default .gtm/store.duckdb)')
    .option(
      '-o, --target-org <alias>',
      "qualify over this org's records and upsert the new signals there (the org routes them); default: the local store"
    )
    .option('--json', 'the plan as JSON on stdout')
    .action(async (flags: PqaFlags) => pqaSync(flags, createOutput(Boolean(flags.json))));
}

/**
 * `gtm pqa sync`: qualify over the local store or the org (--target-org) and write the new signals; `gtm usage sync
 * --then-pqa` runs it after a sync that wrote.
 */
export async function pqaSync(flags: PqaFlags, out: Output): Promise<void> {
  const asOf = isoSeconds(parseAsOf(flags.asOf));
  refuseStoreWithOrg(flags);
  if (flags.targetOrg) {
    const { org, policy } = await openOrg(flags.targetOrg, out);
    const run = await pqaSyncInOrg(org, flags.targetOrg, policy, asOf, {
      dryRun: flags.dryRun,
      onProgress: (m) => out.progress(m)
    });
    // the org's trigger routed what was written: read the assignments back (one Bulk query)
    const writtenKeys = run.written.filter((w) => w.object === 'PQA_Signal__c').map((w) => w.key);
    const routed = await readSignalRouting(org.queryRows, flags.targetOrg, writtenKeys);
    out.done();
    const { plan, unkeyed } = run.value;
    out.result({
      as_of: asOf,
      dry_run: Boolean(flags.dryRun),
      target_org: flags.targetOrg,
      accounts: plan.length,
      qualifying: plan.filter((p) => p.qualification.qualifies).length,
      read: run.read,
      api_requests: run.apiRequests,
      to_write: run.changes.flatMap((c) => c.rows.map((r) => ({ object: c.object, key: r.key, row: r.row }))),
      written: run.written.length,
      failed: run.failed,
      not_judged: unkeyed.map((a) => ({ ...a, reason: 'no Usage_Account_Key__c' })),
      routing: writtenKeys.map((key) => ({
        key,
        outcome: routingOutcome(routed.get(key)),
        assignment: routed.get(key) ?? null
      })),
      plan
    });
    out.info(
      table(
        plan.map((p) => [p.accountKey, p.qualification.week ?? '-', p.arm ?? '-', p.qualification.reason]),
        ['account', 'week', 'arm', 'why']
      )
    );
    if (unkeyed.length) out.info(`${unkeyed.length} account(s) not judged: no Usage_Account_Key__c`);
    process.exitCode = reportOrgWrite(run, flags.targetOrg, Boolean(flags.dryRun), out);
    if (writtenKeys.length) {
      out.info(`Routed by ${flags.targetOrg}'s PQA_Signal__c trigger:`);
      out.info(signalRoutingTable(writtenKeys, routed));
    }
    return;
  }
  const policy = loadPolicyFile();
  const store = await openExistingStore(flags.store);
  try {
    const plan = planPqa(await loadPqaAccounts(store, policy), policy, asOf.slice(0, 10));
    const unkeyed = await loadUnkeyedAccounts(store);
    const written = flags.dryRun ? 0 : await writeSignals(store, plan);
    const qualifying = plan.filter((p) => p.qualification.qualifies);
    out.result({
      as_of: asOf,
      dry_run: Boolean(flags.dryRun),
      accounts: plan.length,
      qualifying: qualifying.length,
      written,
      not_judged: unkeyed.map((a) => ({ ...a, reason: 'no Usage_Account_Key__c' })),
      plan
    });
    out.info(
      `${flags.dryRun ? 'Dry run (nothing written): ' : ''}${plan.length} accounts as of ${asOf}: ${qualifying.length} PQA, ${written} signal(s) written\n`
    );
    if (unkeyed.length)
      out.info(
        `${unkeyed.length} account(s) not judged: no Usage_Account_Key__c, so no usage snapshot is theirs (set the key the usage export uses): ${unkeyed
          .slice(0, 10)
          .map((a) => a.name)
          .join(', ')}${unkeyed.length > 10 ? `, and ${unkeyed.length - 10} more` : ''}\n`
      );
    out.info(
      table(
        plan.map((p) => [p.accountKey, p.qualification.week ?? '-', p.arm ?? '-', p.qualification.reason]),
        ['account', 'week', 'arm', 'why']
      )
    );
  } finally {
    await store.close();
  }
}
