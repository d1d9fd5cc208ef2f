/**
 * Kaplan-Meier and log-rank against published worked examples. The data: Freireich EJ et al., Blood 1963;21:699-716,
 * remission times in weeks of 42 leukaemia patients, 21 on 6-mercaptopurine (9 relapses, 12 censored) and 21 on
 * placebo (21 relapses). Sources:
 * - [KK12] Kleinbaum DG, Klein M. Survival Analysis: A Self-Learning Text, 3rd ed. Springer 2012, chapter 2: the
 *   6-MP group's KM table (t, n at risk, events, censored, S(t): 0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378,
 *   0.4482), its median 23 weeks, the placebo median 8; and the log-rank test: O - E = -10.25 / 10.25,
 *   chi-square 16.79 (1 df, p < 0.0001).
 * - [VR02] Venables WN, Ripley BD. Modern Applied Statistics with S, 4th ed. Springer 2002, section 13.1, the same
 *   data as MASS::gehan, `survfit(Surv(time, cens) ~ treat)`: medians 23 (95% CI 16 to NA) and 8 (4 to 12), with
 *   Greenwood standard errors 0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346 on the 6-MP curve (R's default
 *   log interval).
 */
import { kaplanMeier, logRank, median, quantile, survivalAt, type Observation } from '../survival';
import { zFor } from '../proportions';

const events = (times: number[]): Observation[] => times.map((time) => ({ time, event: true }));
const censored = (times: number[]): Observation[] => times.map((time) => ({ time, event: false }));
const sixMp = [
  ...events([6, 6, 6, 7, 10, 13, 16, 22, 23]),
  ...censored([6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35])
];
const placebo = events([1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]);
const to4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);

