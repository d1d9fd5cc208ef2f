/**
 * The fast path for large plain CSV exports. The file is cut into one byte range per core, each read by a
 * worker thread (lineScan.ts): per line the hash of its ticket_id and where it starts; a line the rules accept,
 * in any form they accept, is checked and counted per account and week right there, the others (rejected) are
 * left to the exact rules. Then only the few lines that need more are read again, each by the worker of its
 * range (exactLines.ts): the lines left to the exact rules (they give the rejects and their reasons; their
 * number, not the file's, sizes that step's memory) and the lines whose ticket_id hash
 * is on another line too (every duplicate is among them). Duplicates are settled as the exact engine settles
 * them and the weekly counts corrected. It is taken only when the file is laid out one record per line (no
 * blank line, no line break inside a value); otherwise the caller falls back to the exact reader. Either way
 * the results are the same, line numbers included (fastPath.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { MAX_RECORD_BYTES, readCsvRecords } from './csvRecords';
import { weekIndexOf } from './isoWeek';
import { trace } from '../lib/trace';
import { checkRangeLines, CheckedColumns, ExactJob } from './exactLines';
import {
  HASH_BUCKET_BITS,
  LineLayout,
  PlacedBuckets,
  quotedLineHash,
  RangeScan,
  repeatedHashLines,
  scanRange
} from './lineScan';
import type { LineReaderJob } from './lineScanWorker';
import { indexColumns } from './rowRules';

const LF = 0x0a;

/**
 * The header record, read exactly, when it is one line (quotes where RFC 4180 puts them) within the first
 * megabyte; else undefined.
 */
async function readHeader(file: string): Promise<string[] | undefined> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const end = buf.subarray(0, n).indexOf(LF);
  if (end === -1 && n === buf.length) return undefined;
  const line = buf.subarray(0, end === -1 ? n : end);
  const bom = line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf ? 3 : 0;
  if (line.includes(0x22) && quotedLineHash(line, bom, line.length, 0) === -1) return undefined;
  let header: string[] = [];
  await readCsvRecords(Readable.from([buf.subarray(0, end === -1 ? n : end + 1)]), (r) => {
    if (!header.length) header = r.fields;
  });
  return header;
}

/** below this size one range on this thread is quicker than starting workers */
const PARALLEL_FROM = 8 << 20;
const TSX_LOADER = require.resolve('tsx/cjs');
const WORKER = path.join(__dirname, 'lineScanWorker.ts');

const pickBuckets = ({ bucketStart, bucketHashes, bucketLines }: Part['scan']) => ({
  bucketStart,
  bucketHashes,
  bucketLines
});

/** One range of the file, read: what scanRange found, and its second step (exactLines.ts) to come. */
interface Part {
  scan: Omit<RangeScan, 'offsets'>;
  /** repeatedHashLines over buckets from..to-1 of all parts (in the part's worker) */
  repeats(parts: PlacedBuckets[], from: number, to: number): Promise<ArrayLike<number>>;
  /** the exact rules over some of the range's lines (indexes in the range); undefined: not one record each */
  check(job: ExactJob): Promise<CheckedColumns | undefined>;
  /** ends the worker when the second step will not come */
  stop(): void;
}

