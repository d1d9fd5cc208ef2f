/**
 * Business-hours arithmetic the way Salesforce's BusinessHours.add / diff / isWithin count it, for the local store,
 * the workbench and `gtm routing simulate` (in the org, Apex calls BusinessHours itself). A schedule is a Salesforce
 * BusinessHours record: a time zone, an open and close time per weekday (none: closed; 00:00-00:00: open all day) and
 * all-day holidays. Wall-clock times are read in the schedule's time zone, so a due time moves with daylight saving
 * the way the org's does.
 *
 * - add(start, ms): start at `start` if open, else at the next opening; spend `ms` of open time only. An interval that
 *   runs out exactly at a close ends at the close (not at the next opening).
 * - diff(a, b): the open time between two instants.
 */
import { addDays } from './ruleSupport';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHoursSchedule {
  name: string;
  /** IANA time zone, like BusinessHours.TimeZoneSidKey */
  timeZone: string;
  /** HH:MM open and close per weekday; null: closed all day; { start: '00:00', end: '00:00' }: open 24 hours */
  days: Record<Weekday, { start: string; end: string } | null>;
  /** YYYY-MM-DD all-day holidays, in the schedule's time zone */
  holidays: string[];
}

const MINUTE_MS = 60_000;
/** A schedule without open time would loop forever: give up after this many days. */
const MAX_DAYS_SEARCHED = 800;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit'
      });
    } catch {
      throw new Error(`business hours time zone ${timeZone} is not an IANA time zone`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of an instant in a time zone, as if it were UTC (ms). */
function wallAsUtc(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(ms)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The local date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(ms: number, timeZone: string): string {
  return new Date(wallAsUtc(ms, timeZone)).toISOString().slice(0, 10);
}

/** The instant of a wall-clock time on a local date (minutes from midnight; 1440 is the next midnight). */
export function localInstant(date: string, minutes: number, timeZone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE_MS;
  // two passes settle the offset, also on the days daylight saving changes
  let guess = wall - (wallAsUtc(wall, timeZone) - wall);
  guess = wall - (wallAsUtc(guess, timeZone) - guess);
  return guess;
}

function minutesOf(hhmm: string, where: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`${where} is not an HH:MM time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function weekdayOf(date: string): Weekday {
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
}

/** The open interval [open, close) of a local date as instants, or null when closed. */
function openInterval(schedule: BusinessHoursSchedule, date: string): [number, number] | null {
  if (schedule.holidays.includes(date)) return null;
  const weekday = weekdayOf(date);
  const day = schedule.days[weekday];
  if (!day) return null;
  const where = `business hours ${schedule.name} ${weekday}`;
  const start = minutesOf(day.start, `${where} start`);
  let end = minutesOf(day.end, `${where} end`);
  if (end === 0) end = 1440;
  if (end <= start) throw new Error(`${where}: closes (${day.end}) before it opens (${day.start})`);
  return [localInstant(date, start, schedule.timeZone), localInstant(date, end, schedule.timeZone)];
}

/** Like BusinessHours.add: the instant `ms` of open time after `startMs`. */
export function addBusinessTime(schedule: BusinessHoursSchedule, startMs: number, ms: number): number {
  if (ms < 0) throw new Error(`business hours ${schedule.name}: cannot add a negative interval (${ms} ms)`);
  let remaining = ms;
  let date = addDays(localDate(startMs, schedule.timeZone), -1);
  for (let i = 0; i < MAX_DAYS_SEARCHED; i++, date = addDays(date, 1)) {
    const open = openInterval(schedule, date);
    if (!open || open[1] <= startMs) continue;
    const from = Math.max(open[0], startMs);
    if (open[1] - from >= remaining) return from + remaining;
    remaining -= open[1] - from;
  }
  throw new Error(`business hours ${schedule.name} has no open time within ${MAX_DAYS_SEARCHED} days`);
}

/** Like BusinessHours.diff: open time between two instants (negative when b is before a). */
export function businessTimeBetween(schedule: BusinessHoursSchedule, aMs: number, bMs: number): number {
  if (bMs < aMs) return -businessTimeBetween(schedule, bMs, aMs);
  let total = 0;
  for (let date = addDays(localDate(aMs, schedule.timeZone), -1); ; date = addDays(date, 1)) {
    const open = openInterval(schedule, date);
    if (open) {
      if (open[0] >= bMs) break;
      total += Math.max(0, Math.min(open[1], bMs) - Math.max(open[0], aMs));
    } else if (localInstant(date, 0, schedule.timeZone) >= bMs) break;
  }
  return total;
}

/** Like BusinessHours.isWithin: the instant is inside open time. */
export function isWithinBusinessHours(schedule: BusinessHoursSchedule, ms: number): boolean {
  const date = localDate(ms, schedule.timeZone);
  for (const d of [addDays(date, -1), date]) {
    const open = openInterval(schedule, d);
    if (open && open[0] <= ms && ms < open[1]) return true;
  }
  return false;
}
