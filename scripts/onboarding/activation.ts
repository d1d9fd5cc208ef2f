/**
 * exp-008's activation, exact, from data the product already ingests (the usage sync's ticket export): a plan is
 * activated at the first instant t at which
 * - its go-live gate step is Done (t >= its completion),
 * - AI-resolved tickets with resolved_at in the trailing window (t - Activation_Window_Days, t] number at least
 *   Activation_Min_Ai_Resolved, and
 * - the deal's hallucination gate is not Failed (its current status: the store keeps no history of it).
 * The count only rises at an AI resolution, so t is the go-live completion or an AI resolution after it: both are
 * tried in order. Usage that reached the minimum before go-live does not activate (the discrepancy is reported).
 * Time to activation = calendar days from the plan start (fractional), business days beside it.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { crmEventRow } from '../events/crmEvent';
import { InputError } from '../lib/errors';
import { displayPath } from '../lib/paths';
import * as path from 'node:path';
import { localDate, type BusinessHoursSchedule } from '../rules/businessHours';
import { calendarOf } from '../rules/onboardingRule';
import { isoSeconds } from '../rules/routingRule';
import { addDays, daysBetween, type RulePolicy } from '../rules/ruleSupport';
import { businessHoursNamed } from '../store/businessHours';
import { readCsvRecords } from '../usage/csvRecords';
import { nsToMs } from '../usage/instant';
import { ACCOUNT_KEY_FIELD, type SObjectRow } from '../usage/records';
import type { UsageSink } from '../usage/sink';
import { checkRow, headerProblem, indexColumns, RESOLUTIONS, type ColumnIndex } from '../usage/rowRules';

const PLAN_OBJECT = 'Onboarding_Plan__c';

const DAY_MS = 86_400_000;
const AI = RESOLUTIONS.indexOf('ai');

export interface ActivationEvidence {
  rule: string;
  window_days: number;
  minimum: number;
  window_start: string;
  window_end: string;
  ai_resolved: number;
  go_live_done_at: string;
  hallucination_gate: string;
  source: string;
}

export interface ActivationJudgement {
  activatedAt: string | null;
  evidence: ActivationEvidence | null;
  /** why not (yet), in words, when not activated */
  reason: string | null;
  /** usage reached the minimum before go-live was done: the first such instant */
  usageBeforeGoLive: string | null;
}

/**
 * The first instant the plan is activated, from its go-live completion and its account's AI resolution times
 * (ms, any order). `gateStatus` is the deal's hallucination gate status (null: no gate record).
 */
/**
 * How many of the sorted instants fall in (t - windowMs, t], asked for t that never decrease: two indexes that only
 * move forward, so n questions over n instants cost O(n) in all (a count per question was O(n) each, O(n^2) per
 * account). A t smaller than the last one asked is refused: the indexes cannot go back.
 */
export function windowCounter(sorted: readonly number[], windowMs: number): (t: number) => number {
  let lo = 0;
  let hi = 0;
  let last = -Infinity;
  return (t) => {
    if (t < last) throw new RangeError(`windowCounter: ${t} is before ${last}; ask in increasing order`);
    last = t;
    while (hi < sorted.length && sorted[hi]! <= t) hi++;
    while (lo < hi && sorted[lo]! <= t - windowMs) lo++;
    return hi - lo;
  };
}

