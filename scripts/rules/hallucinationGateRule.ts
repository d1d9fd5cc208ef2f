/**
 * exp-006: the hallucination gate. Pure: a deal's audits (Hallucination_Audit__c-shaped), its deployed model and
 * prompt version, close date and fallback test in; one state and its reasons out. First match wins:
 *   Failed      any critical hallucination, or the point rate above Hallucination_Max_Rate;
 *   Pending     fewer scored responses than Hallucination_Min_Sample (no audit at all is Pending too);
 *   Expired     no audit of the deployed model and prompt version, or the audit is (or will be at the close date)
 *               older than Hallucination_Audit_Max_Age_Days;
 *   Passed      the bound chosen by Hallucination_Gate_Basis (point rate or one-sided 95% Wilson upper bound) is at
 *               most the maximum, and the fallback path was tested within the age limit;
 *   Provisional anything else: allowed for the pilot cohort, never for production approval.
 * Audits of the deployed version run within Hallucination_Audit_Pool_Days of the latest are pooled (never "best
 * of"); audits of another version stay on record but do not count.
 * Apex twin: GtmHallucinationGateRule; both are held to staticresources/GtmHallucinationGateVectors.json, so the
 * floating-point steps below are written in the same order in both (IEEE doubles give the same bits).
 */
import { wilsonBounds } from '../stats/proportions';
import { compareDates, daysBetween, isBlank, scaled, type RulePolicy } from './ruleSupport';

export type GateState = 'Passed' | 'Provisional' | 'Failed' | 'Pending' | 'Expired';
export type GateBasis = 'point' | 'upper_bound';

/** z of the one-sided 95% bound (the 95th percentile of the normal distribution). */
export const Z_ONE_SIDED_95 = 1.6449;
/** z of the two-sided 95% interval. */
export const Z_TWO_SIDED_95 = 1.96;
/** Digits the policy's maximum rate is compared at (GTM_Launch_Gate__c.Measured_Value__c). */
const RATE_SCALE = 6;

export interface AuditRun {
  runId: string;
  model: string | null;
  promptVersion: string | null;
  /** YYYY-MM-DD: the day the run was made */
  runAt: string;
  /** scored responses (n): errors excluded */
  responses: number;
  /** hallucinated cases (k), unstable ones included when policy says so */
  hallucinated: number;
  critical: number;
}

export interface HallucinationGateInput {
  audits: AuditRun[];
  /** the version the deal deploys; blank = not recorded, then any version counts */
  deployedModel: string | null;
  deployedPromptVersion: string | null;
  closeDate: string | null;
  /** GTM_Launch_Gate__c.Fallback_Type__c / Fallback_Tested_At__c */
  fallbackType: string | null;
  fallbackTestedAt: string | null;
}

export interface WilsonInterval {
  low: number;
  high: number;
  /** one-sided 95% upper bound */
  upper: number;
}

export interface HallucinationGateResult {
  status: GateState;
  /** why it is not Passed (empty when Passed) */
  reasons: string[];
  basis: GateBasis;
  /** the pooled runs, latest first */
  runIds: string[];
  responses: number;
  hallucinated: number;
  critical: number;
  /** k / n, 6 digits; null when n = 0 */
  rate: number | null;
  wilsonLow: number | null;
  wilsonHigh: number | null;
  upperBound: number | null;
  /** hallucinations the gate's basis allows at this n; null when n = 0 or none is allowed */
  allowedHallucinations: number | null;
}

/** Rounded to 6 digits, half up (Apex: Decimal.valueOf(x).setScale(6, RoundingMode.HALF_UP)). */
export function round6(x: number): number {
  return Math.round(x * 1_000_000) / 1_000_000;
}

/** x as a percentage with two decimals, half up: 0.022104 -> "2.21%". */
export function percentText(x: number): string {
  const hundredths = Math.round(x * 10000);
  const whole = Math.floor(hundredths / 100);
  const frac = String(hundredths % 100).padStart(2, '0');
  return `${whole}.${frac}%`;
}

