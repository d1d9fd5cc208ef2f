/**
 * Usage snapshots and expansion triggers as sObject rows: the one place that names their fields. The same
 * rows are the Bulk API CSV (columns = field API names) and the local store's tables; a test checks every
 * name here against force-app.
 */
import type { WeekUsage } from './aggregate';
import { isoWeekLabel, weekStartDate } from './isoWeek';
import type { FiredTrigger, TriggerThresholds } from './triggerRules';

export const SNAPSHOT_OBJECT = 'Usage_Snapshot__c';
export const TRIGGER_OBJECT = 'Expansion_Trigger__c';
export const ACCOUNT_KEY_FIELD = 'Usage_Account_Key__c';
/** The master-detail to Account, set through the account's usage key. */
export const ACCOUNT_RELATIONSHIP = `Account__r.${ACCOUNT_KEY_FIELD}`;

export const SNAPSHOT_FIELDS = {
  key: 'Snapshot_Key__c',
  name: 'Name',
  account: ACCOUNT_RELATIONSHIP,
  isoWeek: 'ISO_Week__c',
  weekStart: 'Week_Start__c',
  ticketsTotal: 'Tickets_Total__c',
  aiResolved: 'AI_Resolved__c',
  humanResolved: 'Human_Resolved__c',
  unresolved: 'Unresolved__c',
  share: 'AI_Resolution_Share__c'
} as const;

export const TRIGGER_FIELDS = {
  key: 'Trigger_Key__c',
  name: 'Name',
  account: ACCOUNT_RELATIONSHIP,
  status: 'Status__c',
  mode: 'Mode__c',
  isoWeek: 'Fired_Week__c',
  weekStart: 'Fired_Week_Start__c',
  streakStartWeek: 'Streak_Start_Week__c',
  share: 'AI_Resolution_Share__c',
  ticketsTotal: 'Tickets_Total__c',
  shareThreshold: 'Share_Threshold__c',
  minTickets: 'Min_Weekly_Tickets__c',
  requiredWeeks: 'Required_Weeks__c',
  cooldownWeeks: 'Cooldown_Weeks__c',
  evidence: 'Evidence__c'
} as const;

/** Fields the sync owns on an existing trigger; a person's decision (Status__c) is never overwritten. */
export const TRIGGER_SYNC_OWNED = Object.values(TRIGGER_FIELDS).filter(
  (f) => f !== TRIGGER_FIELDS.status && f !== TRIGGER_FIELDS.mode
);

export type SObjectRow = Record<string, string | number | null>;

/** Scale of AI_Resolution_Share__c: what is stored for people; rules compare exact counts. */
const SHARE_DECIMALS = 6;
export const roundShare = (ai: number, total: number) => Number((ai / total).toFixed(SHARE_DECIMALS));

/**
 * roundShare() of whole counts, faster: toFixed rounds the quotient's binary value, which for whole counts
 * (below 2^53 / 10^6) rounds like the exact fraction except at an exact half, left to roundShare itself.
 */
function roundCountShare(ai: number, total: number): number {
  const scaled = ai * 1_000_000;
  if (!Number.isSafeInteger(scaled) || !Number.isSafeInteger(total) || total <= 0) return roundShare(ai, total);
  const n = Math.floor(scaled / total);
  const twice = 2 * (scaled - n * total);
  if (twice === total) return roundShare(ai, total);
  return (twice > total ? n + 1 : n) / 1_000_000;
}

/** label and Monday of a week index: a sync has a few hundred thousand snapshots over a few dozen weeks */
const weekText = new Map<number, { label: string; start: string }>();
function weekOf(weekIndex: number): { label: string; start: string } {
  let w = weekText.get(weekIndex);
  if (!w) {
    w = { label: isoWeekLabel(weekIndex), start: weekStartDate(weekIndex) };
    if (weekText.size > 10_000) weekText.clear();
    weekText.set(weekIndex, w);
  }
  return w;
}

