import { loadPolicyFile } from '../../policy/policy';
import { isoWeekLabel, weekIndexOfLabel, weekStartMs } from '../isoWeek';
import {
  backtestReport,
  FALSE_POSITIVE,
  labelTriggers,
  outcomeWindow,
  TRUE_POSITIVE,
  wilsonInterval
} from '../backtest';

const policy = loadPolicyFile();
const windowDays = policy.integer('Expansion_Outcome_Window_Days');
const DAY = 86_400_000;
const W = weekIndexOfLabel('2026-W10')!;

describe('Wilson interval', () => {
  it('matches published values', () => {
    // 1 of 10: 0.0179 .. 0.4042 (Wilson 1927 / Newcombe 1998 tables)
    const a = wilsonInterval(1, 10);
    expect(a.low).toBeCloseTo(0.0179, 4);
    expect(a.high).toBeCloseTo(0.4042, 4);
    const b = wilsonInterval(0, 20);
    expect(b.low).toBe(0);
    expect(b.high).toBeCloseTo(0.1611, 4);
    expect(wilsonInterval(5, 5).high).toBe(1);
  });
});

describe('labelling triggers against outcomes', () => {
  const trigger = { key: 'acme|2026-W10', accountKey: 'acme', isoWeek: isoWeekLabel(W) };
  const win = outcomeWindow(trigger.isoWeek, windowDays)!;

  it('the window starts when the fired week ends and lasts the policy days', () => {
    expect(win.startMs).toBe(weekStartMs(W + 1));
    expect(win.endMs - win.startMs).toBe(windowDays * DAY);
  });

  it('is pending until the window has closed', () => {
    expect(labelTriggers([trigger], [], windowDays, win.endMs - 1).pending).toHaveLength(1);
    expect(labelTriggers([trigger], [], windowDays, win.endMs).labelled).toHaveLength(1);
  });

  it('an outcome inside the window is a true positive; at or after its end, or on another account, is not', () => {
    const label = (dateMs: number, accountKey = 'acme') =>
      labelTriggers([trigger], [{ accountKey, dateMs }], windowDays, win.endMs + DAY).labelled[0]!.label;
    expect(label(win.startMs)).toBe(TRUE_POSITIVE);
    expect(label(win.endMs - 1)).toBe(TRUE_POSITIVE);
    expect(label(win.endMs)).toBe(FALSE_POSITIVE);
    expect(label(win.startMs - 1)).toBe(FALSE_POSITIVE);
    expect(label(win.startMs, 'globex')).toBe(FALSE_POSITIVE);
  });
});

describe('backtest verdict', () => {
  const min = policy.integer('Expansion_Backtest_Min_Sample');
  const maxRate = policy.number('Expansion_Max_False_Positive_Rate');
  const labels = (n: number, fp: number) =>
    Array.from({ length: n }, (_, i) => ({ label: i < fp ? FALSE_POSITIVE : TRUE_POSITIVE }) as const);

  it('clears live mode only below the target rate on at least the minimum sample', () => {
    const fpBelow = Math.ceil(min * maxRate) - 1;
    expect(backtestReport(labels(min, fpBelow), 0, policy, 0).met).toBe(true);
    expect(backtestReport(labels(min - 1, 0), 0, policy, 0)).toMatchObject({
      met: false,
      verdict: expect.stringContaining('below the minimum sample')
    });
    // exactly at the target is not below it
    const atTarget = backtestReport(labels(100, Math.round(100 * maxRate)), 0, policy, 0);
    expect(atTarget.falsePositiveRate).toBe(maxRate);
    expect(atTarget.met).toBe(false);
    expect(backtestReport([], 3, policy, 0)).toMatchObject({ met: false, n: 0, pending: 3, falsePositiveRate: null });
  });

  it('reports n, the rate and its interval', () => {
    const r = backtestReport(labels(40, 2), 5, policy, 0);
    expect(r).toMatchObject({
      n: 40,
      falsePositives: 2,
      truePositives: 38,
      pending: 5,
      triggers: 45,
      falsePositiveRate: 0.05
    });
    expect(r.wilson95!.low).toBeLessThan(0.05);
    expect(r.wilson95!.high).toBeGreaterThan(0.05);
  });
});
