/**
 * Ticket export -> weekly usage per account. Every row is read exactly (csvRecords + rowRules), valid rows go
 * into an embedded DuckDB table, and SQL settles duplicates and counts the weeks. Every input row ends up in
 * exactly one of: a ticket, a duplicate, or a reject with its line and reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, INTEGER } from '@duckdb/node-api';
import { describeFsError, GtmError, InputError } from '../lib/errors';
import { CsvRecord, CsvStructureError, readCsvRecords, toCsvLine } from './csvRecords';
import { trace } from '../lib/trace';
import { Encoding, EncodingError, readEncoding, ReadEncoding, toUtf8, utf16Bom } from './encoding';
import { aggregatePlainCsv } from './fastPath';
import { checkRow, ColumnIndex, CR_ONLY_LINES, headerProblem, indexColumns, RESOLUTIONS, ValidRow } from './rowRules';

export interface Reject {
  line: number;
  reason: string;
  raw: string;
}

export interface WeekUsage {
  accountKey: string;
  weekIndex: number;
  ticketsTotal: number;
  aiResolved: number;
  humanResolved: number;
  unresolved: number;
}

export interface AggregateResult {
  format: 'csv' | 'csv.gz' | 'parquet';
  /** what the text was read as (Parquet: utf8) */
  encoding?: ReadEncoding;
  /** fast: DuckDB parsed a one-record-per-line CSV; exact: the record reader (any layout) */
  engine: 'fast' | 'exact';
  rowsRead: number;
  tickets: number;
  duplicates: number;
  rejects: Reject[];
  weeks: WeekUsage[];
}

const WEEK_NS = 604_800_000_000_000n;
/** 1970-01-05, the first Monday after the epoch (same anchor as isoWeek.ts), in nanoseconds */
const EPOCH_MONDAY_NS = 345_600_000_000_000n;
/** floor((created - Monday) / week) in exact integer arithmetic, also before 1970 */
const WEEK_OF_CREATED = `CASE WHEN created >= ${EPOCH_MONDAY_NS} THEN (created - ${EPOCH_MONDAY_NS}) // ${WEEK_NS}
  ELSE -((${EPOCH_MONDAY_NS} - created - 1) // ${WEEK_NS}) - 1 END`;
const PROGRESS_EVERY = 200_000;

type Format = AggregateResult['format'];

/**
 * UTF-16 text with no byte order mark, by the shape of its first bytes: a CSV's header and ids are mostly ASCII,
 * which UTF-16LE writes as the byte then 0x00 (BE: 0x00 then the byte). Binary data has no such rhythm.
 */
function utf16WithoutBom(head: Uint8Array): 'utf16le' | 'utf16be' | undefined {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 4) return undefined;
  let le = 0;
  let be = 0;
  for (let i = 0; i + 1 < head.length; i += 2) {
    const [a, b] = [head[i]!, head[i + 1]!];
    if (b === 0 && a >= 0x09 && a < 0x7f) le++;
    if (a === 0 && b >= 0x09 && b < 0x7f) be++;
  }
  if (le >= pairs * 0.9) return 'utf16le';
  if (be >= pairs * 0.9) return 'utf16be';
  return undefined;
}

/**
 * Identifies the input by its first bytes; refuses what is not CSV, gzip or Parquet with one clear message. A
 * CSV in UTF-16 (a byte order mark, or --encoding utf16) has NUL bytes and is not taken for binary data.
 */
