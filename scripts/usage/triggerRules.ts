/**
 * exp-005: when an account's weekly AI resolution share earns an expansion trigger. Pure: weekly counts in,
 * fired weeks with their evidence out. Every threshold comes from the policy; shares are compared exactly
 * (integer cross-multiplication against the policy's decimal text), never as rounded floats.
 */
import { isoWeekLabel, isWeekComplete, weekStartDate } from './isoWeek';
import type { Policy } from '../policy/policy';

export interface WeekCounts {
  weekIndex: number;
  ticketsTotal: number;
  aiResolved: number;
}

export interface TriggerThresholds {
  /** the share threshold as written in the policy, e.g. "0.40" */
  share: string;
  minTickets: number;
  consecutiveWeeks: number;
  cooldownWeeks: number;
}

export interface StreakWeek {
  isoWeek: string;
  weekStart: string;
  ticketsTotal: number;
  aiResolved: number;
  /** ai / total, for people; rules never compare this float */
  share: number;
}

export interface FiredTrigger {
  weekIndex: number;
  isoWeek: string;
  weekStart: string;
  streakStartWeek: string;
  ticketsTotal: number;
  aiResolved: number;
  share: number;
  evidence: { weeks: StreakWeek[]; thresholds: TriggerThresholds };
}

export function thresholdsFromPolicy(policy: Policy): TriggerThresholds {
  return {
    share: policy.decimal('Expansion_Share_Threshold'),
    minTickets: policy.integer('Expansion_Min_Weekly_Tickets'),
    consecutiveWeeks: policy.integer('Expansion_Consecutive_Weeks'),
    cooldownWeeks: policy.integer('Expansion_Cooldown_Weeks')
  };
}

/** A non-negative decimal string as an exact fraction: "0.40" -> 40/100. */
export function decimalFraction(text: string): { num: bigint; den: bigint } {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a non-negative decimal: ${text}`);
  const frac = m[2] ?? '';
  return { num: BigInt(m[1]! + frac), den: 10n ** BigInt(frac.length) };
}

/**
 * A test of ai / total >= num / den, exactly. Whole counts whose cross products stay below 2^53 compare exactly
 * as doubles, so BigInt is needed only beyond that (a sync makes hundreds of thousands of these comparisons).
 */
export function shareTest(threshold: {
  num: bigint;
  den: bigint;
}): (aiResolved: number, ticketsTotal: number) => boolean {
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  // a threshold written with more digits than a double holds exactly is compared in BigInt only
  const doubles = threshold.num <= safe && threshold.den <= safe;
  const den = Number(threshold.den);
  const num = Number(threshold.num);
  return (aiResolved, ticketsTotal) => {
    if (doubles && Number.isInteger(aiResolved) && Number.isInteger(ticketsTotal)) {
      const left = aiResolved * den;
      const right = num * ticketsTotal;
      if (Number.isSafeInteger(left) && Number.isSafeInteger(right)) return left >= right;
    }
    return BigInt(aiResolved) * threshold.den >= threshold.num * BigInt(ticketsTotal);
  };
}

/** shareTest of a threshold's decimal text, made once per text (a sync evaluates thousands of accounts) */
const shareTests = new Map<string, ReturnType<typeof shareTest>>();
function shareTestOf(share: string): ReturnType<typeof shareTest> {
  let test = shareTests.get(share);
  if (!test) shareTests.set(share, (test = shareTest(decimalFraction(share))));
  return test;
}

/** ai / total >= num / den, exactly. */
export function shareAtLeast(
  aiResolved: number,
  ticketsTotal: number,
  threshold: { num: bigint; den: bigint }
): boolean {
  return shareTest(threshold)(aiResolved, ticketsTotal);
}

/**
 * Evaluates one account's whole history in week order.
 * - only complete weeks (as of `asOfMs`) count;
 * - a week qualifies with tickets_total >= minTickets and share >= threshold; a week with no tickets does not;
 * - a trigger fires at W when W and the consecutiveWeeks-1 calendar weeks before it all qualify and no trigger
 *   fired in the cooldownWeeks-1 weeks before W (`priorFires` are fires stored by earlier syncs; a new fire
 *   also keeps that distance from a stored fire after it, so a backfill cannot crowd one already acted on).
 */
export function evaluateAccount(
  weeks: readonly WeekCounts[],
  thresholds: TriggerThresholds,
  asOfMs: number,
  priorFires: readonly number[] = []
): FiredTrigger[] {
  const atLeast = shareTestOf(thresholds.share);
  const byWeek = new Map<number, WeekCounts>();
  for (const w of weeks) byWeek.set(w.weekIndex, w);
  // each week is judged once; a streak then only looks weeks up
  const qualifying = new Set<number>();
  for (const [i, w] of byWeek)
    if (w.ticketsTotal >= thresholds.minTickets && w.ticketsTotal > 0 && atLeast(w.aiResolved, w.ticketsTotal))
      qualifying.add(i);
  const qualifies = (i: number) => qualifying.has(i);

  const stored = [...priorFires];
  const fires: number[] = [];
  const fired: FiredTrigger[] = [];
  // a week fires only if it qualifies itself (a streak of at least one week includes it)
  const pool = thresholds.consecutiveWeeks >= 1 ? qualifying : byWeek.keys();
  const candidates = [...pool].filter((i) => isWeekComplete(i, asOfMs)).sort((a, b) => a - b);
  for (const w of candidates) {
    let streak = true;
    for (let k = 0; k < thresholds.consecutiveWeeks && streak; k++) streak = qualifies(w - k);
    if (!streak) continue;
    // cooldown: the nearest fire at or before W must be at least cooldownWeeks back
    // cooldown: no fire in the cooldownWeeks-1 weeks before W. A fire stored by an earlier sync is a fact that
    // may already have been acted on, so a backfilled export cannot squeeze a new fire in just before it either.
    if (fires.some((f) => w - f < thresholds.cooldownWeeks)) continue;
    if (stored.some((f) => Math.abs(w - f) < thresholds.cooldownWeeks)) continue;
    const streakWeeks: StreakWeek[] = [];
    for (let i = w - thresholds.consecutiveWeeks + 1; i <= w; i++) {
      const c = byWeek.get(i)!;
      streakWeeks.push({
        isoWeek: isoWeekLabel(i),
        weekStart: weekStartDate(i),
        ticketsTotal: c.ticketsTotal,
        aiResolved: c.aiResolved,
        share: c.aiResolved / c.ticketsTotal
      });
    }
    const self = byWeek.get(w)!;
    fired.push({
      weekIndex: w,
      isoWeek: isoWeekLabel(w),
      weekStart: weekStartDate(w),
      streakStartWeek: streakWeeks[0]!.isoWeek,
      ticketsTotal: self.ticketsTotal,
      aiResolved: self.aiResolved,
      share: self.aiResolved / self.ticketsTotal,
      evidence: { weeks: streakWeeks, thresholds }
    });
    fires.push(w);
  }
  return fired;
}
