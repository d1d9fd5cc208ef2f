/**
 * The fast path for large plain CSV exports: one parallel DuckDB pass parses and checks every row in SQL
 * (same rules as rowRules.ts, tested against it) and counts the valid rows per account and week, without a
 * JavaScript loop per row; at the same time one JavaScript pass over the bytes hashes each line's ticket_id.
 * Only the few lines that need more (rejected rows, possible duplicates) are then read exactly. It is taken
 * only when the file is laid out one record per line (no blank lines, no line breaks inside values), which the
 * line count proves; otherwise, or when DuckDB refuses a row, the caller falls back to the exact reader.
 * Either way the results are the same, line numbers included.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { CsvRecord, readCsvRecords, toCsvLine } from './csvRecords';
import { MAX_YEAR, MIN_YEAR } from './instant';
import { trace } from '../lib/trace';
import { checkRow, ColumnIndex, indexColumns, RESOLUTIONS, ValidRow } from './rowRules';

const LF = 0x0a;
const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const NEWLINE = Buffer.from('\n');
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

/** WEEK_OF_CREATED of aggregate.ts, for an expression */
const WEEK_NS = 604_800_000_000_000n;
const EPOCH_MONDAY_NS = 345_600_000_000_000n;
const weekOf = (e: string) => `CASE WHEN ${e} >= ${EPOCH_MONDAY_NS} THEN (${e} - ${EPOCH_MONDAY_NS}) // ${WEEK_NS}
  ELSE -((${EPOCH_MONDAY_NS} - ${e} - 1) // ${WEEK_NS}) - 1 END`;
/**
 * The forms support platforms export instants in, as shapes (LIKE: any one character per `_`): JavaScript's
 * toISOString (the first), whole seconds in UTC, and whole seconds without an offset (= UTC) with `T` or a space.
 * Telling a form apart this way is much cheaper than a character class per digit (GLOB or a regular expression);
 * the digits are then vouched for by the TIMESTAMPTZ cast, which refuses every non-digit there except the few
 * that fastInstant() checks itself (fastPath.test.ts tries every character in every place of every form against
 * instant.ts). Any other form goes through gtm_instant_ns.
 */
export const COMMON_SHAPES = [
  '____-__-__T__:__:__.___Z',
  '____-__-__T__:__:__Z',
  '____-__-__ __:__:__',
  '____-__-__T__:__:__'
] as const;
/** 1 when s has the first shape, 2 when another, else 0 (a shape matched is the only one looked at) */
const commonForm = (s: string) =>
  `CASE WHEN ${s} LIKE '${COMMON_SHAPES[0]}' THEN 1 WHEN ${COMMON_SHAPES.slice(1)
    .map((p) => `${s} LIKE '${p}'`)
    .join(' OR ')} THEN 2 ELSE 0 END`;
/** epoch microseconds of the first instant of MIN_YEAR and of the year after MAX_YEAR */
const MIN_US = BigInt(Date.UTC(MIN_YEAR, 0, 1)) * 1000n;
const END_US = BigInt(Date.UTC(MAX_YEAR + 1, 0, 1)) * 1000n;
/** whitespace where the hour begins, which the cast skips (one pattern: a string function per row costs more) */
const SPACE_BEFORE_HOUR = `'${'?'.repeat(11)}[ ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ']*'`;
/**
 * gtm_instant_ns(s), given form = commonForm(s) and us = the epoch microseconds of s's TIMESTAMPTZ cast (NULL when
 * the cast refuses it). In these shapes there is no offset but UTC's and no digit past microseconds, and the cast
 * reads only a few non-digits: whitespace or a sign before a shorter year (which then falls outside the year
 * range, a range of instants here since the year written is the UTC year); whitespace before a one-digit hour
 * (SPACE_BEFORE_HOUR); hour 24, read as the next midnight (so the hour's text is looked at for midnights only);
 * and, in the shapes after the first, a one-digit day, minute or second followed by what the shape has no place
 * for (a character class per digit of the date and time but the year's: cheap on these few characters).
 */
