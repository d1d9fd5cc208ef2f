/**
 * A re-run on the same export should not parse it again: the aggregate of an export is a pure function of
 * its bytes, so it is cached under a fingerprint of the file (size, modification time, inode, and a hash of
 * its first and last megabyte). Editing a file changes its modification time; a deliberately back-dated
 * edit of the same size is the one change this does not see (`--no-cache` then).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { workingProjectRoot } from '../lib/paths';
import type { AggregateResult, WeekUsage } from './aggregate';

/** Bump when the rules or the result shape change, so old cache entries are ignored. */
const ENGINE_VERSION = '5';
const EDGE_BYTES = 1 << 20;
export const DEFAULT_CACHE_DIR = path.join(workingProjectRoot(), '.gtm', 'cache', 'usage');

/** `reading`: how the file is read (its --encoding), which changes the result as much as its bytes */
export function fingerprint(file: string, reading = ''): string {
  const st = fs.statSync(file);
  const h = createHash('sha256').update(
    `${ENGINE_VERSION}|${reading}|${path.resolve(file)}|${st.size}|${st.mtimeMs}|${st.ino}|`
  );
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(EDGE_BYTES, st.size));
    fs.readSync(fd, buf, 0, buf.length, 0);
    h.update(buf);
    fs.readSync(fd, buf, 0, buf.length, Math.max(0, st.size - buf.length));
    h.update(buf);
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * One entry per fingerprint: a folder holding result.json (everything but the weeks), weeks.parquet (the weeks,
 * as aggregateExport writes them with `weeksFile`, so a sink that stores rows where SQL runs reads them from
 * there) and weeks.bin (the same weeks for JavaScript, see weeksBinary: read several times quicker than through
 * DuckDB). The folder is made under a temporary name and renamed when
 * whole.
 */
const RESULT = 'result.json';
const WEEKS = 'weeks.parquet';
const WEEKS_BIN = 'weeks.bin';
/** per week in weeks.bin: account (index into the names), week index, total, ai, human, unresolved */
const WEEK_INTS = 6;

export interface CachedAggregate {
  result: AggregateResult;
  /** the weeks of the result as Parquet (columns WEEKS_FILE_COLUMNS of aggregate.ts) */
  weeksFile: string;
}

const MAGIC = 'GTMW';
const HEAD = 16;

/** FNV-1a over 32-bit words: a cut or changed byte of weeks.bin changes it */
function checksum(words: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 16777619);
  return h >>> 0;
}

/**
 * weeks.bin: MAGIC, the number of weeks, the byte length of the names' JSON and the checksum of what follows
 * (4 bytes each); then the JSON, padding to 4 bytes, and WEEK_INTS 32-bit integers per week.
 */
function weeksBinary(weeks: readonly WeekUsage[]): Buffer {
  const names: string[] = [];
  const index = new Map<string, number>();
  let last: string | undefined;
  let a = -1;
  const accounts = new Int32Array(weeks.length);
  weeks.forEach((w, i) => {
    // the weeks come by account: most rows have the account of the row before
    if (w.accountKey !== last) {
      last = w.accountKey;
      const known = index.get(last);
      if (known === undefined) index.set(last, (a = names.push(last) - 1));
      else a = known;
    }
    accounts[i] = a;
  });
  const json = Buffer.from(JSON.stringify(names), 'utf8');
  const from = HEAD + json.length + ((4 - (json.length % 4)) % 4);
  const buf = Buffer.alloc(from + weeks.length * WEEK_INTS * 4);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(weeks.length, 4);
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, HEAD);
  const ints = new Int32Array(buf.buffer, buf.byteOffset + from, weeks.length * WEEK_INTS);
  let k = 0;
  weeks.forEach((w, i) => {
    ints[k++] = accounts[i]!;
    ints[k++] = w.weekIndex;
    ints[k++] = w.ticketsTotal;
    ints[k++] = w.aiResolved;
    ints[k++] = w.humanResolved;
    ints[k++] = w.unresolved;
  });
  buf.writeUInt32LE(checksum(new Uint32Array(buf.buffer, buf.byteOffset + HEAD, (buf.length - HEAD) / 4)), 12);
  return buf;
}

function readWeeksBinary(file: string): WeekUsage[] {
  // a copy of its own, so the words are aligned whatever the pool the file was read into
  const read = fs.readFileSync(file);
  const buf = Buffer.from(read.buffer.slice(read.byteOffset, read.byteOffset + read.length));
  const damaged = () => new Error(`${file} is damaged`);
  if (buf.length < HEAD || buf.toString('latin1', 0, 4) !== MAGIC) throw damaged();
  const count = buf.readUInt32LE(4);
  const length = buf.readUInt32LE(8);
  const from = HEAD + length + ((4 - (length % 4)) % 4);
  if (buf.length !== from + count * WEEK_INTS * 4) throw damaged();
  if (checksum(new Uint32Array(buf.buffer, HEAD, (buf.length - HEAD) / 4)) !== buf.readUInt32LE(12)) throw damaged();
  const names: unknown = JSON.parse(buf.toString('utf8', HEAD, HEAD + length));
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw damaged();
  const ints = new Int32Array(buf.buffer, from, count * WEEK_INTS);
  const weeks: WeekUsage[] = new Array(count);
  for (let i = 0, k = 0; i < count; i++, k += WEEK_INTS) {
    const accountKey = (names as string[])[ints[k]!];
    if (accountKey === undefined) throw damaged();
    weeks[i] = {
      accountKey,
      weekIndex: ints[k + 1]!,
      ticketsTotal: ints[k + 2]!,
      aiResolved: ints[k + 3]!,
      humanResolved: ints[k + 4]!,
      unresolved: ints[k + 5]!
    };
  }
  return weeks;
}

