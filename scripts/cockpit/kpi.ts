/**
 * One KPI's value at an as-of date, from its contract and the subjects the store holds. Pure: subjects, policy and
 * as-of in, a value out; nothing reads a clock, so the same inputs give the same value.
 *
 * - Only what was known at the as-of counts: subjects whose cohort date is on or before it, outcomes on or before it.
 * - The scorecard counts the program's cohort (cohort date on or after Program_Start_Date); earlier subjects are the
 *   baseline period (pre/post readouts read them).
 * - rate_wilson: subjects whose window (policy days after the cohort date) has closed; success = an outcome inside
 *   it; a Wilson interval. Open windows are "at risk": the value is provisional while any remain.
 * - km_median: Kaplan-Meier over the days from cohort date to outcome, censored at the as-of date; the median with
 *   its Brookmeyer-Crowley interval (scripts/stats/survival.ts). A median not reached is "> t days", provisional.
 * - km_cumulative: the Kaplan-Meier share with the outcome by the window (1 - S(window)), censored at the as-of date;
 *   subjects censored before the window ends are at risk, and the value is provisional while any remain.
 */
import { wilson, zFor } from '../stats/proportions';
import { kaplanMeier, median, survivalAt, survivalBandAt, type KaplanMeier, type Observation } from '../stats/survival';
import { definitionHash, type CockpitPolicy, type KpiContract } from './kpiContracts';

export const DAY_MS = 86_400_000;

/** One cohort member: its record id, when it entered the cohort and when its first outcome happened (or null). */
export interface KpiSubject {
  id: string;
  /** ISO date or instant */
  start: string;
  /** ISO date or instant of the first outcome on or after start; null: none recorded */
  outcome: string | null;
}

/** An interval whose end may be unbounded by the data (a Kaplan-Meier median's upper end): null. */
export interface Bounds {
  low: number | null;
  high: number | null;
}

export const KPI_STATUSES = ['Met', 'Improving', 'Not improving', 'Insufficient data', 'Provisional'] as const;
export type KpiStatus = (typeof KPI_STATUSES)[number];

export interface KpiValue {
  key: string;
  label: string;
  unit: 'ratio' | 'days';
  direction: KpiContract['direction'];
  method: KpiContract['method'];
  asOf: string;
  /** the point estimate; null when there is nothing to estimate (no subjects, or a median not reached) */
  value: number | null;
  /** for a median not reached: the longest follow-up, so the value reads "> t days" */
  atLeast: number | null;
  interval: Bounds | null;
  /** subjects the value is computed on: closed windows (rate) or every observed subject (KM) */
  n: number;
  /** subjects with the outcome counted in the value */
  events: number;
  /** subjects whose window is still open at the as-of date (rate, km_cumulative) or censored (km_median) */
  atRisk: number;
  /** true while at-risk subjects can still change the value */
  provisional: boolean;
  baseline: number;
  target: number;
  /** (value - baseline) / (target - baseline): 1 is the target reached, below 0 is worse than baseline */
  progress: number | null;
  status: KpiStatus;
  /** why the status is what it is, in one line */
  statusNote: string;
  caveat: string;
  windowDays: number | null;
  definitionHash: string;
  /** the record ids behind the value: who is in n, who had the outcome, who is at risk */
  records: { counted: string[]; outcomes: string[]; atRisk: string[] };
}

/** Milliseconds of an ISO date (midnight UTC) or instant; a clear error naming the subject otherwise. */
export function instantOf(text: string, what: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new Error(`${what}: ${JSON.stringify(text)} is not an ISO date or instant`);
  return ms;
}

interface Placed {
  id: string;
  startMs: number;
  /** outcome known by the as-of date and on or after start, else null */
  outcomeMs: number | null;
}

