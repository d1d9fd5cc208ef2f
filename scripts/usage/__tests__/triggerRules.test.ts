import { loadPolicyFile } from '../../policy/policy';
import { isoWeekLabel, weekIndexOfLabel, weekStartMs } from '../isoWeek';
import { prng } from '../../lib/prng';
import { decimalFraction, evaluateAccount, shareAtLeast, thresholdsFromPolicy, WeekCounts } from '../triggerRules';

const t = thresholdsFromPolicy(loadPolicyFile());
const frac = decimalFraction(t.share);
const W0 = weekIndexOfLabel('2026-W40')!;
/** The smallest ai-resolved count that qualifies a week of `total` tickets. */
const minAi = (total: number) => Number((frac.num * BigInt(total) + frac.den - 1n) / frac.den);
const good = (i: number, total = t.minTickets): WeekCounts => ({
  weekIndex: W0 + i,
  ticketsTotal: total,
  aiResolved: minAi(total)
});
const bad = (i: number, total = t.minTickets): WeekCounts => ({
  weekIndex: W0 + i,
  ticketsTotal: total,
  aiResolved: minAi(total) - 1
});
const asOfAfter = (i: number) => weekStartMs(W0 + i + 1);
const fired = (weeks: WeekCounts[], asOf = asOfAfter(60), prior: number[] = []) =>
  evaluateAccount(weeks, t, asOf, prior).map((f) => f.weekIndex - W0);

describe('exact share comparison', () => {
  it('compares the exact ratio at the threshold', () => {
    expect(shareAtLeast(20, 50, decimalFraction('0.40'))).toBe(true);
    expect(shareAtLeast(19, 50, decimalFraction('0.40'))).toBe(false);
    // 0.4 as a float product would be 39.99999...; the integer rule is exact
    expect(shareAtLeast(40, 100, decimalFraction('0.4'))).toBe(true);
    expect(shareAtLeast(1, 3, decimalFraction('0.3333'))).toBe(true);
    expect(shareAtLeast(3333, 10001, decimalFraction('0.3333'))).toBe(false);
  });

  it('compares as doubles only where that is exact: the same answers as BigInt, also past 2^53', () => {
    const reference = (ai: number, total: number, f: { num: bigint; den: bigint }) =>
      BigInt(ai) * f.den >= f.num * BigInt(total);
    const rnd = prng(7);
    const thresholds = [
      '0.40',
      '0.4',
      '0.3333',
      '0.123456789012',
      '0.99999999999999999',
      '1',
      `0.4${'0'.repeat(400)}`
    ].map(decimalFraction);
    let checked = 0;
    for (const f of thresholds) {
      for (let k = 0; k < 2000; k++) {
        // counts small and huge, around the threshold's exact boundary
        const total = Math.floor(rnd() * (k % 2 ? 2 ** 53 - 1 : 1e6)) + 1;
        const near = Number((f.num * BigInt(total)) / f.den);
        for (const ai of [near - 1, near, near + 1].filter((v) => v >= 0 && Number.isSafeInteger(v))) {
          expect(shareAtLeast(ai, total, f)).toBe(reference(ai, total, f));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30_000);
  });
});

describe('exp-005 trigger rule', () => {
  const streak = (n: number) => Array.from({ length: n }, (_, i) => good(i));

  it(`fires at the ${t.consecutiveWeeks}rd consecutive qualifying week, with the streak as evidence`, () => {
    const [f] = evaluateAccount(streak(t.consecutiveWeeks), t, asOfAfter(10));
    expect(f?.weekIndex).toBe(W0 + t.consecutiveWeeks - 1);
    expect(f?.streakStartWeek).toBe(isoWeekLabel(W0));
    expect(f?.evidence.weeks.map((w) => w.isoWeek)).toEqual(
      Array.from({ length: t.consecutiveWeeks }, (_, i) => isoWeekLabel(W0 + i))
    );
    expect(f?.evidence.thresholds).toEqual(t);
    expect(fired(streak(t.consecutiveWeeks - 1))).toEqual([]);
  });

  it('a week just below the share or the volume does not qualify', () => {
    const weeks = streak(t.consecutiveWeeks);
    weeks[1] = bad(1);
    expect(fired(weeks)).toEqual([]);
    weeks[1] = { weekIndex: W0 + 1, ticketsTotal: t.minTickets - 1, aiResolved: t.minTickets - 1 };
    expect(fired(weeks)).toEqual([]);
  });

  it('a week with no tickets breaks the streak (calendar weeks, not rows)', () => {
    const weeks = [good(0), good(1), good(3), good(4)];
    expect(fired(weeks)).toEqual([]);
    expect(fired([...weeks, good(5)])).toEqual([5]);
  });

  it(`cooldown: after a fire at F the next fire is at F+${t.cooldownWeeks} at the earliest`, () => {
    const long = streak(t.consecutiveWeeks - 1 + t.cooldownWeeks * 2 + 1);
    const first = t.consecutiveWeeks - 1;
    expect(fired(long)).toEqual([first, first + t.cooldownWeeks, first + 2 * t.cooldownWeeks]);
  });

  it('a fire stored by an earlier sync holds the cooldown', () => {
    const prior = [W0 + 1];
    expect(fired(streak(6), asOfAfter(20), prior)).toEqual([]);
    expect(fired(streak(t.cooldownWeeks + 2), asOfAfter(30), prior)).toEqual([1 + t.cooldownWeeks]);
  });

  it('a backfilled export cannot fire just before a stored fire either', () => {
    // stored fire at week 10; older weeks 5..7 arrive later and would fire at 7 (3 weeks before it)
    const backfill = [5, 6, 7].map((i) => good(i));
    expect(fired(backfill, asOfAfter(20), [W0 + 10])).toEqual([]);
    // far enough before it, the backfilled streak fires
    const earlier = [0, 1, 2].map((i) => good(i));
    expect(fired(earlier, asOfAfter(20), [W0 + 2 + t.cooldownWeeks])).toEqual([2]);
  });

  it('only complete weeks count', () => {
    const weeks = streak(t.consecutiveWeeks);
    const last = t.consecutiveWeeks - 1;
    expect(fired(weeks, weekStartMs(W0 + last + 1) - 1)).toEqual([]);
    expect(fired(weeks, weekStartMs(W0 + last + 1))).toEqual([last]);
  });

  it('streaks run across the ISO year boundary (2026-W52, W53, 2027-W01)', () => {
    const w52 = weekIndexOfLabel('2026-W52')!;
    const weeks = [0, 1, 2].map((i) => ({ weekIndex: w52 + i, ticketsTotal: 80, aiResolved: 79 }));
    const [f] = evaluateAccount(weeks, t, weekStartMs(w52 + 10));
    expect(f?.isoWeek).toBe('2027-W01');
    expect(f?.streakStartWeek).toBe('2026-W52');
  });
});
