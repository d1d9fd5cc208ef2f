/**
 * The fast path for large plain CSV exports: DuckDB parses and checks every row in SQL (same rules as
 * rowRules.ts, tested against it), in parallel, without a JavaScript loop per row. It is taken only when the
 * file is laid out one record per line (no blank lines, no line breaks inside values), which a newline count
 * proves; otherwise, or when DuckDB refuses a row, the caller falls back to the exact reader. Either way the
 * results are the same, line numbers included.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { DuckDBConnection } from '@duckdb/node-api';
import { readCsvRecords } from './csvRecords';
import { MAX_YEAR, MIN_YEAR } from './instant';
import { indexColumns, RESOLUTIONS } from './rowRules';

const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
/** the characters trimAscii (rowRules.ts) strips, for DuckDB's trim() */
const ASCII_SPACE = `' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)`;

/**
 * Lines in the file (a last line without a newline counts), and whether every quote sits where RFC 4180 puts
 * it: opening a value right after a comma or a line start, closing it right before a comma or a line end, or
 * doubled inside it. DuckDB is lenient about stray quotes; a file that has one goes to the exact reader.
 * Only quote positions are looked at, so a file with few quotes costs little more than counting newlines.
 */
export async function scanLayout(file: string): Promise<{ lines: number; quotesOk: boolean }> {
  let newlines = 0;
  let last = -1;
  let inQuote = false;
  let quotesOk = true;
  /** a quote at the end of the previous chunk whose next byte decides what it was */
  let pending = false;
  let first = true;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 }) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(LF);
    while (i !== -1) {
      newlines++;
      i = chunk.indexOf(LF, i + 1);
    }
    if (quotesOk) {
      let from = 0;
      if (pending) {
        pending = false;
        // the quote before this chunk was inside a value: "" escape, or a close that must end the value
        if (chunk[0] === QUOTE) from = 1;
        else if (chunk[0] === COMMA || chunk[0] === CR || chunk[0] === LF) inQuote = false;
        else quotesOk = false;
      }
      const bom = first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
      let q = quotesOk ? chunk.indexOf(QUOTE, Math.max(from, bom)) : -1;
      while (q !== -1 && quotesOk) {
        if (!inQuote) {
          const prev = q === bom && first ? LF : q > 0 ? chunk[q - 1] : last;
          if (prev !== COMMA && prev !== LF) quotesOk = false;
          inQuote = true;
          q = chunk.indexOf(QUOTE, q + 1);
          continue;
        }
        if (q === chunk.length - 1) {
          pending = true;
          break;
        }
        const next = chunk[q + 1];
        if (next === QUOTE) q = chunk.indexOf(QUOTE, q + 2);
        else if (next === COMMA || next === CR || next === LF) {
          inQuote = false;
          q = chunk.indexOf(QUOTE, q + 1);
        } else quotesOk = false;
      }
    }
    if (chunk.length) last = chunk[chunk.length - 1]!;
    first = false;
  }
  if (pending) inQuote = false; // a closing quote at the very end of the file
  return { lines: last === LF || last === -1 ? newlines : newlines + 1, quotesOk: quotesOk && !inQuote };
}

/** Lines in the file (a last line without a newline counts). */
export async function countLines(file: string): Promise<number> {
  return (await scanLayout(file)).lines;
}

/** The header record, read exactly. */
export async function readHeader(file: string): Promise<string[]> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 16);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const end = buf.subarray(0, n).indexOf(LF);
  let header: string[] = [];
  await readCsvRecords(Readable.from([buf.subarray(0, end === -1 ? n : end + 1)]), (r) => {
    if (!header.length) header = r.fields;
  });
  return header;
}

/** The instant rules of instant.ts in SQL: the same forms, ranges and exact nanoseconds. */
const INSTANT_SQL = `
CREATE OR REPLACE MACRO gtm_instant_ns(s) AS
  CASE WHEN substr(s, 1, 4) BETWEEN '${MIN_YEAR}' AND '${MAX_YEAR}' AND regexp_full_match(s, '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})?')
        AND CAST(substr(s, 12, 2) AS INTEGER) <= 23
        AND (NOT regexp_matches(s, '[+-]\\d{2}:\\d{2}$')
             OR (CAST(substr(s, -5, 2) AS INTEGER) <= 23 AND CAST(substr(s, -2, 2) AS INTEGER) <= 59))
  THEN epoch_us(try_cast(s AS TIMESTAMPTZ)) * 1000
       -- TIMESTAMPTZ keeps microseconds: add fractional digits 7-9 (only a string of 27+ characters has them)
       + CASE WHEN length(s) >= 27 THEN coalesce(try_cast(substr(rpad(regexp_extract(s, '\\.(\\d+)', 1), 9, '0'), 7, 3) AS BIGINT), 0) ELSE 0 END
  END`;

