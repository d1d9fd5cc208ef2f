/** Every path of the readout's recommendation, first match wins, thresholds from the shipped policy. */
import { recommend, type RecommendationInput } from '../recommendation';
import { loadPolicyFile } from '../../policy/policy';

const policy = loadPolicyFile();
const scaleLift = policy.number('Scale_Min_Relative_Lift');

/** A clean Scale case: well past the seed's lift, the bound above 0, enough sample, after the decision date. */
const base: RecommendationInput = {
  asOf: '2026-05-30',
  decisionDate: '2026-05-01',
  missing: [],
  nPerArm: [400, 400],
  minSamplePerArm: 300,
  improvement: scaleLift + 0.1,
  absoluteImprovement: 0.05,
  intervalIncludesZero: false,
  oneSidedBoundAboveZero: true,
  p: 0.01,
  srmP: 0.5,
  staleDays: 1,
  guardrails: [{ name: 'support burden', status: 'ok', detail: '1.1 tickets per account' }],
  criticalSafetyIncidents: 0,
  safetyGatePassing: true,
  reliability: 0.97
};
const run = (change: Partial<RecommendationInput>) => recommend({ ...base, ...change }, policy);

describe('recommend', () => {
  it('Scale: >= the policy lift, bound above 0, n >= minimum, guardrails and safety clean', () => {
    const r = run({});
    expect(r.recommendation).toBe('Scale');
    expect(r.fired.map((f) => f.rule)).toEqual(['scale criterion']);
  });

  it('Invalid first: a sample-ratio mismatch beats a Scale', () => {
    const r = run({ srmP: policy.number('Readout_Srm_Alpha') / 2 });
    expect(r.recommendation).toBe('Invalid');
    expect(r.fired.map((f) => f.outcome)).toEqual(['Invalid', 'Scale']);
  });

  it('Invalid: a stale primary source, or a missing baseline / threshold / owner', () => {
    expect(run({ staleDays: policy.integer('Readout_Max_Stale_Days') + 1 }).recommendation).toBe('Invalid');
    expect(run({ staleDays: policy.integer('Readout_Max_Stale_Days') }).recommendation).toBe('Scale');
    const r = run({ missing: ['owner'] });
    expect(r.recommendation).toBe('Invalid');
    expect(r.fired[0]!.text).toContain('missing owner');
  });

  it('Kill at any time: a guardrail regression, a critical safety incident, reliability below the policy minimum', () => {
    const early = { decisionDate: '2026-06-30' };
    expect(
      run({ ...early, guardrails: [{ name: 'support burden', status: 'regressed', detail: 'x' }] }).recommendation
    ).toBe('Kill');
    expect(run({ ...early, criticalSafetyIncidents: 1 }).recommendation).toBe('Kill');
    const min = policy.number('Workflow_Reliability_Min');
    expect(run({ ...early, reliability: min - 0.01 }).fired[0]).toMatchObject({ outcome: 'Kill', rule: 'reliability' });
    expect(run({ ...early, reliability: min, p: 0.0001 }).recommendation).toBe('Scale');
  });

  it('Invalid, not Kill, when no arm has anything measured by the decision date; before it, not Invalid', () => {
    const empty = run({ nPerArm: [0, 0], improvement: null, absoluteImprovement: null });
    expect(empty.recommendation).toBe('Invalid');
    expect(empty.fired[0]).toMatchObject({ outcome: 'Invalid', rule: 'no data' });
    expect(run({ nPerArm: [], improvement: null, absoluteImprovement: null }).recommendation).toBe('Invalid');
    const early = run({ nPerArm: [0, 0], improvement: null, absoluteImprovement: null, decisionDate: '2026-06-30' });
    expect(early.fired.map((f) => f.rule)).not.toContain('no data');
    // one empty arm is judged by the other rules (no lift by the decision date)
    expect(run({ nPerArm: [0, 12], improvement: null, absoluteImprovement: null }).recommendation).toBe('Kill');
  });

  it('Kill after the decision date: no improvement, or n at minimum with the interval including 0', () => {
    expect(run({ improvement: 0, absoluteImprovement: 0 }).fired[0]!.rule).toBe('no lift by decision date');
    expect(run({ improvement: -0.2 }).recommendation).toBe('Kill');
    const flat = run({ improvement: 0.05, intervalIncludesZero: true, oneSidedBoundAboveZero: false });
    expect(flat.recommendation).toBe('Kill');
    expect(flat.fired[0]!.rule).toBe('no measurable lift by decision date');
  });

  it('Scale before the decision date only at the interim p', () => {
    const early = { decisionDate: '2026-06-30' };
    expect(run({ ...early, p: 0.01 }).recommendation).toBe('Continue');
    expect(run({ ...early, p: policy.number('Readout_Interim_Alpha') / 2 }).recommendation).toBe('Scale');
  });

  it('Hold: improving but n below the minimum, or the interval includes 0, before the decision date', () => {
    const early = { decisionDate: '2026-06-30' };
    const small = run({ ...early, nPerArm: [120, 118] });
    expect(small.recommendation).toBe('Hold');
    expect(small.fired[0]!.text).toContain('n 118 < 300 per arm');
    expect(run({ ...early, intervalIncludesZero: true, oneSidedBoundAboveZero: false }).recommendation).toBe('Hold');
    // after the decision date, a small sample still holds (the kill needs n at the minimum)
    expect(run({ nPerArm: [120, 118], intervalIncludesZero: true }).recommendation).toBe('Hold');
  });

  it('Continue: before the decision date with nothing decided; a lift under the scale bar is not a Scale', () => {
    const r = run({ decisionDate: '2026-06-30', improvement: null, absoluteImprovement: null, p: null });
    expect(r.recommendation).toBe('Continue');
    expect(r.fired).toEqual([{ outcome: 'Continue', rule: 'otherwise', text: 'before the decision date' }]);
    expect(run({ improvement: scaleLift - 0.01 }).recommendation).toBe('Continue');
  });
});