const fastInstant = (s: string, form: string, us: string) => `CASE ${form}
  WHEN 1 THEN CASE WHEN ${us} >= ${MIN_US} AND ${us} < ${END_US}
                    AND (${us} % 86400000000 <> 0 OR substr(${s}, 12, 2) <= '23')
                    AND NOT (${s} GLOB ${SPACE_BEFORE_HOUR})
              THEN ${us} * 1000 END
  WHEN 2 THEN CASE WHEN ${us} >= ${MIN_US} AND ${us} < ${END_US} AND substr(${s}, 12, 2) <= '23'
                    AND substr(${s}, 6, 5) GLOB '[01][0-9]-[0-3][0-9]'
                    AND substr(${s}, 12, 8) GLOB '[0-2][0-9]:[0-5][0-9]:[0-5][0-9]'
              THEN ${us} * 1000 END
  ELSE gtm_instant_ns(${s}) END`;

/** FNV-1a over bytes a..b, trimmed of ASCII whitespace; "" pairs count once when `escaped` */
function hashField(buf: Buffer, a: number, b: number, escaped: boolean): number {
  while (a < b && (buf[a] === 32 || (buf[a]! >= 9 && buf[a]! <= 13))) a++;
  while (b > a && (buf[b - 1] === 32 || (buf[b - 1]! >= 9 && buf[b - 1]! <= 13))) b--;
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) {
    h = Math.imul(h ^ buf[i]!, 16777619);
    if (escaped && buf[i] === QUOTE) i++;
  }
  return h >>> 0;
}

/** hashField of a string (a ticket id as DuckDB read it, already trimmed) */
function hashText(text: string): number {
  const b = Buffer.from(text, 'utf8');
  return hashField(b, 0, b.length, false);
}

/**
 * One line (buf[s..e), no LF): the hash of its field `col`, or -1 when its quotes are not where RFC 4180 puts
 * them or it has fewer fields. `quoted` says whether the line has a quote at all (then every field is checked).
 */