export interface FastRead {
  rowsRead: number;
  /** lines and reasons; the raw text is read from the file afterwards */
  rejects: { line: number; reason: string }[];
}

/**
 * Fills table `rows` (ticket, account, created, resolved, res, raw, reason; line = rowid + 2) from a plain CSV, or returns
 * undefined (and leaves nothing behind) when the file is not one record per line.
 */
export async function readPlainCsv(file: string, db: DuckDBConnection): Promise<FastRead | undefined> {
  const header = await readHeader(file);
  const { index } = indexColumns(header);
  if (!index || new Set(header.map((h) => h.trim().toLowerCase())).size !== header.length) return undefined;
  const layout = scanLayout(file);
  const col = (name: keyof typeof index) => `c${index[name]}`;
  const columns = `{${header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ')}}`;
  const path = file.replace(/'/g, "''");
  const res = `lower(trim(coalesce(${col('resolution')}, ''), ${ASCII_SPACE}))`;
  try {
    await db.run(`SET TimeZone = 'UTC'`);
    await db.run(INSTANT_SQL);
    await db.run(`
      CREATE TABLE checked AS
      WITH src AS (
        SELECT trim(coalesce(${col('ticket_id')}, ''), ${ASCII_SPACE}) AS ticket, trim(coalesce(${col('account_id')}, ''), ${ASCII_SPACE}) AS account,
               coalesce(${col('created_at')}, '') AS c, coalesce(${col('resolved_at')}, '') AS r, ${col('resolution')} AS res_text,
               CASE ${res} ${RESOLUTIONS.map((v, i) => `WHEN '${v}' THEN ${i}`).join(' ')} END AS res
        FROM read_csv('${path}', header = true, auto_detect = false, columns = ${columns},
                      delim = ',', quote = '"', escape = '"', strict_mode = true)
      ), typed AS (
        SELECT *, gtm_instant_ns(c) AS created, CASE WHEN r = '' THEN NULL ELSE gtm_instant_ns(r) END AS resolved FROM src
      )
      SELECT ticket, account, created, resolved, CAST(res AS UTINYINT) AS res, CAST(NULL AS VARCHAR) AS raw,
        CASE
          WHEN ticket = '' THEN 'ticket_id is empty'
          WHEN account = '' THEN 'account_id is empty'
          WHEN c = '' THEN 'created_at is empty'
          WHEN created IS NULL THEN 'created_at is not a valid ISO 8601 instant: ' || to_json(c)
          WHEN r <> '' AND resolved IS NULL THEN 'resolved_at is not a valid ISO 8601 instant: ' || to_json(r)
          WHEN res IS NULL THEN 'resolution must be ai, human or unresolved, not ' || to_json(coalesce(res_text, ''))
          WHEN resolved < created THEN 'resolved_at is earlier than created_at'
        END AS reason
      FROM typed`);
  } catch {
    // DuckDB refused the layout (a short row, a stray quote ...): the exact reader will say which line
    await layout.catch(() => undefined);
    await db.run('DROP TABLE IF EXISTS checked');
    return undefined;
  }
  const rowsRead = Number((await db.runAndReadAll('SELECT count(*) AS n FROM checked')).getRowObjects()[0]!.n);
  const { lines, quotesOk } = await layout;
  if (lines !== rowsRead + 1 || !quotesOk) {
    await db.run('DROP TABLE checked');
    return undefined;
  }
  // insertion order is file order: rowid 0 is line 2. The table is used in place (no copy): valid rows have
  // no reason, and settle() reads their line as rowid + 2.
  const rejects = (
    await db.runAndReadAll(`SELECT rowid + 2 AS line, reason FROM checked WHERE reason IS NOT NULL ORDER BY 1`)
  )
    .getRowObjects()
    .map((r) => ({ line: Number(r.line), reason: String(r.reason) }));
  await db.run('ALTER TABLE checked RENAME TO rows');
  return { rowsRead, rejects };
}

/** The text of the given lines of a one-record-per-line file (for rejects.csv). */
export async function readLines(file: string, wanted: readonly number[]): Promise<Map<number, string>> {
  const want = new Set(wanted);
  const out = new Map<number, string>();
  if (!want.size) return out;
  const max = Math.max(...want);
  let line = 1;
  let carry = '';
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 }) as AsyncIterable<Buffer>) {
    let start = 0;
    let i = chunk.indexOf(LF);
    while (i !== -1) {
      if (want.has(line)) out.set(line, (carry + chunk.toString('utf8', start, i)).replace(/\r$/, ''));
      carry = '';
      line++;
      start = i + 1;
      i = chunk.indexOf(LF, start);
    }
    carry = want.has(line) ? carry + chunk.toString('utf8', start) : '';
    if (line > max) break;
  }
  if (want.has(line) && carry) out.set(line, carry.replace(/\r$/, ''));
  return out;
}
