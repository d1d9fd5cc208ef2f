/**
 * Beta-Binomial comparison of two rates: with a Beta(prior) on each rate and k of n observed, the posteriors are
 * Beta(prior.a + k, prior.b + n - k). Deterministic, no Monte Carlo:
 * - probabilityGreater: P(p1 > p2) in closed form (a sum over the first posterior's alpha; needs a whole alpha,
 *   which a Beta(1,1) prior and counts give), after Evan Miller, "Formulas for Bayesian A/B Testing" (2015).
 * - probabilityLiftAtLeast: P(p1 >= (1 + lift) p2) = integral of f2(x) (1 - F1((1 + lift) x)) dx by composite
 *   Simpson over [0, 1], split where (1 + lift) x reaches 1 (the integrand's kink).
 */
import { betaCdf, betaln, betaPdf } from './distributions';
import { checkCounts, type Counts } from './proportions';

export interface BetaPrior {
  a: number;
  b: number;
}

export const UNIFORM_PRIOR: BetaPrior = { a: 1, b: 1 };
/** Simpson panels per piece: the posteriors are smooth, and 4000 keeps the error far below the digits shown. */
const SIMPSON_PANELS = 4000;

interface Posterior {
  a: number;
  b: number;
}

function posterior(counts: Counts, prior: BetaPrior, what: string): Posterior {
  checkCounts(counts, what);
  if (!(prior.a > 0 && prior.b > 0))
    throw new Error(`${what}: a Beta prior needs a > 0 and b > 0 (a ${prior.a}, b ${prior.b})`);
  return { a: prior.a + counts.k, b: prior.b + counts.n - counts.k };
}

/** P(p1 > p2) under the posteriors. */
export function probabilityGreater(first: Counts, second: Counts, prior: BetaPrior = UNIFORM_PRIOR): number {
  const one = posterior(first, prior, 'first arm');
  const two = posterior(second, prior, 'second arm');
  if (!Number.isInteger(one.a)) return probabilityLiftAtLeast(first, second, 0, prior);
  let total = 0;
  for (let i = 0; i < one.a; i++)
    total += Math.exp(
      betaln(two.a + i, one.b + two.b) - Math.log(one.b + i) - betaln(1 + i, one.b) - betaln(two.a, two.b)
    );
  return Math.min(1, Math.max(0, total));
}

function simpson(f: (x: number) => number, from: number, to: number): number {
  if (to <= from) return 0;
  const h = (to - from) / SIMPSON_PANELS;
  let sum = f(from) + f(to);
  for (let i = 1; i < SIMPSON_PANELS; i++) sum += f(from + i * h) * (i % 2 === 1 ? 4 : 2);
  return (sum * h) / 3;
}

/** P(p1 >= (1 + lift) p2) under the posteriors; lift -0.1 is "at most 10% worse". */
export function probabilityLiftAtLeast(
  first: Counts,
  second: Counts,
  lift: number,
  prior: BetaPrior = UNIFORM_PRIOR
): number {
  if (!(lift > -1)) throw new Error(`lift ${lift} must be above -1 (-100%)`);
  const one = posterior(first, prior, 'first arm');
  const two = posterior(second, prior, 'second arm');
  const factor = 1 + lift;
  const integrand = (x: number) => {
    const density = betaPdf(x, two.a, two.b);
    const scaled = factor * x;
    return scaled >= 1 ? 0 : density * (1 - betaCdf(scaled, one.a, one.b));
  };
  const kink = Math.min(1, 1 / factor);
  return Math.min(1, Math.max(0, simpson(integrand, 0, kink) + simpson(integrand, kink, 1)));
}
