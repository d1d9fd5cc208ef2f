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

export function snapshotRow(w: WeekUsage): SObjectRow {
  const { label: week, start } = weekOf(w.weekIndex);
  return {
    [SNAPSHOT_FIELDS.key]: `${w.accountKey}|${week}`,
    [SNAPSHOT_FIELDS.name]: `${w.accountKey} ${week}`.slice(0, 80),
    [SNAPSHOT_FIELDS.account]: w.accountKey,
    [SNAPSHOT_FIELDS.isoWeek]: week,
    [SNAPSHOT_FIELDS.weekStart]: start,
    [SNAPSHOT_FIELDS.ticketsTotal]: w.ticketsTotal,
    [SNAPSHOT_FIELDS.aiResolved]: w.aiResolved,
    [SNAPSHOT_FIELDS.humanResolved]: w.humanResolved,
    [SNAPSHOT_FIELDS.unresolved]: w.unresolved,
    [SNAPSHOT_FIELDS.share]: roundShare(w.aiResolved, w.ticketsTotal)
  };
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