export function judgeActivation(
  goLiveDoneAt: string | null,
  aiResolvedMs: readonly number[],
  gateStatus: string | null,
  policy: RulePolicy,
  source: string
): ActivationJudgement {
  const windowDays = policy.integer('Activation_Window_Days');
  const minimum = policy.integer('Activation_Min_Ai_Resolved');
  const windowMs = windowDays * DAY_MS;
  const times = [...aiResolvedMs].sort((a, b) => a - b);
  const goLive = goLiveDoneAt === null ? null : Date.parse(goLiveDoneAt);
  let usageBeforeGoLive: string | null = null;
  const countBefore = windowCounter(times, windowMs);
  for (const r of times) {
    if (goLive !== null && r >= goLive) break;
    if (countBefore(r) >= minimum) {
      usageBeforeGoLive = isoSeconds(r);
      break;
    }
  }
  const none = (reason: string): ActivationJudgement => ({
    activatedAt: null,
    evidence: null,
    reason,
    usageBeforeGoLive
  });
  if (gateStatus === 'Failed') return none('the hallucination gate is Failed');
  if (goLive === null)
    return none(
      usageBeforeGoLive
        ? `usage reached ${minimum} AI resolutions in ${windowDays} days at ${usageBeforeGoLive}, but the go-live gate is not done`
        : 'the go-live gate is not done'
    );
  const countAt = windowCounter(times, windowMs);
  for (const t of [goLive, ...times.filter((r) => r > goLive)]) {
    const n = countAt(t);
    if (n < minimum) continue;
    return {
      activatedAt: isoSeconds(t),
      evidence: {
        rule: `go-live done, >= ${minimum} AI-resolved tickets in the trailing ${windowDays} days, hallucination gate not Failed`,
        window_days: windowDays,
        minimum,
        window_start: isoSeconds(t - windowMs),
        window_end: isoSeconds(t),
        ai_resolved: n,
        go_live_done_at: isoSeconds(goLive),
        hallucination_gate: gateStatus ?? 'none',
        source
      },
      reason: null,
      usageBeforeGoLive
    };
  }
  const latest = times.length ? windowCounter(times, windowMs)(times[times.length - 1]!) : 0;
  return none(`${latest} of ${minimum} AI resolutions in the last ${windowDays} days of the export`);
}

/**
 * Time to activation: calendar days (fractional, as the seed's "14 -> 8 days") and, beside them, the business days
 * of the plan's hours after the start day up to and including the activation day.
 */
export function timeToActivation(
  startAt: string,
  activatedAt: string,
  hours: BusinessHoursSchedule
): { calendarDays: number; businessDays: number } {
  const start = Date.parse(startAt);
  const end = Date.parse(activatedAt);
  const calendar = calendarOf(hours);
  const first = localDate(start, hours.timeZone);
  const span = daysBetween(first, localDate(end, hours.timeZone));
  let businessDays = 0;
  for (let i = 1; i <= span; i++) if (calendar.isOpenDay(addDays(first, i))) businessDays++;
  return { calendarDays: (end - start) / DAY_MS, businessDays };
}

/** AI resolution instants per account key from a ticket export (CSV, optionally gzipped), by the usage sync's rules. */
export async function readAiResolutions(
  file: string
): Promise<{ byAccount: Map<string, number[]>; rows: number; rejected: number; firstRejects: string[] }> {
  if (!fs.existsSync(file)) throw new InputError(`ticket export ${file} does not exist`);
  let stream: Readable = fs.createReadStream(file);
  if (file.endsWith('.gz')) stream = stream.pipe(zlib.createGunzip());
  // one row per ticket: the latest resolved_at wins, as in the usage sync
  const tickets = new Map<string, { account: string; resolvedMs: number | null; ai: boolean }>();
  let col: ColumnIndex | undefined;
  let rows = 0;
  let rejected = 0;
  const firstRejects: string[] = [];
  await readCsvRecords(stream, (r) => {
    if (!col) {
      const found = indexColumns(r.fields);
      if (!found.index) {
        const p = headerProblem(r.fields, found);
        throw new InputError(`${displayPath(file)}: ${p.message}`, { details: p.details });
      }
      col = found.index;
      return;
    }
    rows++;
    const row = r.malformed ? { reason: r.malformed } : checkRow(r.fields, col);
    if ('reason' in row) {
      rejected++;
      if (firstRejects.length < 5) firstRejects.push(`line ${r.line}: ${row.reason}`);
      return;
    }
    const resolvedMs = row.resolvedNs === null ? null : nsToMs(row.resolvedNs);
    const seen = tickets.get(row.ticketId);
    if (seen && (seen.resolvedMs ?? -Infinity) > (resolvedMs ?? -Infinity)) return;
    tickets.set(row.ticketId, { account: row.accountId, resolvedMs, ai: row.resolution === AI });
  });
  if (!col) throw new InputError(`${displayPath(file)} is empty: no header row`);
  const byAccount = new Map<string, number[]>();
  for (const t of tickets.values()) {
    if (!t.ai || t.resolvedMs === null) continue;
    const list = byAccount.get(t.account) ?? [];
    list.push(t.resolvedMs);
    byAccount.set(t.account, list);
  }
  return { byAccount, rows, rejected, firstRejects };
}

