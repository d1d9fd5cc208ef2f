/**
 * KPI values against published worked examples:
 * - [N98] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven methods.
 *   Stat Med 1998;17:857-872, Table I, Wilson score (method 3): 81/263 -> 0.2553 to 0.3662.
 * - [KK] Kleinbaum DG, Klein M. Survival Analysis: A Self-Learning Text, 3rd ed. 2012, chapter 2: the 6-MP group of
 *   Freireich et al. (Blood 1963;21:699-716), remission times in weeks 6,6,6,7,10,13,16,22,23 and censored
 *   6+,9+,10+,11+,17+,19+,20+,25+,32+,32+,34+,35+: S(16) = 0.6275 (Greenwood SE 0.1141), median 23.
 * - [R] R's survival package on the same data (MASS::gehan, survfit(Surv(time, cens) ~ treat), conf.type "log"):
 *   6-MP median 23, 95% CI 16 to NA; at t = 16, S 0.627 with a 95% interval 0.439 to 0.896.
 * The weeks are used as days here: the numbers do not care about the unit.
 */
import { computeKpi, type KpiSubject } from '../kpi';
import { loadKpiContracts, parseFilter, type CockpitPolicy, type KpiContract } from '../kpiContracts';
import { loadPolicyFile } from '../../policy/policy';
import { policyFromValues } from '../../rules/ruleSupport';

const AS_OF = '2026-05-30';
const DAY = 86_400_000;
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString();

const policy = loadPolicyFile();
const contracts = new Map(loadKpiContracts().map((c) => [c.key, c]));
const contract = (key: string): KpiContract => contracts.get(key)!;

/** The policy with some values replaced (every other value as shipped). */
function policyWith(values: Record<string, string>): CockpitPolicy {
  const all: Record<string, string> = {};
  for (const k of policy.keys()) all[k] = policy.entry(k).value;
  Object.assign(all, values);
  return { ...policyFromValues(all), date: (key) => all[key]! };
}

const sixMpEvents = [6, 6, 6, 7, 10, 13, 16, 22, 23];
const sixMpCensored = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];

/** The 6-MP group as subjects: an event t days after entry, or still waiting at the as-of date after c days. */
function sixMpSubjects(): KpiSubject[] {
  return [
    ...sixMpEvents.map((t, i) => {
      const start = shift('2026-03-10', i);
      return { id: `e${String(i).padStart(2, '0')}`, start, outcome: shift(start.slice(0, 10), t) };
    }),
    ...sixMpCensored.map((c, i) => ({ id: `c${String(i).padStart(2, '0')}`, start: shift(AS_OF, -c), outcome: null }))
  ];
}

describe('the shipped KPI contracts', () => {
  it('are the five seed targets in order, each naming policy keys for baseline and target', () => {
    expect([...contracts.keys()]).toEqual([
      'Pilot_Start_Rate',
      'Pilot_To_Production',
      'Time_To_Activation',
      'Security_Review_Cycle',
      'Logo_Churn_90'
    ]);
    for (const c of contracts.values()) {
      expect(() => policy.decimal(c.baselineKey)).not.toThrow();
      expect(() => policy.decimal(c.targetKey)).not.toThrow();
      if (c.windowKey) expect(policy.integer(c.windowKey)).toBeGreaterThan(0);
    }
    expect(contract('Pilot_To_Production').windowKey).toBe('Pilot_Conversion_Window_Days');
    expect(contract('Logo_Churn_90').denominator.filter).toContainEqual({
      field: 'StageName',
      op: '=',
      value: { policyKey: 'Stage_Closed_Won' }
    });
  });

  it('filters: a clause out of form is refused naming it', () => {
    expect(parseFilter("A__c = 'x' AND B__c != null")).toEqual([
      { field: 'A__c', op: '=', value: { literal: 'x' } },
      { field: 'B__c', op: '!=', value: null }
    ]);
    expect(() => parseFilter('A__c > 3')).toThrow('clause "A__c > 3" is not');
    expect(() => parseFilter('A__c = null')).toThrow('only "!= null"');
  });
});

