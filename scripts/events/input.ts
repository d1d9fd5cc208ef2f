/**
 * Event files: JSON Lines (one event object a line) or CSV (the envelope's columns, `properties` as a JSON object
 * in one cell). Read as a stream through the usage sync's encoding handling (UTF-8 checked byte by byte, UTF-16 by
 * its byte order mark, --encoding latin1) and, for CSV, its RFC 4180 reader, so line numbers and bad bytes are
 * named the same way.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describeFsError, InputError } from '../lib/errors';
import { readCsvRecords, CsvStructureError, toCsvLine } from '../usage/csvRecords';
import { gzipInputError } from '../usage/aggregate';
import { EncodingError, toUtf8, type Encoding, type ReadEncoding } from '../usage/encoding';
import type { JsonSchema } from './plan';

export type EventFormat = 'jsonl' | 'csv';

export interface EventRow {
  /** 1-based line the row starts on */
  line: number;
  /** the row as read (for rejects.csv) */
  raw: string;
  /** the parsed event, or undefined when the row is not one (then `malformed` says why) */
  event?: Record<string, unknown>;
  malformed?: { instancePath: string; message: string };
}

/** The columns of an event CSV: the envelope's properties (tracking-plan/common.json), `properties` a JSON cell. */
export const csvColumns = (envelope: JsonSchema): string[] => Object.keys(envelope.properties ?? {});

/** JSON Lines or CSV by the name, either gzipped (.gz, read decompressed). */
export function eventFormat(file: string): EventFormat {
  const name = file.replace(/\.gz$/i, '');
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  throw new InputError(`${file}: an event file is .jsonl (JSON Lines) or .csv, optionally gzipped (.gz)`);
}

function openChunks(file: string): AsyncIterable<Buffer> {
  try {
    const fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    const source = fs.createReadStream('', { fd, highWaterMark: 1 << 20 });
    if (!/\.gz$/i.test(file)) return source;
    const gunzip = createGunzip();
    source.on('error', (err) => gunzip.destroy(err)); // pipe() does not forward read errors
    return source.pipe(gunzip);
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${describeFsError(err)}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One JSON Lines line as an event row. */
export function parseJsonLine(text: string, line: number): EventRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, raw: text, malformed: { instancePath: '', message: `not JSON: ${(err as Error).message}` } };
  }
  if (!isObject(value)) return { line, raw: text, malformed: { instancePath: '', message: 'not a JSON object' } };
  return { line, raw: text, event: value };
}

/**
 * Calls onRow for each event row of the file, in order; returns what the text was read as. A file that cannot be
 * read as text (a bad byte, an unterminated quote) is an InputError naming the line: nothing of it is used.
 */
export async function readEventRows(
  file: string,
  envelope: JsonSchema,
  onRow: (row: EventRow) => void,
  encoding?: Encoding
): Promise<{ format: EventFormat; encoding: ReadEncoding }> {
  const format = eventFormat(file);
  let read: ReadEncoding = 'utf8';
  const chunks = toUtf8(openChunks(file), encoding, (e) => (read = e));
  try {
    if (format === 'jsonl') await readJsonLines(chunks, onRow);
    else await readCsvRows(chunks, onRow, file, csvColumns(envelope));
  } catch (err) {
    if (err instanceof EncodingError)
      throw new InputError(`${file}: line ${err.line}, byte offset ${err.offset}: ${err.message}`);
    if (err instanceof CsvStructureError) throw new InputError(`${file}: line ${err.line}: ${err.message}`);
    throw gzipInputError(file, err) ?? err;
  }
  return { format, encoding: read };
}

async function readJsonLines(chunks: AsyncIterable<Buffer>, onRow: (row: EventRow) => void) {
  let carry = '';
  let line = 1;
  let first = true;
  const emit = (text: string) => {
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() !== '') onRow(parseJsonLine(t, line));
    line++;
  };
  for await (const chunk of chunks) {
    let text = carry + chunk.toString('utf8');
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') emit(carry);
}

async function readCsvRows(
  chunks: AsyncIterable<Buffer>,
  onRow: (row: EventRow) => void,
  file: string,
  columns: readonly string[]
) {
  let header: string[] | undefined;
  await readCsvRecords(Readable.from(chunks), (r) => {
    if (!header) {
      header = r.fields.map((h) => h.trim().toLowerCase());
      const unknown = header.filter((h) => !columns.includes(h));
      if (unknown.length)
        throw new InputError(`${file}:1: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, {
          details: [`an event CSV has the columns ${columns.join(', ')}`]
        });
      return;
    }
    const raw = toCsvLine(r.fields);
    if (r.malformed) {
      onRow({ line: r.line, raw, malformed: { instancePath: '', message: `not well-formed CSV: ${r.malformed}` } });
      return;
    }
    // a short row, or one with values past the header's (other than empty ones), is malformed: never read by position
    const extra = r.fields.slice(header.length).some((v) => v !== '');
    if (r.fields.length < header.length || extra) {
      onRow({
        line: r.line,
        raw,
        malformed: {
          instancePath: '',
          message: `${r.fields.length} values where the header has ${header.length}`
        }
      });
      return;
    }
    const event: Record<string, unknown> = {};
    header.forEach((h, i) => {
      const v = r.fields[i] ?? '';
      if (v !== '') event[h] = v; // an empty cell is an absent value
    });
    if (typeof event.properties === 'string') {
      try {
        event.properties = JSON.parse(event.properties);
      } catch {
        onRow({
          line: r.line,
          raw,
          malformed: { instancePath: '/properties', message: 'the properties cell is not a JSON object' }
        });
        return;
      }
    } else {
      event.properties = {};
    }
    onRow({ line: r.line, raw, event });
  });
  if (!header) throw new InputError(`${file} is empty: expected a header line (${columns.join(', ')}) and rows`);
}