export async function readCached(dir: string, key: string): Promise<CachedAggregate | undefined> {
  const entry = path.join(dir, key);
  const weeksFile = path.join(entry, WEEKS);
  if (![RESULT, WEEKS, WEEKS_BIN].every((f) => fs.existsSync(path.join(entry, f)))) return undefined;
  try {
    const { weekCount, ...result } = JSON.parse(fs.readFileSync(path.join(entry, RESULT), 'utf8')) as Omit<
      AggregateResult,
      'weeks'
    > & { weekCount: number };
    const weeks = readWeeksBinary(path.join(entry, WEEKS_BIN));
    // a weeks.bin of another run (or cut at a week's end) reads without error: the count must match too
    if (weeks.length !== weekCount) return undefined;
    try {
      // a used entry counts as recent when the cache is pruned
      const now = new Date();
      fs.utimesSync(entry, now, now);
    } catch {
      // a cache that cannot be written to is still read
    }
    return { result: { ...result, weeks }, weeksFile };
  } catch {
    return undefined; // a damaged cache entry is just a miss
  }
}

/** Entries kept: the most recently made or used (each holds the weekly counts of one export, a few MB). */
export const KEEP_ENTRIES = 8;
/** A staging folder this old was left by a run that stopped before finishing its entry. */
const STALE_STAGING_MS = 24 * 3_600_000;
/** An entry made or used this recently is kept whatever the count: another sync may be reading it. */
const IN_USE_MS = 3_600_000;

/**
 * Removes all but the KEEP_ENTRIES most recently made or used entries (of any engine version; older versions are
 * never read again), unless used within the hour, and staging folders left behind. Never fails the sync: the cache only saves time.
 */
function prune(dir: string, keep: string) {
  try {
    const now = Date.now();
    const entries: { dir: string; mtimeMs: number }[] = [];
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      const st = fs.statSync(full);
      if (!st.isDirectory()) continue;
      if (name.startsWith('.')) {
        if (now - st.mtimeMs > STALE_STAGING_MS) fs.rmSync(full, { recursive: true, force: true });
      } else if (full !== keep) entries.push({ dir: full, mtimeMs: st.mtimeMs });
    }
    entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const e of entries.slice(KEEP_ENTRIES - 1))
      if (now - e.mtimeMs > IN_USE_MS) fs.rmSync(e.dir, { recursive: true, force: true });
  } catch {
    // another sync may be pruning the same folder: whatever is left is removed next time
  }
}

/** Where aggregateExport should write the weeks of an entry about to be made (in a folder of a temporary name). */
export function stagingWeeksFile(dir: string, key: string): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true });
    // a name of its own: another sync of the same file (to another store) may be making the same entry
    const staging = fs.mkdtempSync(path.join(dir, `.${key}.`));
    return path.join(staging, WEEKS);
  } catch {
    return undefined; // no cache this time
  }
}

/**
 * Makes the entry whose weeks are in `weeksFile` (from stagingWeeksFile); returns where the weeks file is
 * afterwards (in the entry, or still at `weeksFile` when the entry could not be made). The entry is read only
 * once writeCachedWeeks has completed it: the sync does that while the sink writes.
 */
export function writeCached(dir: string, key: string, r: AggregateResult, weeksFile: string): string {
  try {
    const { weeks: _weeks, ...result } = r;
    const staging = path.dirname(weeksFile);
    fs.writeFileSync(path.join(staging, RESULT), JSON.stringify({ ...result, weekCount: r.weeks.length }));
    const entry = path.join(dir, key);
    // an entry without weeks.bin made within the hour is another sync's of the same file, still to be completed
    // while its sink reads the weeks there: left alone (this sync's weeks file is removed at its end)
    if (
      fs.existsSync(entry) &&
      !fs.existsSync(path.join(entry, WEEKS_BIN)) &&
      Date.now() - fs.statSync(entry).mtimeMs < IN_USE_MS
    ) {
      fs.rmSync(path.join(staging, RESULT), { force: true });
      return weeksFile;
    }
    // an entry already there was not readable (a miss brought us here): it is moved aside, then removed
    const aside = fs.existsSync(entry) ? `${staging}.old` : undefined;
    if (aside) fs.renameSync(entry, aside);
    fs.renameSync(staging, entry);
    if (aside) fs.rmSync(aside, { recursive: true, force: true });
    prune(dir, entry);
    return path.join(entry, WEEKS);
  } catch {
    // the cache only saves time; failing to write it must not fail the sync
    return weeksFile;
  }
}

/** Completes an entry made by writeCached with the weeks for JavaScript (weeks.bin). Never fails the sync. */
export function writeCachedWeeks(dir: string, key: string, weeks: readonly WeekUsage[]): void {
  const entry = path.join(dir, key);
  try {
    if (!fs.existsSync(path.join(entry, RESULT))) return;
    // through a temporary name, so a reader never sees half a file
    const tmp = path.join(entry, `.${WEEKS_BIN}.${process.pid}`);
    fs.writeFileSync(tmp, weeksBinary(weeks));
    fs.renameSync(tmp, path.join(entry, WEEKS_BIN));
  } catch {
    // the cache only saves time
  }
}
