/**
 * Significance tests on counts: Fisher's exact test for a 2x2 table (one- or two-sided) and the chi-square test of
 * observed counts against a design split (the sample-ratio-mismatch check).
 */
import { chisquareCdf, hypergeometricPmf } from './distributions';
import { checkCounts, type Counts } from './proportions';

/** Relative tolerance when comparing table probabilities (R's fisher.test uses 1 + 1e-7). */
const RELATIVE_TOLERANCE = 1 + 1e-7;

function tableOf(a: Counts, b: Counts) {
  checkCounts(a, 'fisher first arm');
  checkCounts(b, 'fisher second arm');
  const total = a.n + b.n;
  const successes = a.k + b.k;
  const lo = Math.max(0, successes - b.n);
  const hi = Math.min(successes, a.n);
  const pmf = (x: number) => hypergeometricPmf(x, total, successes, a.n);
  return { lo, hi, pmf };
}

/** One-sided Fisher exact p that the first arm's rate is greater: P(X >= a.k) with the margins fixed. */
export function fisherGreater(a: Counts, b: Counts): number {
  const { hi, pmf } = tableOf(a, b);
  let p = 0;
  for (let x = a.k; x <= hi; x++) p += pmf(x);
  return Math.min(1, p);
}

/** One-sided Fisher exact p that the first arm's rate is less: P(X <= a.k). */
export function fisherLess(a: Counts, b: Counts): number {
  const { lo, pmf } = tableOf(a, b);
  let p = 0;
  for (let x = lo; x <= a.k; x++) p += pmf(x);
  return Math.min(1, p);
}

/** Two-sided Fisher exact p: every table at most as likely as the observed one. */
export function fisherTwoSided(a: Counts, b: Counts): number {
  const { lo, hi, pmf } = tableOf(a, b);
  const observed = pmf(a.k) * RELATIVE_TOLERANCE;
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const q = pmf(x);
    if (q <= observed) p += q;
  }
  return Math.min(1, p);
}

export interface ChiSquare {
  statistic: number;
  df: number;
  p: number;
}

/** Upper tail of the chi-square distribution. */
export function chiSquareP(statistic: number, df: number): number {
  return 1 - chisquareCdf(statistic, df);
}

/**
 * Sample-ratio mismatch: Pearson's chi-square of observed arm counts against the design shares (which need not sum to
 * exactly 1: they are normalised). Null when nothing was observed.
 */
export function sampleRatioMismatch(observed: number[], shares: number[]): ChiSquare | null {
  if (observed.length !== shares.length || observed.length < 2)
    throw new Error(
      `sample ratio: ${observed.length} counts for ${shares.length} design shares (need 2 or more of each)`
    );
  if (observed.some((o) => !Number.isInteger(o) || o < 0))
    throw new Error(`sample ratio: counts must be whole numbers >= 0: ${observed.join(', ')}`);
  if (shares.some((s) => !(s > 0)))
    throw new Error(`sample ratio: design shares must be above 0: ${shares.join(', ')}`);
  const total = observed.reduce((s, o) => s + o, 0);
  if (total === 0) return null;
  const shareSum = shares.reduce((s, x) => s + x, 0);
  let statistic = 0;
  observed.forEach((o, i) => {
    const expected = (total * shares[i]!) / shareSum;
    statistic += (o - expected) ** 2 / expected;
  });
  const df = observed.length - 1;
  return { statistic, df, p: chiSquareP(statistic, df) };
}