/** scanRange in a worker thread, which keeps the range's line starts for the second step */
function scanInWorker(file: string, start: number, end: number, layout: LineLayout, header: boolean) {
  const worker = new Worker(`require(${JSON.stringify(TSX_LOADER)}); require(${JSON.stringify(WORKER)});`, {
    eval: true,
    workerData: { file, start, end, layout, header }
  });
  // an error or an end is kept (a listener always there, so an error between two jobs is never unhandled) and
  // fails the answer awaited then or next
  let failure: Error | undefined;
  const failed = new Set<(err: Error) => void>();
  const fail = (err: Error) => {
    failure ??= err;
    for (const f of failed) f(failure);
    failed.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the line reader stopped (exit code ${code})`)));
  const answer = <T>() =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      const lost = (err: Error) => {
        worker.off('message', done);
        reject(err);
      };
      const done = (value: T) => {
        failed.delete(lost);
        resolve(value);
      };
      failed.add(lost);
      worker.once('message', done);
    });
  return answer<Part['scan']>().then(
    (scan): Part => ({
      scan,
      repeats(parts, from, to) {
        const answered = answer<Int32Array>();
        worker.postMessage({ kind: 'repeats', parts, from, to } satisfies LineReaderJob);
        return answered;
      },
      async check(job) {
        const answered = answer<CheckedColumns | null>();
        worker.postMessage({ kind: 'check', ...job } satisfies LineReaderJob, [job.wanted.buffer as ArrayBuffer]);
        return (await answered) ?? undefined;
      },
      stop: () => void worker.terminate()
    }),
    (err: unknown) => {
      void worker.terminate();
      throw err;
    }
  );
}

/** scanRange on this thread */
function scanHere(file: string, size: number, layout: LineLayout): Part {
  const { offsets, ...scan } = scanRange(file, 0, size, layout, true);
  return {
    scan,
    repeats: async (parts, from, to) => repeatedHashLines(parts, from, to),
    check: (job) => checkRangeLines(file, offsets, size, layout, job),
    stop: () => undefined
  };
}

/** Offsets that cut the file into about `parts` ranges, each starting at a line start. */
function rangeBounds(file: string, size: number, parts: number): number[] {
  const bounds = [0];
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    for (let i = 1; i < parts; i++) {
      // the first line start at or after the cut
      let pos = Math.max(Math.floor((size * i) / parts), bounds[bounds.length - 1]!) - 1;
      const cut = pos;
      let next = size;
      // no line break within a record's limit: the line is too long for the fast path anyway (its range says so)
      while (pos < size && pos - cut <= MAX_RECORD_BYTES) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        const lf = buf.subarray(0, n).indexOf(LF);
        if (lf !== -1) {
          next = pos + lf + 1;
          break;
        }
        pos += n;
      }
      if (next < size && next > bounds[bounds.length - 1]!) bounds.push(next);
    }
  } finally {
    fs.closeSync(fd);
  }
  bounds.push(size);
  return bounds;
}

/** Every line of the file read by scanRange: in parallel ranges when the file is large. */
async function scanFile(file: string, size: number, layout: LineLayout): Promise<Part[]> {
  trace('fast path: reading lines');
  const parts = size < PARALLEL_FROM ? 1 : Math.min(os.availableParallelism(), 8);
  if (parts === 1) return [scanHere(file, size, layout)];
  const bounds = rangeBounds(file, size, parts);
  const started = bounds.slice(1).map((end, i) => scanInWorker(file, bounds[i]!, end, layout, i === 0));
  const settled = await Promise.allSettled(started);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of settled) if (r.status === 'fulfilled') r.value.stop();
    throw failed.reason;
  }
  return settled.map((r) => (r as PromiseFulfilledResult<Part>).value);
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
 * Weekly counts per account being put together from the parts' counts, the rows the exact rules accepted and
 * the duplicate corrections: contributions are collected first, then added up in a table per account and week
 * (a map when the weeks span too long for a table), and read out in order without sorting every week.
 */
class WeekCounts {
  readonly accounts: string[] = [];
  private readonly accountIndex = new Map<string, number>();
  /** per contribution: account, week, ai, human, unresolved */
  private parts = new Int32Array(5 << 12);
  private n = 0;

  account(name: string): number {
    let a = this.accountIndex.get(name);
    if (a === undefined) {
      a = this.accounts.length;
      this.accounts.push(name);
      this.accountIndex.set(name, a);
    }
    return a;
  }

  /** adds counts (negative to take away) per resolution (RESOLUTIONS order) to the account's week */
  add(account: number, week: number, ai: number, human: number, unresolved: number) {
    if (this.n * 5 + 5 > this.parts.length) {
      const bigger = new Int32Array(this.parts.length * 2);
      bigger.set(this.parts);
      this.parts = bigger;
    }
    const p = this.parts;
    const at = this.n++ * 5;
    p[at] = account;
    p[at + 1] = week;
    p[at + 2] = ai;
    p[at + 3] = human;
    p[at + 4] = unresolved;
  }

  /** adds n rows of resolution res */
  addRows(account: number, week: number, res: number, n: number) {
    this.add(account, week, res === 0 ? n : 0, res === 1 ? n : 0, res === 2 ? n : 0);
  }

  /** The weeks with tickets, by account (in UTF-8 byte order, as DuckDB orders text) then week. */
  weeks(): FastAggregate['weeks'] {
    const p = this.parts;
    let minWeek = Infinity;
    let maxWeek = -Infinity;
    for (let i = 0; i < this.n; i++) {
      minWeek = Math.min(minWeek, p[i * 5 + 1]!);
      maxWeek = Math.max(maxWeek, p[i * 5 + 1]!);
    }
    const span = maxWeek - minWeek + 1;
    const byName = this.accounts.map((_, i) => i).sort((x, y) => compareUtf8(this.accounts[x]!, this.accounts[y]!));
    // cell of (account, week) -> 3 counts; keys lists the cells in use when they come from a map
    let counts: Int32Array;
    let keys: number[] | undefined;
    if (this.accounts.length * span * 3 <= 1 << 23) {
      counts = new Int32Array(this.accounts.length * span * 3);
      for (let i = 0; i < this.n; i++) {
        const c = (p[i * 5]! * span + p[i * 5 + 1]! - minWeek) * 3;
        counts[c]! += p[i * 5 + 2]!;
        counts[c + 1]! += p[i * 5 + 3]!;
        counts[c + 2]! += p[i * 5 + 4]!;
      }
    } else {
      const cells = new Map<number, number>();
      keys = [];
      counts = new Int32Array(3 * Math.min(this.n, 1 << 20));
      for (let i = 0; i < this.n; i++) {
        const key = p[i * 5]! * span + p[i * 5 + 1]! - minWeek;
        let c = cells.get(key);
        if (c === undefined) {
          c = keys.length * 3;
          cells.set(key, c);
          keys.push(key);
          if (c + 3 > counts.length) {
            const bigger = new Int32Array(counts.length * 2);
            bigger.set(counts);
            counts = bigger;
          }
        }
        counts[c]! += p[i * 5 + 2]!;
        counts[c + 1]! += p[i * 5 + 3]!;
        counts[c + 2]! += p[i * 5 + 4]!;
      }
    }
    const out: FastAggregate['weeks'] = [];
    const take = (account: number, offset: number, c: number) => {
      const ai = counts[c]!;
      const human = counts[c + 1]!;
      const unresolved = counts[c + 2]!;
      if (ai + human + unresolved === 0) return;
      out.push({
        accountKey: this.accounts[account]!,
        weekIndex: minWeek + offset,
        ticketsTotal: ai + human + unresolved,
        aiResolved: ai,
        humanResolved: human,
        unresolved
      });
    };
    if (!keys) {
      for (const a of byName) for (let w = 0; w < span; w++) take(a, w, (a * span + w) * 3);
    } else {
      const rank = new Int32Array(this.accounts.length);
      byName.forEach((a, r) => (rank[a] = r));
      const order = keys.map((key, i) => ({ key, c: i * 3 }));
      order.sort((x, y) => rank[Math.floor(x.key / span)]! - rank[Math.floor(y.key / span)]! || x.key - y.key);
      for (const { key, c } of order) take(Math.floor(key / span), key % span, c);
    }
    return out;
  }
}

/** Text order by UTF-8 bytes (= code points): JavaScript's < orders UTF-16 units, which differs past U+FFFF. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === a.length || i === b.length) return a.length - b.length;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  // a surrogate (a code point past U+FFFF) sorts after every other unit from U+E000 on
  const xs = x >= 0xd800 && x <= 0xdfff;
  const ys = y >= 0xd800 && y <= 0xdfff;
  if (xs !== ys && Math.max(x, y) >= 0xe000) return xs ? 1 : -1;
  return x - y;
}

/**
 * The whole aggregate of a plain CSV, or undefined (nothing left behind) when the file is not one record per
 * line. Its lines are read in parallel byte ranges (lineScan.ts): lines the rules accept are checked and
 * counted per account and week there; every line's ticket_id is hashed. Only the few lines that need more are
 * then read exactly (csvRecords + checkRow): the lines left to the exact rules (they give the rejects and their
 * reasons), and the lines whose ticket_id hash repeats (every duplicate is among them). Duplicates are settled
 * in SQL as in the exact engine, and the weekly counts corrected for them.
 */
export async function aggregatePlainCsv(file: string): Promise<FastAggregate | undefined> {
  const header = await readHeader(file).catch(() => undefined);
  if (!header) return undefined;
  const { index } = indexColumns(header);
  if (!index || new Set(header.map((h) => h.trim().toLowerCase())).size !== header.length) return undefined;
  const layout: LineLayout = {
    columns: header.length,
    ticket: index.ticket_id,
    account: index.account_id,
    created: index.created_at,
    resolved: index.resolved_at,
    resolution: index.resolution
  };
  const size = fs.statSync(file).size;
  let parts: Part[];
  try {
    parts = await scanFile(file, size, layout);
  } catch {
    return undefined; // the exact reader reads it again and says what is wrong
  }
  // workers wait for their second job: whatever happens below, they are ended
  try {
    trace('fast path: lines read');
    const rowsRead = parts.reduce((n, p) => n + p.scan.lines, 0);
    if (parts.some((p) => !p.scan.ok)) return undefined;
    if (rowsRead === 0) return { rowsRead, tickets: 0, duplicates: 0, rejects: [], weeks: [] };

    // the lines the exact rules decide, and those whose ticket_id hash repeats (data line i is line i + 2)
    const slow: number[] = [];
    const weeks = new WeekCounts();
    const placed: { scan: Part['scan']; first: number }[] = [];
    let first = 0;
    for (const { scan } of parts) {
      placed.push({ scan, first });
      for (const i of scan.slow) slow.push(first + i);
      const account = scan.accounts.map((name) => weeks.account(name));
      const c = scan.counts;
      for (let g = 0; g < scan.groupAccount.length; g++)
        weeks.add(account[scan.groupAccount[g]!]!, scan.groupWeek[g]!, c[3 * g]!, c[3 * g + 1]!, c[3 * g + 2]!);
      first += scan.lines;
    }
    trace('fast path: parts joined');
    // each part's worker looks for repeats in its share of the buckets of all parts
    const buckets = placed.map(({ scan, first: from }) => ({ ...pickBuckets(scan), first: from }));
    const share = (k: number) => Math.round((k * (1 << HASH_BUCKET_BITS)) / parts.length);
    const found = await Promise.all(parts.map((p, k) => p.repeats(buckets, share(k), share(k + 1))));
    const repeated = found.flatMap((lines) => Array.from(lines)).sort((x, y) => x - y);
    trace('fast path: repeated hashes found');
    const isSlow = new Set(slow);
    const wanted = [...new Set([...slow, ...repeated])].sort((x, y) => x - y);
    // each part reads and checks its own lines (a worker's in parallel with the others)
    const answers = await Promise.allSettled(
      placed.map(({ scan, first: from }, k) =>
        parts[k]!.check({
          wanted: Int32Array.from(wanted.filter((i) => i >= from && i < from + scan.lines).map((i) => i - from)),
          firstLine: from + 2,
          header,
          index
        })
      )
    );
    for (const p of parts) p.stop(); // their part is done: their memory goes now
    trace('fast path: lines to look at checked exactly');
    if (answers.some((a) => a.status === 'rejected' || !a.value)) return undefined;
    const checked = answers.map((a) => (a as PromiseFulfilledResult<CheckedColumns>).value);
    const rejects: FastAggregate['rejects'] = [];
    for (const c of checked)
      c.rejectLines.forEach((line, i) => rejects.push({ line, reason: c.reasons[i]!, raw: c.rejectRaw[i]! }));
    // a line counted fast that the exact rules reject would be a disagreement: the exact reader decides all then
    if (rejects.some((r) => !isSlow.has(r.line - 2))) return undefined;
    const badRows = rejects.length;
    const repeatedSet = new Set(repeated);
    const candidates: Ref[] = [];
    const add = (r: Ref, n: number) =>
      weeks.addRows(weeks.account(r.c.accounts[r.i]!), weekIndexOf(r.c.createdMs[r.i]!), r.c.resolutions[r.i]!, n);
    for (const c of checked) {
      for (let i = 0; i < c.lines.length; i++) {
        const line = c.lines[i]! - 2;
        // rows the exact rules accepted are counted too; rows of a repeated ticket_id hash hold every duplicate
        if (isSlow.has(line)) add({ c, i }, 1);
        if (repeatedSet.has(line)) candidates.push({ c, i });
      }
    }
    const settled = settleDuplicates(candidates);
    rejects.push(...settled.rejects);
    rejects.sort((a, b) => a.line - b.line);
    // the counts of all valid rows, less every row of a duplicated ticket, plus each ticket's winning row
    for (const r of settled.rowsInDups) add(r, -1);
    for (const r of settled.winners) add(r, 1);
    trace('fast path: duplicates settled');
    return {
      rowsRead,
      tickets: rowsRead - badRows - settled.rowsInDups.length + settled.winners.length,
      duplicates: settled.duplicates,
      rejects,
      weeks: weeks.weeks()
    };
  } finally {
    for (const p of parts) p.stop();
  }
}

/** a valid row: row i of some checked columns */
interface Ref {
  c: CheckedColumns;
  i: number;
}

/** -1, 0 or 1 as row a's resolved_at is before, at or after row b's (an empty one is before any instant) */
function compareResolved(a: Ref, b: Ref): number {
  const ra = a.c.resolved[a.i]!;
  const rb = b.c.resolved[b.i]!;
  if (!ra || !rb) return ra - rb;
  return (
    Math.sign(a.c.resolvedMs[a.i]! - b.c.resolvedMs[b.i]!) || Math.sign(a.c.resolvedSub[a.i]! - b.c.resolvedSub[b.i]!)
  );
}

/**
 * Duplicates among valid rows, by the rules of the issue (settle() in aggregate.ts applies them in SQL to the
 * exact engine's rows; fastPath.test.ts holds the two to the same results): a ticket_id under more than one
 * account_id rejects all its rows; otherwise the row with the latest resolved_at wins (empty = earliest), and
 * rows tied on it that disagree on created_at or resolution reject every row of the ticket; the other rows are
 * duplicates.
 */
function settleDuplicates(rows: readonly Ref[]) {
  const byTicket = new Map<string, Ref[]>();
  for (const r of rows) {
    const ticket = r.c.tickets[r.i]!;
    const same = byTicket.get(ticket);
    if (same) same.push(r);
    else byTicket.set(ticket, [r]);
  }
  const rejects: FastAggregate['rejects'] = [];
  const rowsInDups: Ref[] = [];
  const winners: Ref[] = [];
  let duplicates = 0;
  for (const [ticket, same] of byTicket) {
    if (same.length < 2) continue;
    rowsInDups.push(...same);
    const accounts = [...new Set(same.map((r) => r.c.accounts[r.i]!))].sort(compareUtf8);
    const top = same.reduce((a, b) => (compareResolved(b, a) > 0 ? b : a));
    const tied = same.filter((r) => compareResolved(r, top) === 0);
    const first = tied[0]!;
    const conflict = tied.some(
      (r) =>
        r.c.createdMs[r.i] !== first.c.createdMs[first.i] ||
        r.c.createdSub[r.i] !== first.c.createdSub[first.i] ||
        r.c.resolutions[r.i] !== first.c.resolutions[first.i]
    );
    const reason =
      accounts.length > 1
        ? `ticket_id ${ticket} appears under more than one account_id (${accounts.join(', ')})`
        : conflict
          ? `ticket_id ${ticket} has rows with the same latest resolved_at that disagree on created_at or resolution`
          : undefined;
    if (reason) for (const r of same) rejects.push({ line: r.c.lines[r.i]!, reason, raw: r.c.raw[r.i]! });
    else {
      winners.push(first);
      duplicates += same.length - 1;
    }
  }
  return { rejects, rowsInDups, winners, duplicates };
}
