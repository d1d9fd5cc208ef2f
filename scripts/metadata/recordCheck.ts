/**
 * Checks a value against its field's definition in force-app, the way the org would on insert: picklist
 * membership, text length, number size, date format. Lets loaders reject a bad row before anything is written.
 */
import { FieldDef } from './schema';

export type FieldValue = string | number | boolean | null | undefined;

const TEXT_TYPES = new Set(['Text', 'TextArea', 'LongTextArea', 'Url', 'Email', 'Phone', 'Html']);

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** Returns the picklist's own spelling of a value given in any case, or undefined when it is not a value. */
export function picklistValue(field: FieldDef, raw: string): string | undefined {
  const want = raw.trim().toLowerCase();
  return field.picklistValues.find((v) => v.toLowerCase() === want);
}

/** undefined when the org would accept the value; otherwise why it would not. */
export function checkFieldValue(field: FieldDef, value: FieldValue): string | undefined {
  if (value === null || value === undefined || value === '') {
    return field.required && field.type !== 'MasterDetail' ? `${field.apiName} is required` : undefined;
  }
  switch (field.type) {
    case 'Picklist':
      return field.picklistValues.includes(String(value))
        ? undefined
        : `"${value}" is not a value of ${field.apiName} (allowed: ${field.picklistValues.join(', ')})`;
    case 'Number':
    case 'Percent':
    case 'Currency': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return `"${value}" is not a number`;
      const intDigits = (field.precision ?? 18) - (field.scale ?? 0);
      if (Math.abs(Math.trunc(n)).toString().length > intDigits) {
        return `${value} has more than ${intDigits} digits before the decimal point`;
      }
      return undefined;
    }
    case 'Checkbox':
      return typeof value === 'boolean' ? undefined : `"${value}" is not true or false`;
    case 'Date':
      return isIsoDate(String(value)) ? undefined : `"${value}" is not a YYYY-MM-DD date`;
    default:
      if (TEXT_TYPES.has(field.type)) {
        const max = field.type === 'TextArea' ? 255 : field.length;
        if (max !== undefined && String(value).length > max) {
          return `${String(value).length} characters, ${field.apiName} holds at most ${max}`;
        }
      }
      return undefined;
  }
}