/** Wilson score bounds for k of n (n > 0) at the gate's z values (stats/proportions' formula, mirrored in Apex). */
export function wilson(k: number, n: number): WilsonInterval {
  const { low, high } = wilsonBounds(k / n, n, Z_TWO_SIDED_95);
  return { low: k === 0 ? 0 : low, high: k === n ? 1 : high, upper: k === n ? 1 : upperAtRate(k / n, n) };
}

function maxRateScaled(policy: RulePolicy): bigint {
  return scaled(policy.decimal('Hallucination_Max_Rate'), RATE_SCALE);
}

/** k / n > max, exactly (integers, no division). */
function rateAbove(k: number, n: number, maxScaled: bigint): boolean {
  return BigInt(k) * 10n ** BigInt(RATE_SCALE) > maxScaled * BigInt(n);
}

export function gateBasis(policy: RulePolicy): GateBasis {
  const value = policy.text('Hallucination_Gate_Basis');
  if (value !== 'point' && value !== 'upper_bound')
    throw new Error(`policy value Hallucination_Gate_Basis is not point or upper_bound: ${value}`);
  return value;
}

/**
 * The most hallucinations a gate on `basis` passes at n responses: point, k / n <= max; upper_bound, the one-sided
 * Wilson bound <= max. Null when n = 0 or not even 0 passes. (At max 0.02, upper_bound: 0 at 200, 2 at 300, 4 at
 * 500, 12 at 1,000.)
 */
export function allowedHallucinations(n: number, basis: GateBasis, policy: RulePolicy): number | null {
  if (n <= 0) return null;
  const maxScaled = maxRateScaled(policy);
  const max = Number(policy.decimal('Hallucination_Max_Rate'));
  let allowed = -1;
  for (let k = 0; k <= n; k++) {
    const passes = basis === 'point' ? !rateAbove(k, n, maxScaled) : wilson(k, n).upper <= max;
    if (!passes) break;
    allowed = k;
  }
  return allowed < 0 ? null : allowed;
}

function versionText(model: string | null, prompt: string | null): string {
  return `model ${isBlank(model) ? '(none)' : model!}, prompt ${isBlank(prompt) ? '(none)' : prompt!}`;
}

function sameVersion(run: AuditRun, input: HallucinationGateInput): boolean {
  const modelOk = isBlank(input.deployedModel) || run.model === input.deployedModel;
  const promptOk = isBlank(input.deployedPromptVersion) || run.promptVersion === input.deployedPromptVersion;
  return modelOk && promptOk;
}

