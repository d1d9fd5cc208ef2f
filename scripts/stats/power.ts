/**
 * Sample size and power for comparing two proportions (normal approximation, Fleiss, Levin & Paik 2003, eq. 4.14),
 * optionally with Fleiss's continuity correction. One- or two-sided alpha.
 */
import { zCdf, zQuantile } from './distributions';

export interface PowerDesign {
  /** significance level, e.g. 0.05 */
  alpha: number;
  /** 1 or 2 */
  sides: 1 | 2;
  /** target power, e.g. 0.80 (sampleSize, minimumDetectableLift) */
  power?: number;
  continuityCorrection?: boolean;
}

function check(p1: number, p2: number, design: PowerDesign): void {
  for (const [name, p] of [
    ['baseline', p1],
    ['compared rate', p2]
  ] as const)
    if (!(p > 0 && p < 1)) throw new Error(`${name} ${p} is not a rate between 0 and 1 (exclusive)`);
  if (!(design.alpha > 0 && design.alpha < 1)) throw new Error(`alpha ${design.alpha} is not between 0 and 1`);
  if (design.sides !== 1 && design.sides !== 2) throw new Error(`sides ${String(design.sides)} must be 1 or 2`);
}

const zAlpha = (design: PowerDesign) => zQuantile(1 - design.alpha / design.sides);

/** Accounts per arm to detect p2 against p1 with the design's power; Infinity when p1 = p2. */
export function sampleSizePerArm(p1: number, p2: number, design: PowerDesign): number {
  check(p1, p2, design);
  const power = design.power ?? 0.8;
  if (!(power > 0 && power < 1)) throw new Error(`power ${power} is not between 0 and 1`);
  const d = Math.abs(p2 - p1);
  if (d === 0) return Infinity;
  const pBar = (p1 + p2) / 2;
  const root =
    zAlpha(design) * Math.sqrt(2 * pBar * (1 - pBar)) + zQuantile(power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  let n = (root * root) / (d * d);
  if (design.continuityCorrection) n = (n / 4) * (1 + Math.sqrt(1 + 4 / (n * d))) ** 2;
  // the guard keeps float noise (434.0000000001) from adding an account
  return Math.ceil(n - 1e-9);
}

/** Power to detect p2 against p1 with n per arm (no continuity correction). */
export function powerAt(p1: number, p2: number, nPerArm: number, design: PowerDesign): number {
  check(p1, p2, design);
  if (!(nPerArm > 0)) return 0;
  const d = Math.abs(p2 - p1);
  const pBar = (p1 + p2) / 2;
  return zCdf(
    (d * Math.sqrt(nPerArm) - zAlpha(design) * Math.sqrt(2 * pBar * (1 - pBar))) /
      Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
  );
}

/**
 * The smallest relative lift over the baseline that n per arm detects with the design's power (bisection on the
 * compared rate, to 1e-6); null when even a compared rate of 1 is not enough.
 */
export function minimumDetectableLift(baseline: number, nPerArm: number, design: PowerDesign): number | null {
  const power = design.power ?? 0.8;
  const detects = (p2: number) => powerAt(baseline, p2, nPerArm, design) >= power;
  const top = 1 - 1e-9;
  if (!detects(top)) return null;
  let lo = baseline;
  let hi = top;
  while (hi - lo > 1e-9) {
    const mid = (lo + hi) / 2;
    if (detects(mid)) hi = mid;
    else lo = mid;
  }
  return hi / baseline - 1;
}
