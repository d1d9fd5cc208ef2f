/**
 * ISO 8601 weeks in UTC. A week is identified by its Monday; `weekIndex` counts weeks since the Monday
 * 1970-01-05 so "the week before" is plain arithmetic across year boundaries (2026-W53 -> 2027-W01).
 */
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05 was a Monday. */
const EPOCH_MONDAY_MS = 4 * DAY_MS;

export function weekIndexOf(epochMs: number): number {
  return Math.floor((epochMs - EPOCH_MONDAY_MS) / WEEK_MS);
}

export function weekStartMs(weekIndex: number): number {
  return EPOCH_MONDAY_MS + weekIndex * WEEK_MS;
}

/** YYYY-MM-DD of the week's Monday. */
export function weekStartDate(weekIndex: number): string {
  return new Date(weekStartMs(weekIndex)).toISOString().slice(0, 10);
}

/** `YYYY-Www` with the ISO week-year: the year of the week's Thursday. */
export function isoWeekLabel(weekIndex: number): string {
  const thursday = new Date(weekStartMs(weekIndex) + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Inverse of isoWeekLabel; undefined for a label that names no week (2026-W54, 2025-W53). */
export function weekIndexOfLabel(label: string): number | undefined {
  const m = /^(\d{4})-W(\d{2})$/.exec(label);
  if (!m) return undefined;
  const year = Number(m[1]);
  const week = Number(m[2]);
  // the week containing January 4th is week 1
  const jan4 = Date.UTC(year, 0, 4);
  const index = weekIndexOf(jan4) + week - 1;
  return week >= 1 && isoWeekLabel(index) === label ? index : undefined;
}

/** A week is complete once the next Monday 00:00 UTC is at or before `asOfMs`. */
export function isWeekComplete(weekIndex: number, asOfMs: number): boolean {
  return weekStartMs(weekIndex + 1) <= asOfMs;
}
