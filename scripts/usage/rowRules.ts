/**
 * One ticket row of the export, checked against the exact rules of exp-005's input. Pure: fields in, a valid
 * row or the reason it is rejected out.
 */
import { nearestKey } from '../policy/schema';
import { parseInstant, whyNotInstant } from './instant';

export const REQUIRED_COLUMNS = ['ticket_id', 'account_id', 'created_at', 'resolved_at', 'resolution'] as const;
export type Column = (typeof REQUIRED_COLUMNS)[number];

export const RESOLUTIONS = ['ai', 'human', 'unresolved'] as const;
export type Resolution = 0 | 1 | 2; // index into RESOLUTIONS

export interface ValidRow {
  ticketId: string;
  accountId: string;
  createdNs: bigint;
  resolvedNs: bigint | null;
  resolution: Resolution;
}

export type ColumnIndex = Record<Column, number>;

/** A column the rules read that the header names more than once, and where (1-based positions). */
export interface DuplicateColumn {
  column: string;
  positions: number[];
}

/**
 * Where each required column is in the header (names trimmed, any case, any order; extra columns ignored).
 * Missing columns are listed, and so is a column the rules read that is named twice (which of the two is meant
 * cannot be known): then there is no index.
 */
export function indexColumns(
  header: readonly string[],
  required: readonly string[] = REQUIRED_COLUMNS
): { index?: ColumnIndex; missing: string[]; duplicates: DuplicateColumn[] } {
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = required.filter((c) => !names.includes(c));
  // a column only named in the spec (channel) is read by no rule: like any other extra column it may repeat
  const duplicates = required
    .map((column) => ({ column, positions: names.flatMap((n, i) => (n === column ? [i + 1] : [])) }))
    .filter((d) => d.positions.length > 1);
  if (missing.length || duplicates.length) return { missing, duplicates };
  const index = Object.fromEntries(required.map((c) => [c, names.indexOf(c)])) as ColumnIndex;
  return { index, missing: [], duplicates };
}

/** Said of a CSV whose lines end in a carriage return alone: it reads as one line. */
export const CR_ONLY_LINES =
  'its lines end in a carriage return alone (CR, as Excel for Mac\'s "CSV (Macintosh)" writes), so it reads as one line: save it as "CSV UTF-8" (LF or CRLF line ends)';

/** The one message for a header indexColumns found no index in. */
export function headerProblem(
  header: readonly string[],
  found: { missing: readonly string[]; duplicates: readonly DuplicateColumn[] },
  required: readonly string[] = REQUIRED_COLUMNS
): { message: string; details: string[] } {
  const { missing, duplicates } = found;
  const parts = [
    ...(missing.length ? [`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`] : []),
    ...duplicates.map(
      (d) => `column ${d.column} appears ${d.positions.length} times (columns ${d.positions.join(' and ')})`
    )
  ];
  // one header cell holding the column names: the file is separated by something other than commas
  const separator =
    header.length === 1 ? (/\t/.test(header[0]!) ? 'tabs' : /;/.test(header[0]!) ? 'semicolons' : '') : '';
  // a carriage return inside a header cell: the lines end in CR alone, and the whole file reads as one line
  const crOnly = header.some((h) => /\r(?!\n)/.test(h));
  // a header cell a few keystrokes from a missing column ("acount_id"): a typo, said with its position
  // (not when the lines end in CR alone: a "cell" is then half the file, and the CR hint says what is wrong)
  const others = crOnly ? [] : header.map((h) => trimAscii(h).toLowerCase()).filter((h) => h && !required.includes(h));
  const typos = missing.flatMap((m) => {
    const near = nearestKey(m, others);
    return near === undefined
      ? []
      : [
          `column ${header.findIndex((h) => trimAscii(h).toLowerCase() === near) + 1} "${near}" looks like ${m}: a typo?`
        ];
  });
  return {
    message: parts.join('; '),
    details: [
      `the header is: ${header.join(',').slice(0, 200)}`,
      ...typos,
      ...(crOnly ? [CR_ONLY_LINES] : []),
      ...(separator
        ? [
            `the columns look separated by ${separator}, not commas (Excel's "Unicode Text" is tab-separated, and some locales' CSV uses semicolons): save or export the file as CSV (comma-separated)`
          ]
        : []),
      `required columns: ${required.join(', ')} (any order, each once)`
    ]
  };
}

/** Trims ASCII whitespace only (space, tab, LF, VT, FF, CR): the same set the DuckDB fast path trims. */
export function trimAscii(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

export function checkRow(fields: readonly string[], col: ColumnIndex): ValidRow | { reason: string } {
  const ticketId = trimAscii(fields[col.ticket_id] ?? '');
  const accountId = trimAscii(fields[col.account_id] ?? '');
  const created = fields[col.created_at] ?? '';
  const resolved = fields[col.resolved_at] ?? '';
  const resolutionText = trimAscii(fields[col.resolution] ?? '').toLowerCase();
  if (ticketId === '') return { reason: 'ticket_id is empty' };
  if (accountId === '') return { reason: 'account_id is empty' };
  if (created === '') return { reason: 'created_at is empty' };
  const createdNs = parseInstant(created);
  if (createdNs === undefined) return { reason: `created_at ${JSON.stringify(created)} ${whyNotInstant(created)}` };
  let resolvedNs: bigint | null = null;
  if (resolved !== '') {
    const r = parseInstant(resolved);
    if (r === undefined) return { reason: `resolved_at ${JSON.stringify(resolved)} ${whyNotInstant(resolved)}` };
    resolvedNs = r;
  }
  const resolution = RESOLUTIONS.indexOf(resolutionText as (typeof RESOLUTIONS)[number]);
  if (resolution < 0) {
    return {
      reason: `resolution must be ai, human or unresolved, not ${JSON.stringify(fields[col.resolution] ?? '')}`
    };
  }
  if (resolvedNs !== null && resolvedNs < createdNs) return { reason: 'resolved_at is earlier than created_at' };
  return { ticketId, accountId, createdNs, resolvedNs, resolution: resolution as Resolution };
}
