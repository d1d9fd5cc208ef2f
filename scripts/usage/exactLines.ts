/**
 * The exact reader and rules (csvRecords + rowRules) over chosen lines of a one-record-per-line export: the
 * fast path (fastPath.ts) sends here the lines its line reader left to them and the lines whose ticket_id may
 * be a duplicate. Runs in a line reader's worker thread, over that worker's own range, or on the main thread.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { CsvRecord, readCsvRecords, toCsvLine } from './csvRecords';
import { LineLayout, RangeReader } from './lineScan';
import { checkRow, ColumnIndex, ValidRow } from './rowRules';

const LF = 0x0a;
const CR = 0x0d;

/** What the exact rules make of some lines: rejects with their reasons, and the valid rows. */
export interface CheckedLines {
  rejects: { line: number; reason: string; raw: string }[];
  valid: { line: number; row: ValidRow; raw: string }[];
}

/**
 * CheckedLines as a few arrays, to pass between threads: copying tens of thousands of small objects there
 * costs far more than copying their values column by column.
 */
export interface CheckedColumns {
  rejectLines: Int32Array;
  reasons: string[];
  rejectRaw: string[];
  lines: Int32Array;
  tickets: string[];
  accounts: string[];
  created: BigInt64Array;
  /** resolved_at, where hasResolved says there is one */
  resolved: BigInt64Array;
  hasResolved: Uint8Array;
  resolutions: Uint8Array;
  raw: string[];
}

export function toColumns(c: CheckedLines): CheckedColumns {
  const v = c.valid;
  return {
    rejectLines: Int32Array.from(c.rejects, (r) => r.line),
    reasons: c.rejects.map((r) => r.reason),
    rejectRaw: c.rejects.map((r) => r.raw),
    lines: Int32Array.from(v, (r) => r.line),
    tickets: v.map((r) => r.row.ticketId),
    accounts: v.map((r) => r.row.accountId),
    created: BigInt64Array.from(v, (r) => r.row.createdNs),
    resolved: BigInt64Array.from(v, (r) => r.row.resolvedNs ?? 0n),
    hasResolved: Uint8Array.from(v, (r) => (r.row.resolvedNs === null ? 0 : 1)),
    resolutions: Uint8Array.from(v, (r) => r.row.resolution),
    raw: v.map((r) => r.raw)
  };
}

export function fromColumns(c: CheckedColumns): CheckedLines {
  return {
    rejects: Array.from(c.rejectLines, (line, i) => ({ line, reason: c.reasons[i]!, raw: c.rejectRaw[i]! })),
    valid: Array.from(c.lines, (line, i) => ({
      line,
      row: {
        ticketId: c.tickets[i]!,
        accountId: c.accounts[i]!,
        createdNs: c.created[i]!,
        resolvedNs: c.hasResolved[i] ? c.resolved[i]! : null,
        resolution: c.resolutions[i] as ValidRow['resolution']
      },
      raw: c.raw[i]!
    }))
  };
}

/**
 * The given lines (indexes into `offsets`, where each line of the range starts; the range ends at `end`), each
 * without its own line end and followed by a LF, in one buffer read straight into.
 */
export function readLines(file: string, offsets: Float64Array, end: number, wanted: ArrayLike<number>): Buffer {
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
      let n = fs.readSync(fd, buf, at, length, offsets[i]!);
      if (n && buf[at + n - 1] === LF) n--;
      if (n && buf[at + n - 1] === CR) n--;
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
export async function checkLines(
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
 * line reader (RangeReader.row: the same values, many times quicker); the others by checkLines.
 */
export async function checkRangeLines(
  file: string,
  offsets: Float64Array,
  end: number,
  layout: LineLayout,
  job: ExactJob
): Promise<CheckedLines | undefined> {
  const text = readLines(file, offsets, end, job.wanted);
  const reader = new RangeReader(layout, 0);
  const out: CheckedLines = { rejects: [], valid: [] };
  const others: number[] = [];
  const otherText: Buffer[] = [];
  let s = 0;
  for (let k = 0; k < job.wanted.length; k++) {
    const e = text.indexOf(LF, s);
    const line = job.firstLine + job.wanted[k]!;
    const row = reader.row(text, s, e);
    if (row) {
      // no quote, and fields split at commas: the CSV text of the fields is the line, unless a CR is in one
      const raw = text.toString('latin1', s, e);
      out.valid.push({ line, row, raw: raw.includes('\r') ? toCsvLine(raw.split(',')) : raw });
    } else {
      others.push(line);
      otherText.push(text.subarray(s, e + 1));
    }
    s = e + 1;
  }
  if (others.length) {
    const checked = await checkLines(others, Buffer.concat(otherText), job.header, job.index);
    if (!checked) return undefined;
    out.rejects.push(...checked.rejects);
    out.valid.push(...checked.valid);
    out.valid.sort((a, b) => a.line - b.line);
  }
  return out;
}
