/**
 * Time-to-event statistics with censoring: the Kaplan-Meier estimator (Kaplan & Meier 1958) with Greenwood's variance,
 * its quantiles (median, P75) with Brookmeyer-Crowley confidence intervals, and the two-sample log-rank test
 * (Mantel 1966). General: exp-008's time to activation and exp-002's security cycle time both read through them.
 *
 * Vocabulary: an observation is a time and whether the event happened then (true) or the subject was still waiting
 * when observation stopped (false: censored, e.g. at as-of or at churn). S(t) is the share still waiting after t.
 *
 * Conventions (each a choice the literature makes differently, stated once here):
 * - Ties: events at t happen before censorings at t (a subject censored at t was at risk at t), as in Kaplan & Meier
 *   1958 and R's survival package.
 * - Quantile p (median p = 0.5, P75 p = 0.75): the smallest event time t with S(t) <= 1 - p (Klein & Moeschberger,
 *   Survival Analysis, 2nd ed. 2003, section 4.5; Collett, Modelling Survival Data, 3rd ed. 2015, section 2.4). Null
 *   when S never falls that low (too few events: "not reached"). R's survival package takes the midpoint to the next
 *   event time when S(t) equals 1 - p exactly; this module does not.
 * - Quantile interval (Brookmeyer & Crowley, Biometrics 1982;38:29-41): the times whose pointwise interval for S(t)
 *   contains 1 - p. 'plain' is their original Greenwood test; 'log' (default) builds the pointwise interval on log S,
 *   as R's survfit does by default (conf.type = "log"). An end that the data cannot bound is null ("NA" in R).
 */
import { zFor } from './proportions';
import { chiSquareP } from './tests';

export interface Observation {
  /** time from the origin (e.g. days from plan start), >= 0 */
  time: number;
  /** true: the event happened at `time`; false: censored at `time` */
  event: boolean;
}

export interface SurvivalRow {
  /** an event time (censor-only times are folded into the next row's `censored`) */
  time: number;
  /** subjects still waiting just before `time` */
  atRisk: number;
  events: number;
  /** censored at or after this time and before the next event time */
  censored: number;
  /** S(time), the share still waiting just after `time` */
  survival: number;
  /** Greenwood standard error of S(time) (null when S is 0: the variance is undefined there) */
  standardError: number | null;
  /** Greenwood's running sum of d / (n (n - d)): the variance of log S (Infinity once S is 0) */
  greenwoodSum: number;
}

export interface KaplanMeier {
  n: number;
  events: number;
  censored: number;
  /** subjects censored before the first event time (not in any row) */
  censoredBeforeFirstEvent: number;
  /** one row per distinct event time, in time order */
  table: SurvivalRow[];
}

export interface QuantileEstimate {
  /** the requested quantile, e.g. 0.5 */
  p: number;
  /** null when S never falls to 1 - p ("not reached") */
  time: number | null;
  low: number | null;
  high: number | null;
}

export type IntervalType = 'plain' | 'log';

function checkObservations(observations: Observation[], what: string): void {
  observations.forEach((o, i) => {
    if (!Number.isFinite(o.time) || o.time < 0)
      throw new Error(`${what}: observation ${i} has time ${String(o.time)}; a time must be a finite number >= 0`);
    if (typeof o.event !== 'boolean')
      throw new Error(
        `${what}: observation ${i} has event ${String(o.event)}; it must be true (event) or false (censored)`
      );
  });
}

/** The Kaplan-Meier estimate of S(t) with its table (at risk, events, censored, Greenwood standard error). */
export function kaplanMeier(observations: Observation[]): KaplanMeier {
  checkObservations(observations, 'kaplan-meier');
  const sorted = [...observations].sort((a, b) => a.time - b.time || Number(b.event) - Number(a.event));
  const table: SurvivalRow[] = [];
  let atRisk = sorted.length;
  let survival = 1;
  let greenwood = 0;
  let censoredBeforeFirstEvent = 0;
  let i = 0;
  while (i < sorted.length) {
    const time = sorted[i]!.time;
    let events = 0;
    let censored = 0;
    for (; i < sorted.length && sorted[i]!.time === time; i++) {
      if (sorted[i]!.event) events++;
      else censored++;
    }
    if (events > 0) {
      survival *= 1 - events / atRisk;
      // d / (n (n - d)) is infinite when everyone at risk has the event: S is 0 and its variance undefined
      greenwood = events < atRisk ? greenwood + events / (atRisk * (atRisk - events)) : Infinity;
      table.push({
        time,
        atRisk,
        events,
        censored,
        survival,
        standardError: survival > 0 ? survival * Math.sqrt(greenwood) : null,
        greenwoodSum: greenwood
      });
    } else if (table.length > 0) {
      table[table.length - 1]!.censored += censored;
    } else {
      censoredBeforeFirstEvent += censored;
    }
    atRisk -= events + censored;
  }
  const events = table.reduce((s, r) => s + r.events, 0);
  return {
    n: sorted.length,
    events,
    censored: sorted.length - events,
    censoredBeforeFirstEvent,
    table
  };
}

