/**
 * The rollout audit (the seed's phase 3: "Complete rollout audit: data quality, handoff reliability, and support
 * burden") at an as-of date, from the records the product holds. Three sections, each with its n, its thresholds
 * from policy and a pass / attention / fail status with the reason in words:
 * - data quality: the sync runs of the last Rollout_Audit_Window_Days (GTM_Sync_Run__c, syncRuns.ts): rows read and
 *   rejected with their reasons per source and ISO week, write failures; sources with no data for more than
 *   Rollout_Audit_Stale_Source_Days. Fails above Rollout_Audit_Max_Reject_Rate over the window or on a stale source;
 *   a write failure, or one source-week above the rate, is attention.
 * - handoff reliability: exp-001's workflow reliability and SLA attainment as its readout computes them
 *   (routing/readout.ts buildReadout), against Workflow_Reliability_Min and Exp001_Min_Sla_Attainment (below
 *   either fails); onboarding steps completed after their due date or still open past it, against
 *   Rollout_Audit_Max_Step_Slip_Rate (above is attention).
 * - support burden: tickets per onboarding or pilot account in its first Onboarding_Guardrail_Days days (the
 *   exp-008 guardrail's own count, onboarding/readout.ts meanTicketsInFirstDays), accounts started since
 *   Program_Start_Date against those started before it (the pre-program baseline). Any rise is attention, a rise
 *   above Rollout_Audit_Max_Support_Rise fails; no baseline in the data is attention, said.
 * `rolloutAudit` is pure over rows (an org mirror can feed it); `loadAuditInput` reads them from the local store.
 */
import { InputError } from '../lib/errors';
import { instantMs, isoSeconds } from '../rules/routingRule';
import { buildReadout, type ReadoutRow } from '../routing/readout';
import { readReadoutRows } from '../routing/readoutStore';
import { loadPlans } from '../onboarding/planStore';
import { meanTicketsInFirstDays, ticketWeeksByAccount } from '../onboarding/readout';
import type { Policy } from '../policy/policy';
import type { RulePolicy } from '../rules/ruleSupport';
import { createLocalSink } from '../store/localSink';
import { q, type LocalStore } from '../store/localStore';
import { isoWeekLabel, weekIndexOf } from '../usage/isoWeek';
import { SYNC_RUN_OBJECT, TICKET_EXPORT_SOURCE, type SyncKind } from './syncRuns';

export type AuditStatus = 'pass' | 'attention' | 'fail';
const RANK: Record<AuditStatus, number> = { pass: 0, attention: 1, fail: 2 };
const DAY_MS = 86_400_000;

export const AUDIT_OBJECT = 'GTM_Rollout_Audit__c';
export const AUDIT_KEY = 'Audit_Key__c';
export const auditKeyOf = (asOf: string) => `rollout-audit|${asOf.slice(0, 10)}`;

// ---------- input rows ----------

export interface SyncRunRow {
  kind: SyncKind;
  source: string;
  runAt: string;
  read: number;
  rejected: number;
  failures: number;
  /** reason (values taken out) -> rows */
  reasons: Record<string, number>;
}

/** A source of data and its newest record at the as-of (null: none yet). */
export interface SourceRow {
  kind: SyncKind;
  source: string;
  lastDataAt: string | null;
  /** when it was first seen (Event_Source__c.First_Seen__c); a source without data is stale from then */
  firstSeenAt: string | null;
}

export interface StepRow {
  plan: string;
  step: string;
  status: string;
  dueAt: string | null;
  completedAt: string | null;
}

export interface StartRow {
  accountId: string;
  kind: 'onboarding' | 'pilot';
  startAt: string;
}

export interface AuditInput {
  syncRuns: SyncRunRow[];
  sources: SourceRow[];
  routing: ReadoutRow[];
  steps: StepRow[];
  starts: StartRow[];
  /** account -> weeks (week start, epoch ms) with their ticket counts */
  ticketWeeks: Map<string, { week: number; tickets: number }[]>;
}

