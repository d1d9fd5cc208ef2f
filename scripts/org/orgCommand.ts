/**
 * The --target-org edge shared by `gtm pqa sync`, `gtm scorecard snapshot` and `gtm readout build`: open the org
 * with the sf CLI's stored auth (its policy too, as every org command does), and say what was read and what was or
 * would be written, each refused row with the org's reason (exit 3, as every write that fails).
 */
import type { Output } from '../cli/output';
import { UsageError } from '../lib/errors';
import type { Policy } from '../policy/policy';
import { openSink } from '../commands/usage';
import type { SalesforceSink } from '../usage/salesforce/salesforceSink';
import type { OrgWrite } from './orgRuns';

/** --store names the local store: it means nothing beside --target-org. */
export function refuseStoreWithOrg(flags: { targetOrg?: string; store?: string }): void {
  if (flags.targetOrg && flags.store)
    throw new UsageError('--store is for the local store; it cannot be used with --target-org');
}

export async function openOrg(alias: string, out: Output): Promise<{ org: SalesforceSink; policy: Policy }> {
  const { sink, policy } = await openSink({ targetOrg: alias }, out);
  return { org: sink as SalesforceSink, policy };
}

/** The summary lines of an org run; returns the exit code (3 when a row was refused). */
export function reportOrgWrite(run: OrgWrite, alias: string, dryRun: boolean, out: Output): number {
  const read = Object.entries(run.read)
    .map(([o, n]) => `${n} ${o}`)
    .join(', ');
  out.info(
    `read from ${alias}: ${read}${run.apiRequests === undefined ? '' : ` (${run.apiRequests} API requests in all, writes included)`}`
  );
  for (const c of run.changes) {
    const created = c.rows.filter((r) => r.created).length;
    out.info(
      `${c.object}: ${dryRun ? 'would write' : 'to write'} ${c.rows.length} (${created} new, ${c.rows.length - created} changed)`
    );
    for (const r of c.rows.slice(0, 20))
      out.info(`  ${r.key}: ${r.created ? 'new' : `changes ${r.fields.join(', ')}`}`);
    if (c.rows.length > 20) out.info(`  ... and ${c.rows.length - 20} more`);
    for (const n of c.notSent)
      out.info(`  ${n.key}: left as the org has it (${n.fields.join(', ')}: not this command's to change)`);
  }
  if (dryRun) {
    out.info(`Dry run: nothing written to ${alias}`);
    return 0;
  }
  out.info(`written to ${alias}: ${run.written.length}, failed: ${run.failed.length}`);
  if (!run.failed.length) return 0;
  out.done(`error: ${run.failed.length} write(s) refused by ${alias}`);
  for (const f of run.failed.slice(0, 5)) out.done(`  ${f.object} ${f.key}: ${f.error}`);
  out.done('  a re-run sends them again');
  return 3;
}
