/**
 * The store edge of the snapshots: computes every KPI at an as-of date, reads the stored GTM_KPI_Snapshot__c rows
 * and writes what planSnapshots decides (snapshot.ts), upserting by Snapshot_Key__c.
 */
import type { Policy } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';
import type { SObjectRow } from '../usage/records';
import { computeKpi } from './kpi';
import { loadKpiContracts } from './kpiContracts';
import { kpiFreshness, readKpiSubjects } from './kpiSubjects';
import { planSnapshots, snapshotRow, type SnapshotPlan, type SnapshotRow } from './snapshot';

const FIELDS: (keyof SnapshotRow)[] = [
  'Name',
  'KPI_Key__c',
  'As_Of__c',
  'Value__c',
  'N__c',
  'Events__c',
  'At_Risk__c',
  'CI_Low__c',
  'CI_High__c',
  'Baseline__c',
  'Target__c',
  'Progress__c',
  'Status__c',
  'Provisional__c',
  'Definition_Hash__c',
  'Source_Freshness__c',
  'Restated_From__c',
  'Published__c',
  'Records_Json__c'
];

const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** Stored snapshot rows by key, as SnapshotRow. */
export async function loadSnapshots(store: LocalStore): Promise<Map<string, SnapshotRow>> {
  const stored = await createLocalSink(store).load('GTM_KPI_Snapshot__c', 'Snapshot_Key__c', FIELDS);
  const out = new Map<string, SnapshotRow>();
  for (const [key, r] of stored)
    out.set(key, {
      Snapshot_Key__c: key,
      Name: String(r.Name),
      KPI_Key__c: String(r.KPI_Key__c),
      As_Of__c: String(r.As_Of__c).slice(0, 10),
      Value__c: num(r.Value__c),
      N__c: Number(r.N__c),
      Events__c: Number(r.Events__c),
      At_Risk__c: Number(r.At_Risk__c),
      CI_Low__c: num(r.CI_Low__c),
      CI_High__c: num(r.CI_High__c),
      Baseline__c: Number(r.Baseline__c),
      Target__c: Number(r.Target__c),
      Progress__c: num(r.Progress__c),
      Status__c: String(r.Status__c),
      Provisional__c: String(r.Provisional__c) === 'true',
      Definition_Hash__c: String(r.Definition_Hash__c),
      Source_Freshness__c:
        text(r.Source_Freshness__c)
          ?.replace(' ', 'T')
          .replace(/(\d{2}:\d{2}:\d{2})$/, '$1Z') ?? null,
      Restated_From__c: text(r.Restated_From__c),
      Published__c: String(r.Published__c) === 'true',
      Records_Json__c: String(r.Records_Json__c)
    });
  return out;
}

/** Every KPI's snapshot row at the as-of date, freshly computed. */
export async function computeSnapshots(store: LocalStore, policy: Policy, asOf: string): Promise<SnapshotRow[]> {
  const rows: SnapshotRow[] = [];
  for (const c of loadKpiContracts()) {
    const value = computeKpi(c, await readKpiSubjects(store, c, policy), policy, asOf);
    rows.push(snapshotRow(value, await kpiFreshness(store, c, asOf)));
  }
  return rows;
}

/** Computes, plans and (unless dry) writes the snapshots of one as-of date. */
export async function snapshot(
  store: LocalStore,
  policy: Policy,
  asOf: string,
  options: { publish?: boolean; dryRun?: boolean } = {}
): Promise<SnapshotPlan> {
  const plan = planSnapshots(
    await computeSnapshots(store, policy, asOf),
    await loadSnapshots(store),
    Boolean(options.publish)
  );
  if (options.dryRun || !plan.write.length) return plan;
  const rows: SObjectRow[] = plan.write.map((r) => {
    const row: SObjectRow = {};
    for (const [k, v] of Object.entries(r)) row[k] = typeof v === 'boolean' ? String(v) : v;
    return row;
  });
  const failed = (await createLocalSink(store).upsert('GTM_KPI_Snapshot__c', 'Snapshot_Key__c', rows)).filter(
    (r) => !r.ok
  );
  if (failed.length) throw new Error(`GTM_KPI_Snapshot__c ${failed[0]!.key}: ${failed[0]!.error}`);
  return plan;
}
