/**
 * The exact reader and rules (csvRecords + rowRules) over chosen lines of a one-record-per-line export: the
 * fast path (fastPath.ts) sends here the lines its line reader left to them and the lines whose ticket_id may
 * be a duplicate. Runs in a line reader's worker thread, over that worker's own range, or on the main thread.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { CsvRecord, readCsvRecords, toCsvLine } from './csvRecords';
import { LineLayout, RangeReader } from './lineScan';
import { nsToMs } from './instant';
import { checkRow, ColumnIndex, ValidRow } from './rowRules';

const LF = 0x0a;
const CR = 0x0d;

/** What the exact rules make of some lines: rejects with their reasons, and the valid rows. */
export interface CheckedLines {
  rejects: { line: number; reason: string; raw: string }[];
  valid: { line: number; row: ValidRow; raw: string }[];
}

/**
 * Checked lines as columns: what passes between threads (tens of thousands of small objects cost far more to
 * copy there than their values column by column) and what the fast path settles duplicates on. Instants are
 * epoch milliseconds (floor) and the nanoseconds past them: exact, and compared without BigInt.
 */
export interface CheckedColumns {
  rejectLines: Int32Array;
  reasons: string[];
  rejectRaw: string[];
  /** per valid row */
  lines: Int32Array;
  tickets: string[];
  accounts: string[];
  createdMs: Float64Array;
  createdSub: Float64Array;
  /** resolved_at, where resolved says there is one */
  resolved: Uint8Array;
  resolvedMs: Float64Array;
  resolvedSub: Float64Array;
  resolutions: Uint8Array;
  raw: string[];
}

/** CheckedColumns, row by row. */
class ColumnsBuilder {
  private readonly rejects: CheckedLines['rejects'] = [];
  private n = 0;
  private lines = new Int32Array(1024);
  private readonly tickets: string[] = [];
  private readonly accounts: string[] = [];
  private numbers = new Float64Array(4 * 1024); // created ms, sub, resolved ms, sub
  private flags = new Uint8Array(2 * 1024); // resolved, resolution
  private readonly raw: string[] = [];

  reject(r: CheckedLines['rejects'][number]) {
    this.rejects.push(r);
  }

  row(
    line: number,
    ticket: string,
    account: string,
    numbers: readonly number[],
    resolved: boolean,
    res: number,
    raw: string
  ) {
    if (this.n === this.lines.length) {
      const lines = new Int32Array(this.n * 2);
      lines.set(this.lines);
      this.lines = lines;
      const numbersMore = new Float64Array(this.n * 8);
      numbersMore.set(this.numbers);
      this.numbers = numbersMore;
      const flags = new Uint8Array(this.n * 4);
      flags.set(this.flags);
      this.flags = flags;
    }
    const i = this.n++;
    this.lines[i] = line;
    this.tickets.push(ticket);
    this.accounts.push(account);
    this.numbers.set(numbers, 4 * i);
    this.flags[2 * i] = resolved ? 1 : 0;
    this.flags[2 * i + 1] = res;
    this.raw.push(raw);
  }

  /** a row of the exact rules: its instants split into milliseconds and nanoseconds */
  validRow(line: number, row: ValidRow, raw: string) {
    const split = (ns: bigint) => {
      const ms = nsToMs(ns);
      return [ms, Number(ns - BigInt(ms) * 1_000_000n)];
    };
    const resolved = row.resolvedNs === null ? [0, 0] : split(row.resolvedNs);
    this.row(
      line,
      row.ticketId,
      row.accountId,
      [...split(row.createdNs), ...resolved],
      row.resolvedNs !== null,
      row.resolution,
      raw
    );
  }

  build(): CheckedColumns {
    const n = this.n;
    const pick = (k: number) => Float64Array.from({ length: n }, (_, i) => this.numbers[4 * i + k]!);
    return {
      rejectLines: Int32Array.from(this.rejects, (r) => r.line),
      reasons: this.rejects.map((r) => r.reason),
      rejectRaw: this.rejects.map((r) => r.raw),
      lines: this.lines.slice(0, n),
      tickets: this.tickets,
      accounts: this.accounts,
      createdMs: pick(0),
      createdSub: pick(1),
      resolved: Uint8Array.from({ length: n }, (_, i) => this.flags[2 * i]!),
      resolvedMs: pick(2),
      resolvedSub: pick(3),
      resolutions: Uint8Array.from({ length: n }, (_, i) => this.flags[2 * i + 1]!),
      raw: this.raw
    };
  }
}

