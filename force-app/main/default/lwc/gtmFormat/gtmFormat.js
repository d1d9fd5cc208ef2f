/**
 * How the GTM panels put server values into words: dates, ratios as percentages, counts. Presentation only: every
 * verdict comes from the Apex controllers.
 */
const DATE_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC'
});

/** "2026-11-23" -> "Nov 23, 2026" in the user's locale; the text itself when it is not a date; '' when empty. */
export function formatDate(value) {
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return String(value);
  return DATE_FORMAT.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

/**
 * A ratio as a percentage with at most one decimal, cut rather than rounded, so a value just under a threshold
 * never reads as the threshold (0.7999 -> "79.9%", not "80%"). `missing` is what a blank or non-number shows.
 */
export function formatPercent(ratio, missing = '') {
  if (ratio === null || ratio === undefined || ratio === '' || !Number.isFinite(Number(ratio))) return missing;
  return `${Math.floor(Number(ratio) * 1000 + 1e-6) / 10}%`;
}

const COUNT_FORMAT = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** A whole count in the user's locale, grouped ("1,234"); '' when it is not a number. */
export function formatCount(n) {
  if (n === null || n === undefined || n === '' || !Number.isFinite(Number(n))) return '';
  return COUNT_FORMAT.format(Math.trunc(Number(n)));
}

/** A whole count with its unit: "1 day", "1,234 days" (formatCount). */
export function countOf(n, one, many) {
  return `${formatCount(n)} ${Number(n) === 1 ? one : many}`;
}

/** "1 day", "3 days". */
export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A number in the user's locale with at most `maxDigits` fractional digits and no float noise: 6.5 -> "6.5",
 * 0.30000000000000004 -> "0.3", 12000 -> "12,000" (en-US). '' when empty or not a number.
 */
export function formatNumber(value, maxDigits = 4) {
  if (value === null || value === undefined || value === '' || !Number.isFinite(Number(value))) return '';
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: maxDigits }).format(Number(value));
}

/** A record's page in Lightning Experience; null without an id. */
export function recordUrl(id, objectApiName) {
  if (!id) return null;
  return objectApiName ? `/lightning/r/${objectApiName}/${id}/view` : `/lightning/r/${id}/view`;
}