function lineTicketHash(buf: Buffer, s: number, e: number, col: number, quoted: boolean): number {
  if (e > s && buf[e - 1] === CR) e--;
  let pos = s;
  let hash = -1;
  for (let f = 0; ; f++) {
    if (!quoted && f > col) return hash;
    let end: number;
    if (pos < e && buf[pos] === QUOTE) {
      let j = pos + 1;
      let escaped = false;
      for (;;) {
        if (j >= e) return -1;
        if (buf[j] === QUOTE) {
          if (j + 1 < e && buf[j + 1] === QUOTE) {
            escaped = true;
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      if (j + 1 < e && buf[j + 1] !== COMMA) return -1;
      if (f === col) hash = hashField(buf, pos + 1, j, escaped);
      end = j + 1;
    } else {
      let j = pos;
      while (j < e && buf[j] !== COMMA) {
        if (buf[j] === QUOTE) return -1;
        j++;
      }
      if (f === col) hash = hashField(buf, pos, j, false);
      end = j;
    }
    if (end >= e) return f >= col ? hash : -1;
    pos = end + 1;
  }
}

/** lineTicketHash of a line without quotes: its fields are found by the commas alone */
function plainTicketHash(buf: Buffer, s: number, e: number, col: number): number {
  let from = s;
  for (let f = 0; f < col; f++) {
    const comma = buf.indexOf(COMMA, from);
    if (comma === -1 || comma >= e) return -1;
    from = comma + 1;
  }
  if (e > s && buf[e - 1] === CR) e--;
  let to = buf.indexOf(COMMA, from);
  if (to === -1 || to > e) to = e;
  return hashField(buf, from, to, false);
}

interface LineScan {
  /** lines in the file, the header included (a last line without a newline counts) */
  lines: number;
  /** every line is one well-quoted record with a ticket_id field */
  ok: boolean;
  /** per data line (index = line - 2): hash of its ticket_id, and its byte offset modulo 2^32 */
  hashes: Uint32Array;
  offsets: Uint32Array;
  /** data-line indexes from which the offset is one more multiple of 2^32 higher */
  wraps: number[];
  size: number;
}

interface ScanState {
  col: number;
  size: number;
  /** lines seen (the header included) and data lines stored */
  line: number;
  n: number;
  ok: boolean;
  hashes: Uint32Array;
  offsets: Uint32Array;
  wraps: number[];
  /** the next file offset at which offsets wrap past another multiple of 2^32 */
  nextWrap: number;
}

function grow(st: ScanState, at: number) {
  // from what the file has left, at the average line length so far
  const cap = Math.max(
    Math.ceil(st.hashes.length * 1.5),
    Math.ceil(((st.n * st.size) / Math.max(1, at)) * 1.02) + 1024
  );
  const h = new Uint32Array(cap);
  h.set(st.hashes);
  st.hashes = h;
  const o = new Uint32Array(cap);
  o.set(st.offsets);
  st.offsets = o;
}

/** One line buf[s..e) (no LF) starting at file offset `at`. */
function takeLine(st: ScanState, buf: Buffer, s: number, e: number, at: number, quoted: boolean) {
  st.line++;
  if (st.line === 1) {
    if (quoted && lineTicketHash(buf, s, e, 0, true) === -1) st.ok = false;
    return;
  }
  if (st.n === st.hashes.length) grow(st, at);
  const h = quoted ? lineTicketHash(buf, s, e, st.col, true) : plainTicketHash(buf, s, e, st.col);
  if (h === -1) st.ok = false;
  while (at >= st.nextWrap) {
    st.wraps.push(st.n);
    st.nextWrap += 0x100000000;
  }
  st.hashes[st.n] = h;
  st.offsets[st.n] = at; // modulo 2^32
  st.n++;
}

/** Every complete line of buf[start..] (buf starts at file offset base); returns where the unfinished tail starts. */
function scanChunk(st: ScanState, buf: Buffer, start: number, base: number): number {
  let nextQuote = st.ok ? buf.indexOf(QUOTE, start) : -1;
  let i = buf.indexOf(LF, start);
  while (i !== -1) {
    const quoted = nextQuote !== -1 && nextQuote < i;
    takeLine(st, buf, start, i, base + start, quoted);
    start = i + 1;
    if (quoted) nextQuote = buf.indexOf(QUOTE, start);
    i = buf.indexOf(LF, start);
  }
  return start;
}

/** Reads the file once: per line the hash of its ticket_id and where it starts; quotes checked as in scanLayout. */
async function scanTickets(file: string, col: number): Promise<LineScan> {
  const size = fs.statSync(file).size;
  const CHUNK = 1 << 22;
  const st: ScanState = {
    col,
    size,
    line: 0,
    n: 0,
    ok: true,
    hashes: new Uint32Array(1 << 16),
    offsets: new Uint32Array(1 << 16),
    wraps: [],
    nextWrap: 0x100000000
  };
  let fileOffset = 0;
  let carry: Buffer | undefined;
  let carryOffset = 0;
  // one buffer read into again and again: a new one per chunk kept the garbage collector busy
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(file, 'r');
  try {
    for (;;) {
      // let the event loop run between chunks (DuckDB's pass starts and reports meanwhile)
      await new Promise<void>((resolve) => setImmediate(resolve));
      const read = fs.readSync(fd, buf, 0, CHUNK, null);
      if (read === 0) break;
      const chunk = buf.subarray(0, read);
      let start = fileOffset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
      if (carry) {
        const i = chunk.indexOf(LF, start);
        if (i === -1) {
          carry = Buffer.concat([carry, chunk]);
          fileOffset += chunk.length;
          continue;
        }
        const l = Buffer.concat([carry, chunk.subarray(0, i)]);
        takeLine(st, l, 0, l.length, carryOffset, l.indexOf(QUOTE) !== -1);
        carry = undefined;
        start = i + 1;
      }
      if (fileOffset === 0) presize(st, chunk, start);
      start = scanChunk(st, chunk, start, fileOffset);
      if (start < chunk.length) {
        carry = Buffer.from(chunk.subarray(start)); // a copy: the buffer is read into again
        carryOffset = fileOffset + start;
      }
      fileOffset += chunk.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (carry && carry.length) takeLine(st, carry, 0, carry.length, carryOffset, carry.indexOf(QUOTE) !== -1);
  return {
    lines: st.line,
    ok: st.ok,
    hashes: st.hashes.subarray(0, st.n),
    offsets: st.offsets.subarray(0, st.n),
    wraps: st.wraps,
    size
  };
}

/** Sizes the per-line arrays for the whole file from the lines of its first chunk (they grow if it was short). */
function presize(st: ScanState, chunk: Buffer, start: number) {
  let lines = 0;
  let last = -1;
  for (let i = chunk.indexOf(LF, start); i !== -1 && lines < 10_000; i = chunk.indexOf(LF, i + 1)) {
    lines++;
    last = i;
  }
  if (lines < 100) return;
  // at most one line per 16 bytes up front (a ticket row is longer): a file of short early lines grows later
  const perLine = (last + 1 - start) / lines;
  const estimate = Math.ceil((st.size / Math.max(perLine, 16)) * 1.02) + 1024;
  if (estimate <= st.hashes.length) return;
  try {
    st.hashes = new Uint32Array(estimate);
    st.offsets = new Uint32Array(estimate);
  } catch {
    // no room for that much at once: grow() makes room as lines come
  }
}

/**
 * Hashes that occur more than once: scattered into buckets by their top bits (cache-friendly), then each
 * bucket through a small open-addressing table.
 */
function repeatedHashes(hashes: Uint32Array): Set<number> {
  const B = 12;
  const SHIFT = 32 - B;
  const count = new Uint32Array((1 << B) + 1);
  for (let i = 0; i < hashes.length; i++) count[(hashes[i]! >>> SHIFT) + 1]!++;
  let largest = 0;
  for (let i = 0; i < 1 << B; i++) {
    largest = Math.max(largest, count[i + 1]!);
    count[i + 1]! += count[i]!;
  }
  const pos = count.slice(0, 1 << B);
  const bucketed = new Uint32Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) {
    const v = hashes[i]!;
    bucketed[pos[v >>> SHIFT]!++] = v;
  }
  let size = 16;
  while (size < largest * 2) size *= 2;
  const table = new Uint32Array(size);
  const used = new Uint8Array(size);
  const repeated = new Set<number>();
  for (let b = 0; b < 1 << B; b++) {
    const s = count[b]!;
    const e = count[b + 1]!;
    if (e - s < 2) continue;
    let mask = 16;
    while (mask < (e - s) * 2) mask *= 2;
    mask--;
    used.fill(0, 0, mask + 1);
    for (let i = s; i < e; i++) {
      const v = bucketed[i]!;
      let slot = (Math.imul(v, 0x9e3779b1) >>> 0) & mask;
      for (;;) {
        if (!used[slot]) {
          used[slot] = 1;
          table[slot] = v;
          break;
        }
        if (table[slot] === v) {
          repeated.add(v);
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }
  return repeated;
}

/** The bytes of the given data lines (indexes into scan), each without its line end. */
function readScannedLines(file: string, scan: LineScan, wanted: readonly number[]): Buffer[] {
  const offsetOf = (i: number) => {
    let high = 0;
    while (high < scan.wraps.length && scan.wraps[high]! <= i) high++;
    return scan.offsets[i]! + high * 0x100000000;
  };
  const fd = fs.openSync(file, 'r');
  try {
    return wanted.map((i) => {
      const from = offsetOf(i);
      const to = i + 1 < scan.offsets.length ? offsetOf(i + 1) : scan.size;
      const buf = Buffer.alloc(to - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      let end = buf.length;
      if (end && buf[end - 1] === LF) end--;
      if (end && buf[end - 1] === CR) end--;
      return buf.subarray(0, end);
    });
  } finally {
    fs.closeSync(fd);
  }
}

interface Looked {
  /** ticket_id hashes looked for */
  hashes: Set<number>;
  /** data-line indexes (ascending) whose hash is among them, and their bytes */
  wanted: number[];
  texts: Buffer[];
}

/** The data lines whose ticket_id hash is in `hashes`, and their bytes. */
function linesWithHashes(file: string, scan: LineScan, hashes: Set<number>): Looked {
  const wanted: number[] = [];
  if (hashes.size) {
    const bits = new Uint8Array(1 << 21); // 2^24 bits: most lines are passed over on one lookup
    for (const h of hashes) bits[h >>> 11]! |= 1 << ((h >>> 8) & 7);
    const all = scan.hashes;
    for (let i = 0; i < all.length; i++) {
      const h = all[i]!;
      if (bits[h >>> 11]! & (1 << ((h >>> 8) & 7)) && hashes.has(h)) wanted.push(i);
    }
  }
  return { hashes, wanted, texts: readScannedLines(file, scan, wanted) };
}

/**
 * Lines whose ticket_id hash is seen on more than one line (every duplicated ticket is among those), with their
 * bytes: this needs only the scan, so it runs while DuckDB is still busy with its pass.
 */
function repeatedLines(file: string, scan: LineScan): Looked {
  return linesWithHashes(file, scan, repeatedHashes(scan.hashes));
}

/** Lines with the ticket_id of a rejected row that are not among the repeated ones already read, with their bytes. */
function linesOfTickets(file: string, scan: LineScan, repeated: Looked, badTickets: readonly string[]): Looked {
  const more = new Set<number>();
  for (const t of badTickets) {
    const h = hashText(t);
    if (!repeated.hashes.has(h)) more.add(h);
  }
  return linesWithHashes(file, scan, more);
}

/** What the exact rules make of some lines: rejects with their reasons, and the valid rows. */
interface CheckedLines {
  rejects: { line: number; reason: string; raw: string }[];
  valid: { line: number; row: ValidRow; raw: string }[];
}

/**
 * The exact reader and rules (csvRecords + checkRow) over the given lines (each one record), or undefined
 * when they do not read as one record each.
 */
async function checkLines(
  looked: Looked,
  header: readonly string[],
  index: ColumnIndex
): Promise<CheckedLines | undefined> {
  const { wanted, texts } = looked;
  // line i of this text is wanted[i - 1]
  const records: CsvRecord[] = [];
  await readCsvRecords(Readable.from([Buffer.concat(texts.flatMap((t) => [t, NEWLINE]))]), (r) => records.push(r));
  if (records.length !== wanted.length) return undefined;
  const out: CheckedLines = { rejects: [], valid: [] };
  for (const r of records) {
    const line = wanted[r.line - 1]! + 2;
    const fields = r.fields;
    if (r.malformed) out.rejects.push({ line, reason: `malformed CSV: ${r.malformed}`, raw: toCsvLine(fields) });
    else if (
      fields.length !== header.length &&
      !(fields.length > header.length && fields.slice(header.length).every((f) => f === ''))
    )
      out.rejects.push({
        line,
        reason: `${fields.length} values where the header has ${header.length}`,
        raw: toCsvLine(fields)
      });
    else {
      const row = checkRow(fields, index);
      if ('reason' in row) out.rejects.push({ line, reason: row.reason, raw: toCsvLine(fields) });
      else out.valid.push({ line, row, raw: toCsvLine(fields) });
    }
  }
  return out;
}

/**
 * The columns (line, ticket, account, created, resolved, res, raw) of a valid row, as both engines keep them in
 * their `rows` table; the caller ends the row (the exact engine appends one more column first).
 */
export function appendValidRow(appender: DuckDBAppender, line: number, row: ValidRow, raw: string): void {
  appender.appendBigInt(BigInt(line));
  appender.appendVarchar(row.ticketId);
  appender.appendVarchar(row.accountId);
  appender.appendBigInt(row.createdNs);
  if (row.resolvedNs === null) appender.appendNull();
  else appender.appendBigInt(row.resolvedNs);
  appender.appendUTinyInt(row.resolution);
  appender.appendVarchar(raw);
}

export interface FastAggregate {
  rowsRead: number;
  tickets: number;
  duplicates: number;
  rejects: { line: number; reason: string; raw: string }[];
  weeks: {
    accountKey: string;
    weekIndex: number;
    ticketsTotal: number;
    aiResolved: number;
    humanResolved: number;
    unresolved: number;
  }[];
}

/**
 * The whole aggregate of a plain CSV in one parallel DuckDB pass, or undefined (nothing left behind) when the
 * file is not one record per line. DuckDB checks every row (the rules of rowRules.ts in SQL) and counts valid
 * rows per account and week; meanwhile JavaScript reads the file once for the hash of each line's ticket_id.
 * Only the few lines that can matter beyond those counts are then read exactly (csvRecords + checkRow): lines
 * DuckDB rejected (found by their ticket_id) and lines whose ticket_id hash repeats (every duplicate is among
 * them). Their rejects get reasons and lines from the exact rules; duplicates are settled in SQL as in the
 * exact engine, and the weekly counts corrected for them.
 */
export async function aggregatePlainCsv(file: string, db: DuckDBConnection): Promise<FastAggregate | undefined> {
  const header = await readHeader(file);
  const { index } = indexColumns(header);
  if (!index || new Set(header.map((h) => h.trim().toLowerCase())).size !== header.length) return undefined;
  const scanning = scanTickets(file, index.ticket_id);
  void scanning.then(
    () => trace('fast path: ticket ids hashed'),
    () => undefined
  );
  // as soon as the scan is done (DuckDB's pass takes longer), the lines whose ticket_id hash repeats are read
  // and checked exactly, on this thread, while DuckDB works on its own
  const repeating = scanning.then(async (scan) => {
    if (!scan.ok) return undefined;
    const looked = repeatedLines(file, scan);
    return { looked, checked: await checkLines(looked, header, index) };
  });
  repeating.catch(() => undefined); // awaited below; a failed scan is reported through `scanning`
  const col = (name: keyof typeof index) => `c${index[name]}`;
  const columns = `{${header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ')}}`;
  const path = file.replace(/'/g, "''");
  const trimmed = (c: string) => `trim(coalesce(${c}, ''), ${ASCII_SPACE})`;
  // trim only when the first byte is below '!' (a space or control character, or the value is empty)
  const isBlank = (c: string) => `CASE WHEN ${c} >= '!' THEN false ELSE ${trimmed(c)} = '' END`;
  const res = `CASE ${col('resolution')} ${RESOLUTIONS.map((v, i) => `WHEN '${v}' THEN ${i}`).join(' ')}
    ELSE CASE lower(${trimmed(col('resolution'))}) ${RESOLUTIONS.map((v, i) => `WHEN '${v}' THEN ${i}`).join(' ')} END END`;
  try {
    await db.run(`SET TimeZone = 'UTC'`);
    await db.run(`SET preserve_insertion_order = false`);
    await db.run(INSTANT_SQL);
    // one row per (raw account_id, week) of the valid rows, and one per ticket_id of the rejected rows
    await db.run(`
      CREATE TABLE pass AS
      WITH src AS (
        SELECT ${col('ticket_id')} AS t, coalesce(${col('account_id')}, '') AS acc,
               coalesce(${col('created_at')}, '') AS c, coalesce(${col('resolved_at')}, '') AS r,
               ${res} AS res, ${isBlank(col('ticket_id'))} AS no_ticket, ${isBlank(col('account_id'))} AS no_account
        FROM read_csv('${path}', header = true, auto_detect = false, columns = ${columns},
                      delim = ',', quote = '"', escape = '"', strict_mode = true)
      ), shaped AS (
        SELECT *, ${commonForm('c')} AS cs, ${commonForm('r')} AS rs FROM src
      ), parsed AS (
        SELECT *, CASE WHEN cs > 0 THEN epoch_us(try_cast(c AS TIMESTAMPTZ)) END AS cu,
                  CASE WHEN rs > 0 THEN epoch_us(try_cast(r AS TIMESTAMPTZ)) END AS ru FROM shaped
      ), typed AS (
        SELECT *, ${fastInstant('c', 'cs', 'cu')} AS created,
               CASE WHEN r = '' THEN NULL ELSE ${fastInstant('r', 'rs', 'ru')} END AS resolved FROM parsed
      ), checked AS (
        SELECT *, no_ticket OR no_account OR c = '' OR created IS NULL OR (r <> '' AND resolved IS NULL) OR res IS NULL
                  OR coalesce(resolved < created, false) AS bad
        FROM typed
      )
      SELECT CASE WHEN bad THEN ${trimmed('t')} ELSE acc END AS k, bad,
             CASE WHEN bad THEN NULL ELSE ${weekOf('created')} END AS week,
             count(*) AS n, count(*) FILTER (WHERE res = 0) AS ai, count(*) FILTER (WHERE res = 1) AS human,
             count(*) FILTER (WHERE res = 2) AS unresolved
      FROM checked GROUP BY ALL`);
  } catch {
    // DuckDB refused the layout (a short row, a stray quote ...): the exact reader will say which line
    await repeating.catch(() => undefined);
    await db.run('DROP TABLE IF EXISTS pass');
    return undefined;
  }
  trace('fast path: DuckDB pass done');
  const totals = (
    await db.runAndReadAll(`SELECT coalesce(sum(n), 0) AS n, coalesce(sum(n) FILTER (WHERE bad), 0) AS bad FROM pass`)
  ).getRowObjects()[0]!;
  const rowsRead = Number(totals.n);
  const badRows = Number(totals.bad);
  let scan: LineScan | undefined = await scanning;
  const repeated = await repeating;
  if (rowsRead === 0 && scan.lines === 1) return { rowsRead, tickets: 0, duplicates: 0, rejects: [], weeks: [] };
  if (scan.lines !== rowsRead + 1 || !scan.ok || !repeated) {
    await db.run('DROP TABLE pass');
    return undefined;
  }
  const badTickets = (await db.runAndReadAll(`SELECT DISTINCT k FROM pass WHERE bad`)).getColumns()[0] ?? [];
  const extra = linesOfTickets(file, scan, repeated.looked, badTickets.map(String));
  scan = undefined; // some hundred MB of per-line arrays: free for the rest of the sync
  const checked = [repeated.checked, extra.wanted.length ? await checkLines(extra, header, index) : undefined];
  trace('fast path: lines to look at checked exactly');
  if (!checked[0] || (extra.wanted.length && !checked[1])) {
    await db.run('DROP TABLE pass');
    return undefined;
  }
  const rejects: FastAggregate['rejects'] = [];
  await db.run(
    `CREATE TEMP TABLE rows (line BIGINT, ticket VARCHAR, account VARCHAR, created BIGINT, resolved BIGINT, res UTINYINT, raw VARCHAR)`
  );
  const appender = await db.createAppender('rows');
  for (const c of checked) {
    if (!c) continue;
    rejects.push(...c.rejects);
    for (const { line, row, raw } of c.valid) {
      appendValidRow(appender, line, row, raw);
      appender.endRow();
    }
  }
  appender.closeSync();
  if (rejects.length !== badRows) {
    // DuckDB and the exact rules disagree on some row: let the exact reader decide everything
    await db.run('DROP TABLE pass');
    await db.run('DROP TABLE rows');
    return undefined;
  }
  // duplicates among these rows, settled as settle() in aggregate.ts does
  const NONE = '-9223372036854775807';
  await db.run(`CREATE TEMP TABLE dup_rows AS
      SELECT line, raw, ticket, account, created, coalesce(resolved, ${NONE}) AS rk, res FROM rows
      WHERE ticket IN (SELECT ticket FROM rows GROUP BY ticket HAVING count(*) > 1)`);
  await db.run(`CREATE TEMP TABLE dup_tickets AS
      SELECT ticket, count(*) AS n, min(account) AS a1, max(account) AS a2, max(rk) AS top_rk,
             string_agg(DISTINCT account, ', ' ORDER BY account) AS accounts
      FROM dup_rows GROUP BY ticket`);
  await db.run(`CREATE TEMP TABLE dup_top AS
      SELECT ticket, count(DISTINCT created) > 1 OR count(DISTINCT res) > 1 AS conflict, min(created) AS created, min(res) AS res
      FROM dup_rows JOIN dup_tickets USING (ticket) WHERE rk = top_rk GROUP BY ticket`);
  const rejected = await db.runAndReadAll(`
      SELECT r.line, r.raw,
             CASE WHEN d.a1 <> d.a2 THEN 'ticket_id ' || r.ticket || ' appears under more than one account_id (' || d.accounts || ')'
                  ELSE 'ticket_id ' || r.ticket || ' has rows with the same latest resolved_at that disagree on created_at or resolution' END AS reason
      FROM dup_rows r JOIN dup_tickets d USING (ticket) JOIN dup_top p USING (ticket)
      WHERE d.a1 <> d.a2 OR p.conflict`);
  for (const r of rejected.getRowObjects())
    rejects.push({ line: Number(r.line), reason: String(r.reason), raw: r.raw === null ? '' : String(r.raw) });
  rejects.sort((a, b) => a.line - b.line);
  await db.run(`CREATE TEMP TABLE dup_winners AS
      SELECT d.a1 AS account, p.created, p.res, d.n FROM dup_tickets d JOIN dup_top p USING (ticket)
      WHERE d.a1 = d.a2 AND NOT p.conflict`);
  const dup = (
    await db.runAndReadAll(`SELECT (SELECT count(*) FROM dup_rows) AS rows_in_dups, count(*) AS winners,
      coalesce(sum(n - 1), 0) AS duplicates FROM dup_winners`)
  ).getRowObjects()[0]!;
  const counts = (r: string) =>
    RESOLUTIONS.map((v, i) => `CASE WHEN res = ${i} THEN ${r} ELSE 0 END AS ${v === 'ai' ? 'ai' : v}`).join(', ');
  // the counts of all valid rows, less every row of a duplicated ticket, plus each ticket's winning row
  // kept as weeks_out: the caller may write it out as a file (aggregate.ts)
  await db.run(`
      CREATE TEMP TABLE weeks_out AS
      SELECT account, CAST(week AS INTEGER) AS week, CAST(sum(n) AS INTEGER) AS total, CAST(sum(ai) AS INTEGER) AS ai,
             CAST(sum(human) AS INTEGER) AS human, CAST(sum(unresolved) AS INTEGER) AS unresolved
      FROM (
        SELECT ${trimmed('k')} AS account, week, n, ai, human, unresolved FROM pass WHERE NOT bad
        UNION ALL
        SELECT account, ${weekOf('created')}, -1, ${counts('-1')} FROM dup_rows
        UNION ALL
        SELECT account, ${weekOf('created')}, 1, ${counts('1')} FROM dup_winners
      ) GROUP BY account, week HAVING sum(n) > 0`);
  trace('fast path: duplicates settled');
  const weeks = await db.runAndReadAll(`SELECT * FROM weeks_out ORDER BY account, week`);
  const [accounts, weekIndexes, totalsCol, ai, human, unresolved] = weeks.getColumnsJS() as [
    string[],
    number[],
    number[],
    number[],
    number[],
    number[]
  ];
  const validRows = rowsRead - badRows;
  return {
    rowsRead,
    tickets: validRows - Number(dup.rows_in_dups) + Number(dup.winners),
    duplicates: Number(dup.duplicates),
    rejects,
    weeks: accounts.map((accountKey, i) => ({
      accountKey,
      weekIndex: weekIndexes[i]!,
      ticketsTotal: totalsCol[i]!,
      aiResolved: ai[i]!,
      humanResolved: human[i]!,
      unresolved: unresolved[i]!
    }))
  };
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