/** The policy reads of the audit; `Policy` satisfies it. */
export type AuditPolicy = RulePolicy & Pick<Policy, 'date' | 'number'>;

// ---------- output ----------

export interface Threshold {
  key: string;
  value: number;
}

export interface SectionBase {
  title: string;
  status: AuditStatus;
  /** why, in words: every rule that set the status, or what passed */
  reason: string;
  n: number;
  thresholds: Threshold[];
}

export interface SourceWeek {
  kind: SyncKind;
  source: string;
  week: string;
  runs: number;
  read: number;
  rejected: number;
  rate: number | null;
  failures: number;
  reasons: { reason: string; rows: number }[];
}

export interface DataQuality extends SectionBase {
  key: 'data_quality';
  windowStart: string;
  runs: number;
  read: number;
  rejected: number;
  rejectRate: number | null;
  writeFailures: number;
  bySourceWeek: SourceWeek[];
  stale: { kind: SyncKind; source: string; lastDataAt: string | null; daysWithoutData: number }[];
  sources: number;
}

export interface HandoffReliability extends SectionBase {
  key: 'handoff_reliability';
  workflow: { signals: number; ok: number; rate: number | null; failures: { accountKey: string; reason: string }[] };
  sla: { met: number; closed: number; rate: number | null };
  steps: {
    due: number;
    late: number;
    overdue: number;
    slipRate: number | null;
    slipped: { plan: string; step: string; dueAt: string; completedAt: string | null }[];
  };
}

export interface SupportBurden extends SectionBase {
  key: 'support_burden';
  windowDays: number;
  program: { accounts: number; known: number; ticketsPerAccount: number | null };
  baseline: { accounts: number; known: number; ticketsPerAccount: number | null };
  rise: number | null;
}

export interface RolloutAudit {
  asOf: string;
  status: AuditStatus;
  sections: [DataQuality, HandoffReliability, SupportBurden];
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const worst = (statuses: AuditStatus[]): AuditStatus =>
  statuses.reduce<AuditStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'pass');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---------- the sections ----------