export function detectFormat(file: string, encoding?: Encoding): Format {
  let fd: number;
  // the export is read more than once (its format, then one byte range per core, then the exact reader where
  // needed), which a pipe cannot give: before, /dev/stdin failed with "unexpected failure: ESPIPE"
  const notAFile = (what: string) =>
    new InputError(`${file} is ${what}, not a file: the sync reads an export more than once; save it to a file first`);
  if (file === '-') throw notAFile('standard input');
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new InputError(`${file} is a directory, not a ticket export`);
    if (!st.isFile()) throw notAFile(st.isFIFO() ? 'a pipe' : 'a device or socket');
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${file}: ${describeFsError(err)}`);
  }
  const head = Buffer.alloc(4096);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  if (n === 0) throw new InputError(`${file} is empty: expected a header line and ticket rows`);
  if (head[0] === 0x1f && head[1] === 0x8b) return 'csv.gz';
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (utf16Bom(head.subarray(0, n)) || encoding === 'utf16') return 'csv';
  if (head.subarray(0, n).includes(0)) {
    const utf16 = utf16WithoutBom(head.subarray(0, n));
    if (utf16 === 'utf16le')
      throw new InputError(`${file} looks like UTF-16LE text without a byte order mark; pass --encoding utf16`);
    if (utf16 === 'utf16be')
      throw new InputError(
        `${file} looks like UTF-16BE text without a byte order mark, which is not read; save it as UTF-8 or UTF-16 with a byte order mark`
      );
    throw new InputError(`${file} is not a CSV file (it contains binary data); expected CSV, gzipped CSV or Parquet`);
  }
  return 'csv';
}

/** The columns (line, ticket, account, created, resolved, res, raw) of a valid row in the `rows` table. */
function appendValidRow(appender: DuckDBAppender, line: number, row: ValidRow, raw: string): void {
  appender.appendBigInt(BigInt(line));
  appender.appendVarchar(row.ticketId);
  appender.appendVarchar(row.accountId);
  appender.appendBigInt(row.createdNs);
  if (row.resolvedNs === null) appender.appendNull();
  else appender.appendBigInt(row.resolvedNs);
  appender.appendUTinyInt(row.resolution);
  appender.appendVarchar(raw);
}

class Collector {
  rowsRead = 0;
  readonly rejects: Reject[] = [];
  constructor(
    private readonly appendRow: (
      line: number,
      fields: readonly string[],
      row: Exclude<ReturnType<typeof checkRow>, { reason: string }>
    ) => void
  ) {}
  reject(line: number, reason: string, fields: readonly string[]) {
    this.rejects.push({ line, reason, raw: toCsvLine(fields) });
  }
  take(line: number, fields: readonly string[], col: ColumnIndex) {
    this.rowsRead++;
    const row = checkRow(fields, col);
    if ('reason' in row) this.reject(line, row.reason, fields);
    else this.appendRow(line, fields, row);
  }
}

/** An EncodingError as the one message a person reads: the file, the line and the byte offset. */
export function encodingInputError(file: string, err: EncodingError, compressed = false): InputError {
  return new InputError(
    `${file}: line ${err.line}, byte offset ${err.offset}${compressed ? ' (of the uncompressed text)' : ''}: ${err.message}`,
    {
      // only for bytes that are not UTF-8: a UTF-8 file given --encoding latin1 is told to leave --encoding out
      details: /^not valid UTF-8/.test(err.message)
        ? [
            'the file is not UTF-8: if it is Latin-1 (Windows-1252), pass --encoding latin1',
            'UTF-16 (Excel "Unicode Text") is read when the file starts with its byte order mark, or with --encoding utf16'
          ]
        : []
    }
  );
}

/** The bytes of a CSV or gzipped CSV (decompressed), as a stream. */
function csvBytes(file: string, format: Format): Readable {
  const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  if (format !== 'csv.gz') return source;
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err)); // pipe() does not forward read errors
  return source.pipe(gunzip);
}

/** A gzip stream's failure as the InputError naming the file (undefined: not a gzip failure). */
export function gzipInputError(file: string, err: unknown): InputError | undefined {
  if (/^Z_/.test((err as { code?: string }).code ?? ''))
    return new InputError(`${file} is not valid gzip data (${(err as Error).message})`);
  return undefined;
}

async function readCsvInto(
  file: string,
  format: Format,
  collector: Collector,
  onProgress: (rows: number) => void,
  encoding: Encoding | undefined,
  onEncoding: (e: ReadEncoding) => void,
  shown = file
) {
  // every byte is checked (UTF-8) or transcoded before the record reader decodes it
  const stream = Readable.from(toUtf8(csvBytes(file, format), encoding, onEncoding), { objectMode: false });
  let header: string[] | undefined;
  let col: ColumnIndex | undefined;
  try {
    await readCsvRecords(stream, (r: CsvRecord) => {
      if (!header) {
        header = r.fields;
        const found = indexColumns(header);
        if (!found.index) {
          const { message, details } = headerProblem(header, found);
          throw new InputError(`${shown}:1: ${message}`, { details });
        }
        const index = found.index;
        col = index;
        return;
      }
      if (r.malformed) {
        collector.rowsRead++;
        collector.reject(r.line, `malformed CSV: ${r.malformed}`, r.fields);
      } else if (
        r.fields.length !== header.length &&
        !(r.fields.length > header.length && r.fields.slice(header.length).every((f) => f === ''))
      ) {
        // trailing empty values (a spreadsheet's extra commas) are tolerated; anything else is a broken row
        collector.rowsRead++;
        collector.reject(r.line, `${r.fields.length} values where the header has ${header.length}`, r.fields);
      } else {
        collector.take(r.line, r.fields, col!);
      }
      if (collector.rowsRead % PROGRESS_EVERY === 0) onProgress(collector.rowsRead);
    });
  } catch (err) {
    if (err instanceof CsvStructureError)
      throw new InputError(`${shown}:${err.line}: not readable as CSV: ${err.message}`);
    if (err instanceof EncodingError) throw encodingInputError(shown, err, format === 'csv.gz');
    if (err instanceof InputError) throw err;
    throw gzipInputError(shown, err) ?? err;
  }
  if (!header) throw new InputError(`${shown} is empty: expected a header line and ticket rows`);
}

async function readParquetInto(
  file: string,
  db: DuckDBConnection,
  collector: Collector,
  onProgress: (rows: number) => void
) {
  const source = `read_parquet('${file.replace(/'/g, "''")}')`;
  let columns: { name: string; type: string }[];
  try {
    const d = await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    columns = d.getRowObjects().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  } catch (err) {
    throw new InputError(`${file} is not a readable Parquet file: ${(err as Error).message.split('\n')[0]}`);
  }
  const header = columns.map((c) => c.name);
  const found = indexColumns(header);
  const index = found.index;
  if (!index) {
    const { message, details } = headerProblem(header, found);
    throw new InputError(`${file}: ${message}`, { details });
  }
  // typed timestamps become the ISO text the rules read; everything else is read as text
  const select = columns
    .map((c) => {
      const q = `"${c.name.replace(/"/g, '""')}"`;
      if (c.type === 'TIMESTAMP_NS') {
        // strftime stops at microseconds: the last three digits come from the nanosecond count
        const ns = `lpad(CAST(((epoch_ns(${q}) % 1000) + 1000) % 1000 AS VARCHAR), 3, '0')`;
        return `coalesce(strftime(${q}, '%Y-%m-%dT%H:%M:%S.%f') || ${ns} || 'Z', '')`;
      }
      if (/^TIMESTAMP/.test(c.type)) {
        const utc = c.type.includes('TIME ZONE') ? `timezone('UTC', ${q})` : q;
        return `coalesce(strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%fZ'), '')`;
      }
      return `coalesce(CAST(${q} AS VARCHAR), '')`;
    })
    .join(', ');
  let rowNumber = 0;
  try {
    // chunk by chunk, so a large Parquet file is never held in memory whole
    const result = await db.stream(`SELECT ${select} FROM ${source}`);
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      for (const row of chunk.getRows()) {
        collector.take(++rowNumber, row.map(String), index);
        if (collector.rowsRead % PROGRESS_EVERY === 0) onProgress(collector.rowsRead);
      }
    }
  } catch (err) {
    if (err instanceof GtmError) throw err;
    throw new InputError(`${file}: cannot read Parquet row ${rowNumber + 1}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (rowNumber === 0) throw new InputError(`${file} has no ticket rows`);
}

/** The columns of a weeks file (see `weeksFile` below), one row per WeekUsage. */
export const WEEKS_FILE_COLUMNS =
  'account VARCHAR, week INTEGER, total INTEGER, ai INTEGER, human INTEGER, unresolved INTEGER';

/**
 * Reads the export and returns weekly usage per account with every row accounted for. With `weeksFile`, the
 * weeks are also written there as Parquet (columns WEEKS_FILE_COLUMNS), straight from DuckDB: a sink that runs
 * SQL where it stores rows (the local store) reads them from there instead of row by row from JavaScript.
 */
export async function aggregateExport(
  file: string,
  onProgress: (rows: number) => void = () => {},
  options: { engine?: 'auto' | 'exact'; weeksFile?: string; encoding?: Encoding } = {}
): Promise<AggregateResult> {
  const format = detectFormat(file, options.encoding);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-usage-'));
  try {
    return await aggregateIn(file, format, tmp, onProgress, options);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The first bytes of a file (for its byte order mark). */
function head(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A plain CSV in Latin-1 or UTF-16, transcoded to UTF-8 in `tmp` (a stream: memory stays small), so that both
 * readers (the fast path included) read it as they read UTF-8; the line numbers are the same.
 */
async function transcoded(file: string, tmp: string, encoding: Encoding | undefined): Promise<string> {
  const out = path.join(tmp, 'export.utf8.csv');
  try {
    await pipeline(Readable.from(toUtf8(csvBytes(file, 'csv'), encoding)), fs.createWriteStream(out));
  } catch (err) {
    if (err instanceof EncodingError) throw encodingInputError(file, err);
    throw new InputError(`cannot transcode ${file} to UTF-8 in ${tmp}: ${describeFsError(err)}`);
  }
  return out;
}

async function aggregateIn(
  file: string,
  format: Format,
  tmp: string,
  onProgress: (rows: number) => void,
  options: { engine?: 'auto' | 'exact'; weeksFile?: string; encoding?: Encoding }
): Promise<AggregateResult> {
  let encoding: ReadEncoding = format === 'csv' ? readEncoding(head(file), options.encoding) : 'utf8';
  const source = format === 'csv' && encoding !== 'utf8' ? await transcoded(file, tmp, options.encoding) : file;
  const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: tmp,
    // 512 MB keeps a 10M-row sync under 1 GB of RSS (DuckDB's reader buffers come on top); the rest spills to tmp
    memory_limit: '512MB',
    threads: '2',
    preserve_insertion_order: 'false'
  });
  const db = await instance.connect();
  try {
    const result = await readWith(db, source, format, onProgress, options.engine, file, options.encoding, (e) => {
      if (format === 'csv.gz') encoding = e;
    });
    result.encoding = encoding;
    trace('aggregate: weeks in JavaScript');
    if (options.weeksFile) {
      // the exact engine's SQL made weeks_out already
      if (result.engine === 'fast') await weeksTable(db, result.weeks);
      await db.run(`COPY weeks_out TO '${options.weeksFile.replace(/'/g, "''")}' (FORMAT parquet)`);
    }
    trace('aggregate: weeks file written');
    return result;
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/**
 * The weeks as weeks_out (the exact engine makes it in SQL; the fast path counts in JavaScript). DuckDB takes
 * numbers a vector at a time quickly but text one value at a time slowly, so each account's name goes in once
 * and the weeks as integers, joined in a view.
 */