describe('kaplan-meier [KK12, VR02]', () => {
  it("reproduces the 6-MP group's table: at risk, events, censored, S(t) and Greenwood standard errors", () => {
    const km = kaplanMeier(sixMp);
    expect(km).toMatchObject({ n: 21, events: 9, censored: 12, censoredBeforeFirstEvent: 0 });
    expect(
      km.table.map((r) => [r.time, r.atRisk, r.events, r.censored, to4(r.survival), to4(r.standardError)])
    ).toEqual([
      [6, 21, 3, 1, 0.8571, 0.0764],
      [7, 17, 1, 1, 0.8067, 0.0869],
      [10, 15, 1, 2, 0.7529, 0.0963],
      [13, 12, 1, 0, 0.6902, 0.1068],
      [16, 11, 1, 3, 0.6275, 0.1141],
      [22, 7, 1, 0, 0.5378, 0.1282],
      [23, 6, 1, 5, 0.4482, 0.1346]
    ]);
  });

  it('median 23 (16 to not bounded) on 6-MP and 8 (4 to 12) on placebo, as published', () => {
    expect(median(kaplanMeier(sixMp))).toEqual({ p: 0.5, time: 23, low: 16, high: null });
    expect(median(kaplanMeier(placebo))).toEqual({ p: 0.5, time: 8, low: 4, high: 12 });
  });

  it('P75 is the smallest time with S <= 0.25: 12 weeks on placebo (S(11) = 6/21, S(12) = 4/21); not reached on 6-MP', () => {
    const km = kaplanMeier(placebo);
    expect(survivalAt(km, 11)).toBeCloseTo(6 / 21, 12);
    expect(survivalAt(km, 12)).toBeCloseTo(4 / 21, 12);
    expect(quantile(km, 0.75).time).toBe(12);
    expect(quantile(kaplanMeier(sixMp), 0.75).time).toBeNull();
  });

  it("the plain interval is Brookmeyer-Crowley's set {t : |S(t) - 0.5| <= z se(t)} (checked row by row)", () => {
    for (const data of [sixMp, placebo]) {
      const km = kaplanMeier(data);
      const z = zFor(0.95);
      const inSet = km.table.filter(
        (r) => r.standardError !== null && Math.abs(r.survival - 0.5) <= z * r.standardError
      );
      const m = median(km, { interval: 'plain' });
      expect(m.low).toBe(inSet[0]?.time ?? null);
      // the upper end: the first time past the set whose S is below 0.5 (null when S never leaves the set)
      const after = km.table.find((r) => r.survival < 0.5 && !inSet.includes(r) && r.time > (inSet.at(-1)?.time ?? 0));
      expect(m.high).toBe(after?.time ?? null);
    }
    expect(median(kaplanMeier(placebo), { interval: 'plain' })).toEqual({ p: 0.5, time: 8, low: 4, high: 11 });
  });

  it('without censoring S is the empirical share still waiting; S reaching 0 has no standard error', () => {
    const km = kaplanMeier(events([1, 2, 2, 4]));
    expect(km.table.map((r) => r.survival)).toEqual([0.75, 0.25, 0]);
    expect(km.table.at(-1)!.standardError).toBeNull();
    expect(median(km).time).toBe(2);
  });

  it('makes censoring visible: all censored means no event rows and the median not reached', () => {
    const km = kaplanMeier(censored([3, 5, 9]));
    expect(km).toMatchObject({ n: 3, events: 0, censored: 3, censoredBeforeFirstEvent: 3, table: [] });
    expect(median(km)).toEqual({ p: 0.5, time: null, low: null, high: null });
    expect(survivalAt(km, 100)).toBe(1);
  });

  it('counts a subject censored at an event time as at risk at that time (events before censorings)', () => {
    const km = kaplanMeier([...events([5]), ...censored([5]), ...events([7])]);
    expect(km.table.map((r) => [r.time, r.atRisk, r.censored])).toEqual([
      [5, 3, 1],
      [7, 1, 0]
    ]);
    expect(km.table[0]!.survival).toBeCloseTo(2 / 3, 12);
  });

  it('names bad input', () => {
    expect(() => kaplanMeier([{ time: -1, event: true }])).toThrow(
      'kaplan-meier: observation 0 has time -1; a time must be a finite number >= 0'
    );
    expect(() =>
      kaplanMeier([
        { time: 1, event: true },
        { time: NaN, event: false }
      ])
    ).toThrow('observation 1 has time NaN');
    expect(() => kaplanMeier([{ time: 1, event: 1 as unknown as boolean }])).toThrow(
      'observation 0 has event 1; it must be true (event) or false (censored)'
    );
    expect(() => quantile(kaplanMeier(placebo), 50)).toThrow('quantile 50 is not between 0 and 1');
  });
});

describe('log-rank [KK12]', () => {
  it('6-MP against placebo: O 9 / 21, E 19.25 / 10.75, chi-square 16.79, p 4.2e-5', () => {
    const r = logRank(sixMp, placebo)!;
    expect(r.observed).toEqual([9, 21]);
    expect(r.expected[0]).toBeCloseTo(19.25, 2);
    expect(r.expected[1]).toBeCloseTo(10.75, 2);
    expect(r.observed[0] - r.expected[0]).toBeCloseTo(-10.25, 2);
    expect(r.variance).toBeCloseTo(6.257, 3);
    expect(r.statistic).toBeCloseTo(16.79, 2);
    expect(r.p).toBeGreaterThan(4.1e-5);
    expect(r.p).toBeLessThan(4.3e-5);
  });

  it('is symmetric in the groups and 0 for identical groups', () => {
    expect(logRank(placebo, sixMp)!.statistic).toBeCloseTo(logRank(sixMp, placebo)!.statistic, 12);
    const same = logRank(sixMp, sixMp)!;
    expect(same.statistic).toBe(0);
    expect(same.p).toBe(1);
  });

  it('is null with no event in either group', () => {
    expect(logRank(censored([1, 2]), censored([3]))).toBeNull();
  });

  it('names the group with bad input', () => {
    expect(() => logRank(placebo, [{ time: Infinity, event: true }])).toThrow('log-rank second group: observation 0');
  });
});
