/**
 * Intervals for binomial proportions and for comparing two of them (treatment vs control, pass vs fail). General:
 * exp-001's lift readout uses them, and so can every other readout of k successes out of n.
 *
 * - wilson: the score interval (Wilson 1927), good at small n and at 0 or n successes.
 * - newcombe: the difference p1 - p2 from the two Wilson intervals (Newcombe 1998, method 10).
 * - katz: the ratio p1 / p2 on the log scale (Katz et al. 1978); undefined when either arm has 0 successes.
 */
import { zQuantile } from './distributions';

export interface Interval {
  low: number;
  high: number;
}

export interface Counts {
  /** successes */
  k: number;
  /** trials */
  n: number;
}

function checkCounts({ k, n }: Counts, what: string): void {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0 || k < 0 || k > n)
    throw new Error(`${what}: ${k} of ${n} is not a count of successes out of trials (0 <= k <= n, whole numbers)`);
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence ${confidence} is not between 0 and 1`);
}

/** The two-sided normal quantile for a confidence level: 1.959964 for 0.95. */
export function zFor(confidence: number): number {
  checkConfidence(confidence);
  return zQuantile(1 - (1 - confidence) / 2);
}

/**
 * The Wilson score formula at a rate p of n trials (n > 0) and a normal quantile z, as written, without the exact
 * ends at 0 and n: the one formula behind wilson and the hallucination gate's bounds (scripts/rules/
 * hallucinationGateRule.ts, which passes its own z and a rate that need not be a count; GtmHallucinationGateRule
 * mirrors these steps in Apex).
 */
export function wilsonBounds(p: number, n: number, z: number): Interval {
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: (centre - margin) / denom, high: (centre + margin) / denom };
}

/** Wilson score interval for k of n; null for n = 0 (nothing observed). */
export function wilson(counts: Counts, confidence = 0.95): Interval | null {
  checkCounts(counts, 'wilson');
  const { k, n } = counts;
  if (n === 0) return null;
  const b = wilsonBounds(k / n, n, zFor(confidence));
  // exact ends at 0 and n (the formula reaches them up to rounding)
  return { low: k === 0 ? 0 : Math.max(0, b.low), high: k === n ? 1 : Math.min(1, b.high) };
}

export interface Difference extends Interval {
  /** p1 - p2 */
  estimate: number;
}

/** Newcombe's hybrid score interval for p1 - p2; null when either arm is empty. */
export function newcombe(a: Counts, b: Counts, confidence = 0.95): Difference | null {
  checkCounts(a, 'newcombe first arm');
  checkCounts(b, 'newcombe second arm');
  const wa = wilson(a, confidence);
  const wb = wilson(b, confidence);
  if (!wa || !wb) return null;
  const p1 = a.k / a.n;
  const p2 = b.k / b.n;
  const d = p1 - p2;
  return {
    estimate: d,
    low: d - Math.sqrt((p1 - wa.low) ** 2 + (wb.high - p2) ** 2),
    high: d + Math.sqrt((wa.high - p1) ** 2 + (p2 - wb.low) ** 2)
  };
}

export interface Ratio extends Interval {
  /** p1 / p2 */
  estimate: number;
}

/** Katz log interval for the relative risk p1 / p2; null when an arm is empty or has no successes. */
export function katz(a: Counts, b: Counts, confidence = 0.95): Ratio | null {
  checkCounts(a, 'katz first arm');
  checkCounts(b, 'katz second arm');
  if (a.n === 0 || b.n === 0 || a.k === 0 || b.k === 0) return null;
  const z = zFor(confidence);
  const rr = a.k / a.n / (b.k / b.n);
  const se = Math.sqrt(1 / a.k - 1 / a.n + 1 / b.k - 1 / b.n);
  return { estimate: rr, low: Math.exp(Math.log(rr) - z * se), high: Math.exp(Math.log(rr) + z * se) };
}

export { checkCounts };
