/**
 * CSV in and out of the Bulk API double. Job data is parsed with csv-parse (RFC 4180, quoted values may hold the
 * delimiter, quotes and line breaks). Results are written the way Salesforce writes them: every value quoted, so a
 * reader never has to guess whether a comma or `;` inside a value is a delimiter (jsforce 3.10.16 parses results with
 * all six Bulk delimiters at once, so an unquoted `a;b` would split).
 */
import { parse } from 'csv-parse/sync';

/** The columnDelimiter values Bulk API 2.0 accepts on a job, and the character each stands for. */
export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t'
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;
export type LineEnding = 'LF' | 'CRLF';

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Parses job data; throws with csv-parse's message (the caller turns it into a Failed job). */
export function parseCsv(text: string, delimiter: ColumnDelimiter): CsvTable {
  const records = parse(text, {
    bom: true,
    delimiter: COLUMN_DELIMITERS[delimiter],
    skip_empty_lines: true,
    relax_column_count: false
  }) as string[][];
  const [header, ...rows] = records;
  return { header: header ?? [], rows };
}

/** The line ending the data actually uses (by its first line break outside quotes), or undefined for one line. */
export function detectLineEnding(text: string): LineEnding | undefined {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) return i > 0 && text.charAt(i - 1) === '\r' ? 'CRLF' : 'LF';
  }
  return undefined;
}

function quote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** Writes a header and rows with every value quoted (RFC 4180 escaping of embedded quotes). */
export function formatCsv(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  delimiter: ColumnDelimiter = 'COMMA',
  lineEnding: LineEnding = 'LF'
): string {
  const sep = COLUMN_DELIMITERS[delimiter];
  const eol = lineEnding === 'CRLF' ? '\r\n' : '\n';
  return [header, ...rows].map((r) => r.map(quote).join(sep) + eol).join('');
}