async function weeksTable(db: DuckDBConnection, weeks: readonly WeekUsage[]) {
  const names: string[] = [];
  const index = new Map<string, number>();
  const columns = Array.from({ length: 6 }, () => new Int32Array(weeks.length));
  const [account, week, total, ai, human, unresolved] = columns as [Int32Array, ...Int32Array[]];
  weeks.forEach((w, i) => {
    let a = index.get(w.accountKey);
    if (a === undefined) index.set(w.accountKey, (a = names.push(w.accountKey) - 1));
    account[i] = a;
    week![i] = w.weekIndex;
    total![i] = w.ticketsTotal;
    ai![i] = w.aiResolved;
    human![i] = w.humanResolved;
    unresolved![i] = w.unresolved;
  });
  await db.run(`CREATE TEMP TABLE weeks_accounts (a INTEGER, account VARCHAR)`);
  const names_ = await db.createAppender('weeks_accounts');
  names.forEach((name, a) => {
    names_.appendInteger(a);
    names_.appendVarchar(name);
    names_.endRow();
  });
  names_.closeSync();
  await db.run(
    `CREATE TEMP TABLE weeks_numbers (a INTEGER, week INTEGER, total INTEGER, ai INTEGER, human INTEGER, unresolved INTEGER)`
  );
  const numbers = await db.createAppender('weeks_numbers');
  const size = 2048; // DuckDB's vector size: a chunk holds at most this many rows
  const chunk = DuckDBDataChunk.create(
    Array.from({ length: 6 }, () => INTEGER),
    size
  );
  for (let from = 0; from < weeks.length; from += size) {
    const n = Math.min(size, weeks.length - from);
    if (chunk.rowCount !== n) chunk.rowCount = n;
    // a typed array reads like the array of numbers the chunk asks for
    columns.forEach((c, k) => chunk.setColumnValues(k, c.subarray(from, from + n) as unknown as number[]));
    numbers.appendDataChunk(chunk);
  }
  numbers.closeSync();
  await db.run(`CREATE TEMP VIEW weeks_out AS
    SELECT account, week, total, ai, human, unresolved FROM weeks_numbers JOIN weeks_accounts USING (a)`);
}

