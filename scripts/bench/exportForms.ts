/**
 * The ways a ticket export writes the same values, as the rules (instant.ts, rowRules.ts, csvRecords.ts) accept
 * them: instants with `T` or a space, 0-9 fraction digits and an offset `Z`, `±HH:MM` or none; values quoted
 * (RFC 4180, "" inside) or not. Used by the benchmark's shapes (generateEvents.ts) and the line reader's tests.
 */

export interface InstantForm {
  separator: 'T' | ' ';
  /** fraction digits written (0: none); digits past the instant's nanoseconds are cut, not rounded */
  fraction: number;
  /** 'Z', '' (no offset: UTC) or the offset in minutes (east positive) */
  offset: 'Z' | '' | number;
}

export const ISO_FORM: InstantForm = { separator: 'T', fraction: 3, offset: 'Z' };

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The instant `ms` (epoch milliseconds) plus `subNs` nanoseconds, written in `form`. */
export function formatInstant(ms: number, form: InstantForm, subNs = 0): string {
  const offsetMinutes = typeof form.offset === 'number' ? form.offset : 0;
  const local = new Date(ms + offsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
  const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}`;
  const nanos = pad(local.getUTCMilliseconds() * 1_000_000 + subNs, 9);
  const fraction = form.fraction > 0 ? `.${nanos.slice(0, form.fraction)}` : '';
  let offset = form.offset === 'Z' ? 'Z' : '';
  if (typeof form.offset === 'number') {
    const m = Math.abs(form.offset);
    offset = `${form.offset < 0 ? '-' : '+'}${pad(Math.floor(m / 60), 2)}:${pad(m % 60, 2)}`;
  }
  return `${date}${form.separator}${time}${fraction}${offset}`;
}

/** A value as RFC 4180 writes it: quoted when `always` or when it must be (a quote, comma, CR or LF in it). */
export function csvValue(value: string, always = false): string {
  return always || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
