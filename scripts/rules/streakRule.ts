/**
 * exp-005 on the Account panel: which usage weeks qualify (enough tickets, AI resolution share at or above the
 * threshold) and the current streak of qualifying calendar weeks. Pure: Usage_Snapshot__c-shaped records in, a
 * verdict out. Apex twin: GtmStreakRule.
 *
 * - share = AI_Resolved__c / Tickets_Total__c rounded HALF_UP to 4 digits (0 for a week without tickets), for people
 *   to read; qualifying compares the unrounded share exactly: aiResolved * den >= num * ticketsTotal for a threshold
 *   num/den, so 0.39996 never rounds its way over 0.40.
 * - a week qualifies with ticketsTotal >= Expansion_Min_Weekly_Tickets, at least one ticket, and the share at or
 *   above Expansion_Share_Threshold; it is complete once weekStart + 7 days <= today.
 * - the streak ends at the latest complete calendar week (the Monday on or before today - 7 days) and runs back
 *   through calendar weeks 7 days apart that all have a record and qualify; a gap week or a non-qualifying week
 *   ends it. When the latest complete week has no record or does not qualify the streak is 0.
 * - records without Week_Start__c cannot be placed in the calendar and are left out; missing counts read as 0. One
 *   record per week is expected; should a week have several, it qualifies only when every one of them does.
 */
import { addDays, compareDates, daysBetween, isBlank, type RulePolicy } from './ruleSupport';
// the sync's exact share comparison (exp-005), so the panel's 'qualifies' and the trigger engine cannot disagree
import { decimalFraction, shareAtLeast } from '../usage/triggerRules';

/** Fractional digits of the displayed share (HALF_UP). */
export const SHARE_SCALE = 4;

/** A known Monday: weeks are counted from it. */
const REFERENCE_MONDAY = '2001-01-01';

export interface WeekRecord {
  ISO_Week__c: string;
  /** YYYY-MM-DD, the Monday the week starts on */
  Week_Start__c: string;
  Tickets_Total__c: number;
  AI_Resolved__c: number;
}

export interface StreakWeek {
  isoWeek: string;
  weekStart: string;
  ticketsTotal: number;
  aiResolved: number;
  /** aiResolved / ticketsTotal, HALF_UP to 4 digits; 0 without tickets */
  share: number;
  /** ticketsTotal >= minimum (and > 0) and the exact share >= threshold */
  qualifies: boolean;
  /** weekStart + 7 days <= today */
  complete: boolean;
}

export interface StreakResult {
  /** every placed record, oldest first */
  weeks: StreakWeek[];
  /** consecutive qualifying calendar weeks ending at the latest complete week */
  length: number;
  /** isoWeek of the streak's first week; null when length is 0 */
  startWeek: string | null;
  /** isoWeek of the streak's last week (the latest complete week); null when length is 0 */
  endWeek: string | null;
  /** Expansion_Consecutive_Weeks */
  required: number;
}

/** ai / total rounded HALF_UP (ties away from zero) to `scale` digits, like Apex Decimal.divide(total, scale, HALF_UP). */
export function shareOf(aiResolved: number, ticketsTotal: number, scale: number = SHARE_SCALE): number {
  if (ticketsTotal === 0) return 0;
  const a = BigInt(aiResolved);
  const t = BigInt(ticketsTotal);
  const negative = a < 0n !== t < 0n;
  const absA = a < 0n ? -a : a;
  const absT = t < 0n ? -t : t;
  const unit = 10n ** BigInt(scale);
  const units = (absA * unit * 2n + absT) / (2n * absT);
  return Number(negative ? -units : units) / Number(unit);
}

function qualifies(
  aiResolved: number,
  ticketsTotal: number,
  minTickets: number,
  threshold: ReturnType<typeof decimalFraction>
): boolean {
  return ticketsTotal >= minTickets && ticketsTotal > 0 && shareAtLeast(aiResolved, ticketsTotal, threshold);
}

/** The Monday on or before `date`. */
export function mondayOnOrBefore(date: string): string {
  const offset = daysBetween(REFERENCE_MONDAY, date) % 7;
  return addDays(date, -(offset < 0 ? offset + 7 : offset));
}

function compareWeeks(a: StreakWeek, b: StreakWeek): number {
  return (
    compareDates(a.weekStart, b.weekStart) ||
    (a.isoWeek < b.isoWeek ? -1 : a.isoWeek > b.isoWeek ? 1 : 0) ||
    a.ticketsTotal - b.ticketsTotal ||
    a.aiResolved - b.aiResolved
  );
}

export function evaluateStreak(weeks: WeekRecord[], policy: RulePolicy, today: string): StreakResult {
  const threshold = decimalFraction(policy.decimal('Expansion_Share_Threshold'));
  const minTickets = policy.integer('Expansion_Min_Weekly_Tickets');
  const required = policy.integer('Expansion_Consecutive_Weeks');

  const rows = weeks
    .filter((w) => !isBlank(w.Week_Start__c))
    .map((w): StreakWeek => {
      const weekStart = w.Week_Start__c.trim();
      const ticketsTotal = w.Tickets_Total__c ?? 0;
      const aiResolved = w.AI_Resolved__c ?? 0;
      return {
        isoWeek: w.ISO_Week__c,
        weekStart,
        ticketsTotal,
        aiResolved,
        share: shareOf(aiResolved, ticketsTotal),
        qualifies: qualifies(aiResolved, ticketsTotal, minTickets, threshold),
        complete: compareDates(addDays(weekStart, 7), today) <= 0
      };
    })
    .sort(compareWeeks);

  // per week start: the first record (for its label) and whether every record of the week qualifies
  const byStart = new Map<string, { isoWeek: string; qualifies: boolean }>();
  for (const w of rows) {
    const seen = byStart.get(w.weekStart);
    if (seen) seen.qualifies = seen.qualifies && w.qualifies;
    else byStart.set(w.weekStart, { isoWeek: w.isoWeek, qualifies: w.qualifies });
  }

  const latestComplete = mondayOnOrBefore(addDays(today, -7));
  let length = 0;
  let startWeek: string | null = null;
  let endWeek: string | null = null;
  for (let start = latestComplete; byStart.get(start)?.qualifies === true; start = addDays(start, -7)) {
    const week = byStart.get(start)!;
    if (length === 0) endWeek = week.isoWeek;
    startWeek = week.isoWeek;
    length++;
  }
  return { weeks: rows, length, startWeek, endWeek, required };
}
