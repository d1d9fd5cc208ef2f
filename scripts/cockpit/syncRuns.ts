/**
 * One GTM_Sync_Run__c row per source of a gtm usage sync or gtm events sync run: rows read, rows rejected with
 * their reasons, write failures. The syncs keep their rejects only in --export files, so without these rows the
 * rollout audit (rolloutAudit.ts) could not say how much of each source was rejected, and why, week by week.
 * Reasons are kept with the row's own values taken out (`created_at "2026-13-01" is not ...` and the same for
 * another date are one reason), counted.
 */
import type { SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';

export const SYNC_RUN_OBJECT = 'GTM_Sync_Run__c';
export const SYNC_RUN_KEY = 'Run_Key__c';
export type SyncKind = 'usage' | 'events';
/** the one source of a usage sync: the support-ticket export */
export const TICKET_EXPORT_SOURCE = 'ticket-export';

export interface SourceRun {
  source: string;
  read: number;
  rejected: number;
  failures: number;
  /** reason (values taken out) -> rows */
  reasons: Map<string, number>;
}

/** A reject reason without the row's values: quoted text, and the numbers inside it, become placeholders. */
export function reasonCategory(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\b(line|lines) [\d, ]+/g, '$1 …')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .trim();
}

/** Adds one reject of `source` (made when first seen) to the runs by source. */
export function countReject(runs: Map<string, SourceRun>, source: string, reason: string): void {
  const run = sourceRun(runs, source);
  run.rejected++;
  const category = reasonCategory(reason);
  run.reasons.set(category, (run.reasons.get(category) ?? 0) + 1);
}

export function sourceRun(runs: Map<string, SourceRun>, source: string): SourceRun {
  let run = runs.get(source);
  if (!run) runs.set(source, (run = { source, read: 0, rejected: 0, failures: 0, reasons: new Map() }));
  return run;
}

/** The rows of one run, sources in order; the key kind|source|run instant makes a re-run at the same as-of one row. */
export function syncRunRows(kind: SyncKind, runAt: string, runs: Iterable<SourceRun>): SObjectRow[] {
  return [...runs]
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
    .map((r) => ({
      [SYNC_RUN_KEY]: `${kind}|${r.source}|${runAt}`.slice(0, 255),
      Name: `${kind} ${r.source} ${runAt.slice(0, 10)}`.slice(0, 80),
      Kind__c: kind,
      Source__c: r.source.slice(0, 80),
      Run_At__c: runAt,
      Rows_Read__c: r.read,
      Rows_Rejected__c: r.rejected,
      Write_Failures__c: r.failures,
      Reject_Reasons__c: JSON.stringify(Object.fromEntries([...r.reasons].sort(([a], [b]) => (a < b ? -1 : 1))))
    }));
}

/** Writes the run's rows; a row the sink refuses is returned as a failure (the sync reports it with its own). */
export async function recordSyncRun(
  sink: UsageSink,
  kind: SyncKind,
  runAt: string,
  runs: Iterable<SourceRun>
): Promise<{ key: string; error: string }[]> {
  const rows = syncRunRows(kind, runAt, runs);
  if (!rows.length) return [];
  const results = await sink.upsert(SYNC_RUN_OBJECT, SYNC_RUN_KEY, rows);
  return results.filter((r) => !r.ok).map((r) => ({ key: `${SYNC_RUN_OBJECT} ${r.key}`, error: r.error ?? 'failed' }));
}

/** A usage sync's one source: the ticket export's rows read, its rejects and the records the sink failed. */
export function ticketExportRun(read: number, rejects: readonly { reason: string }[], failures: number): SourceRun {
  const runs = new Map<string, SourceRun>();
  const run = sourceRun(runs, TICKET_EXPORT_SOURCE);
  run.read = read;
  run.failures = failures;
  for (const r of rejects) countReject(runs, TICKET_EXPORT_SOURCE, r.reason);
  return run;
}
