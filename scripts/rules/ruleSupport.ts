/**
 * What the record-page rules (scorecard score, collateral currency, production readiness) share: the policy values
 * they read, exact decimal helpers and calendar-day arithmetic on YYYY-MM-DD dates. The same rules run in Apex
 * (force-app/main/default/classes/rules); both are tested against staticresources/GtmRuleVectors.json, so every
 * choice here (rounding, number formatting in messages) has an Apex twin that must stay in step.
 */

/** The policy reads the rules need; `Policy` (scripts/policy/policy.ts) satisfies it, and so do the test vectors. */
export interface RulePolicy {
  /** the value exactly as written, e.g. "0.80" */
  decimal(key: string): string;
  integer(key: string): number;
  list(key: string): string[];
  /** a Text value as written, trimmed */
  text(key: string): string;
}

/** A RulePolicy over plain text values, e.g. a test vector's `policy` object. Missing keys fail loudly. */
export function policyFromValues(values: Readonly<Record<string, string>>): RulePolicy {
  const get = (key: string): string => {
    const v = values[key];
    if (v === undefined || v.trim() === '') throw new Error(`policy value ${key} is missing`);
    return v.trim();
  };
  return {
    decimal: (key) => {
      const v = get(key);
      if (!/^-?\d+(\.\d+)?$/.test(v)) throw new Error(`policy value ${key} is not a decimal: ${v}`);
      return v;
    },
    integer: (key) => {
      const v = get(key);
      if (!/^-?\d+$/.test(v)) throw new Error(`policy value ${key} is not an integer: ${v}`);
      return Number(v);
    },
    text: (key) => get(key),
    list: (key) =>
      get(key)
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)
  };
}

/** Fractional digits a scorecard score is kept to (truncated, never rounded up). */
export const SCORE_SCALE = 4;

/**
 * A non-negative decimal (number or text) as an integer count of 10^-scale units; exact when the value has at most
 * `scale` fractional digits (every Number field the rules read does), truncated beyond that.
 */
export function scaled(value: number | string, scale: number): bigint {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(scale, '0').slice(0, scale);
  const units = BigInt(m[2]! + frac);
  return m[1] === '-' ? -units : units;
}

/** A number as plain decimal text without exponent or trailing zeros: 0.65, 120, 0.035 (Apex: stripTrailingZeros().toPlainString()). */
export function numberText(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function dayNumber(date: string): number {
  const m = ISO_DATE.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

/** The date `days` calendar days after `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier), like Apex Date.daysBetween. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** a < b, a == b, a > b for YYYY-MM-DD dates. */
export function compareDates(a: string, b: string): number {
  return dayNumber(a) - dayNumber(b);
}

export function isBlank(value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === '';
}