export interface ActivationChange {
  plan: string;
  status: 'activated' | 'unchanged' | 'not activated' | 'kept';
  activated_at: string | null;
  calendar_days: number | null;
  business_days: number | null;
  reason: string | null;
  usage_before_go_live: string | null;
}

export interface ActivationSyncResult {
  export: string;
  target: string;
  rows: number;
  rejected: number;
  plans: number;
  activated: number;
  unchanged: number;
  not_activated: number;
  written: number;
  failed: number;
  failures: { plan: string; error: string }[];
  /** the plan's "Onboarding Activated" funnel events written now (one per activation; the KPI counts them) */
  events_written: number;
  dry_run: boolean;
  changes: ActivationChange[];
}

/** The tracking plan's event for an activation, which the day-90 Time_To_Activation KPI counts. */
export const ACTIVATION_EVENT = 'Onboarding Activated';
const EVENT_OBJECT = 'Funnel_Event__c';
const EVENT_KEY = 'Event_Id__c';

/** The Funnel_Event__c row of an activation (scripts/events/crmEvent.ts: the plan's mapping, id crm:<event>:<plan>). */
function activationEventRow(planKey: string, accountKey: string, activatedAt: string, days: number): SObjectRow {
  return crmEventRow({
    name: ACTIVATION_EVENT,
    subject: planKey,
    occurredAt: activatedAt,
    accountKey,
    source: 'gtm onboarding activation sync',
    // whole days elapsed: the plan's property is an integer
    properties: { activation_days: Math.floor(days) }
  });
}

/** An instant as the sink returns it (local "2026-11-09 15:00:00", org "2026-11-09T15:00:00.000+0000") in ISO. */
export function instantText(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value)
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const ms = Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) throw new InputError(`not an instant: ${String(value)}`);
  return isoSeconds(ms);
}

const yes = (v: unknown) => v === true || v === 'true';
const textOrNull = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));

/**
 * Judges every plan in progress against the export (the local store or an org, through the usage sync's sink), and
 * upserts Activated_At, the evidence and status Activated by plan key where a plan became activated. A plan already
 * activated keeps its instant (a later, partial export never un-activates it); a churned plan is left alone.
 * Re-running on the same export writes nothing.
 */
