/**
 * The statistics against published values. Sources:
 * - [N98a] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods.
 *   Stat Med 1998;17:857-872, Table I (Wilson score, method 3): 81/263, 15/148, 0/20, 1/29.
 * - [N98b] Newcombe RG. Interval estimation for the difference between independent proportions: comparison of eleven
 *   methods. Stat Med 1998;17:873-890, Table II, method 10: 56/70 vs 48/80, 9/10 vs 3/10, 5/56 vs 0/29, 0/10 vs 0/20.
 * - [P13] Pezzullo JC. Biostatistics For Dummies, 2nd ed. Wiley 2013, ch. 13, Listing 13-1 (R epitools
 *   riskratio.wald on 27/39 vs 7/21): RR 2.076923, 95% CI 1.09512 to 3.938939; two-sided Fisher p 0.01318013.
 * - [F35] Fisher RA. The Design of Experiments, 1935, the lady tasting tea: 3 of 4 vs 1 of 4, one-sided p = 17/70.
 * - [FLP03] Fleiss JL, Levin B, Paik MC. Statistical Methods for Rates and Proportions, 3rd ed. 2003, eq. 4.14 and
 *   Table A.4: 0.05 vs 0.10, two-sided alpha 0.05, power 0.80: 435 per group, 474 with the continuity correction.
 * - Chi-square upper-tail critical values (any table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4): df 1 at 3.841 is
 *   0.05, at 10.828 is 0.001; df 2 at 5.991 is 0.05.
 * - The Beta-Binomial closed form (Miller E, Formulas for Bayesian A/B Testing, 2015) is checked against an
 *   independent numeric integral, and against symmetry (identical arms: exactly one half).
 */
import { probabilityGreater, probabilityLiftAtLeast } from '../bayes';
import { minimumDetectableLift, powerAt, sampleSizePerArm } from '../power';
import { katz, newcombe, wilson } from '../proportions';
import { chiSquareP, fisherGreater, fisherLess, fisherTwoSided, sampleRatioMismatch } from '../tests';

const to4 = (x: number) => Math.round(x * 1e4) / 1e4;

describe('wilson [N98a]', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718]
  ])('%i of %i', (k, n, low, high) => {
    const w = wilson({ k, n })!;
    expect([to4(w.low), to4(w.high)]).toEqual([low, high]);
  });

  it('is null with nothing observed and exact at n of n', () => {
    expect(wilson({ k: 0, n: 0 })).toBeNull();
    expect(wilson({ k: 7, n: 7 })!.high).toBe(1);
  });

  it('names impossible counts and confidence', () => {
    expect(() => wilson({ k: 5, n: 4 })).toThrow('wilson: 5 of 4 is not a count of successes out of trials');
    expect(() => wilson({ k: 1, n: 4 }, 95)).toThrow('confidence 95 is not between 0 and 1');
  });
});

describe('newcombe difference [N98b]', () => {
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775]
  ])('%i/%i vs %i/%i', (k1, n1, k2, n2, low, high) => {
    const d = newcombe({ k: k1, n: n1 }, { k: k2, n: n2 })!;
    expect(d.estimate).toBeCloseTo(k1 / n1 - k2 / n2, 12);
    expect([to4(d.low), to4(d.high)]).toEqual([low, high]);
  });

  it('is null when an arm is empty', () => {
    expect(newcombe({ k: 0, n: 0 }, { k: 1, n: 2 })).toBeNull();
  });
});

describe('katz relative risk [P13]', () => {
  it('27/39 vs 7/21', () => {
    const r = katz({ k: 27, n: 39 }, { k: 7, n: 21 })!;
    expect(r.estimate).toBeCloseTo(2.076923, 6);
    expect(r.low).toBeCloseTo(1.09512, 5);
    expect(r.high).toBeCloseTo(3.938939, 6);
  });

  it('is undefined (null) with no successes in an arm', () => {
    expect(katz({ k: 0, n: 25 }, { k: 5, n: 25 })).toBeNull();
    expect(katz({ k: 5, n: 25 }, { k: 0, n: 25 })).toBeNull();
  });
});

describe('fisher exact', () => {
  it('the lady tasting tea, one-sided [F35]', () => {
    expect(fisherGreater({ k: 3, n: 4 }, { k: 1, n: 4 })).toBeCloseTo(17 / 70, 12);
  });

  it('two-sided on 27/39 vs 7/21 [P13]', () => {
    expect(fisherTwoSided({ k: 27, n: 39 }, { k: 7, n: 21 })).toBeCloseTo(0.01318013, 8);
  });

  it('the two one-sided tails share the observed table: they sum to 1 + P(observed)', () => {
    const a = { k: 9, n: 25 };
    const b = { k: 5, n: 25 };
    const greater = fisherGreater(a, b);
    const less = fisherLess(a, b);
    expect(greater + less).toBeGreaterThan(1);
    expect(fisherGreater(b, a)).toBeCloseTo(less, 12);
  });
});