/** S(t): the share still waiting just after t (1 before the first event). */
export function survivalAt(km: KaplanMeier, t: number): number {
  let s = 1;
  for (const row of km.table) {
    if (row.time > t) break;
    s = row.survival;
  }
  return s;
}

/** The pointwise interval for S(t) (1 before the first event, with no uncertainty). */
export function survivalBandAt(
  km: KaplanMeier,
  t: number,
  z: number,
  type: IntervalType
): { low: number; high: number } {
  let index = -1;
  for (let i = 0; i < km.table.length && km.table[i]!.time <= t; i++) index = i;
  return index < 0 ? { low: 1, high: 1 } : band(km, index, z, type);
}

/** The pointwise interval for S at a table row. */
function band(km: KaplanMeier, index: number, z: number, type: IntervalType): { low: number; high: number } {
  const { survival: s, greenwoodSum: sum } = km.table[index]!;
  if (!(s > 0) || !Number.isFinite(sum)) return { low: 0, high: s > 0 ? 1 : 0 };
  if (type === 'plain') {
    const half = z * s * Math.sqrt(sum);
    return { low: Math.max(0, s - half), high: Math.min(1, s + half) };
  }
  const factor = Math.exp(z * Math.sqrt(sum));
  return { low: s / factor, high: Math.min(1, s * factor) };
}

/** The first event time at which `value(row index)` is <= target, or null. */
function firstAtOrBelow(km: KaplanMeier, target: number, value: (index: number) => number): number | null {
  // a tiny tolerance so that S = 0.5 computed as 0.49999999999999994 or 0.5000000000000001 reads as 0.5
  const epsilon = 1e-12;
  for (let i = 0; i < km.table.length; i++) if (value(i) <= target + epsilon) return km.table[i]!.time;
  return null;
}

/**
 * Quantile p of the time to event (0.5: median, 0.75: P75, the time by which 75% had the event) with the
 * Brookmeyer-Crowley interval (see the conventions above).
 */
export function quantile(
  km: KaplanMeier,
  p: number,
  options: { confidence?: number; interval?: IntervalType } = {}
): QuantileEstimate {
  if (!(p > 0 && p < 1)) throw new Error(`quantile ${p} is not between 0 and 1 (0.5 is the median)`);
  const z = zFor(options.confidence ?? 0.95);
  const type = options.interval ?? 'log';
  if (type !== 'plain' && type !== 'log') throw new Error(`interval type ${String(type)} is not 'plain' or 'log'`);
  const target = 1 - p;
  return {
    p,
    time: firstAtOrBelow(km, target, (i) => km.table[i]!.survival),
    // the lower band reaches the target first (the lower limit), the upper band last (the upper limit)
    low: firstAtOrBelow(km, target, (i) => band(km, i, z, type).low),
    high: firstAtOrBelow(km, target, (i) => band(km, i, z, type).high)
  };
}

/** The median time to event with its Brookmeyer-Crowley interval. */
export const median = (km: KaplanMeier, options: { confidence?: number; interval?: IntervalType } = {}) =>
  quantile(km, 0.5, options);

export interface LogRank {
  /** events observed per group */
  observed: [number, number];
  /** events expected per group under the null of equal hazards */
  expected: [number, number];
  /** hypergeometric variance of the first group's O - E */
  variance: number;
  /** (O1 - E1)^2 / V, chi-square with 1 df */
  statistic: number;
  /** two-sided p */
  p: number;
}

/**
 * The two-sample log-rank test (Mantel-Haenszel form, as R's survdiff with rho = 0). Null when no event happened in
 * either group or the variance is 0 (nothing to compare).
 */
export function logRank(a: Observation[], b: Observation[]): LogRank | null {
  checkObservations(a, 'log-rank first group');
  checkObservations(b, 'log-rank second group');
  const times = [...new Set([...a, ...b].filter((o) => o.event).map((o) => o.time))].sort((x, y) => x - y);
  const atRisk = (group: Observation[], t: number) => group.filter((o) => o.time >= t).length;
  const eventsAt = (group: Observation[], t: number) => group.filter((o) => o.event && o.time === t).length;
  let o1 = 0;
  let e1 = 0;
  let o2 = 0;
  let e2 = 0;
  let variance = 0;
  for (const t of times) {
    const n1 = atRisk(a, t);
    const n2 = atRisk(b, t);
    const d1 = eventsAt(a, t);
    const d2 = eventsAt(b, t);
    const n = n1 + n2;
    const d = d1 + d2;
    o1 += d1;
    o2 += d2;
    e1 += (d * n1) / n;
    e2 += (d * n2) / n;
    if (n > 1) variance += (n1 * n2 * d * (n - d)) / (n * n * (n - 1));
  }
  if (times.length === 0 || !(variance > 0)) return null;
  const statistic = (o1 - e1) ** 2 / variance;
  return { observed: [o1, o2], expected: [e1, e2], variance, statistic, p: chiSquareP(statistic, 1) };
}