export function snapshotKey(accountKey: string, weekIndex: number): string {
  return `${accountKey}|${weekOf(weekIndex).label}`;
}

/** a snapshot row as one object literal of a fixed shape (fast in V8 for a few hundred thousand rows) */
const makeSnapshot = new Function(
  'key',
  'name',
  'account',
  'week',
  'start',
  'w',
  'share',
  `return {${[
    [SNAPSHOT_FIELDS.key, 'key'],
    [SNAPSHOT_FIELDS.name, 'name'],
    [SNAPSHOT_FIELDS.account, 'account'],
    [SNAPSHOT_FIELDS.isoWeek, 'week'],
    [SNAPSHOT_FIELDS.weekStart, 'start'],
    [SNAPSHOT_FIELDS.ticketsTotal, 'w.ticketsTotal'],
    [SNAPSHOT_FIELDS.aiResolved, 'w.aiResolved'],
    [SNAPSHOT_FIELDS.humanResolved, 'w.humanResolved'],
    [SNAPSHOT_FIELDS.unresolved, 'w.unresolved'],
    [SNAPSHOT_FIELDS.share, 'share']
  ]
    .map(([field, value]) => `${JSON.stringify(field)}: ${value}`)
    .join(', ')}};`
) as (
  key: string,
  name: string,
  account: string,
  week: string,
  start: string,
  w: WeekUsage,
  share: number
) => SObjectRow;

export function snapshotRow(w: WeekUsage): SObjectRow {
  const { label: week, start } = weekOf(w.weekIndex);
  const name = `${w.accountKey} ${week}`;
  return makeSnapshot(
    `${w.accountKey}|${week}`,
    name.length > 80 ? name.slice(0, 80) : name,
    w.accountKey,
    week,
    start,
    w,
    Number.isInteger(w.aiResolved) && Number.isInteger(w.ticketsTotal)
      ? roundCountShare(w.aiResolved, w.ticketsTotal)
      : roundShare(w.aiResolved, w.ticketsTotal)
  );
}

const sqlText = (v: string) => `'${v.replace(/'/g, "''")}'`;

/**
 * The rows snapshotRow() makes of `weeks`, as a DuckDB SELECT over the same weeks in `weeksFile` (Parquet with
 * the columns WEEKS_FILE_COLUMNS of aggregate.ts), value for value: week labels and starts come from here, and
 * the share is rounded as roundShare() rounds (exact integer arithmetic; ties, which depend on the binary value
 * of the quotient, are given from here). Undefined when a value cannot be made the same way in SQL (a name cut
 * at 80 characters inside a character outside the Basic Multilingual Plane).
 */