describe('sample ratio mismatch', () => {
  it('matches the chi-square table', () => {
    expect(chiSquareP(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareP(10.827566, 1)).toBeCloseTo(0.001, 7);
    expect(chiSquareP(5.991465, 2)).toBeCloseTo(0.05, 6);
  });

  it('5050 vs 4950 against 50/50 is chi-square 1 (p 0.3173)', () => {
    const srm = sampleRatioMismatch([5050, 4950], [50, 50])!;
    expect(srm.statistic).toBeCloseTo(1, 12);
    expect(srm.df).toBe(1);
    expect(srm.p).toBeCloseTo(0.3173, 4);
  });

  it('a 60/40 split against 50/50 at n 1000 is invalid (p < 0.001); the same split against 60/40 is fine', () => {
    expect(sampleRatioMismatch([600, 400], [50, 50])!.p).toBeLessThan(0.001);
    expect(sampleRatioMismatch([600, 400], [60, 40])!.p).toBeCloseTo(1, 12);
  });

  it('names bad input; nothing observed is null', () => {
    expect(sampleRatioMismatch([0, 0], [1, 1])).toBeNull();
    expect(() => sampleRatioMismatch([1, 2, 3], [1, 1])).toThrow('sample ratio: 3 counts for 2 design shares');
    expect(() => sampleRatioMismatch([1, -2], [1, 1])).toThrow('counts must be whole numbers >= 0: 1, -2');
  });
});

describe('beta-binomial', () => {
  it('identical arms are exactly a coin flip', () => {
    expect(probabilityGreater({ k: 5, n: 25 }, { k: 5, n: 25 })).toBeCloseTo(0.5, 12);
  });

  it.each([
    [6, 5],
    [9, 5],
    [12, 5],
    [0, 3],
    [25, 24]
  ])('closed form equals the numeric integral at %i vs %i of 25', (t, c) => {
    const a = { k: t, n: 25 };
    const b = { k: c, n: 25 };
    expect(probabilityGreater(a, b)).toBeCloseTo(probabilityLiftAtLeast(a, b, 0), 8);
    expect(probabilityGreater(a, b) + probabilityGreater(b, a)).toBeCloseTo(1, 10);
  });

  it('reproduces the design note examples (RESEARCH-NEXT-WAVE A3): P(T>C) 0.63 / 0.89 / 0.98, Fisher 0.17 / 0.036', () => {
    const p = (t: number) => probabilityGreater({ k: t, n: 25 }, { k: 5, n: 25 });
    expect([p(6), p(9), p(12)].map((x) => Math.round(x * 100) / 100)).toEqual([0.63, 0.89, 0.98]);
    expect(Math.round(fisherGreater({ k: 9, n: 25 }, { k: 5, n: 25 }) * 100) / 100).toBe(0.17);
    expect(Math.round(fisherGreater({ k: 12, n: 25 }, { k: 5, n: 25 }) * 1000) / 1000).toBe(0.036);
  });

  it('a larger required lift is less probable', () => {
    const a = { k: 9, n: 25 };
    const b = { k: 5, n: 25 };
    expect(probabilityLiftAtLeast(a, b, 0.2)).toBeLessThan(probabilityLiftAtLeast(a, b, 0));
    expect(probabilityLiftAtLeast(a, b, 5)).toBeLessThan(0.01);
    expect(() => probabilityLiftAtLeast(a, b, -1)).toThrow('lift -1 must be above -1');
  });
});

describe('power and sample size [FLP03]', () => {
  it('0.05 vs 0.10: 435 per group, 474 with the continuity correction', () => {
    expect(sampleSizePerArm(0.05, 0.1, { alpha: 0.05, sides: 2 })).toBe(435);
    expect(sampleSizePerArm(0.05, 0.1, { alpha: 0.05, sides: 2, continuityCorrection: true })).toBe(474);
  });

  it("exp-001's baseline 0.19: +15% / +20% / 0.30 need 3140 / 1797 / 239 per arm (two-sided 0.05, power 0.80)", () => {
    const design = { alpha: 0.05, sides: 2 as const };
    // the design note writes 1,796: n is 1796.0075, and a sample size rounds up
    expect([0.19 * 1.15, 0.19 * 1.2, 0.3].map((p2) => sampleSizePerArm(0.19, p2, design))).toEqual([3140, 1797, 239]);
  });

  it('25 per arm has 9% power for +20% and detects +173% (one-sided 0.05)', () => {
    const design = { alpha: 0.05, sides: 1 as const, power: 0.8 };
    expect(Math.round(powerAt(0.19, 0.228, 25, design) * 100)).toBe(9);
    expect(Math.round(minimumDetectableLift(0.19, 25, design)! * 100)).toBe(173);
    expect(sampleSizePerArm(0.19, 0.19 * (1 + minimumDetectableLift(0.19, 25, design)!), design)).toBe(25);
  });

  it('names an impossible rate', () => {
    expect(() => sampleSizePerArm(0, 0.1, { alpha: 0.05, sides: 2 })).toThrow(
      'baseline 0 is not a rate between 0 and 1'
    );
  });
});
