/**
 * The ticket export's timestamps: ISO 8601 with `T` or a space, optional fractional seconds, and an offset
 * `Z`, `±HH:MM` or none (= UTC). Parsed to exact epoch nanoseconds (BigInt) so "latest resolved_at" and
 * "resolved before created" compare exactly, whatever the number of fractional digits.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;
const NS_PER_MS = 1_000_000n;
/** the whole years whose instants fit a signed 64-bit count of nanoseconds since 1970 (1677-09-21 .. 2262-04-11) */
export const MIN_YEAR = 1678;
export const MAX_YEAR = 2261;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Epoch nanoseconds, or undefined when the text is not a valid instant in the accepted forms. */
export function parseInstant(text: string): bigint | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', offset = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // outside these years an instant does not fit 64-bit epoch nanoseconds (and Date.UTC misreads years < 100)
  if (year < MIN_YEAR || year > MAX_YEAR) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  return BigInt(ms) * NS_PER_MS + BigInt(frac.padEnd(9, '0'));
}

/** The forms parseInstant takes, for messages. */
export const ACCEPTED_INSTANT_FORMS =
  '2026-03-02T10:00:00Z, with T or a space, 0-9 fraction digits, and an offset Z, +HH:MM, -HH:MM or none (UTC)';

/**
 * Why parseInstant refuses `text`, for a person: a form it does not take (a basic-format offset +0530, a lower-case
 * t or z, a date alone), a year outside what fits, or a day or time that does not exist. Call only when it refused.
 */
export function whyNotInstant(text: string): string {
  const m = INSTANT.exec(text);
  // an export of days alone (some helpdesks' "date" columns) is told so, not only shown the forms
  if (!m && /^\d{4}-\d{2}-\d{2}$/.test(text.trim()))
    return `is a date without a time of day: not in an accepted form (${ACCEPTED_INSTANT_FORMS})`;
  // Salesforce's own exports write the offset without a colon (2026-03-02T10:00:00.000+0000)
  if (!m && INSTANT.test(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')))
    return `has its offset without a colon (${/[+-]\d{4}$/.exec(text)![0]}): write it ${text.slice(-5, -2)}:${text.slice(-2)}; accepted: ${ACCEPTED_INSTANT_FORMS}`;
  if (!m && text !== text.trim() && INSTANT.test(text.trim()))
    return `has spaces before or after it: not in an accepted form (${ACCEPTED_INSTANT_FORMS})`;
  if (!m) return `is not in an accepted form (${ACCEPTED_INSTANT_FORMS})`;
  const year = Number(m[1]);
  if (year < MIN_YEAR || year > MAX_YEAR) return `has the year ${year}, outside ${MIN_YEAR}..${MAX_YEAR}`;
  return 'is not a real date and time (a day, hour, minute, second or offset out of range)';
}

/** Epoch milliseconds of epoch nanoseconds (floor). */
export function nsToMs(ns: bigint): number {
  const q = ns / NS_PER_MS;
  return Number(ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q);
}