export function snapshotRowsSql(weeksFile: string, weeks: readonly WeekUsage[]): string | undefined {
  const labels = new Map<number, { label: string; start: string }>();
  const ties = new Map<string, [number, number, number]>();
  for (const w of weeks) {
    let week = labels.get(w.weekIndex);
    if (!week) labels.set(w.weekIndex, (week = weekOf(w.weekIndex)));
    if (w.accountKey.length + 1 + week.label.length > 80 && /[\uD800-\uDFFF]/.test(w.accountKey)) return undefined;
    const scaled = w.aiResolved * 2_000_000;
    if (scaled % w.ticketsTotal === 0 && (scaled / w.ticketsTotal) % 2 === 1)
      ties.set(`${w.aiResolved}/${w.ticketsTotal}`, [
        w.aiResolved,
        w.ticketsTotal,
        roundShare(w.aiResolved, w.ticketsTotal)
      ]);
  }
  const S = SNAPSHOT_FIELDS;
  const weekRows = [...labels].map(([i, w]) => `(${i}, ${sqlText(w.label)}, ${sqlText(w.start)})`);
  const weekTable = weekRows.length
    ? `(VALUES ${weekRows.join(', ')}) AS l(week, label, start)`
    : `(SELECT NULL::INTEGER AS week, NULL::VARCHAR AS label, NULL::VARCHAR AS start WHERE false) l`;
  const tieRows = [...ties.values()].map(([ai, total, share]) => `(${ai}, ${total}, CAST('${share}' AS DOUBLE))`);
  const tieTable = tieRows.length
    ? `(VALUES ${tieRows.join(', ')}) AS tie(ai, total, share)`
    : `(SELECT NULL::INTEGER AS ai, NULL::INTEGER AS total, NULL::DOUBLE AS share WHERE false) tie`;
  const name = `w.account || ' ' || l.label`;
  const scaled = `(CAST(w.ai AS BIGINT) * 1000000)`;
  const share = `coalesce(tie.share, CAST(${scaled} // w.total + CASE WHEN 2 * (${scaled} % w.total) > w.total THEN 1 ELSE 0 END AS DOUBLE) / 1000000.0)`;
  const col = (field: string) => `"${field.replace(/"/g, '""')}"`;
  return `SELECT w.account || '|' || l.label AS ${col(S.key)},
      CASE WHEN length(${name}) <= 80 THEN ${name} ELSE left(${name}, 80) END AS ${col(S.name)},
      w.account AS ${col(S.account)}, l.label AS ${col(S.isoWeek)}, l.start AS ${col(S.weekStart)},
      CAST(w.total AS DOUBLE) AS ${col(S.ticketsTotal)}, CAST(w.ai AS DOUBLE) AS ${col(S.aiResolved)},
      CAST(w.human AS DOUBLE) AS ${col(S.humanResolved)}, CAST(w.unresolved AS DOUBLE) AS ${col(S.unresolved)},
      ${share} AS ${col(S.share)}
    FROM read_parquet(${sqlText(weeksFile)}) w JOIN ${weekTable} USING (week)
      LEFT JOIN ${tieTable} ON tie.ai = w.ai AND tie.total = w.total`;
}

export type TriggerStatus = 'Shadow' | 'Open';

export function triggerRow(
  accountKey: string,
  f: FiredTrigger,
  status: TriggerStatus,
  t: TriggerThresholds
): SObjectRow {
  return {
    [TRIGGER_FIELDS.key]: `${accountKey}|${f.isoWeek}`,
    [TRIGGER_FIELDS.name]: `${accountKey} ${f.isoWeek}`.slice(0, 80),
    [TRIGGER_FIELDS.account]: accountKey,
    [TRIGGER_FIELDS.status]: status,
    [TRIGGER_FIELDS.mode]: status === 'Shadow' ? 'Shadow' : 'Live',
    [TRIGGER_FIELDS.isoWeek]: f.isoWeek,
    [TRIGGER_FIELDS.weekStart]: f.weekStart,
    [TRIGGER_FIELDS.streakStartWeek]: f.streakStartWeek,
    [TRIGGER_FIELDS.share]: roundShare(f.aiResolved, f.ticketsTotal),
    [TRIGGER_FIELDS.ticketsTotal]: f.ticketsTotal,
    [TRIGGER_FIELDS.shareThreshold]: Number(t.share),
    [TRIGGER_FIELDS.minTickets]: t.minTickets,
    [TRIGGER_FIELDS.requiredWeeks]: t.consecutiveWeeks,
    [TRIGGER_FIELDS.cooldownWeeks]: t.cooldownWeeks,
    [TRIGGER_FIELDS.evidence]: JSON.stringify(f.evidence)
  };
}

/** Set when live mode has created the owner's follow-up Task; empty on an Open trigger = a Task is owed. */
export const FOLLOW_UP_TASK_FIELD = 'Follow_Up_Task_Id__c';

/** Written by the backtest only. */
export const OUTCOME_FIELDS = {
  label: 'Outcome_Label__c',
  windowEnd: 'Outcome_Window_End__c'
} as const;
