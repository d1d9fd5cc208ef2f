import {
  allowedHallucinations,
  countsAfterReview,
  smallestPassingN,
  type AuditCounts,
  type ReviewedCase,
  judgeHallucinationGate,
  percentText,
  round6,
  wilson,
  type GateBasis,
  type HallucinationGateInput
} from '../hallucinationGateRule';
import { loadHallucinationGateVectors } from '../hallucinationGateVectors';
import { policyFromValues, type RulePolicy } from '../ruleSupport';
import type { RuleVector } from '../vectors';
import { loadPolicyFile } from '../../policy/policy';

const vectors = loadHallucinationGateVectors();
const named = (cases: RuleVector[]) => cases.map((c) => [c.name, c] as const);

function basisOf(policy: Record<string, string>): GateBasis {
  return policy.Hallucination_Gate_Basis as GateBasis;
}

describe('GtmHallucinationGateVectors.json', () => {
  it('covers every state and the cases the issue names', () => {
    const states = new Set(vectors.gate.map((c) => (c.expected as { status: string }).status));
    expect([...states].sort()).toEqual(['Expired', 'Failed', 'Passed', 'Pending', 'Provisional']);
    const names = vectors.gate.map((c) => c.name);
    for (const must of [
      '0 of 200 passes',
      '1 of 200 is provisional',
      '2 of 300 passes',
      '3 of 300 is provisional',
      '4 of 500 passes',
      'n = 0',
      'k = n',
      'pooled, never best of'
    ])
      expect(names.some((n) => n.startsWith(must))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses only policy keys that exist in policy/gtm-policy.json', () => {
    const keys = loadPolicyFile().keys();
    for (const c of [...vectors.gate, ...vectors.allowed])
      for (const k of Object.keys(c.policy)) expect(keys).toContain(k);
  });
});

describe('hallucination gate rule', () => {
  it.each(named(vectors.gate))('%s', (_name, c) => {
    expect(judgeHallucinationGate(c.input as HallucinationGateInput, policyFromValues(c.policy), c.today)).toEqual(
      c.expected
    );
  });
});

describe('hallucinations allowed at n', () => {
  it.each(named(vectors.allowed))('%s', (_name, c) => {
    const n = (c.input as { n: number }).n;
    expect(allowedHallucinations(n, basisOf(c.policy), policyFromValues(c.policy))).toBe(c.expected);
  });

  it('is the table the issue gives for the strict gate at a 0.02 maximum: 0 at 200, 2 at 300, 4 at 500, 12 at 1,000', () => {
    const policy: RulePolicy = policyFromValues({ Hallucination_Max_Rate: '0.02' });
    expect([200, 300, 500, 1000].map((n) => allowedHallucinations(n, 'upper_bound', policy))).toEqual([0, 2, 4, 12]);
  });

  it('is the largest k whose bound is within the maximum: one more is above it', () => {
    const policy = policyFromValues({ Hallucination_Max_Rate: '0.02' });
    for (const n of [200, 300, 500, 1000, 2500]) {
      const k = allowedHallucinations(n, 'upper_bound', policy)!;
      expect(wilson(k, n).upper).toBeLessThanOrEqual(0.02);
      expect(wilson(k + 1, n).upper).toBeGreaterThan(0.02);
    }
  });
});

describe('Wilson bounds', () => {
  it.each(named(vectors.wilson))('%s', (_name, c) => {
    const { k, n } = c.input as { k: number; n: number };
    const i = wilson(k, n);
    expect({ low: round6(i.low), high: round6(i.high), upper: round6(i.upper) }).toEqual(c.expected);
  });

  it('4 of 200 has the 0.8%-5.0% interval the issue quotes', () => {
    const i = wilson(4, 200);
    expect([percentText(i.low), percentText(i.high)]).toEqual(['0.78%', '5.03%']);
  });

  it('the one-sided bound lies inside the two-sided interval', () => {
    for (const [k, n] of [
      [1, 200],
      [7, 300],
      [50, 1000]
    ] as const) {
      const i = wilson(k, n);
      expect(i.upper).toBeGreaterThan(k / n);
      expect(i.upper).toBeLessThan(i.high);
    }
  });
});

describe('human verdicts over the judge (review vectors)', () => {
  it.each(named(vectors.review))('%s', (_name, c) => {
    const input = c.input as { counts: AuditCounts; cases: ReviewedCase[] };
    expect(countsAfterReview(input.counts, input.cases)).toEqual(c.expected);
  });

  it('the vectors cover an overturn each way, a confirmation and an unscored case', () => {
    const names = vectors.review.map((c) => c.name);
    for (const must of [
      'a reviewer overturns',
      'a passing case a reviewer finds',
      'a reviewer confirming',
      'an unscored'
    ])
      expect(names.some((n) => n.startsWith(must))).toBe(true);
  });

  it('refuses human verdicts that do not match the counts (a k below 0)', () => {
    expect(() =>
      countsAfterReview({ responses: 10, judgeHallucinated: 0, judgeCritical: 0 }, [
        { verdict: 'hallucinated', humanVerdict: 'pass', severity: null }
      ])
    ).toThrow(/-1 hallucinated \(0 critical\) of 10/);
  });
});

describe('the smallest n at which the same rate passes (passingN vectors)', () => {
  it.each(named(vectors.passingN))('%s', (_name, c) => {
    const { k, n } = c.input as { k: number; n: number };
    expect(smallestPassingN(k, n, basisOf(c.policy), policyFromValues(c.policy))).toBe(c.expected);
  });

  it('is the first n whose one-sided bound at that rate is within the maximum', () => {
    const policy = policyFromValues({
      Hallucination_Max_Rate: '0.02',
      Hallucination_Min_Sample: '200',
      Hallucination_Gate_Basis: 'upper_bound'
    });
    const n = smallestPassingN(3, 300, 'upper_bound', policy)!;
    // at that n, k = 1% of n hallucinations (a whole number at n = 600 and above the search's answer) pass
    expect(n).toBeGreaterThan(300);
    expect(wilson(6, 600).upper).toBeLessThanOrEqual(0.02);
    expect(wilson(3, 300).upper).toBeGreaterThan(0.02);
  });
});