export function dataQuality(input: AuditInput, policy: AuditPolicy, asOf: string): DataQuality {
  const asOfMs = instantMs(asOf, '--as-of');
  const windowDays = policy.integer('Rollout_Audit_Window_Days');
  const maxRate = policy.number('Rollout_Audit_Max_Reject_Rate');
  const staleDays = policy.integer('Rollout_Audit_Stale_Source_Days');
  const fromMs = asOfMs - windowDays * DAY_MS;
  const runs = input.syncRuns.filter((r) => {
    const t = Date.parse(r.runAt);
    return t > fromMs && t <= asOfMs;
  });
  const groups = new Map<string, SourceWeek>();
  for (const r of runs) {
    const week = isoWeekLabel(weekIndexOf(Date.parse(r.runAt)));
    const key = `${r.kind}\u0000${r.source}\u0000${week}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind: r.kind, source: r.source, week, runs: 0, read: 0, rejected: 0, rate: null, failures: 0, reasons: [] };
      groups.set(key, g);
    }
    g.runs++;
    g.read += r.read;
    g.rejected += r.rejected;
    g.failures += r.failures;
    for (const [reason, rows] of Object.entries(r.reasons)) {
      const have = g.reasons.find((x) => x.reason === reason);
      if (have) have.rows += rows;
      else g.reasons.push({ reason, rows });
    }
  }
  const bySourceWeek = [...groups.values()]
    .map((g) => ({
      ...g,
      rate: g.read ? g.rejected / g.read : null,
      reasons: g.reasons.sort((a, b) => b.rows - a.rows || cmp(a.reason, b.reason))
    }))
    .sort((a, b) => cmp(a.kind, b.kind) || cmp(a.source, b.source) || cmp(a.week, b.week));
  const read = runs.reduce((s, r) => s + r.read, 0);
  const rejected = runs.reduce((s, r) => s + r.rejected, 0);
  const writeFailures = runs.reduce((s, r) => s + r.failures, 0);
  const rejectRate = read ? rejected / read : null;
  const stale = input.sources
    .map((s) => {
      const since = s.lastDataAt ?? s.firstSeenAt;
      const days = since === null ? Infinity : Math.floor((asOfMs - Date.parse(since)) / DAY_MS);
      return { kind: s.kind, source: s.source, lastDataAt: s.lastDataAt, daysWithoutData: days };
    })
    .filter((s) => s.daysWithoutData > staleDays)
    .sort((a, b) => cmp(a.kind, b.kind) || cmp(a.source, b.source));

  const fails: string[] = [];
  const attention: string[] = [];
  if (rejectRate !== null && rejectRate > maxRate)
    fails.push(`${rejected} of ${read} synced rows rejected (${pct(rejectRate)}), above ${pct(maxRate)}`);
  for (const s of stale)
    fails.push(
      s.lastDataAt === null
        ? `${s.source} has sent no data since it was first seen ${s.daysWithoutData} days ago (more than ${staleDays})`
        : `${s.source} has had no data for ${s.daysWithoutData} days (more than ${staleDays})`
    );
  if (!runs.length) attention.push(`no sync run recorded in the ${windowDays} days to the as-of date`);
  if (writeFailures) attention.push(`${plural(writeFailures, 'record')} failed to write`);
  if (!fails.length)
    for (const g of bySourceWeek.filter((g) => g.rate !== null && g.rate > maxRate))
      attention.push(`${g.source} in ${g.week}: ${g.rejected} of ${g.read} rows rejected (${pct(g.rate)})`);
  const status: AuditStatus = fails.length ? 'fail' : attention.length ? 'attention' : 'pass';
  const reason =
    status === 'pass'
      ? `${rejected} of ${read} synced rows rejected (${pct(rejectRate)}, at most ${pct(maxRate)}), no write failures, every source had data within ${staleDays} days`
      : [...fails, ...attention].join('; ');
  return {
    key: 'data_quality',
    title: 'Data quality',
    status,
    reason,
    n: read,
    thresholds: [
      { key: 'Rollout_Audit_Max_Reject_Rate', value: maxRate },
      { key: 'Rollout_Audit_Stale_Source_Days', value: staleDays },
      { key: 'Rollout_Audit_Window_Days', value: windowDays }
    ],
    windowStart: isoSeconds(fromMs),
    runs: runs.length,
    read,
    rejected,
    rejectRate,
    writeFailures,
    bySourceWeek,
    stale: stale.map((s) => ({ ...s, daysWithoutData: Number.isFinite(s.daysWithoutData) ? s.daysWithoutData : -1 })),
    sources: input.sources.length
  };
}

export function handoffReliability(input: AuditInput, policy: AuditPolicy, asOf: string): HandoffReliability {
  const asOfMs = instantMs(asOf, '--as-of');
  const minReliability = policy.number('Workflow_Reliability_Min');
  const minSla = policy.number('Exp001_Min_Sla_Attainment');
  const maxSlip = policy.number('Rollout_Audit_Max_Step_Slip_Rate');
  // exp-001's own figures, computed as its readout does
  const readout = input.routing.length ? buildReadout(input.routing, policy, asOf) : null;
  const workflow = {
    signals: readout?.reliability.signals ?? 0,
    ok: readout?.reliability.ok ?? 0,
    rate: readout?.reliability.rate ?? null,
    failures: (readout?.reliability.failures ?? []).map((f) => ({ accountKey: f.accountKey, reason: f.reason }))
  };
  const sla = readout?.slaAttainment ?? { met: 0, closed: 0, rate: null };
  // onboarding steps due by the as-of (skipped ones aside): completed after their due date, or still open past it
  let due = 0;
  const slipped: HandoffReliability['steps']['slipped'] = [];
  let late = 0;
  let overdue = 0;
  for (const s of input.steps) {
    if (s.status === 'Skipped' || s.dueAt === null) continue;
    const dueMs = Date.parse(s.dueAt);
    const doneMs = s.completedAt === null ? null : Date.parse(s.completedAt);
    const doneByAsOf = doneMs !== null && doneMs <= asOfMs;
    if (dueMs > asOfMs && !doneByAsOf) continue;
    due++;
    if (doneByAsOf && doneMs! > dueMs) late++;
    else if (!doneByAsOf && dueMs < asOfMs) overdue++;
    else continue;
    slipped.push({ plan: s.plan, step: s.step, dueAt: s.dueAt, completedAt: doneByAsOf ? s.completedAt : null });
  }
  slipped.sort((a, b) => cmp(a.plan, b.plan) || cmp(a.step, b.step));
  const slipRate = due ? (late + overdue) / due : null;

  const fails: string[] = [];
  const attention: string[] = [];
  if (workflow.rate !== null && workflow.rate < minReliability)
    fails.push(
      `exp-001 workflow reliability ${pct(workflow.rate)} (${workflow.ok} of ${workflow.signals}) below ${pct(minReliability)}`
    );
  if (sla.rate !== null && sla.rate < minSla)
    fails.push(`SLA attainment ${pct(sla.rate)} (${sla.met} of ${sla.closed}) below ${pct(minSla)}`);
  if (slipRate !== null && slipRate > maxSlip)
    attention.push(
      `${late + overdue} of ${due} onboarding steps slipped (${late} completed late, ${overdue} overdue: ${pct(slipRate)}), above ${pct(maxSlip)}`
    );
  if (!workflow.signals && !sla.closed && !due)
    attention.push('no routed signal, closed SLA or due onboarding step yet');
  const status: AuditStatus = fails.length ? 'fail' : attention.length ? 'attention' : 'pass';
  const reason =
    status === 'pass'
      ? `workflow reliability ${pct(workflow.rate)} (at least ${pct(minReliability)}), SLA attainment ${pct(sla.rate)} (at least ${pct(minSla)}), ${late + overdue} of ${due} onboarding steps slipped (${pct(slipRate)}, at most ${pct(maxSlip)})`
      : [...fails, ...attention].join('; ');
  return {
    key: 'handoff_reliability',
    title: 'Handoff reliability',
    status,
    reason,
    n: workflow.signals + due,
    thresholds: [
      { key: 'Workflow_Reliability_Min', value: minReliability },
      { key: 'Exp001_Min_Sla_Attainment', value: minSla },
      { key: 'Rollout_Audit_Max_Step_Slip_Rate', value: maxSlip }
    ],
    workflow,
    sla,
    steps: { due, late, overdue, slipRate, slipped }
  };
}

export function supportBurden(input: AuditInput, policy: AuditPolicy, asOf: string): SupportBurden {
  const asOfMs = instantMs(asOf, '--as-of');
  const days = policy.integer('Onboarding_Guardrail_Days');
  const maxRise = policy.number('Rollout_Audit_Max_Support_Rise');
  const programStartMs = Date.parse(`${policy.date('Program_Start_Date')}T00:00:00Z`);
  // each account once, from its first onboarding plan or pilot; only windows closed by the as-of count
  const first = new Map<string, number>();
  for (const s of input.starts) {
    const t = Date.parse(s.startAt);
    if (!(first.get(s.accountId)! <= t)) first.set(s.accountId, t);
  }
  const closed = [...first]
    .filter(([, t]) => t + days * DAY_MS <= asOfMs)
    .sort(([a], [b]) => cmp(a, b))
    .map(([accountId, t]) => ({ accountId, startAt: new Date(t).toISOString(), t }));
  const programStarts = closed.filter((s) => s.t >= programStartMs);
  const baselineStarts = closed.filter((s) => s.t < programStartMs);
  const program = meanTicketsInFirstDays(programStarts, input.ticketWeeks, days);
  const baseline = meanTicketsInFirstDays(baselineStarts, input.ticketWeeks, days);
  const rise =
    program.mean === null || baseline.mean === null
      ? null
      : baseline.mean === 0
        ? program.mean === 0
          ? 0
          : Infinity
        : program.mean / baseline.mean - 1;
  const tickets = (m: number | null) => (m === null ? 'n/a' : m.toFixed(2));
  let status: AuditStatus;
  let reason: string;
  if (program.mean === null) {
    status = 'attention';
    reason = `no onboarding or pilot account started since the program has finished its first ${days} days with usage data`;
  } else if (baseline.mean === null) {
    status = 'attention';
    reason = `${tickets(program.mean)} tickets per account in its first ${days} days (${program.known} accounts); no pre-program baseline in the data to compare with`;
  } else {
    const versus = `${tickets(program.mean)} tickets per account in its first ${days} days (${program.known} accounts) against ${tickets(baseline.mean)} before the program (${baseline.known} accounts)`;
    status = rise! > maxRise ? 'fail' : rise! > 0 ? 'attention' : 'pass';
    reason =
      status === 'fail'
        ? `${versus}: a rise of ${Number.isFinite(rise) ? pct(rise) : 'more than 100%'}, above ${pct(maxRise)}`
        : status === 'attention'
          ? `${versus}: a rise of ${pct(rise)} (at most ${pct(maxRise)})`
          : `${versus}: no rise`;
  }
  return {
    key: 'support_burden',
    title: 'Support burden',
    status,
    reason,
    n: program.known,
    thresholds: [
      { key: 'Onboarding_Guardrail_Days', value: days },
      { key: 'Rollout_Audit_Max_Support_Rise', value: maxRise }
    ],
    windowDays: days,
    program: { accounts: programStarts.length, known: program.known, ticketsPerAccount: program.mean },
    baseline: { accounts: baselineStarts.length, known: baseline.known, ticketsPerAccount: baseline.mean },
    rise: rise === null || Number.isFinite(rise) ? rise : null
  };
}

/** The audit at `asOf` (an ISO instant): pure over the rows. */
export function rolloutAudit(input: AuditInput, policy: AuditPolicy, asOf: string): RolloutAudit {
  const sections: RolloutAudit['sections'] = [
    dataQuality(input, policy, asOf),
    handoffReliability(input, policy, asOf),
    supportBurden(input, policy, asOf)
  ];
  return { asOf, status: worst(sections.map((s) => s.status)), sections };
}

// ---------- the local store ----------

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

/** The audit's rows from the local store, as known at `asOf` (later records are left out). */
/** A run row's Reject_Reasons__c (JSON, reason -> rows; admins can edit it): a value that is not is named, not thrown raw. */
function rejectReasons(runKey: string, value: unknown): Record<string, number> {
  if (value === null || value === undefined || value === '') return {};
  try {
    const parsed: unknown = JSON.parse(String(value));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, number>;
  } catch {
    // named below
  }
  throw new InputError(
    `${SYNC_RUN_OBJECT} ${runKey}: Reject_Reasons__c is not a JSON object of reason -> rows: ${JSON.stringify(String(value).slice(0, 80))}`
  );
}

export async function loadAuditInput(store: LocalStore, asOf: string): Promise<AuditInput> {
  const db = store.db;
  const at = `CAST('${isoSeconds(instantMs(asOf, '--as-of')).slice(0, 19)}' AS TIMESTAMP)`;
  const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjects();
  const syncRuns: SyncRunRow[] = (
    await rows(
      `SELECT "Kind__c" AS kind, "Source__c" AS source, ${iso('"Run_At__c"')} AS run_at, "Rows_Read__c" AS read,
              "Rows_Rejected__c" AS rejected, "Write_Failures__c" AS failures, "Reject_Reasons__c" AS reasons,
              "Run_Key__c" AS run_key
         FROM ${q(SYNC_RUN_OBJECT)} WHERE "Run_At__c" IS NOT NULL ORDER BY "Run_Key__c"`
    )
  ).map((r) => ({
    kind: String(r.kind) as SyncKind,
    source: String(r.source),
    runAt: String(r.run_at),
    read: Number(r.read ?? 0),
    rejected: Number(r.rejected ?? 0),
    failures: Number(r.failures ?? 0),
    reasons: rejectReasons(String(r.run_key), r.reasons)
  }));
  // event sources: the newest event each has sent by the as-of; a registered source without one is there too. The
  // CRM's own events (ids crm:...) are derived from records, not a feed that can go stale: left out
  const feed = `"Event_Id__c" NOT LIKE 'crm:%'`;
  const events = await rows(
    `SELECT s.source, ${iso('max(e."Occurred_At__c")')} AS last, ${iso('min(src."First_Seen__c")')} AS first_seen
       FROM (SELECT "Source__c" AS source FROM "Funnel_Event__c"
              WHERE "Source__c" IS NOT NULL AND "Occurred_At__c" <= ${at} AND ${feed}
             UNION SELECT "Source_Key__c" FROM "Event_Source__c" WHERE "First_Seen__c" <= ${at}) s
       LEFT JOIN "Funnel_Event__c" e ON e."Source__c" = s.source AND e."Occurred_At__c" <= ${at} AND e.${feed}
       LEFT JOIN "Event_Source__c" src ON src."Source_Key__c" = s.source
      GROUP BY s.source ORDER BY s.source`
  );
  const sources: SourceRow[] = events.map((r) => ({
    kind: 'events',
    source: String(r.source),
    lastDataAt: r.last === null ? null : String(r.last),
    firstSeenAt: r.first_seen === null ? null : String(r.first_seen)
  }));
  // the ticket export: its data runs to the end of the newest week it holds
  const usage = (
    await rows(`SELECT ${iso('max("Week_Start__c")')} AS week FROM "Usage_Snapshot__c" WHERE "Week_Start__c" <= ${at}`)
  )[0];
  if (usage?.week !== null && usage?.week !== undefined)
    sources.push({
      kind: 'usage',
      source: TICKET_EXPORT_SOURCE,
      lastDataAt: isoSeconds(Math.min(Date.parse(String(usage.week)) + 7 * DAY_MS, instantMs(asOf, '--as-of'))),
      firstSeenAt: null
    });
  const plans = await loadPlans(db);
  const steps: StepRow[] = plans.flatMap((p) =>
    p.steps.map((s) => ({ plan: p.key, step: s.key, status: s.status, dueAt: s.dueAt, completedAt: s.completedAt }))
  );
  const starts: StartRow[] = plans.map((p) => ({ accountId: p.accountId, kind: 'onboarding', startAt: p.startAt }));
  for (const r of await rows(
    `SELECT "AccountId" AS account, strftime("Pilot_Start_Date__c", '%Y-%m-%dT00:00:00Z') AS started
       FROM "Opportunity" WHERE "Pilot_Start_Date__c" IS NOT NULL AND "AccountId" IS NOT NULL ORDER BY "Id"`
  ))
    starts.push({ accountId: String(r.account), kind: 'pilot', startAt: String(r.started) });
  return {
    syncRuns,
    sources,
    routing: await readReadoutRows(store),
    steps,
    starts,
    ticketWeeks: await ticketWeeksByAccount(db)
  };
}

/** Stores the audit as GTM_Rollout_Audit__c keyed rollout-audit|date (the GTM Program page reads it). */
export async function writeAudit(store: LocalStore, audit: RolloutAudit): Promise<string | null> {
  const [result] = await createLocalSink(store).upsert(AUDIT_OBJECT, AUDIT_KEY, [auditRow(audit)]);
  return result && !result.ok ? (result.error ?? 'failed') : null;
}

export function auditRow(audit: RolloutAudit): Record<string, string> {
  return {
    [AUDIT_KEY]: auditKeyOf(audit.asOf),
    Name: `Rollout audit ${audit.asOf.slice(0, 10)}`,
    As_Of__c: audit.asOf.slice(0, 10),
    Status__c: audit.status,
    // with each section's figures and thresholds in words: the GTM Program page shows them as they are
    Sections_Json__c: JSON.stringify(
      audit.sections.map((s) => ({ ...s, thresholdText: thresholdText(s), figures: sectionFigures(s) }))
    )
  };
}

// ---------- words ----------

/** Each section's figures in one line, for the command, the reports and the program page's tiles. */
export function sectionFigures(s: RolloutAudit['sections'][number]): string[] {
  switch (s.key) {
    case 'data_quality':
      return [
        `${s.runs} sync runs since ${s.windowStart.slice(0, 10)}: ${s.rejected} of ${s.read} rows rejected (${pct(s.rejectRate)})`,
        `write failures ${s.writeFailures}; stale sources ${s.stale.length} of ${s.sources}`
      ];
    case 'handoff_reliability':
      return [
        `exp-001 workflow reliability ${pct(s.workflow.rate)} (${s.workflow.ok} of ${s.workflow.signals})`,
        `SLA attainment ${pct(s.sla.rate)} (${s.sla.met} of ${s.sla.closed})`,
        `onboarding steps slipped ${s.steps.late + s.steps.overdue} of ${s.steps.due} (${s.steps.late} late, ${s.steps.overdue} overdue)`
      ];
    default: {
      const t = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
      return [
        `tickets per account in its first ${s.windowDays} days: ${t(s.program.ticketsPerAccount)} (${s.program.known} of ${s.program.accounts} accounts)`,
        `pre-program baseline: ${t(s.baseline.ticketsPerAccount)} (${s.baseline.known} of ${s.baseline.accounts} accounts); rise ${pct(s.rise)}`
      ];
    }
  }
}

/** Each threshold in words and its unit, for readers who do not know the policy keys (the key stays in `thresholds`). */
const THRESHOLD_WORDS: Record<string, (v: number) => string> = {
  Rollout_Audit_Max_Reject_Rate: (v) => `at most ${pct(v)} of rows rejected`,
  Rollout_Audit_Stale_Source_Days: (v) => `every source has data within ${v} days`,
  Rollout_Audit_Window_Days: (v) => `over the last ${v} days`,
  Workflow_Reliability_Min: (v) => `exp-001 workflow reliability at least ${pct(v)}`,
  Exp001_Min_Sla_Attainment: (v) => `SLA attainment at least ${pct(v)}`,
  Rollout_Audit_Max_Step_Slip_Rate: (v) => `at most ${pct(v)} of onboarding steps slipped`,
  Onboarding_Guardrail_Days: (v) => `tickets counted in each account's first ${v} days`,
  Rollout_Audit_Max_Support_Rise: (v) => `tickets per account at most ${pct(v)} above the pre-program baseline`
};

export const thresholdText = (s: SectionBase) =>
  s.thresholds.map((t) => THRESHOLD_WORDS[t.key]?.(t.value) ?? `${t.key} ${t.value}`).join(', ');

/** The audit as Markdown lines under a `##` heading (the reports embed it). */
export function auditMarkdown(a: RolloutAudit): string[] {
  const out = [`## Rollout audit (${a.status})`, ''];
  for (const s of a.sections) {
    out.push(`### ${s.title}: ${s.status}`, '', `- ${s.reason}`, `- n ${s.n}; thresholds: ${thresholdText(s)}`);
    for (const f of sectionFigures(s)) out.push(`- ${f}`);
    if (s.key === 'data_quality')
      for (const w of s.bySourceWeek)
        out.push(
          `  - ${w.source} ${w.week}: ${w.rejected} of ${w.read} rejected${w.failures ? `, ${w.failures} write failures` : ''}${w.reasons.length ? ` (${w.reasons.map((r) => `${r.reason}: ${r.rows}`).join('; ')})` : ''}`
        );
    out.push('');
  }
  return out;
}
