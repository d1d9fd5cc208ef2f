/**
 * An exact RFC 4180 record reader for ticket exports: UTF-8 with or without BOM, LF or CRLF, quoted fields
 * with "" escapes and embedded newlines, and the 1-based line each record starts on (blank lines are skipped
 * but counted). Structural problems are reported per record (the caller rejects that row) instead of thrown,
 * so one bad row never stops a sync.
 */
import type { Readable } from 'node:stream';

export interface CsvRecord {
  line: number;
  fields: string[];
  /** why the record is not well-formed CSV (then `fields` is what could be read) */
  malformed?: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
/** a record longer than this is almost always an unterminated quote swallowing the file */
export const MAX_RECORD_BYTES = 1 << 20;

export class CsvStructureError extends Error {
  constructor(
    message: string,
    readonly line: number
  ) {
    super(message);
  }
}

interface ParseResult {
  /** index where the unfinished record starts (buffer end when all records are complete) */
  rest: number;
  line: number;
}

/** Parses whole records of buf[from..]; calls onRecord for each; returns where the unfinished tail starts. */
function parseRecords(
  buf: Buffer,
  from: number,
  startLine: number,
  eof: boolean,
  onRecord: (r: CsvRecord) => void
): ParseResult {
  let i = from;
  let line = startLine;
  const n = buf.length;
  while (i < n) {
    const recordStart = i;
    const recordLine = line;
    const fields: string[] = [];
    let malformed: string | undefined;
    let done = false;
    let anyQuoted = false;
    while (!done) {
      // one field
      if (i < n && buf[i] === QUOTE) {
        anyQuoted = true;
        let j = i + 1;
        let hasEscapes = false;
        let closed = false;
        while (j < n) {
          const c = buf[j]!;
          if (c === QUOTE) {
            if (j + 1 < n && buf[j + 1] === QUOTE) {
              hasEscapes = true;
              j += 2;
              continue;
            }
            if (j + 1 >= n && !eof) break; // cannot tell "" from " yet
            closed = true;
            break;
          }
          if (c === LF) line++;
          j++;
        }
        if (!closed) {
          if (!eof) return { rest: recordStart, line: recordLine };
          throw new CsvStructureError(`a quoted value starting on line ${recordLine} is never closed`, recordLine);
        }
        let value = buf.toString('utf8', i + 1, j);
        if (hasEscapes) value = value.replace(/""/g, '"');
        i = j + 1;
        // after the closing quote: a delimiter, a line end, or the end of input
        let k = i;
        while (k < n && buf[k] !== COMMA && buf[k] !== LF) k++;
        if (k === n && !eof) return { rest: recordStart, line: recordLine };
        const trailing = buf.toString('utf8', i, k).replace(/\r$/, '');
        if (trailing !== '') {
          malformed ??= `text after a closing quote (${JSON.stringify(trailing.slice(0, 20))})`;
          value += trailing;
        }
        fields.push(value);
        i = k;
      } else {
        let k = i;
        while (k < n && buf[k] !== COMMA && buf[k] !== LF) {
          if (buf[k] === QUOTE) malformed ??= 'a quote inside an unquoted value';
          k++;
        }
        if (k === n && !eof) return { rest: recordStart, line: recordLine };
        const end = k > i && buf[k - 1] === CR && (k === n || buf[k] === LF) ? k - 1 : k;
        fields.push(buf.toString('utf8', i, end));
        i = k;
      }
      if (i >= n) {
        done = true;
      } else if (buf[i] === COMMA) {
        i++;
        if (i >= n && !eof) return { rest: recordStart, line: recordLine };
        if (i >= n) {
          fields.push('');
          done = true;
        }
      } else {
        // LF
        i++;
        line++;
        done = true;
      }
      if (i - recordStart > MAX_RECORD_BYTES) {
        throw new CsvStructureError(
          `the record starting on line ${recordLine} is longer than 1 MB: is a quote unterminated?`,
          recordLine
        );
      }
    }
    const blank = fields.length === 1 && fields[0] === '' && !anyQuoted;
    if (!blank) onRecord(malformed ? { line: recordLine, fields, malformed } : { line: recordLine, fields });
  }
  return { rest: n, line };
}

/** Reads every record of a stream of CSV bytes. The first record is the header. */
export async function readCsvRecords(stream: Readable, onRecord: (r: CsvRecord) => void): Promise<void> {
  let carry: Buffer | undefined;
  let line = 1;
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    if (first) {
      if (buf.length < 3) {
        carry = buf;
        continue;
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      first = false;
    }
    const r = parseRecords(buf, 0, line, false, onRecord);
    line = r.line;
    carry = r.rest < buf.length ? Buffer.from(buf.subarray(r.rest)) : undefined;
    if (carry && carry.length > MAX_RECORD_BYTES) {
      throw new CsvStructureError(
        `the record starting on line ${line} is longer than 1 MB: is a quote unterminated?`,
        line
      );
    }
  }
  if (carry && carry.length) {
    let buf = carry;
    if (first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    parseRecords(buf, 0, line, true, onRecord);
  }
}

/** Every record of a whole file in memory (a small one: outcomes), as readCsvRecords reads a stream. */
export function readCsvBuffer(buf: Buffer, onRecord: (r: CsvRecord) => void): void {
  const start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  parseRecords(buf.subarray(start), 0, 1, true, onRecord);
}

/** Serializes fields as one RFC 4180 line (for the raw row in rejects.csv). */
export function toCsvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
}
