/**
 * Weekly KPI snapshots (GTM_KPI_Snapshot__c, key KPI|as-of) and what changed between two of them. Pure: KPI values
 * and stored rows in, rows to write and explanations out.
 *
 * - A snapshot not yet published is simply rewritten with the current numbers (idempotent: the same numbers are
 *   "unchanged").
 * - A published snapshot is immutable. When the numbers for its as-of date come out different later (a backdated
 *   record, a correction), the difference is written as a restatement row (key KPI|as-of|restated-N) naming the
 *   published values it replaces and the records that moved: never a silent change.
 * - What changed between snapshots A and B of one KPI (design D3.4, after Gong's change types): new entrants, windows
 *   that closed, restatements (a closed subject whose outcome changed) and reclassified records (left the cohort),
 *   each with record ids.
 */
import type { KpiValue } from './kpi';

export interface SnapshotRecords {
  counted: string[];
  outcomes: string[];
  atRisk: string[];
}

/** A GTM_KPI_Snapshot__c row as the store holds it (the fields this module reads and writes). */
export interface SnapshotRow {
  Snapshot_Key__c: string;
  Name: string;
  KPI_Key__c: string;
  As_Of__c: string;
  Value__c: number | null;
  N__c: number;
  Events__c: number;
  At_Risk__c: number;
  CI_Low__c: number | null;
  CI_High__c: number | null;
  Baseline__c: number;
  Target__c: number;
  Progress__c: number | null;
  Status__c: string;
  Provisional__c: boolean;
  Definition_Hash__c: string;
  Source_Freshness__c: string | null;
  Restated_From__c: string | null;
  Published__c: boolean;
  Records_Json__c: string;
}

const round6 = (x: number | null | undefined) => (x === null || x === undefined ? null : Number(x.toFixed(6)));

export function snapshotRow(v: KpiValue, freshness: string | null): SnapshotRow {
  const day = v.asOf.slice(0, 10);
  return {
    Snapshot_Key__c: `${v.key}|${day}`,
    Name: `${v.key}|${day}`,
    KPI_Key__c: v.key,
    As_Of__c: day,
    Value__c: round6(v.value),
    N__c: v.n,
    Events__c: v.events,
    At_Risk__c: v.atRisk,
    CI_Low__c: round6(v.interval?.low),
    CI_High__c: round6(v.interval?.high),
    Baseline__c: v.baseline,
    Target__c: v.target,
    Progress__c: round6(v.progress),
    Status__c: v.status,
    Provisional__c: v.provisional,
    Definition_Hash__c: v.definitionHash,
    Source_Freshness__c: freshness,
    Restated_From__c: null,
    Published__c: false,
    Records_Json__c: JSON.stringify(v.records)
  };
}

/** The fields whose values make a snapshot's numbers (a change in any of them is a change of the numbers). */
const NUMBER_FIELDS = [
  'Value__c',
  'N__c',
  'Events__c',
  'At_Risk__c',
  'CI_Low__c',
  'CI_High__c',
  'Baseline__c',
  'Target__c',
  'Status__c',
  'Definition_Hash__c',
  'Records_Json__c'
] as const;

export function sameNumbers(a: SnapshotRow, b: SnapshotRow): boolean {
  return NUMBER_FIELDS.every((f) => (a[f] ?? null) === (b[f] ?? null));
}

export interface Change {
  kpi: string;
  from: { asOf: string; value: number | null; n: number };
  to: { asOf: string; value: number | null; n: number };
  newEntrants: string[];
  windowsClosed: string[];
  restatements: string[];
  reclassified: string[];
  /** the definition (contract or the policy values it reads) changed between the two */
  definitionChanged: boolean;
}

const records = (row: SnapshotRow): SnapshotRecords => JSON.parse(row.Records_Json__c) as SnapshotRecords;
const sorted = (ids: Iterable<string>) => [...ids].sort();

/** What moved one KPI from snapshot a to snapshot b, with record ids. */
export function whatChanged(a: SnapshotRow, b: SnapshotRow): Change {
  const ra = records(a);
  const rb = records(b);
  const allA = new Set([...ra.counted, ...ra.atRisk]);
  const allB = new Set([...rb.counted, ...rb.atRisk]);
  const riskA = new Set(ra.atRisk);
  const riskB = new Set(rb.atRisk);
  const outA = new Set(ra.outcomes);
  const outB = new Set(rb.outcomes);
  return {
    kpi: b.KPI_Key__c,
    from: { asOf: a.As_Of__c, value: a.Value__c, n: a.N__c },
    to: { asOf: b.As_Of__c, value: b.Value__c, n: b.N__c },
    newEntrants: sorted([...allB].filter((id) => !allA.has(id))),
    windowsClosed: sorted([...riskA].filter((id) => allB.has(id) && !riskB.has(id))),
    restatements: sorted([...allA].filter((id) => allB.has(id) && !riskA.has(id) && outA.has(id) !== outB.has(id))),
    reclassified: sorted([...allA].filter((id) => !allB.has(id))),
    definitionChanged: a.Definition_Hash__c !== b.Definition_Hash__c
  };
}

export interface SnapshotPlan {
  write: SnapshotRow[];
  unchanged: string[];
  restated: string[];
}

/**
 * What to write for freshly computed rows given the stored ones (by key, restatement rows included): unpublished
 * rows are rewritten, published ones get a restatement row when their numbers moved, and `publish` marks the
 * result published.
 */
export function planSnapshots(fresh: SnapshotRow[], stored: Map<string, SnapshotRow>, publish: boolean): SnapshotPlan {
  const plan: SnapshotPlan = { write: [], unchanged: [], restated: [] };
  for (const row of fresh) {
    const key = row.Snapshot_Key__c;
    // the latest word on this as-of: the last restatement, else the snapshot itself
    let n = 0;
    while (stored.has(`${key}|restated-${n + 1}`)) n++;
    const latest = stored.get(n ? `${key}|restated-${n}` : key);
    if (!latest) {
      plan.write.push({ ...row, Published__c: publish });
      continue;
    }
    if (sameNumbers(latest, row)) {
      if (publish && !latest.Published__c) plan.write.push({ ...latest, Published__c: true });
      else plan.unchanged.push(latest.Snapshot_Key__c);
      continue;
    }
    if (!latest.Published__c) {
      plan.write.push({ ...row, Snapshot_Key__c: latest.Snapshot_Key__c, Name: latest.Name, Published__c: publish });
      continue;
    }
    const change = whatChanged(latest, row);
    const restatedKey = `${key}|restated-${n + 1}`;
    plan.restated.push(restatedKey);
    plan.write.push({
      ...row,
      Snapshot_Key__c: restatedKey,
      Name: restatedKey,
      Published__c: publish,
      Restated_From__c:
        `restated from ${latest.Value__c ?? 'n/a'} (n ${latest.N__c}) to ${row.Value__c ?? 'n/a'} (n ${row.N__c}), ` +
        `published ${latest.Snapshot_Key__c}` +
        (change.definitionChanged ? '; definition changed' : '') +
        (change.restatements.length ? `; outcome changed: ${change.restatements.join(', ')}` : '') +
        (change.newEntrants.length ? `; entered: ${change.newEntrants.join(', ')}` : '') +
        (change.reclassified.length ? `; left the cohort: ${change.reclassified.join(', ')}` : '')
    });
  }
  return plan;
}