describe('rate with a Wilson interval (pilot-to-production)', () => {
  // 263 pilots with closed 60-day windows, 81 converted inside the window [N98]; around them, what must not count
  const subjects: KpiSubject[] = [];
  for (let i = 0; i < 263; i++) {
    const start = shift('2026-03-02', i % 28);
    subjects.push({
      id: `p${String(i).padStart(3, '0')}`,
      start,
      outcome: i < 81 ? shift(start.slice(0, 10), 30) : null
    });
  }
  // converted, but after its window closed: counted, not a success
  subjects.push({ id: 'late', start: '2026-03-02', outcome: '2026-05-20' });
  // started before the program: the baseline period, not the scorecard's cohort
  subjects.push({ id: 'before', start: '2026-02-20', outcome: '2026-03-01' });
  // window still open at the as-of date (one already converted): at risk, in neither n nor k
  subjects.push({ id: 'open1', start: '2026-05-01', outcome: '2026-05-10' });
  subjects.push({ id: 'open2', start: '2026-05-02', outcome: null });
  // after the as-of date: not known yet
  subjects.push({ id: 'future', start: '2026-06-02', outcome: null });

  it('counts closed windows only and matches Newcombe 1998 (81/263 -> 0.2553 to 0.3662)', () => {
    const v = computeKpi(contract('Pilot_To_Production'), subjects, policy, AS_OF);
    expect(v.n).toBe(264);
    expect(v.events).toBe(81);
    expect(v.atRisk).toBe(2);
    expect(v.records.atRisk).toEqual(['open1', 'open2']);
    expect(v.provisional).toBe(true);
    const exact = computeKpi(
      contract('Pilot_To_Production'),
      subjects.filter((s) => s.id !== 'late'),
      policy,
      AS_OF
    );
    expect(exact.value).toBeCloseTo(81 / 263, 10);
    expect(exact.interval!.low).toBeCloseTo(0.2553, 4);
    expect(exact.interval!.high).toBeCloseTo(0.3662, 4);
  });

  it('status: 0.308 is below the 0.34 baseline: Not improving; progress is negative', () => {
    const v = computeKpi(contract('Pilot_To_Production'), subjects, policy, AS_OF);
    expect(v.status).toBe('Not improving');
    expect(v.progress!).toBeLessThan(0);
    // the baseline in the KPI's unit, as the tile shows it (not the fraction 0.340)
    expect(v.statusNote).toBe(`not better than baseline ${(v.baseline * 100).toFixed(1)}%`);
  });

  it('status: Met needs the target on the point and the interval clear of the baseline; else Improving', () => {
    const met = computeKpi(
      contract('Pilot_To_Production'),
      subjects,
      policyWith({ Pilot_Conversion_Baseline: '0.20', Pilot_Conversion_Target: '0.30' }),
      AS_OF
    );
    expect(met.status).toBe('Met');
    const close = computeKpi(
      contract('Pilot_To_Production'),
      subjects,
      policyWith({ Pilot_Conversion_Baseline: '0.29', Pilot_Conversion_Target: '0.30' }),
      AS_OF
    );
    expect(close.status).toBe('Improving');
    expect(close.statusNote).toContain('not yet distinguishable from baseline');
    const between = computeKpi(
      contract('Pilot_To_Production'),
      subjects,
      policyWith({ Pilot_Conversion_Baseline: '0.20', Pilot_Conversion_Target: '0.50' }),
      AS_OF
    );
    expect(between.status).toBe('Improving');
    expect(between.progress).toBeCloseTo((between.value! - 0.2) / 0.3, 10);
    expect(between.statusNote).toBe('better than baseline 20.0%, not yet at target');
  });

  it('status: Provisional while too few windows closed but some are open; Insufficient data when none are', () => {
    const few = subjects.filter((s) => s.id.startsWith('open') || /^p00\d$/.test(s.id));
    const v = computeKpi(contract('Pilot_To_Production'), few, policy, AS_OF);
    expect(v.status).toBe('Provisional');
    expect(v.statusNote).toBe('10 closed of the 30 needed; 2 at risk');
    const none = computeKpi(contract('Pilot_To_Production'), [], policy, AS_OF);
    expect(none.status).toBe('Insufficient data');
    expect(none.statusNote).toBe('n/a: no eligible subjects');
    expect(none.value).toBeNull();
  });
});

describe('Kaplan-Meier median (security review cycle time)', () => {
  it('reproduces the 6-MP median 23 (16 to not bounded) with the censored reviews at risk [KK, R]', () => {
    const v = computeKpi(contract('Security_Review_Cycle'), sixMpSubjects(), policy, AS_OF);
    expect(v.value).toBe(23);
    expect(v.interval).toEqual({ low: 16, high: null });
    expect(v.n).toBe(21);
    expect(v.events).toBe(9);
    expect(v.atRisk).toBe(12);
    expect(v.records.atRisk).toHaveLength(12);
    // 21 subjects < Kpi_Min_N 30
    expect(v.status).toBe('Provisional');
    const enough = computeKpi(
      contract('Security_Review_Cycle'),
      sixMpSubjects(),
      policyWith({ Kpi_Min_N: '20' }),
      AS_OF
    );
    // 23 days is better than the 28-day baseline, not at the 17-day target; the open upper end cannot be judged
    expect(enough.status).toBe('Improving');
    expect(enough.progress).toBeCloseTo((23 - 28) / (17 - 28), 10);
  });

  it('a median not reached reads "> t days" and is provisional', () => {
    const waiting = sixMpSubjects().filter((s) => s.outcome === null);
    const v = computeKpi(contract('Security_Review_Cycle'), waiting, policy, AS_OF);
    expect(v.value).toBeNull();
    expect(v.atLeast).toBe(35);
    expect(v.provisional).toBe(true);
    expect(v.status).toBe('Provisional');
    expect(v.statusNote).toMatch(/^median > 35.0 days/);
  });
});

describe('Kaplan-Meier share by the window (logo churn)', () => {
  it('1 - S(16) on 6-MP: 0.3725, interval 0.104 to 0.561 (R, log), the 4 censored before day 16 at risk', () => {
    const v = computeKpi(
      contract('Logo_Churn_90'),
      sixMpSubjects(),
      policyWith({ Logo_Churn_Window_Days: '16' }),
      AS_OF
    );
    expect(v.value).toBeCloseTo(1 - 0.6275, 4);
    expect(v.interval!.low).toBeCloseTo(1 - 0.896, 3);
    expect(v.interval!.high).toBeCloseTo(1 - 0.439, 3);
    expect(v.events).toBe(7);
    expect(v.atRisk).toBe(4);
    expect(v.provisional).toBe(true);
  });
});

describe('the definition hash', () => {
  it('changes when a value the contract reads changes, not otherwise', () => {
    const a = computeKpi(contract('Logo_Churn_90'), [], policy, AS_OF).definitionHash;
    expect(computeKpi(contract('Logo_Churn_90'), [], policyWith({}), AS_OF).definitionHash).toBe(a);
    expect(
      computeKpi(contract('Logo_Churn_90'), [], policyWith({ Logo_Churn_Window_Days: '60' }), AS_OF).definitionHash
    ).not.toBe(a);
    expect(computeKpi(contract('Logo_Churn_90'), [], policyWith({ Kpi_Min_N: '60' }), AS_OF).definitionHash).toBe(a);
  });
});
