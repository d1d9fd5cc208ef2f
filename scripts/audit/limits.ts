/**
 * The lengths an audit's text fields hold, from force-app's schema (never restated here), and the helpers that keep
 * a value inside them: plain text is cut, the evidence JSON is shrunk to a smaller valid document that says what it
 * left out.
 */
import { loadSchema, type Schema } from '../metadata/schema';

/** Salesforce's Name field of a custom object holds 80 characters (it is not a field file in force-app). */
export const NAME_LENGTH = 80;

let cached: Schema | undefined;
function schema(): Schema {
  cached ??= loadSchema();
  return cached;
}

/** The length force-app gives object.field. */
export function fieldLength(object: string, field: string): number {
  if (field === 'Name') return NAME_LENGTH;
  const length = schema().field(object, field).length;
  if (length === undefined) throw new Error(`${object}.${field} has no length in force-app`);
  return length;
}

/** `value` cut to what object.field holds (null stays null). */
export function fit(object: string, field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.slice(0, fieldLength(object, field));
}

/**
 * The evidence object as JSON of at most `max` characters, always valid. Past the limit, the listed parts (the
 * arrays named in `lists`, longest first) are shortened, then dropped, and `omitted` says for each how many entries
 * are not listed; if even that is too long, only the scalar counts are kept.
 */
export function boundedJson(value: Record<string, unknown>, lists: readonly string[], max: number): string {
  const whole = JSON.stringify(value);
  if (whole.length <= max) return whole;
  const out: Record<string, unknown> = { ...value };
  const omitted: Record<string, number> = {};
  const render = () => JSON.stringify({ ...out, omitted });
  for (const key of lists) {
    const list = value[key];
    if (!Array.isArray(list)) continue;
    // the longest prefix of the list that still fits, by halving
    let keep = list.length;
    while (keep > 0) {
      out[key] = list.slice(0, keep);
      omitted[key] = list.length - keep;
      if (render().length <= max) return render();
      keep = Math.floor(keep / 2);
    }
    out[key] = [];
    omitted[key] = list.length;
    if (render().length <= max) return render();
  }
  const counts = Object.fromEntries(
    Object.entries(value).filter(([, v]) => v === null || typeof v !== 'object')
  ) as Record<string, unknown>;
  const small = JSON.stringify({ ...counts, omitted: 'everything but the counts: the breakdown is too long to keep' });
  if (small.length > max) throw new Error(`evidence counts alone are longer than ${max} characters`);
  return small;
}