/**
 * "A header but no ticket rows", with the likely cause when the lines end in a carriage return alone (Excel for Mac's
 * "CSV (Macintosh)"): the whole file is then one line, and saying only "no rows" about 10,000 of them misleads.
 */
function noTicketRows(file: string, format: Format, shown: string): InputError {
  let head = Buffer.alloc(0);
  if (format === 'csv') {
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(1 << 16);
      head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  }
  const crOnly = !head.includes(0x0a) && head.indexOf(0x0d) !== head.lastIndexOf(0x0d);
  return new InputError(`${shown} has a header but no ticket rows`, {
    details: crOnly ? [CR_ONLY_LINES] : []
  });
}

/**
 * The aggregate of `file` (UTF-8 when a CSV: the export itself, or its transcoded copy) by the fast path or the
 * exact reader; messages name the export as `shown`.
 */
async function readWith(
  db: DuckDBConnection,
  file: string,
  format: Format,
  onProgress: (rows: number) => void,
  engine: 'auto' | 'exact' | undefined,
  shown: string,
  encoding: Encoding | undefined,
  onEncoding: (e: ReadEncoding) => void
): Promise<AggregateResult> {
  if (format === 'csv' && engine !== 'exact') {
    const fast = await aggregatePlainCsv(file);
    if (fast) {
      if (fast.rowsRead === 0) throw noTicketRows(file, format, shown);
      return { format, engine: 'fast', ...fast };
    }
  }
  await db.run(
    `CREATE TABLE rows (line BIGINT, ticket VARCHAR, account VARCHAR, created BIGINT, resolved BIGINT, res UTINYINT, raw VARCHAR, reason VARCHAR)`
  );
  const appender = await db.createAppender('rows');
  const collector = new Collector((line, fields, row) => {
    appendValidRow(appender, line, row, toCsvLine(fields));
    appender.appendNull(); // reason: only valid rows are appended
    appender.endRow();
  });
  if (format === 'parquet') await readParquetInto(file, db, collector, onProgress);
  // a transcoded copy is UTF-8 already
  else await readCsvInto(file, format, collector, onProgress, file === shown ? encoding : 'utf8', onEncoding, shown);
  appender.closeSync();
  if (collector.rowsRead === 0) throw noTicketRows(file, format, shown);
  return { format, engine: 'exact', ...(await settle(db, collector)) };
}