function place(
  subjects: KpiSubject[],
  contract: KpiContract,
  cohort: { fromMs: number; untilMs: number },
  asOfMs: number
): Placed[] {
  const placed: Placed[] = [];
  for (const s of subjects) {
    const startMs = instantOf(s.start, `${contract.key} ${s.id} cohort date`);
    if (startMs < cohort.fromMs || startMs > cohort.untilMs) continue;
    const o = s.outcome === null ? null : instantOf(s.outcome, `${contract.key} ${s.id} outcome`);
    placed.push({ id: s.id, startMs, outcomeMs: o !== null && o >= startMs && o <= asOfMs ? o : null });
  }
  return placed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

interface Estimate {
  value: number | null;
  atLeast: number | null;
  interval: Bounds | null;
  n: number;
  events: number;
  atRisk: number;
  records: KpiValue['records'];
}

function rate(placed: Placed[], windowMs: number, asOfMs: number, confidence: number): Estimate {
  const counted: string[] = [];
  const outcomes: string[] = [];
  const atRisk: string[] = [];
  for (const p of placed) {
    const end = p.startMs + windowMs;
    // an open window is at risk even when its outcome already happened: counting early successes alone would bias
    // the rate up (the exp-001 readout counts closed windows the same way)
    if (end > asOfMs) {
      atRisk.push(p.id);
      continue;
    }
    counted.push(p.id);
    if (p.outcomeMs !== null && p.outcomeMs <= end) outcomes.push(p.id);
  }
  const n = counted.length;
  return {
    value: n ? outcomes.length / n : null,
    atLeast: null,
    interval: wilson({ k: outcomes.length, n }, confidence),
    n,
    events: outcomes.length,
    atRisk: atRisk.length,
    records: { counted, outcomes, atRisk }
  };
}

function observations(placed: Placed[], asOfMs: number, capMs: number): Observation[] {
  return placed.map((p) => {
    if (p.outcomeMs !== null && p.outcomeMs - p.startMs <= capMs)
      return { time: (p.outcomeMs - p.startMs) / DAY_MS, event: true };
    return { time: Math.min(asOfMs - p.startMs, capMs) / DAY_MS, event: false };
  });
}

function kmMedian(placed: Placed[], asOfMs: number, confidence: number): Estimate {
  const obs = observations(placed, asOfMs, Infinity);
  const km = kaplanMeier(obs);
  const m = median(km, { confidence });
  const outcomes = placed.filter((p) => p.outcomeMs !== null).map((p) => p.id);
  const censored = placed.filter((p) => p.outcomeMs === null).map((p) => p.id);
  const longest = obs.reduce((max, o) => Math.max(max, o.time), 0);
  return {
    value: m.time,
    atLeast: m.time === null && placed.length ? longest : null,
    interval: m.time === null ? null : { low: m.low, high: m.high },
    n: placed.length,
    events: outcomes.length,
    atRisk: censored.length,
    records: { counted: placed.map((p) => p.id), outcomes, atRisk: censored }
  };
}

/**
 * 1 - S(t) with Greenwood's variance on the log scale (the same 'log' pointwise band survival.ts uses for its
 * quantile intervals), turned into an interval for the share with the outcome.
 */
function cumulativeAt(km: KaplanMeier, t: number, confidence: number): { value: number; interval: Bounds } {
  const band = survivalBandAt(km, t, zFor(confidence), 'log');
  return { value: 1 - survivalAt(km, t), interval: { low: 1 - band.high, high: 1 - band.low } };
}

function kmCumulative(placed: Placed[], windowMs: number, asOfMs: number, confidence: number): Estimate {
  const obs = observations(placed, asOfMs, windowMs);
  const km = kaplanMeier(obs);
  const { value, interval } = cumulativeAt(km, windowMs / DAY_MS, confidence);
  const outcomes = placed.filter((_, i) => obs[i]!.event).map((p) => p.id);
  const atRisk = placed.filter((p, i) => !obs[i]!.event && p.startMs + windowMs > asOfMs).map((p) => p.id);
  return {
    value: placed.length ? value : null,
    atLeast: null,
    interval: placed.length ? interval : null,
    n: placed.length,
    events: outcomes.length,
    atRisk: atRisk.length,
    records: { counted: placed.map((p) => p.id), outcomes, atRisk }
  };
}

// in the KPI's unit, as the tiles show value, baseline and target: a rate as a percentage (the notes said 0.190)
const fmt = (x: number, unit: 'ratio' | 'days') =>
  unit === 'ratio' ? `${(x * 100).toFixed(1)}%` : `${x.toFixed(1)} days`;

/** Status, first match wins (design D3.3 and its edge cases). */
function statusOf(
  e: Estimate,
  c: KpiContract,
  baseline: number,
  target: number,
  minN: number
): { status: KpiStatus; note: string } {
  const better = c.direction === 'Higher is better' ? 1 : -1;
  if (e.n === 0 && e.atRisk === 0) return { status: 'Insufficient data', note: 'n/a: no eligible subjects' };
  if (e.value === null && e.atLeast !== null)
    return {
      status: 'Provisional',
      note: `median > ${e.atLeast.toFixed(1)} days: fewer than half have the outcome yet (${e.atRisk} still waiting)`
    };
  if (e.n < minN)
    return e.atRisk > 0
      ? {
          status: 'Provisional',
          note: `${e.n} ${c.method === 'rate_wilson' ? 'closed' : 'observed'} of the ${minN} needed; ${e.atRisk} at risk`
        }
      : { status: 'Insufficient data', note: `n ${e.n} < ${minN}` };
  const v = e.value!;
  const atTarget = better * (v - target) >= 0;
  const conservative = better > 0 ? e.interval?.low : e.interval?.high;
  const beyondBaseline = conservative !== undefined && conservative !== null && better * (conservative - baseline) > 0;
  if (atTarget && beyondBaseline) return { status: 'Met', note: `${fmt(v, c.unit)} at target ${fmt(target, c.unit)}` };
  if (atTarget)
    return { status: 'Improving', note: 'at target on the point estimate, not yet distinguishable from baseline' };
  if (better * (v - baseline) > 0)
    return { status: 'Improving', note: `better than baseline ${fmt(baseline, c.unit)}, not yet at target` };
  return { status: 'Not improving', note: `not better than baseline ${fmt(baseline, c.unit)}` };
}

export interface KpiOptions {
  /** confidence of the interval (1 - Readout_Alpha by default) */
  confidence?: number;
  /** count subjects from this date instead of Program_Start_Date (a baseline-period cohort) */
  from?: string;
  /** and only those before this date */
  until?: string;
}

/** The cohort's times to outcome as survival observations (censored at the as-of date or the window): log-rank input. */
export function kpiObservations(
  contract: KpiContract,
  subjects: KpiSubject[],
  policy: CockpitPolicy,
  asOf: string,
  options: KpiOptions = {}
): Observation[] {
  const { placed, asOfMs, windowMs } = cohortOf(contract, subjects, policy, asOf, options);
  return observations(placed, asOfMs, contract.method === 'km_median' ? Infinity : windowMs);
}

function cohortOf(
  contract: KpiContract,
  subjects: KpiSubject[],
  policy: CockpitPolicy,
  asOf: string,
  options: KpiOptions
) {
  const asOfMs = instantOf(asOf, '--as-of');
  const fromMs = instantOf(options.from ?? policy.date('Program_Start_Date'), 'cohort start');
  const untilMs = options.until ? instantOf(options.until, 'cohort end') - 1 : asOfMs;
  const windowDays = contract.windowKey ? policy.integer(contract.windowKey) : null;
  const windowMs = (windowDays ?? 0) * DAY_MS;
  const placed = place(subjects, contract, { fromMs, untilMs: Math.min(asOfMs, untilMs) }, asOfMs);
  return { asOfMs, windowDays, windowMs, placed };
}

export function computeKpi(
  contract: KpiContract,
  subjects: KpiSubject[],
  policy: CockpitPolicy,
  asOf: string,
  options: KpiOptions = {}
): KpiValue {
  const { asOfMs, windowDays, windowMs, placed } = cohortOf(contract, subjects, policy, asOf, options);
  const confidence = options.confidence ?? 1 - Number(policy.decimal('Readout_Alpha'));
  const estimate =
    contract.method === 'rate_wilson'
      ? rate(placed, windowMs, asOfMs, confidence)
      : contract.method === 'km_median'
        ? kmMedian(placed, asOfMs, confidence)
        : kmCumulative(placed, windowMs, asOfMs, confidence);
  const baseline = Number(policy.decimal(contract.baselineKey));
  const target = Number(policy.decimal(contract.targetKey));
  const { status, note } = statusOf(estimate, contract, baseline, target, policy.integer('Kpi_Min_N'));
  return {
    key: contract.key,
    label: contract.label,
    unit: contract.unit,
    direction: contract.direction,
    method: contract.method,
    asOf,
    value: estimate.value,
    atLeast: estimate.atLeast,
    interval: estimate.interval,
    n: estimate.n,
    events: estimate.events,
    atRisk: estimate.atRisk,
    provisional: estimate.atRisk > 0 && (contract.method !== 'km_median' || estimate.value === null),
    baseline,
    target,
    progress: estimate.value === null || target === baseline ? null : (estimate.value - baseline) / (target - baseline),
    status,
    statusNote: note,
    caveat: contract.caveat,
    windowDays,
    definitionHash: definitionHash(contract, policy),
    records: estimate.records
  };
}
