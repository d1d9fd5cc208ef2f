/**
 * CSV to and from Bulk API 2.0, written and read here rather than by jsforce: jsforce 3.10.16 parses result CSVs
 * with every Bulk delimiter at once (`,` `;` `|` `^` backquote and tab), so a value such as `Acme; EMEA` would split
 * into two columns and shift every column after it. Writing quotes every value (RFC 4180), so nothing inside a value
 * is ever taken for a delimiter or a line break; reading is csv-parse in strict RFC 4180 mode, so a malformed answer
 * fails loudly instead of silently mis-assigning a row.
 */
import { parse } from 'csv-parse/sync';
import type { SObjectRow } from '../records';

/**
 * What clears a field in Bulk API 2.0 CSV. "Empty field values are ignored when you update records. To set a field
 * value to null, use a field value of #N/A." (Bulk API 2.0 and Bulk API Developer Guide, Valid CSV Record Rows:
 * developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm)
 */
export const CSV_NULL = '#N/A';

/** A value as one CSV cell: null and undefined are empty (Bulk API: "leave the field as it is"). */
export function cellText(value: SObjectRow[string] | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return plainDecimal(value);
  return value;
}

/**
 * A row's cell in an upsert: a field the row holds as null is a deliberate clear and goes as #N/A; a field the row
 * does not name (another row of the job does) goes empty and is left as it is. A relationship column
 * (`Account__r.Usage_Account_Key__c`) holds a parent's external ID, which #N/A is not: its null stays empty (the
 * parent is left as it is; a lookup is cleared through its own field, `Account__c`).
 */
export function upsertCell(row: SObjectRow, column: string): string {
  const value = row[column];
  if (value === null && !column.includes('.')) return CSV_NULL;
  return cellText(value);
}

/**
 * A number as a plain decimal: `0.0000001`, never `1e-7`, which a Salesforce number field does not accept.
 * Exact: the digits are JavaScript's own shortest round-trip digits, only the exponent is spelled out.
 */
export function plainDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`${n} cannot be written to Salesforce as a number`);
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1] ?? '';
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  // the decimal point sits after `point` digits of `digits`
  const point = Number(m[4]) + 1;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** One RFC 4180 line: every value quoted, embedded quotes doubled, LF at the end (the job says lineEnding LF). */
export function csvLine(values: readonly string[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += `"${(values[i] ?? '').replace(/"/g, '""')}"`;
  }
  return `${line}\n`;
}

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/**
 * Parses a CSV answer (header line first) strictly: unbalanced quotes, stray quotes and rows with a different
 * number of columns than the header throw with csv-parse's message, which names the line.
 */
export function parseCsvTable(text: string): CsvTable {
  if (text.trim() === '') return { header: [], rows: [] };
  const records = parse(text, {
    bom: true,
    delimiter: ',',
    quote: '"',
    escape: '"',
    relax_quotes: false,
    relax_column_count: false,
    skip_empty_lines: false
  }) as string[][];
  const [header = [], ...rows] = records;
  return { header, rows };
}
