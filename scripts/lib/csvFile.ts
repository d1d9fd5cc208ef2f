/**
 * Small CSV files people edit (the registry, gate definitions, outcomes): read whole, with the line each
 * record starts on, so every error can name file, line and column. Large exports go through DuckDB instead.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describeFsError, InputError } from './errors';
import { displayPath } from './paths';

export interface CsvRecord {
  /** 1-based line number of the record in the file */
  line: number;
  values: Record<string, string>;
}

export interface CsvSpec {
  required: readonly string[];
  optional?: readonly string[];
}

/** `shown` is how messages name the file (default: relative to the repository). */
export function readCsvFile(file: string, spec: CsvSpec, shown: string = displayPath(file)): CsvRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${shown}: ${describeFsError(err)}`);
  }
  if (text.trim() === '') throw new InputError(`${shown} is empty: expected a header line and rows`);
  let rows: { record: string[]; info: { lines: number; raw?: string } }[];
  try {
    rows = parse(text, {
      bom: true,
      info: true,
      raw: true,
      skip_empty_lines: true,
      trim: false
    }) as unknown as typeof rows;
  } catch (err) {
    const e = err as { lines?: number; message: string; code?: string; record?: unknown[]; columns?: unknown[] };
    const reason =
      e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? 'the row has a different number of values than the header (a value containing a comma needs "quotes")'
        : e.message;
    throw new InputError(`${shown}:${e.lines ?? '?'}: not valid CSV: ${reason}`);
  }
  const [head, ...body] = rows;
  if (!head) throw new InputError(`${shown} is empty: expected a header line and rows`);
  const header = head.record.map((h) => h.trim());
  const known = new Set([...spec.required, ...(spec.optional ?? [])]);
  const missing = spec.required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new InputError(`${shown}:1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
      details: [`the header must have: ${spec.required.join(', ')}`]
    });
  }
  const unknown = header.filter((h) => !known.has(h));
  if (unknown.length) {
    throw new InputError(`${shown}:1: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, {
      details: [`allowed columns: ${[...known].join(', ')}`]
    });
  }
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup) throw new InputError(`${shown}:1: column ${dup} appears twice`);
  return body.map(({ record, info }) => {
    // info.lines is the line the record ends on; a quoted value may span lines
    const spanned = (info.raw?.replace(/\r?\n$/, '').match(/\n/g) ?? []).length;
    const values: Record<string, string> = {};
    header.forEach((h, i) => (values[h] = (record[i] ?? '').trim()));
    return { line: info.lines - spanned, values };
  });
}
