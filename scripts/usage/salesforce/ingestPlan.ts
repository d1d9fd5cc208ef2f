/**
 * From rows to job payloads: CSV shapes (one header per job), the rows that cannot be sent (settled with a reason
 * before any call), and the split into jobs of at most a given number of bytes of CSV.
 */
import type { SObjectRow } from '../records';
import { cellText, csvLine, upsertCell } from './csv';
import type { IngestRowResult } from './errors';

/**
 * How rows are told apart. Upsert: by the external ID (Salesforce echoes it in every result set). Insert: by the
 * row's whole content, because an insert has no key and result sets are not in input order; each row's result
 * carries the caller's key.
 */
export type Matching = { kind: 'upsert'; externalIdField: string } | { kind: 'insert'; resultKeys: readonly string[] };

export interface ReadyRow {
  index: number;
  /** what the caller's result carries */
  key: string;
  /** what result rows are matched on */
  match: string;
  line: string;
  bytes: number;
}

/** Rows that go in the same jobs: one CSV header. */
export interface Shape {
  columns: string[];
  headerLine: string;
  rows: ReadyRow[];
}

/** The relationship columns a row names: rows that differ here never share a job. */
const signatureOf = (row: SObjectRow) =>
  Object.keys(row)
    .filter((c) => c.includes('.'))
    .sort()
    .join('\u0000');

/**
 * Groups rows into CSV shapes. Within a shape the columns are every field its rows name; a row without one of
 * them sends it empty, which Bulk API reads as "leave the field as it is", the same as not naming it (a row that
 * names a field as null clears it: upsertCell). Rows that
 * differ in the relationship columns they name go in separate shapes: an empty master-detail key fails the row
 * instead of leaving the parent alone.
 */
function shapesOf(rows: readonly SObjectRow[], first: readonly string[]): Map<string, string[]> {
  const shapes = new Map<string, Set<string>>();
  for (const row of rows) {
    const signature = signatureOf(row);
    let columns = shapes.get(signature);
    if (!columns) shapes.set(signature, (columns = new Set(first)));
    for (const c of Object.keys(row)) columns.add(c);
  }
  return new Map([...shapes].map(([sig, cols]) => [sig, [...cols]]));
}

/**
 * Settles the rows that cannot be sent (no key; a key repeated in this call, which the org would fail or race and
 * which would make results ambiguous) and writes the CSV line of every other row, grouped by shape.
 */
export function prepare(
  rows: readonly SObjectRow[],
  matching: Matching,
  results: (IngestRowResult | undefined)[]
): Shape[] {
  const first = matching.kind === 'upsert' ? [matching.externalIdField] : [];
  const columnsBySignature = shapesOf(rows, first);
  const shapes = new Map<string, Shape>();
  const positions = new Map<string, number[]>();
  const pending: { index: number; shape: Shape; line: string; match: string; key: string; dup: string }[] = [];
  rows.forEach((row, index) => {
    const signature = signatureOf(row);
    let shape = shapes.get(signature);
    if (!shape) {
      const columns = columnsBySignature.get(signature) ?? [];
      shape = { columns, headerLine: csvLine(columns), rows: [] };
      shapes.set(signature, shape);
    }
    // an insert has nothing to clear: its nulls go empty, as the columns it does not name
    const cell = matching.kind === 'upsert' ? (c: string) => upsertCell(row, c) : (c: string) => cellText(row[c]);
    const line = csvLine(shape.columns.map(cell));
    let key: string;
    let match: string;
    if (matching.kind === 'upsert') {
      key = match = cellText(row[matching.externalIdField]);
      if (key === '') {
        results[index] = {
          key,
          ok: false,
          error: `${matching.externalIdField} is empty: the row cannot be upserted by external ID`
        };
        return;
      }
    } else {
      key = matching.resultKeys[index] ?? String(index + 1);
      match = line;
    }
    const dup = matching.kind === 'upsert' ? match : `${signature}\n${line}`;
    const at = positions.get(dup);
    if (at) at.push(index);
    else positions.set(dup, [index]);
    pending.push({ index, shape, line, match, key, dup });
  });
  for (const p of pending) {
    const at = positions.get(p.dup) ?? [];
    if (at.length > 1) {
      const where = at.map((i) => i + 1).join(', ');
      results[p.index] = {
        key: p.key,
        ok: false,
        error:
          matching.kind === 'upsert'
            ? `${matching.externalIdField} ${p.key} appears ${at.length} times in this upsert (rows ${where}); none was sent`
            : `rows ${where} are identical: their results could not be told apart; none was sent`
      };
      continue;
    }
    p.shape.rows.push({ index: p.index, key: p.key, match: p.match, line: p.line, bytes: Buffer.byteLength(p.line) });
  }
  return [...shapes.values()].filter((s) => s.rows.length > 0);
}

/** Splits rows into jobs of at most maxBytes of CSV; a row that alone exceeds it cannot be sent at all. */
export function planJobs(
  ready: readonly ReadyRow[],
  headerBytes: number,
  maxBytes: number
): { jobs: ReadyRow[][]; tooBig: ReadyRow[] } {
  const jobs: ReadyRow[][] = [];
  const tooBig: ReadyRow[] = [];
  let current: ReadyRow[] = [];
  let size = headerBytes;
  for (const row of ready) {
    if (headerBytes + row.bytes > maxBytes) {
      tooBig.push(row);
      continue;
    }
    if (size + row.bytes > maxBytes) {
      jobs.push(current);
      current = [];
      size = headerBytes;
    }
    current.push(row);
    size += row.bytes;
  }
  if (current.length) jobs.push(current);
  return { jobs, tooBig };
}