/** Latest first; on the same day, the larger run id first (a stable order in both twins). */
function byLatest(a: AuditRun, b: AuditRun): number {
  const d = compareDates(b.runAt, a.runAt);
  if (d !== 0) return d;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

function emptyResult(status: GateState, reasons: string[], basis: GateBasis): HallucinationGateResult {
  return {
    status,
    reasons,
    basis,
    runIds: [],
    responses: 0,
    hallucinated: 0,
    critical: 0,
    rate: null,
    wilsonLow: null,
    wilsonHigh: null,
    upperBound: null,
    allowedHallucinations: null
  };
}

export function judgeHallucinationGate(
  input: HallucinationGateInput,
  policy: RulePolicy,
  today: string
): HallucinationGateResult {
  const basis = gateBasis(policy);
  const minSample = policy.integer('Hallucination_Min_Sample');
  const maxAge = policy.integer('Hallucination_Audit_Max_Age_Days');
  const poolDays = policy.integer('Hallucination_Audit_Pool_Days');
  const maxText = policy.decimal('Hallucination_Max_Rate');
  // the reasons say the maximum in the unit of the rate beside it (2.21% ... the 2.00% maximum)
  const maxPercent = percentText(Number(maxText));
  const maxScaled = maxRateScaled(policy);

  if (input.audits.length === 0) return emptyResult('Pending', ['no hallucination audit recorded'], basis);
  const current = input.audits.filter((a) => sameVersion(a, input)).sort(byLatest);
  if (current.length === 0) {
    const latest = [...input.audits].sort(byLatest)[0]!;
    return emptyResult(
      'Expired',
      [
        `the latest audit tested ${versionText(latest.model, latest.promptVersion)}; the deal deploys ${versionText(input.deployedModel, input.deployedPromptVersion)}`
      ],
      basis
    );
  }

  // pooled: every run of the deployed version within poolDays of the latest one
  const latestDay = current[0]!.runAt;
  const pool = current.filter((a) => daysBetween(a.runAt, latestDay) < poolDays);
  const oldestDay = pool[pool.length - 1]!.runAt;
  const n = pool.reduce((s, a) => s + a.responses, 0);
  const k = pool.reduce((s, a) => s + a.hallucinated, 0);
  const critical = pool.reduce((s, a) => s + a.critical, 0);
  const interval = n > 0 ? wilson(k, n) : null;
  const result: HallucinationGateResult = {
    ...emptyResult('Provisional', [], basis),
    runIds: pool.map((a) => a.runId),
    responses: n,
    hallucinated: k,
    critical,
    rate: n > 0 ? round6(k / n) : null,
    wilsonLow: interval ? round6(interval.low) : null,
    wilsonHigh: interval ? round6(interval.high) : null,
    upperBound: interval ? round6(interval.upper) : null,
    allowedHallucinations: allowedHallucinations(n, basis, policy)
  };
  const verdict = (status: GateState, reasons: string[]) => ({ ...result, status, reasons });

  const failed: string[] = [];
  if (critical > 0) failed.push(`critical hallucinations found: ${critical}`);
  if (n > 0 && rateAbove(k, n, maxScaled))
    failed.push(`hallucination rate ${k} of ${n} (${percentText(k / n)}) is above the ${maxPercent} maximum`);
  if (failed.length) return verdict('Failed', failed);

  if (n < minSample) return verdict('Pending', [`audit has ${n} scored responses; the minimum is ${minSample}`]);

  const expired: string[] = [];
  const age = daysBetween(oldestDay, today);
  if (age > maxAge) expired.push(`audit run on ${oldestDay} is ${age} days old; the limit is ${maxAge} days`);
  else if (input.closeDate !== null && daysBetween(oldestDay, input.closeDate) > maxAge)
    expired.push(
      `audit run on ${oldestDay} will be ${daysBetween(oldestDay, input.closeDate)} days old at the close date ${input.closeDate}; the limit is ${maxAge} days`
    );
  if (expired.length) return verdict('Expired', expired);

  const provisional: string[] = [];
  const allowedText = result.allowedHallucinations === null ? 'none' : String(result.allowedHallucinations);
  if (basis === 'upper_bound' && interval!.upper > Number(maxText))
    provisional.push(
      `the one-sided 95% upper bound ${percentText(interval!.upper)} (${k} of ${n}) is above the ${maxPercent} maximum; at n = ${n} the strict gate allows ${allowedText}`
    );
  if (isBlank(input.fallbackType)) provisional.push('no fallback path');
  if (isBlank(input.fallbackTestedAt)) provisional.push('the fallback path has not been tested');
  else if (daysBetween(input.fallbackTestedAt!, today) > maxAge)
    provisional.push(
      `the fallback path was last tested on ${input.fallbackTestedAt} (${daysBetween(input.fallbackTestedAt!, today)} days ago); the limit is ${maxAge} days`
    );
  return provisional.length ? verdict('Provisional', provisional) : verdict('Passed', []);
}

/** A reviewer's verdict on a case; the judge's is the file's. */
export type CaseVerdictValue = 'pass' | 'hallucinated';

/** One kept case of an audit's current file, as a human review reads it. */
export interface ReviewedCase {
  /** the judge's verdict (Verdict__c); null for an unscored case, which no review counts */
  verdict: CaseVerdictValue | null;
  humanVerdict: CaseVerdictValue | null;
  severity: string | null;
}

export interface AuditCounts {
  /** scored responses (n) */
  responses: number;
  /** the judge's k and criticals (Judge_Hallucinated__c, Judge_Critical__c) */
  judgeHallucinated: number;
  judgeCritical: number;
}

export interface CountsAfterReview {
  hallucinated: number;
  critical: number;
  /** cases whose human verdict differs from the judge's */
  overrides: number;
  rate: number | null;
  wilsonLow: number | null;
  wilsonHigh: number | null;
  upperBound: number | null;
}

/**
 * An audit's counts with human verdicts over the judge's: each case a reviewer turned from pass to hallucinated adds
 * one to k (and to the criticals when its severity is critical), each turned the other way takes one off. Every
 * failing case is kept as an item, so every case a reviewer can turn is in `cases`. Apex twin:
 * GtmHallucinationGateRule.countsAfterReview, held to the "review" vectors.
 */
export function countsAfterReview(counts: AuditCounts, cases: readonly ReviewedCase[]): CountsAfterReview {
  let k = counts.judgeHallucinated;
  let critical = counts.judgeCritical;
  let overrides = 0;
  for (const c of cases) {
    if (c.verdict === null || c.humanVerdict === null || c.humanVerdict === c.verdict) continue;
    const step = c.humanVerdict === 'hallucinated' ? 1 : -1;
    overrides++;
    k += step;
    if (c.severity === 'critical') critical += step;
  }
  const n = counts.responses;
  if (k < 0 || k > n || critical < 0 || critical > k)
    throw new Error(
      `human verdicts give ${k} hallucinated (${critical} critical) of ${n}: the audit's kept cases do not match its counts`
    );
  const w = n > 0 ? wilson(k, n) : null;
  return {
    hallucinated: k,
    critical,
    overrides,
    rate: n > 0 ? round6(k / n) : null,
    wilsonLow: w ? round6(w.low) : null,
    wilsonHigh: w ? round6(w.high) : null,
    upperBound: w ? round6(w.upper) : null
  };
}

/** The largest n smallestPassingN looks at: past it a rate is said not to pass. */
export const PASSING_N_CAP = 10_000_000;

/**
 * The smallest number of scored responses at which the same rate k / n would pass the gate's basis (point: the
 * rate itself against the maximum; upper_bound: the one-sided Wilson bound at that rate and n), never below
 * Hallucination_Min_Sample. Null when n = 0 or the rate cannot pass at any n (a rate at or above the maximum under
 * the strict basis, above it under the point basis). The bound falls as n grows, so a binary search finds it.
 */
export function smallestPassingN(k: number, n: number, basis: GateBasis, policy: RulePolicy): number | null {
  if (n <= 0) return null;
  const minSample = policy.integer('Hallucination_Min_Sample');
  const maxScaled = maxRateScaled(policy);
  const max = Number(policy.decimal('Hallucination_Max_Rate'));
  if (basis === 'point') return rateAbove(k, n, maxScaled) ? null : minSample;
  const p = k / n;
  const passesAt = (m: number) => upperAtRate(p, m) <= max;
  if (!passesAt(PASSING_N_CAP)) return null;
  let lo = minSample;
  if (passesAt(lo)) return lo;
  let hi = PASSING_N_CAP;
  // passesAt(lo) is false and passesAt(hi) true
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passesAt(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The one-sided 95% Wilson upper bound at rate p and n responses (p = 1: 1). */
function upperAtRate(p: number, n: number): number {
  return p >= 1 ? 1 : wilsonBounds(p, n, Z_ONE_SIDED_95).high;
}
