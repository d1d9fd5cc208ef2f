import type { BusinessHoursSchedule } from '../businessHours';
import {
  applyAction,
  businessDayEnd,
  calendarOf,
  evaluatePlan,
  judgeRisk,
  slipDays,
  stepAlerts,
  type PlanStep,
  type StepAction
} from '../onboardingRule';
import { loadOnboardingVectors } from '../onboardingVectors';
import { policyFromValues } from '../ruleSupport';
import type { RuleVector } from '../vectors';

const vectors = loadOnboardingVectors();
const named = (cases: RuleVector[]) => cases.map((c) => [c.name, c] as const);

interface EvaluateInput {
  startAt: string;
  schedule: BusinessHoursSchedule;
  steps: PlanStep[];
  action: StepAction | null;
  now: string;
}

function evaluateVector(input: EvaluateInput) {
  try {
    const steps = input.action ? applyAction(input.steps, input.action) : input.steps;
    const r = evaluatePlan(input.startAt, steps, calendarOf(input.schedule), input.now);
    return { steps: r.steps, forecastEnd: r.forecastEnd, criticalPath: r.criticalPath };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe('GtmOnboardingVectors.json', () => {
  it('covers holidays, time zones, daylight saving and the Action Plans bugs', () => {
    const names = [...vectors.businessDayEnd, ...vectors.evaluate].map((c) => c.name);
    for (const topic of ['holiday', 'time zone', 'daylight saving', '#169', '#165', '#120'])
      expect(names.some((n) => n.includes(topic))).toBe(true);
    const zones = new Set(
      vectors.businessDayEnd.map((c) => (c.input as { schedule: BusinessHoursSchedule }).schedule.timeZone)
    );
    expect(zones.size).toBeGreaterThanOrEqual(3);
  });

  it.each(named(vectors.businessDayEnd))('business day end: %s', (_name, c) => {
    const input = c.input as { schedule: BusinessHoursSchedule; from: string; offset: number };
    const due = businessDayEnd(calendarOf(input.schedule), Date.parse(input.from), input.offset);
    expect({ dueAt: `${new Date(due).toISOString().slice(0, 19)}Z` }).toEqual(c.expected);
  });

  it.each(named(vectors.evaluate))('evaluate: %s', (_name, c) => {
    expect(evaluateVector(c.input as EvaluateInput)).toEqual(c.expected);
  });

  it.each(named(vectors.risk))('at risk: %s', (_name, c) => {
    const input = c.input as {
      schedule: BusinessHoursSchedule;
      startAt: string;
      forecastEnd: string;
      now: string;
      activated: boolean;
    };
    expect(judgeRisk(calendarOf(input.schedule), input, input.now, policyFromValues(c.policy))).toEqual(c.expected);
  });

  it.each(named(vectors.alerts))('alerts: %s', (_name, c) => {
    const input = c.input as { schedule: BusinessHoursSchedule; steps: PlanStep[]; now: string };
    expect(stepAlerts(calendarOf(input.schedule), input.steps, input.now, policyFromValues(c.policy))).toEqual(
      c.expected
    );
  });

  it.each(named(vectors.slip))('slip: %s', (_name, c) => {
    const input = c.input as { schedule: BusinessHoursSchedule; baselineEnd: string; forecastEnd: string };
    expect({ slipDays: slipDays(calendarOf(input.schedule), input.baselineEnd, input.forecastEnd) }).toEqual(
      c.expected
    );
  });
});

describe('onboarding plan rule properties', () => {
  const newPlan = vectors.evaluate.find((c) => c.name.startsWith('a new plan'))!.input as EvaluateInput;
  const cal = calendarOf(newPlan.schedule);

  it('the v1 baseline is 8 calendar days from a Monday start (6 business days on the critical path)', () => {
    const r = evaluatePlan(newPlan.startAt, newPlan.steps, cal, newPlan.startAt);
    expect(slipDays(cal, newPlan.startAt, r.forecastEnd)).toBe(8);
    expect(r.criticalPath).toHaveLength(7);
  });

  it('is idempotent: evaluating its own result at the same instant returns it unchanged', () => {
    for (const c of vectors.evaluate) {
      const out = evaluateVector(c.input as EvaluateInput);
      if ('error' in out) continue;
      const input = c.input as EvaluateInput;
      expect(evaluatePlan(input.startAt, out.steps, calendarOf(input.schedule), input.now).steps).toEqual(out.steps);
    }
  });

  it('walking the whole plan step by step releases each step exactly when its dependencies finish', () => {
    let steps = evaluatePlan(newPlan.startAt, newPlan.steps, cal, newPlan.startAt).steps;
    let t = Date.parse(newPlan.startAt);
    for (let round = 0; round < 20 && steps.some((s) => s.status !== 'Done'); round++) {
      t += 3_600_000;
      const at = `${new Date(t).toISOString().slice(0, 19)}Z`;
      const open = steps.filter((s) => s.status === 'Open');
      for (const s of open) {
        for (const d of s.dependsOn) expect(steps.find((x) => x.key === d)!.status).toBe('Done');
        steps = applyAction(steps, { step: s.key, kind: 'complete', at });
      }
      steps = evaluatePlan(newPlan.startAt, steps, cal, at).steps;
    }
    expect(steps.every((s) => s.status === 'Done')).toBe(true);
    // a step's release is its latest dependency's completion
    for (const s of steps) {
      const latest = Math.max(
        Date.parse(newPlan.startAt),
        ...s.dependsOn.map((d) => Date.parse(steps.find((x) => x.key === d)!.completedAt!))
      );
      expect(Date.parse(s.releasedAt!)).toBe(latest);
    }
  });

  it('refuses actions that the step state does not allow, naming the step', () => {
    const steps = evaluatePlan(newPlan.startAt, newPlan.steps, cal, newPlan.startAt).steps;
    const at = newPlan.startAt;
    expect(() => applyAction(steps, { step: 'kickoff', kind: 'reopen', at })).toThrow(
      'step kickoff is Open: only a Done or Skipped step can be reopened'
    );
    expect(() => applyAction(steps, { step: 'kickoff', kind: 'unblock', at })).toThrow(
      'step kickoff is Open, not Blocked'
    );
    expect(() => applyAction(steps, { step: 'kickoff', kind: 'finish' as never, at })).toThrow(
      'action finish is not one of complete, block, skip, reopen, unblock'
    );
    expect(() => applyAction(steps, { step: 'kickoff', kind: 'complete', at: '16 Nov' })).toThrow(
      'action time is not an ISO instant in UTC'
    );
    const done = applyAction(steps, { step: 'kickoff', kind: 'complete', at });
    expect(() => applyAction(done, { step: 'kickoff', kind: 'complete', at })).toThrow('step kickoff is already Done');
  });

  it('refuses a step with an unknown status or side, or a negative offset', () => {
    const bad = (patch: Partial<PlanStep>) => [{ ...newPlan.steps[0]!, ...patch }];
    expect(() => evaluatePlan(newPlan.startAt, bad({ status: 'Started' as never }), cal, newPlan.startAt)).toThrow(
      'step kickoff: status Started is not one of Not released, Open, Done, Blocked, Skipped'
    );
    expect(() => evaluatePlan(newPlan.startAt, bad({ side: 'Partner' as never }), cal, newPlan.startAt)).toThrow(
      'step kickoff: side Partner is not one of Ours, Customer, Third party'
    );
    expect(() => evaluatePlan(newPlan.startAt, bad({ offsetDays: -1 }), cal, newPlan.startAt)).toThrow(
      'step kickoff: offset -1 is not a whole number of business days >= 0'
    );
  });

  it('a calendar without open days is named, not looped on', () => {
    const closed = {
      ...newPlan.schedule,
      days: { ...newPlan.schedule.days, monday: null, tuesday: null, wednesday: null, thursday: null, friday: null }
    };
    expect(() => businessDayEnd(calendarOf(closed), Date.parse(newPlan.startAt), 0)).toThrow('no open day within');
  });
});