/** Duplicates, conflicts and weekly counts, in SQL over the valid rows. */
async function settle(
  db: DuckDBConnection,
  collector: Collector
): Promise<Omit<AggregateResult, 'format' | 'engine' | 'encoding'>> {
  const rejects = [...collector.rejects];
  // One pass over the tickets. Most have one row, and that row is the ticket; only tickets with several rows
  // (few) are looked at again, row by row.
  const NONE = '-9223372036854775807'; // an empty resolved_at ranks before any instant
  // Tickets are grouped by a 64-bit hash of their id (smaller and faster than the strings); a group of more
  // than one row is then settled by the real ids, so a rare hash collision changes nothing.
  await db.run(`CREATE TABLE tickets AS
      SELECT hash(ticket) AS h, count(*) AS n, min(account) AS account, min(created) AS created, min(res) AS res
      FROM rows WHERE reason IS NULL GROUP BY h`);
  await db.run(`CREATE TABLE dup_rows AS
      SELECT line, raw, ticket, account, created, coalesce(resolved, ${NONE}) AS rk, res
      FROM rows WHERE reason IS NULL AND hash(ticket) IN (SELECT h FROM tickets WHERE n > 1)`);
  // a ticket under more than one account: every row of it is rejected.
  // Otherwise the latest resolved_at wins (empty = earliest); rows tied on it must agree on created_at and
  // resolution, or every row of the ticket is rejected as conflicting; the other rows are duplicates.
  await db.run(`CREATE TABLE dup_tickets AS
      SELECT ticket, count(*) AS n, min(account) AS a1, max(account) AS a2, max(rk) AS top_rk,
             string_agg(DISTINCT account, ', ' ORDER BY account) AS accounts
      FROM dup_rows GROUP BY ticket`);
  await db.run(`CREATE TABLE dup_top AS
      SELECT ticket, count(DISTINCT created) > 1 OR count(DISTINCT res) > 1 AS conflict, min(created) AS created, min(res) AS res
      FROM dup_rows JOIN dup_tickets USING (ticket) WHERE rk = top_rk GROUP BY ticket`);
  const rejected = await db.runAndReadAll(`
      SELECT r.line, r.raw,
             CASE WHEN d.a1 <> d.a2 THEN 'ticket_id ' || r.ticket || ' appears under more than one account_id (' || d.accounts || ')'
                  ELSE 'ticket_id ' || r.ticket || ' has rows with the same latest resolved_at that disagree on created_at or resolution' END AS reason
      FROM dup_rows r JOIN dup_tickets d USING (ticket) JOIN dup_top p USING (ticket)
      WHERE d.a1 <> d.a2 OR p.conflict ORDER BY r.line`);
  for (const r of rejected.getRowObjects())
    rejects.push({ line: Number(r.line), reason: String(r.reason), raw: r.raw === null ? '' : String(r.raw) });
  rejects.sort((a, b) => a.line - b.line);

  await db.run(`CREATE TABLE winners AS
      SELECT account, created, res, 1 AS n FROM tickets WHERE n = 1
      UNION ALL
      SELECT d.a1, p.created, p.res, d.n FROM dup_tickets d JOIN dup_top p USING (ticket) WHERE d.a1 = d.a2 AND NOT p.conflict`);
  const counts = (
    await db.runAndReadAll(`SELECT count(*) AS tickets, coalesce(sum(n - 1), 0) AS duplicates FROM winners`)
  ).getRowObjects()[0]!;
  await db.run(`CREATE TEMP TABLE weeks_out AS
      SELECT account, CAST(${WEEK_OF_CREATED} AS INTEGER) AS week,
             CAST(count(*) AS INTEGER) AS total,
             CAST(count(*) FILTER (WHERE res = ${RESOLUTIONS.indexOf('ai')}) AS INTEGER) AS ai,
             CAST(count(*) FILTER (WHERE res = ${RESOLUTIONS.indexOf('human')}) AS INTEGER) AS human,
             CAST(count(*) FILTER (WHERE res = ${RESOLUTIONS.indexOf('unresolved')}) AS INTEGER) AS unresolved
      FROM winners GROUP BY ALL`);
  const weeks = await db.runAndReadAll(`SELECT * FROM weeks_out ORDER BY account, week`);
  return {
    rowsRead: collector.rowsRead,
    tickets: Number(counts.tickets),
    duplicates: Number(counts.duplicates),
    rejects,
    weeks: weeks.getRowObjects().map((w) => ({
      accountKey: String(w.account),
      weekIndex: Number(w.week),
      ticketsTotal: Number(w.total),
      aiResolved: Number(w.ai),
      humanResolved: Number(w.human),
      unresolved: Number(w.unresolved)
    }))
  };
}