export async function syncActivation(
  sink: UsageSink,
  file: string,
  policy: RulePolicy,
  options: { dryRun?: boolean } = {}
): Promise<ActivationSyncResult> {
  const tickets = await readAiResolutions(file);
  const source = path.basename(file);
  const plans = await sink.load(PLAN_OBJECT, 'Plan_Key__c', [
    'Account__r.Usage_Account_Key__c',
    'Opportunity__c',
    'Start_At__c',
    'Activated_At__c',
    'Status__c',
    'Business_Hours_Name__c'
  ]);
  const goLives = new Map<string, string>();
  for (const s of (
    await sink.load('Onboarding_Plan_Step__c', 'Step_Key__c', [
      'Plan__r.Plan_Key__c',
      'Is_Gate__c',
      'Status__c',
      'Completed_At__c'
    ])
  ).values()) {
    const completed = instantText(s.Completed_At__c);
    if (yes(s.Is_Gate__c) && s.Status__c === 'Done' && completed)
      goLives.set(String(s['Plan__r.Plan_Key__c']), completed);
  }
  const gates = new Map<string, string>();
  for (const g of (
    await sink.load('GTM_Launch_Gate__c', 'Gate_Key__c', ['Opportunity__c', 'Gate_Type__c', 'Status__c'])
  ).values())
    if (g.Gate_Type__c === 'Hallucination Audit' && g.Opportunity__c)
      gates.set(String(g.Opportunity__c), String(g.Status__c));
  const changes: ActivationChange[] = [];
  const writes: SObjectRow[] = [];
  for (const [key, plan] of [...plans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const startAt = instantText(plan.Start_At__c);
    if (startAt === null) throw new InputError(`plan ${key} has no Start_At__c`);
    const hours = businessHoursNamed(textOrNull(plan.Business_Hours_Name__c), `plan ${key}`);
    const accountKey = textOrNull(plan['Account__r.Usage_Account_Key__c']);
    const opportunity = textOrNull(plan.Opportunity__c);
    const judged = judgeActivation(
      goLives.get(key) ?? null,
      accountKey === null ? [] : (tickets.byAccount.get(accountKey) ?? []),
      opportunity ? (gates.get(opportunity) ?? null) : null,
      policy,
      source
    );
    const base = { plan: key, usage_before_go_live: judged.usageBeforeGoLive };
    const stored = instantText(plan.Activated_At__c);
    if (plan.Status__c === 'Churned' || stored !== null) {
      // kept as stored: churned plans are censored; an activation is a fact that a later export cannot take back
      const tta = stored ? timeToActivation(startAt, stored, hours) : null;
      changes.push({
        ...base,
        status: stored !== null && stored === judged.activatedAt ? 'unchanged' : 'kept',
        activated_at: stored,
        calendar_days: tta?.calendarDays ?? null,
        business_days: tta?.businessDays ?? null,
        reason: plan.Status__c === 'Churned' ? 'churned before activation' : null
      });
      continue;
    }
    if (judged.activatedAt === null) {
      changes.push({
        ...base,
        status: 'not activated',
        activated_at: null,
        calendar_days: null,
        business_days: null,
        reason: accountKey === null ? `the account has no ${ACCOUNT_KEY_FIELD}: no ticket is its` : judged.reason
      });
      continue;
    }
    const tta = timeToActivation(startAt, judged.activatedAt, hours);
    changes.push({
      ...base,
      status: 'activated',
      activated_at: judged.activatedAt,
      calendar_days: tta.calendarDays,
      business_days: tta.businessDays,
      reason: null
    });
    writes.push({
      Plan_Key__c: key,
      Activated_At__c: judged.activatedAt,
      Activation_Evidence__c: JSON.stringify(judged.evidence),
      Status__c: 'Activated',
      At_Risk__c: 'false',
      At_Risk_Reason__c: null
    });
  }
  const results = options.dryRun || !writes.length ? [] : await sink.upsert(PLAN_OBJECT, 'Plan_Key__c', writes);
  const failures = results.filter((r) => !r.ok).map((r) => ({ plan: r.key, error: r.error ?? 'not written' }));
  // every activation stored (now or before) has its event: one missing (a run that failed after the plan write) is
  // written by the next run, and a re-run writes none
  const failed = new Set(failures.map((f) => f.plan));
  const storedEvents = await sink.load(EVENT_OBJECT, EVENT_KEY, [EVENT_KEY]);
  const events = changes
    .filter((c) => c.activated_at !== null && c.calendar_days !== null && !failed.has(c.plan))
    .map((c) => ({ c, accountKey: textOrNull(plans.get(c.plan)?.['Account__r.Usage_Account_Key__c']) }))
    .filter((x): x is { c: ActivationChange; accountKey: string } => x.accountKey !== null)
    .map(({ c, accountKey }) => activationEventRow(c.plan, accountKey, c.activated_at!, c.calendar_days!))
    .filter((row) => !storedEvents.has(String(row[EVENT_KEY])));
  const eventResults = options.dryRun || !events.length ? [] : await sink.upsert(EVENT_OBJECT, EVENT_KEY, events);
  for (const r of eventResults)
    if (!r.ok) failures.push({ plan: r.key, error: `its ${ACTIVATION_EVENT} event: ${r.error ?? 'not written'}` });
  return {
    export: source,
    target: sink.label,
    rows: tickets.rows,
    rejected: tickets.rejected,
    plans: plans.size,
    activated: changes.filter((c) => c.status === 'activated').length,
    unchanged: changes.filter((c) => c.status === 'unchanged' || c.status === 'kept').length,
    not_activated: changes.filter((c) => c.status === 'not activated').length,
    written: results.filter((r) => r.ok).length,
    failed: failures.length,
    failures,
    events_written: eventResults.filter((r) => r.ok).length,
    dry_run: Boolean(options.dryRun),
    changes
  };
}
