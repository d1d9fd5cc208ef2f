import { judgeCollateral, type CollateralInput } from '../collateralRule';
import { judgeReadiness, type ReadinessInput } from '../readinessRule';
import { BLOCKER_CODES } from '../../contracts/panelContracts';
import { judgeReviewCycle, type PacketDates } from '../reviewCycleRule';
import { addDays, daysBetween, numberText, policyFromValues, scaled } from '../ruleSupport';
import { scoreScorecard, type ScorecardInput } from '../scorecardRule';
import { judgeStageGate, type StageGateInput } from '../stageGateRule';
import { evaluateStreak, type WeekRecord } from '../streakRule';
import { loadRuleVectors, type RuleVector } from '../vectors';
import { loadPolicyFile } from '../../policy/policy';

const vectors = loadRuleVectors();
const named = (cases: RuleVector[]) => cases.map((c) => [c.name, c] as const);

describe('GtmRuleVectors.json', () => {
  it.each([['scorecard'], ['collateral'], ['readiness'], ['reviewCycle'], ['streak'], ['stageGate']] as const)(
    'has at least 8 uniquely named %s cases',
    (rule) => {
      const cases = vectors[rule];
      expect(cases.length).toBeGreaterThanOrEqual(8);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
      for (const c of cases) {
        expect(c.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        for (const v of Object.values(c.policy)) expect(typeof v).toBe('string');
      }
    }
  );

  it('uses only policy keys that exist in policy/gtm-policy.json', () => {
    const policy = loadPolicyFile();
    const used = new Set(
      [
        ...vectors.scorecard,
        ...vectors.collateral,
        ...vectors.readiness,
        ...vectors.reviewCycle,
        ...vectors.streak,
        ...vectors.stageGate
      ].flatMap((c) => Object.keys(c.policy))
    );
    for (const key of used) expect(policy.keys()).toContain(key);
  });
});

describe('scorecard rule', () => {
  it.each(named(vectors.scorecard))('%s', (_name, c) => {
    expect(scoreScorecard(c.input as ScorecardInput, policyFromValues(c.policy), c.today)).toEqual(c.expected);
  });
});

describe('collateral rule', () => {
  it.each(named(vectors.collateral))('%s', (_name, c) => {
    expect(judgeCollateral(c.input as CollateralInput, policyFromValues(c.policy), c.today)).toEqual(c.expected);
  });
});

describe('readiness rule', () => {
  it.each(named(vectors.readiness))('%s', (_name, c) => {
    expect(judgeReadiness(c.input as ReadinessInput, policyFromValues(c.policy))).toEqual(c.expected);
  });

  it('the vectors hold every code the rule gives, so Apex and TypeScript agree on each', () => {
    const seen = new Set(
      vectors.readiness.flatMap((c) => (c.expected as { blockers: { code: string }[] }).blockers.map((b) => b.code))
    );
    // the gate service's own findings (no scorecard, evidence the user cannot read) are not the rule's
    const gateServiceOnly = new Set(['scorecard_missing', 'access_denied']);
    expect(BLOCKER_CODES.filter((code) => !gateServiceOnly.has(code) && !seen.has(code))).toEqual([]);
  });
});

describe('review cycle rule', () => {
  it.each(named(vectors.reviewCycle))('%s', (_name, c) => {
    const input = c.input as { packet: PacketDates | null };
    expect(judgeReviewCycle(input.packet, policyFromValues(c.policy), c.today)).toEqual(c.expected);
  });
});

describe('streak rule', () => {
  it.each(named(vectors.streak))('%s', (_name, c) => {
    const input = c.input as { weeks: WeekRecord[] };
    expect(evaluateStreak(input.weeks, policyFromValues(c.policy), c.today)).toEqual(c.expected);
  });
});

describe('stage gate rule', () => {
  it.each(named(vectors.stageGate))('%s', (_name, c) => {
    expect(judgeStageGate(c.input as StageGateInput, policyFromValues(c.policy))).toEqual(c.expected);
  });

  it('covers both gates, each judging and letting through', () => {
    const seen = new Set(
      vectors.stageGate.map((c) => {
        const input = c.input as StageGateInput;
        return `${input.gate}:${(c.expected as { applies: boolean }).applies}`;
      })
    );
    for (const key of ['proposal:true', 'proposal:false', 'production:true', 'production:false']) {
      expect(seen).toContain(key);
    }
  });
});

describe('rules against the program policy file', () => {
  it('read every threshold from policy/gtm-policy.json', () => {
    const policy = loadPolicyFile();
    const scorecard = scoreScorecard(
      { scorecard: { Pilot_Start_Date__c: '2026-03-02' }, criteria: [] },
      policy,
      '2026-03-02'
    );
    expect(scorecard.deadline).toBe(addDays('2026-03-02', policy.integer('Pilot_Scorecard_Completion_Days')));
    const collateral = judgeCollateral({ closeDate: '2026-09-30', items: [] }, policy, '2026-06-01');
    expect(collateral.items.map((i) => i.type)).toEqual(policy.list('Security_Required_Collateral'));
    const readiness = judgeReadiness(
      { scorecard: { score: 0.1, completion: 'complete' }, gate: null, collateral },
      policy
    );
    expect(readiness.blockers[0]?.message).toBe(
      `scorecard score 0.1 is below ${policy.decimal('Pilot_Ready_Min_Score')}`
    );
    const enterprise = policy.list('Enterprise_Segments')[0]!;
    const deal = { segment: enterprise, hasScorecard: false, Pilot_Start_Date__c: null };
    expect(judgeStageGate({ gate: 'proposal', deal }, policy)).toEqual({ applies: true, reason: 'enterprise' });
    expect(judgeStageGate({ gate: 'production', deal }, policy)).toEqual({ applies: false, reason: 'not a pilot' });
  });
});

describe('rule support', () => {
  it('scales decimals exactly and formats numbers like Apex toPlainString', () => {
    expect(scaled('0.80', 4)).toBe(8000n);
    expect(scaled(0.0501, 4)).toBe(501n);
    expect(scaled(-2.5, 2)).toBe(-250n);
    expect(numberText(0.65)).toBe('0.65');
    expect(numberText(120)).toBe('120');
    expect(numberText(1e-7)).toBe('0.0000001');
  });

  it('counts calendar days across month and leap-year ends', () => {
    expect(addDays('2028-02-25', 7)).toBe('2028-03-03');
    expect(daysBetween('2026-12-30', '2027-01-02')).toBe(3);
    expect(daysBetween('2026-03-10', '2026-03-09')).toBe(-1);
  });

  it('fails loudly on a missing or malformed policy value', () => {
    expect(() => policyFromValues({}).integer('Pilot_Scorecard_Completion_Days')).toThrow(
      'Pilot_Scorecard_Completion_Days is missing'
    );
    expect(() => policyFromValues({ Hallucination_Max_Rate: 'two' }).decimal('Hallucination_Max_Rate')).toThrow(
      'not a decimal'
    );
  });
});