/** the typed arrays of CheckedColumns, to move them to another thread */
export function columnBuffers(c: CheckedColumns): ArrayBuffer[] {
  return [
    c.rejectLines,
    c.lines,
    c.createdMs,
    c.createdSub,
    c.resolved,
    c.resolvedMs,
    c.resolvedSub,
    c.resolutions
  ].map((a) => a.buffer as ArrayBuffer);
}

/**
 * The given lines (indexes into `offsets`, where each line of the range starts; the range ends at `end`), each
 * ending with one LF (a CR before it kept), in one buffer read straight into.
 */
function readLines(file: string, offsets: Float64Array, end: number, wanted: ArrayLike<number>): Buffer {
  const to = (i: number) => (i + 1 < offsets.length ? offsets[i + 1]! : end);
  let total = 0;
  for (let k = 0; k < wanted.length; k++) total += to(wanted[k]!) - offsets[wanted[k]!]! + 1;
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  const fd = fs.openSync(file, 'r');
  try {
    for (let k = 0; k < wanted.length; k++) {
      const i = wanted[k]!;
      const length = to(i) - offsets[i]!;
      // only the LF goes: a CR before it is the exact reader's to read, as it reads the whole file
      let n = fs.readSync(fd, buf, at, length, offsets[i]!);
      if (n && buf[at + n - 1] === LF) n--;
      at += n;
      buf[at++] = LF;
    }
  } finally {
    fs.closeSync(fd);
  }
  return buf.subarray(0, at);
}

/**
 * The exact rules over `text`, one record per line, whose k-th line is line `lines[k]` of the export; undefined
 * when it does not read as one record per line.
 */
async function checkLines(
  lines: ArrayLike<number>,
  text: Buffer,
  header: readonly string[],
  index: ColumnIndex
): Promise<CheckedLines | undefined> {
  const records: CsvRecord[] = [];
  await readCsvRecords(Readable.from([text]), (r) => records.push(r));
  if (records.length !== lines.length) return undefined;
  const out: CheckedLines = { rejects: [], valid: [] };
  for (const r of records) {
    const line = lines[r.line - 1]!;
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

/** The job of a range's second step: which of its lines to read exactly, and the number of its first line. */
export interface ExactJob {
  /** indexes of data lines in the range, ascending */
  wanted: Int32Array;
  /** the line number (1-based, in the export) of the range's first data line */
  firstLine: number;
  header: readonly string[];
  index: ColumnIndex;
}

/**
 * readLines + the rules for a range whose line starts are `offsets`. A line in the usual shape is read by the
 * line reader (RangeReader.usualRow: the same values, many times quicker); the others by checkLines.
 */
export async function checkRangeLines(
  file: string,
  offsets: Float64Array,
  end: number,
  layout: LineLayout,
  job: ExactJob
): Promise<CheckedColumns | undefined> {
  const text = readLines(file, offsets, end, job.wanted);
  const reader = new RangeReader(layout, 0);
  const out = new ColumnsBuilder();
  const others: number[] = [];
  const otherText: Buffer[] = [];
  const numbers = [0, 0, 0, 0];
  let s = 0;
  for (let k = 0; k < job.wanted.length; k++) {
    const e = text.indexOf(LF, s);
    const line = job.firstLine + job.wanted[k]!;
    if (reader.usualRow(text, s, e)) {
      // no quote, and fields split at commas: the CSV text of the fields is the line (less its CRLF's CR),
      // unless a CR is in one
      const raw = text.toString('latin1', s, e > s && text[e - 1] === CR ? e - 1 : e);
      numbers[0] = reader.createdMs;
      numbers[1] = reader.createdSub;
      numbers[2] = reader.resolved ? reader.resolvedMs : 0;
      numbers[3] = reader.resolved ? reader.resolvedSub : 0;
      out.row(
        line,
        reader.ticket,
        reader.account,
        numbers,
        reader.resolved,
        reader.res,
        raw.includes('\r') ? toCsvLine(raw.split(',')) : raw
      );
    } else {
      others.push(line);
      otherText.push(text.subarray(s, e + 1));
    }
    s = e + 1;
  }
  if (others.length) {
    const checked = await checkLines(others, Buffer.concat(otherText), job.header, job.index);
    if (!checked) return undefined;
    for (const r of checked.rejects) out.reject(r);
    for (const v of checked.valid) out.validRow(v.line, v.row, v.raw);
  }
  return out.build();
}
