/**
 * The line reader of the fast path (fastPath.ts), for one byte range of a one-record-per-line CSV export; the
 * ranges of a large file are read in parallel worker threads (lineScanWorker.ts). Per line it keeps the hash of
 * the ticket_id (to find duplicates) and where the line starts (to read it again). A line the rules accept is
 * checked and counted here, in every form they accept: quoted values or not ("" inside), CRLF, padded ids and
 * resolutions in any case, every instant form of instant.ts (offsets included). What is left to the exact rules
 * (csvRecords + rowRules) is what they reject, so what is counted here is only ever what those rules would
 * accept, with the same values. lineScan.test.ts and fastPath.test.ts hold the two to the same results,
 * character by character.
 */
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { MAX_RECORD_BYTES } from './csvRecords';
import * as instant from './instant';

const LF = 0x0a;
const CR = 0x0d;
/** a line this long goes to the exact reader, which refuses a record over MAX_RECORD_BYTES (csvRecords.ts) */
const LONG_LINE = MAX_RECORD_BYTES / 2;
const QUOTE = 0x22;
const COMMA = 0x2c;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** 1970-01-05, the Monday weeks are counted from (isoWeek.ts) */
const EPOCH_MONDAY_MS = 4 * DAY_MS;
// plain constants: an imported binding is a property read through a getter on every use, and this is per line
const MIN_YEAR = instant.MIN_YEAR;
const MAX_YEAR = instant.MAX_YEAR;

/** Where the columns the rules read are, by position in a line. */
export interface LineLayout {
  columns: number;
  ticket: number;
  account: number;
  created: number;
  resolved: number;
  resolution: number;
}

/** What one range yields (typed arrays, so a worker hands them over without copying). */
export interface RangeScan {
  /**
   * false when a line of the range is blank, too long, its quotes are not where RFC 4180 puts them, or a byte is
   * not UTF-8 (the exact reader then says which): the range is read no further
   */
  ok: boolean;
  /** data lines in the range (the header is not one) */
  lines: number;
  /**
   * the hash of each data line's trimmed ticket_id (hashField), grouped by its top HASH_BUCKET_BITS bits: bucket
   * b holds bucketHashes[bucketStart[b] .. bucketStart[b + 1]), and bucketLines the lines (indexes in the range)
   * they are from. Grouped here, in parallel, so that finding repeats across ranges is quick (fastPath.ts).
   */
  bucketStart: Uint32Array;
  bucketHashes: Uint32Array;
  bucketLines: Uint32Array;
  /** per data line: the file offset where it starts */
  offsets: Float64Array;
  /** data lines (indexes in the range) left to the exact rules */
  slow: Int32Array;
  /** the lines counted here, per (account, week): counts[3 * g + resolution] for group g */
  accounts: string[];
  groupAccount: Int32Array;
  groupWeek: Int32Array;
  counts: Int32Array;
}

/**
 * The hash of a ticket_id: FNV-1a over the UTF-8 of its text as the exact reader decodes and trims it (bytes
 * a..b, ASCII whitespace trimmed, "" pairs counted once when `escaped`). Bytes that are not ASCII are decoded
 * and encoded again, so two spellings of the same text (invalid UTF-8 reads as U+FFFD) hash alike.
 */
export function hashField(buf: Uint8Array, a: number, b: number, escaped: boolean): number {
  while (a < b && (buf[a] === 32 || (buf[a]! >= 9 && buf[a]! <= 13))) a++;
  while (b > a && (buf[b - 1] === 32 || (buf[b - 1]! >= 9 && buf[b - 1]! <= 13))) b--;
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) {
    if (buf[i]! >= 0x80) return hashText(buf, a, b, escaped);
    h = Math.imul(h ^ buf[i]!, 16777619);
    if (escaped && buf[i] === QUOTE) i++;
  }
  return h >>> 0;
}

function hashText(buf: Uint8Array, a: number, b: number, escaped: boolean): number {
  let text = Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8');
  if (escaped) text = text.replace(/""/g, '"');
  const bytes = Buffer.from(text, 'utf8');
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  return h >>> 0;
}

/**
 * One line with a quote (buf[s..e), no LF): the hash of its field `col`, or -1 when its quotes are not where
 * RFC 4180 puts them (opening a value, closing it before a comma or the line end, or doubled inside it) or it
 * has fewer fields.
 */
export function quotedLineHash(buf: Uint8Array, s: number, e: number, col: number): number {
  if (e > s && buf[e - 1] === CR) e--;
  let pos = s;
  let hash = -1;
  for (let f = 0; ; f++) {
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

/** days from 1970-01-01 to 1 January of each year MIN_YEAR..MAX_YEAR */
const YEAR_START_DAY = Int32Array.from({ length: MAX_YEAR - MIN_YEAR + 1 }, (_, i) =>
  Math.round(Date.UTC(MIN_YEAR + i, 0, 1) / DAY_MS)
);
/** days before each month (1-based) in a common year */
const MONTH_START_DAY = Int32Array.of(0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334);
const DAYS_IN_MONTH = Int32Array.of(0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31);

/** what n fractional digits are multiplied by to give nanoseconds */
const SCALE_TO_NS = Float64Array.from({ length: 10 }, (_, n) => 10 ** (9 - n));
/** set by readInstant and readInstantText: epoch milliseconds (floor) and the nanoseconds past them */
let instantMs = 0;
let instantSubNs = 0;

const notDigit = (d: number) => d >>> 0 > 9;

/**
 * The instant of its fields as readInstant and readInstantText found them (every digit checked): false when one
 * is out of range (a year outside MIN_YEAR..MAX_YEAR, a day the month lacks, an hour past 23, an offset past
 * 23:59, ...), else sets instantMs and instantSubNs. `offset` is +1 or -1 times the offset's HH * 60 + MM, with
 * offsetHour and offsetMinute its two parts (0 for Z or none).
 */
function instantOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fractionNs: number,
  offsetSign: number,
  offsetHour: number,
  offsetMinute: number
): boolean {
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 1 : 0;
  if (day > DAYS_IN_MONTH[month]! + (month === 2 ? leap : 0)) return false;
  const days = YEAR_START_DAY[year - MIN_YEAR]! + MONTH_START_DAY[month]! + (month > 2 ? leap : 0) + day - 1;
  const fractionMs = (fractionNs / 1e6) | 0; // below 1e9: a 32-bit truncation is the floor
  // the local time less the offset is UTC (instant.ts)
  const offsetMs = offsetSign * (offsetHour * 3_600_000 + offsetMinute * 60_000);
  instantMs = days * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + fractionMs - offsetMs;
  instantSubNs = fractionNs - fractionMs * 1e6;
  return true;
}

/**
 * Reads buf[a..e) when it is an instant instant.ts accepts: YYYY-MM-DD, `T` or a space, HH:MM:SS, optionally
 * `.` and 1-9 digits, then `Z`, `+HH:MM`, `-HH:MM` or nothing (UTC). Then sets instantMs and instantSubNs and
 * returns true; false when instant.ts would refuse it too (lineScan.test.ts holds the two equal).
 * readInstantText is the same scan over a string's characters.
 */
function readInstant(buf: Uint8Array, a: number, e: number): boolean {
  if (e - a < 19) return false;
  const y0 = buf[a]! - 48;
  const y1 = buf[a + 1]! - 48;
  const y2 = buf[a + 2]! - 48;
  const y3 = buf[a + 3]! - 48;
  const mo0 = buf[a + 5]! - 48;
  const mo1 = buf[a + 6]! - 48;
  const d0 = buf[a + 8]! - 48;
  const d1 = buf[a + 9]! - 48;
  const h0 = buf[a + 11]! - 48;
  const h1 = buf[a + 12]! - 48;
  const mi0 = buf[a + 14]! - 48;
  const mi1 = buf[a + 15]! - 48;
  const s0 = buf[a + 17]! - 48;
  const s1 = buf[a + 18]! - 48;
  if (
    notDigit(y0) ||
    notDigit(y1) ||
    notDigit(y2) ||
    notDigit(y3) ||
    notDigit(mo0) ||
    notDigit(mo1) ||
    notDigit(d0) ||
    notDigit(d1) ||
    notDigit(h0) ||
    notDigit(h1) ||
    notDigit(mi0) ||
    notDigit(mi1) ||
    notDigit(s0) ||
    notDigit(s1)
  )
    return false;
  const t = buf[a + 10];
  if (buf[a + 4] !== 45 || buf[a + 7] !== 45 || (t !== 84 && t !== 32) || buf[a + 13] !== 58 || buf[a + 16] !== 58)
    return false;
  let p = a + 19;
  let fractionNs = 0; // nanoseconds of the second
  if (p < e && buf[p] === 46) {
    p++;
    let digits = 0;
    while (p < e && digits < 9 && !notDigit(buf[p]! - 48)) {
      fractionNs = fractionNs * 10 + buf[p]! - 48;
      p++;
      digits++;
    }
    if (digits === 0) return false;
    fractionNs *= SCALE_TO_NS[digits]!;
  }
  let sign = 0;
  let oh = 0;
  let om = 0;
  if (p < e && buf[p] === 90) p++;
  else if (p + 6 === e && (buf[p] === 43 || buf[p] === 45) && buf[p + 3] === 58) {
    const oh0 = buf[p + 1]! - 48;
    const oh1 = buf[p + 2]! - 48;
    const om0 = buf[p + 4]! - 48;
    const om1 = buf[p + 5]! - 48;
    if (notDigit(oh0) || notDigit(oh1) || notDigit(om0) || notDigit(om1)) return false;
    sign = buf[p] === 45 ? -1 : 1;
    oh = oh0 * 10 + oh1;
    om = om0 * 10 + om1;
    p = e;
  }
  if (p !== e) return false;
  return instantOf(
    y0 * 1000 + y1 * 100 + y2 * 10 + y3,
    mo0 * 10 + mo1,
    d0 * 10 + d1,
    h0 * 10 + h1,
    mi0 * 10 + mi1,
    s0 * 10 + s1,
    fractionNs,
    sign,
    oh,
    om
  );
}

/** readInstant over a string, as epoch nanoseconds (undefined: not in its form); for tests against instant.ts */
export function fastInstantNs(text: string): bigint | undefined {
  const b = Buffer.from(text, 'utf8');
  return readInstant(b, 0, b.length) ? BigInt(instantMs) * 1_000_000n + BigInt(instantSubNs) : undefined;
}

/**
 * readInstant over a string, read by its character codes where it lies (the events judge reads two instants a
 * row; copying each into bytes first cost a fifth of the events floor): epoch milliseconds (floor), or NaN when
 * the text is not in its form; the nanoseconds past them are then instantTextSubNs(). The scan is readInstant's,
 * step for step (a character past ASCII matches none of the form's, as its UTF-8 bytes match none in
 * readInstant); fastPath.test.ts holds it to instant.ts.
 */
export function readInstantText(text: string): number {
  const e = text.length;
  if (e < 19) return NaN;
  const y0 = text.charCodeAt(0) - 48;
  const y1 = text.charCodeAt(1) - 48;
  const y2 = text.charCodeAt(2) - 48;
  const y3 = text.charCodeAt(3) - 48;
  const mo0 = text.charCodeAt(5) - 48;
  const mo1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48;
  const d1 = text.charCodeAt(9) - 48;
  const h0 = text.charCodeAt(11) - 48;
  const h1 = text.charCodeAt(12) - 48;
  const mi0 = text.charCodeAt(14) - 48;
  const mi1 = text.charCodeAt(15) - 48;
  const s0 = text.charCodeAt(17) - 48;
  const s1 = text.charCodeAt(18) - 48;
  if (
    notDigit(y0) ||
    notDigit(y1) ||
    notDigit(y2) ||
    notDigit(y3) ||
    notDigit(mo0) ||
    notDigit(mo1) ||
    notDigit(d0) ||
    notDigit(d1) ||
    notDigit(h0) ||
    notDigit(h1) ||
    notDigit(mi0) ||
    notDigit(mi1) ||
    notDigit(s0) ||
    notDigit(s1)
  )
    return NaN;
  const t = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 32) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return NaN;
  let p = 19;
  let fractionNs = 0;
  if (p < e && text.charCodeAt(p) === 46) {
    p++;
    let digits = 0;
    while (p < e && digits < 9 && !notDigit(text.charCodeAt(p) - 48)) {
      fractionNs = fractionNs * 10 + text.charCodeAt(p) - 48;
      p++;
      digits++;
    }
    if (digits === 0) return NaN;
    fractionNs *= SCALE_TO_NS[digits]!;
  }
  let sign = 0;
  let oh = 0;
  let om = 0;
  const z = p < e ? text.charCodeAt(p) : 0;
  if (z === 90) p++;
  else if (p + 6 === e && (z === 43 || z === 45) && text.charCodeAt(p + 3) === 58) {
    const oh0 = text.charCodeAt(p + 1) - 48;
    const oh1 = text.charCodeAt(p + 2) - 48;
    const om0 = text.charCodeAt(p + 4) - 48;
    const om1 = text.charCodeAt(p + 5) - 48;
    if (notDigit(oh0) || notDigit(oh1) || notDigit(om0) || notDigit(om1)) return NaN;
    sign = z === 45 ? -1 : 1;
    oh = oh0 * 10 + oh1;
    om = om0 * 10 + om1;
    p = e;
  }
  if (p !== e) return NaN;
  return instantOf(
    y0 * 1000 + y1 * 100 + y2 * 10 + y3,
    mo0 * 10 + mo1,
    d0 * 10 + d1,
    h0 * 10 + h1,
    mi0 * 10 + mi1,
    s0 * 10 + s1,
    fractionNs,
    sign,
    oh,
    om
  )
    ? instantMs
    : NaN;
}
/** the nanoseconds past readInstantText's milliseconds, for its last instant */
export const instantTextSubNs = (): number => instantSubNs;

/** ASCII whitespace as rowRules.trimAscii trims it: tab, LF, VT, FF, CR, space */
const blank = (c: number) => c === 32 || (c >= 9 && c <= 13);

/**
 * The index in RESOLUTIONS (rowRules.ts: ai, human, unresolved) of buf[a..b) as the rules read it (ASCII
 * whitespace trimmed, any case), else -1. Only ASCII letters fold: no other character lower-cases to one of
 * these words' letters (rowRules' toLowerCase), so a byte >= 0x80 never matches.
 */
function resolutionAt(buf: Uint8Array, a: number, b: number): number {
  // the common spelling first: exactly the lower-case word
  if (b - a === 2 && buf[a] === 0x61 && buf[a + 1] === 0x69) return 0;
  if (
    b - a === 5 &&
    buf[a] === 0x68 &&
    buf[a + 4] === 0x6e &&
    buf[a + 1] === 0x75 &&
    buf[a + 2] === 0x6d &&
    buf[a + 3] === 0x61
  )
    return 1;
  while (a < b && blank(buf[a]!)) a++;
  while (b > a && blank(buf[b - 1]!)) b--;
  switch (b - a) {
    case 2:
      return matches(buf, a, AI) ? 0 : -1;
    case 5:
      return matches(buf, a, HUMAN) ? 1 : -1;
    case 10:
      return matches(buf, a, UNRESOLVED) ? 2 : -1;
    default:
      return -1;
  }
}
const AI = Buffer.from('ai', 'latin1');
const HUMAN = Buffer.from('human', 'latin1');
const UNRESOLVED = Buffer.from('unresolved', 'latin1');
/** whether buf at a holds the lower-case ASCII word in any case */
function matches(buf: Uint8Array, a: number, word: Uint8Array): boolean {
  for (let j = 0; j < word.length; j++) {
    const c = buf[a + j]!;
    if (c !== word[j] && !(c >= 65 && c <= 90 && (c | 0x20) === word[j])) return false;
  }
  return true;
}
const NOT_COUNTED = 3;

/** A copy of a typed array with room for `length` values. */
function grown<T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a as ArrayLike<number>);
  return b;
}

/** Per-line arrays that grow as lines come. */
class Lines {
  n = 0;
  hashes: Uint32Array;
  offsets: Float64Array;
  account: Int32Array;
  week: Int32Array;
  /** a resolution index, or NOT_COUNTED */
  res: Uint8Array;
  constructor(capacity: number) {
    this.hashes = new Uint32Array(capacity);
    this.offsets = new Float64Array(capacity);
    this.account = new Int32Array(capacity);
    this.week = new Int32Array(capacity);
    this.res = new Uint8Array(capacity);
  }
  grow(cap = Math.ceil(this.hashes.length * 1.5) + 1024) {
    this.hashes = grown(this.hashes, cap);
    this.offsets = grown(this.offsets, cap);
    this.account = grown(this.account, cap);
    this.week = grown(this.week, cap);
    this.res = grown(this.res, cap);
  }
}

/**
 * Account ids seen in a range, each once, found by their bytes. An id of up to SHORT_ID bytes is also held as
 * two numbers (its bytes in base 256, six to a number: exact below 2^53), compared without a loop.
 */
const SHORT_ID = 12;
class Accounts {
  readonly names: string[] = [];
  private slots = new Int32Array(1 << 12);
  /** per account: where its bytes start in the arena (and end: the next one's start), and its two numbers */
  private starts = new Int32Array(1 << 10);
  private first = new Float64Array(1 << 10);
  private second = new Float64Array(1 << 10);
  private arena = Buffer.alloc(1 << 16);
  private used = 0;

  /** the index of the account buf[a..b) (hash: FNV-1a of its bytes, k1 and k2 its numbers if short), added when new */
  indexOf(buf: Uint8Array, a: number, b: number, hash: number, k1: number, k2: number): number {
    const mask = this.slots.length - 1;
    const len = b - a;
    for (let slot = (Math.imul(hash, 0x9e3779b1) >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const v = this.slots[slot]!;
      if (v === 0) return this.add(buf, a, b, slot, k1, k2);
      const start = this.starts[v - 1]!;
      if (this.starts[v]! - start !== len) continue;
      if (len <= SHORT_ID) {
        if (this.first[v - 1] === k1 && this.second[v - 1] === k2) return v - 1;
        continue;
      }
      let j = 0;
      while (j < len && this.arena[start + j] === buf[a + j]) j++;
      if (j === len) return v - 1;
    }
  }

  private add(buf: Uint8Array, a: number, b: number, slot: number, k1: number, k2: number): number {
    const i = this.names.length;
    if (this.used + (b - a) > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.used + (b - a)));
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.arena.set(buf.subarray(a, b), this.used);
    this.used += b - a;
    if (i + 2 > this.starts.length) {
      this.starts = grown(this.starts, this.starts.length * 2);
      this.first = grown(this.first, this.starts.length);
      this.second = grown(this.second, this.starts.length);
    }
    this.starts[i + 1] = this.used;
    this.first[i] = k1;
    this.second[i] = k2;
    this.names.push(this.arena.toString('utf8', this.starts[i]!, this.used));
    this.slots[slot] = i + 1;
    if (this.names.length * 2 > this.slots.length) this.rehash();
    return i;
  }

  private rehash() {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let i = 0; i < this.names.length; i++) {
      let h = 0x811c9dc5; // as usual() hashes an account's bytes
      for (let j = this.starts[i]!; j < this.starts[i + 1]!; j++) h = Math.imul(h ^ this.arena[j]!, 16777619);
      let slot = (Math.imul(h >>> 0, 0x9e3779b1) >>> 0) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = i + 1;
    }
  }
}

/** what splitting a line found: the header's number of values, another number, or quotes out of place */
const SPLIT = 1;
const OTHER_COUNT = 0;
const MALFORMED = -1;
const EMPTY = new Uint8Array(0);

/** what a column is to the reader */
const OTHER = 0;
const INSTANT = 1;

export const HASH_BUCKET_BITS = 12;

/** The hashes grouped by their top bits, with their line indexes (a counting sort). */
function bucketByTopBits(hashes: Uint32Array): Pick<RangeScan, 'bucketStart' | 'bucketHashes' | 'bucketLines'> {
  const shift = 32 - HASH_BUCKET_BITS;
  const buckets = 1 << HASH_BUCKET_BITS;
  const bucketStart = new Uint32Array(buckets + 1);
  for (let i = 0; i < hashes.length; i++) bucketStart[(hashes[i]! >>> shift) + 1]!++;
  for (let b = 0; b < buckets; b++) bucketStart[b + 1]! += bucketStart[b]!;
  const next = bucketStart.slice(0, buckets);
  // shared: every worker later looks for repeats in its share of the buckets of every range
  const bucketHashes = new Uint32Array(new SharedArrayBuffer(hashes.length * 4));
  const bucketLines = new Uint32Array(new SharedArrayBuffer(hashes.length * 4));
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    const at = next[h >>> shift]!++;
    bucketHashes[at] = h;
    bucketLines[at] = i;
  }
  return { bucketStart, bucketHashes, bucketLines };
}

/** The reading state of one range. */
export class RangeReader {
  ok = true;
  readonly lines: Lines;
  readonly accounts = new Accounts();
  readonly slow: number[] = [];
  minWeek = Infinity;
  maxWeek = -Infinity;
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  /** per column: whether split() already read it as an instant, and what it read */
  private readonly read: Uint8Array;
  /** per column: whether its value holds "" (a quoted value's escaped quote) */
  private readonly escaped: Uint8Array;
  private scratch = new Uint8Array(64);
  private readonly readMs: Float64Array;
  private readonly readSubNs: Float64Array;

  constructor(
    private readonly layout: LineLayout,
    capacity: number
  ) {
    this.lines = new Lines(capacity);
    this.kinds = new Uint8Array(layout.columns).fill(OTHER);
    this.kinds[layout.created] = INSTANT;
    this.kinds[layout.resolved] = INSTANT;
    this.starts = new Int32Array(layout.columns);
    this.ends = new Int32Array(layout.columns);
    this.readMs = new Float64Array(layout.columns);
    this.readSubNs = new Float64Array(layout.columns);
    this.read = new Uint8Array(layout.columns);
    this.escaped = new Uint8Array(layout.columns);
  }

  /** One data line buf[s..e) (no LF) starting at file offset `at`; `quoted` when it has a quote. */
  line(buf: Uint8Array, s: number, e: number, at: number, quoted: boolean) {
    const L = this.lines;
    if (L.n === L.hashes.length) L.grow();
    const i = L.n++;
    L.offsets[i] = at;
    L.res[i] = NOT_COUNTED;
    let end = e;
    if (end > s && buf[end - 1] === CR) end--;
    if (end === s || e - s >= LONG_LINE) {
      // a blank line: the exact reader skips it (and numbers lines around it); a very long one it may refuse
      this.ok = false;
      return;
    }
    const split = quoted ? this.splitQuoted(buf, s, end) : this.split(buf, s, end) ? SPLIT : OTHER_COUNT;
    if (split !== SPLIT) {
      // not the header's number of values: hash the ticket if there is one, the exact rules say the rest; quotes
      // not where RFC 4180 puts them (or a value going on past the line end): the exact reader reads the file
      const h = quotedLineHash(buf, s, e, this.layout.ticket);
      if (split === MALFORMED || (quoted && h === -1)) this.ok = false;
      L.hashes[i] = h >>> 0;
      this.slow.push(i);
      return;
    }
    const lay = this.layout;
    let ts = this.starts[lay.ticket]!;
    let te = this.ends[lay.ticket]!;
    L.hashes[i] = hashField(buf, ts, te, this.escaped[lay.ticket] === 1);
    while (ts < te && blank(buf[ts]!)) ts++;
    while (te > ts && blank(buf[te - 1]!)) te--;
    const counted = te > ts && this.count(buf, i);
    if (!counted) this.slow.push(i);
  }

  /**
   * split() for a line with a quote, as csvRecords reads it: a value opening with a quote runs to the quote
   * that closes it ("" inside stands for one, marked in `escaped`), which a comma or the line end must follow.
   * starts/ends hold the text between the quotes. MALFORMED when a quote is anywhere else or left open.
   */
  private splitQuoted(buf: Uint8Array, s: number, end: number): number {
    const cols = this.layout.columns;
    let pos = s;
    for (let f = 0; ; f++) {
      let a = pos;
      let b: number;
      let escaped = 0;
      let next: number;
      let instantRead = 0;
      if (pos < end && buf[pos] === QUOTE) {
        a = pos + 1;
        let j = a;
        // an instant at the common length, closed there: readInstant vouches for every byte (as in split())
        if (
          this.kinds[f] === INSTANT &&
          a + 25 <= end &&
          buf[a + 24] === QUOTE &&
          (a + 25 === end || buf[a + 25] === COMMA) &&
          readInstant(buf, a, a + 24)
        ) {
          instantRead = 1;
          this.readMs[f] = instantMs;
          this.readSubNs[f] = instantSubNs;
          j = a + 24;
        } else {
          for (;;) {
            if (j >= end) return MALFORMED;
            if (buf[j] === QUOTE) {
              if (j + 1 < end && buf[j + 1] === QUOTE) {
                escaped = 1;
                j += 2;
                continue;
              }
              break;
            }
            j++;
          }
        }
        b = j;
        next = j + 1;
        if (next < end && buf[next] !== COMMA) return MALFORMED;
      } else {
        let j = pos;
        while (j < end && buf[j] !== COMMA) {
          if (buf[j] === QUOTE) return MALFORMED;
          j++;
        }
        b = j;
        next = j;
      }
      if (f < cols) {
        this.starts[f] = a;
        this.ends[f] = b;
        this.escaped[f] = escaped;
        this.read[f] = instantRead;
      } else if (b > a) return OTHER_COUNT; // values past the header's count must be empty (checkLines)
      if (next >= end) return f >= cols - 1 ? SPLIT : OTHER_COUNT;
      pos = next + 1;
    }
  }

  /**
   * Finds the line's values (starts/ends); false unless it has exactly the header's number. An instant column
   * is tried at the common length first (then readInstant has vouched for every byte), so its bytes are not
   * searched for a comma.
   */
  private split(buf: Uint8Array, s: number, end: number): boolean {
    const cols = this.layout.columns;
    let pos = s;
    for (let f = 0; f < cols; f++) {
      this.starts[f] = pos;
      let stop = -1;
      this.read[f] = 0;
      if (this.kinds[f] === INSTANT && pos + 24 <= end) {
        const at = pos + 24;
        if ((at === end || buf[at] === COMMA) && readInstant(buf, pos, at)) {
          stop = at;
          this.read[f] = 1;
          this.readMs[f] = instantMs;
          this.readSubNs[f] = instantSubNs;
        }
      }
      if (stop === -1) {
        stop = pos;
        while (stop < end && buf[stop] !== COMMA) stop++;
      }
      this.ends[f] = stop;
      this.escaped[f] = 0;
      if (f < cols - 1) {
        if (stop >= end) return false;
        pos = stop + 1;
      } else if (stop !== end) {
        // values past the header's count are accepted when all are empty (checkLines): only commas follow
        for (let j = stop; j < end; j++) if (buf[j] !== COMMA) return false;
      }
    }
    return true;
  }

  /** what usual() found: the account's bytes, hash and numbers (see Accounts), the resolution, the instants */
  private accountBuf: Uint8Array = EMPTY;
  private accountStart = 0;
  private accountEnd = 0;
  private accountHash = 0;
  private k1 = 0;
  private k2 = 0;
  res = 0;
  createdMs = 0;
  createdSub = 0;
  resolvedMs = 0;
  resolvedSub = 0;
  resolved = false;
  /** the ticket_id and account_id usualRow() read */
  ticket = '';
  account = '';

  /**
   * Whether the line split() just read is in the usual shape past its ticket_id (then the rules accept it with
   * the values usual() leaves in its fields); false leaves it to the exact rules.
   */
  private usual(buf: Uint8Array): boolean {
    const lay = this.layout;
    let ab = buf;
    let as = this.starts[lay.account]!;
    let ae = this.ends[lay.account]!;
    if (this.escaped[lay.account]) {
      // "" inside a quoted account_id is one quote: its text, in a scratch buffer
      if (this.scratch.length < ae - as) this.scratch = new Uint8Array(ae - as);
      let n = 0;
      for (let j = as; j < ae; j++) {
        this.scratch[n++] = buf[j]!;
        if (buf[j] === QUOTE) j++;
      }
      ab = this.scratch;
      as = 0;
      ae = n;
    }
    while (as < ae && blank(ab[as]!)) as++;
    while (ae > as && blank(ab[ae - 1]!)) ae--;
    if (ae === as) return false;
    this.accountBuf = ab;
    this.accountStart = as;
    this.accountEnd = ae;
    let h = 0x811c9dc5;
    let k1 = 0;
    let k2 = 0;
    const mid = as + SHORT_ID / 2;
    // bytes, not text: UTF-8 (scanRange checks every byte) and its text are one-to-one
    for (let j = as; j < ae; j++) {
      const c = ab[j]!;
      h = Math.imul(h ^ c, 16777619);
      if (j < mid) k1 = k1 * 256 + c;
      else k2 = k2 * 256 + c; // past SHORT_ID bytes this loses digits, but then the bytes are compared
    }
    this.accountHash = h >>> 0;
    this.k1 = k1;
    this.k2 = k2;
    this.res = resolutionAt(buf, this.starts[lay.resolution]!, this.ends[lay.resolution]!);
    if (this.res < 0) return false;
    if (!this.instant(buf, lay.created)) return false;
    this.createdMs = this.readMs[lay.created]!;
    this.createdSub = this.readSubNs[lay.created]!;
    this.resolved = this.ends[lay.resolved]! > this.starts[lay.resolved]!;
    if (this.resolved) {
      if (!this.instant(buf, lay.resolved)) return false;
      const ms = this.readMs[lay.resolved]!;
      const sub = this.readSubNs[lay.resolved]!;
      if (ms < this.createdMs || (ms === this.createdMs && sub < this.createdSub)) return false;
      this.resolvedMs = ms;
      this.resolvedSub = sub;
    }
    return true;
  }

  /** Checks and counts line i when it is in the usual shape; false leaves it to the exact rules. */
  private count(buf: Uint8Array, i: number): boolean {
    if (!this.usual(buf)) return false;
    const week = Math.floor((this.createdMs - EPOCH_MONDAY_MS) / WEEK_MS); // isoWeek.ts weekIndexOf
    if (week < this.minWeek) this.minWeek = week;
    if (week > this.maxWeek) this.maxWeek = week;
    const L = this.lines;
    L.account[i] = this.accounts.indexOf(
      this.accountBuf,
      this.accountStart,
      this.accountEnd,
      this.accountHash,
      this.k1,
      this.k2
    );
    L.week[i] = week;
    L.res[i] = this.res;
    return true;
  }

  /**
   * Whether line buf[s..e) (no LF) is in the usual shape and all ASCII: then the exact rules (rowRules.ts) accept
   * it with the values left in ticket, account (their text) and the instant fields; false leaves it to them.
   */
  usualRow(buf: Buffer, s: number, e: number): boolean {
    if (e > s && buf[e - 1] === CR) e--;
    if (e === s) return false;
    // all ASCII (its text is the same however it is decoded) and no quote
    for (let j = s; j < e; j++) if (buf[j]! >= 0x80 || buf[j] === QUOTE) return false;
    if (!this.split(buf, s, e) || !this.usual(buf)) return false;
    const lay = this.layout;
    let ts = this.starts[lay.ticket]!;
    let te = this.ends[lay.ticket]!;
    while (ts < te && blank(buf[ts]!)) ts++;
    while (te > ts && blank(buf[te - 1]!)) te--;
    if (te === ts) return false;
    this.ticket = buf.toString('latin1', ts, te);
    this.account = buf.toString('latin1', this.accountStart, this.accountEnd);
    return true;
  }

  /** readInstant of column f into readMs/readSubNs (read by split() already, or now) */
  private instant(buf: Uint8Array, f: number): boolean {
    if (this.read[f]) return true;
    if (!readInstant(buf, this.starts[f]!, this.ends[f]!)) return false;
    this.readMs[f] = instantMs;
    this.readSubNs[f] = instantSubNs;
    return true;
  }

  /** The counted lines per (account, week), ordered by account then week. */
  groups(): Pick<RangeScan, 'groupAccount' | 'groupWeek' | 'counts'> {
    const L = this.lines;
    const accounts = this.accounts.names.length;
    const span = this.maxWeek - this.minWeek + 1;
    const empty = { groupAccount: new Int32Array(0), groupWeek: new Int32Array(0), counts: new Int32Array(0) };
    if (!accounts) return empty;
    // a table per account and week when that is small (it is for an export of some months), else a map
    const cells = accounts * span * 3;
    let table: Int32Array;
    let keys: number[] | undefined;
    const minWeek = this.minWeek;
    if (cells <= 1 << 23) {
      table = new Int32Array(cells);
      const account = L.account;
      const week = L.week;
      const res = L.res;
      for (let i = 0; i < L.n; i++) {
        const r = res[i]!;
        if (r !== NOT_COUNTED) table[(account[i]! * span + week[i]! - minWeek) * 3 + r]!++;
      }
    } else {
      const index = new Map<number, number>();
      keys = [];
      table = new Int32Array(1024);
      for (let i = 0; i < L.n; i++) {
        const r = L.res[i]!;
        if (r === NOT_COUNTED) continue;
        const key = L.account[i]! * span + L.week[i]! - minWeek;
        let c = index.get(key);
        if (c === undefined) {
          c = keys.length * 3;
          index.set(key, c);
          keys.push(key);
          if (table.length < c + 3) {
            const t = new Int32Array(table.length * 2);
            t.set(table);
            table = t;
          }
        }
        table[c + r]!++;
      }
    }
    const order = keys ? keys.map((key, n) => [key, n * 3] as const).sort((x, y) => x[0] - y[0]) : undefined;
    // at most one group per counted line or per cell
    const most = Math.min(L.n, order ? order.length : accounts * span);
    const groupAccount = new Int32Array(most);
    const groupWeek = new Int32Array(most);
    const counts = new Int32Array(3 * most);
    let g = 0;
    const take = (key: number, c: number) => {
      if (table[c] === 0 && table[c + 1] === 0 && table[c + 2] === 0) return;
      groupAccount[g] = Math.floor(key / span);
      groupWeek[g] = (key % span) + minWeek;
      counts[3 * g] = table[c]!;
      counts[3 * g + 1] = table[c + 1]!;
      counts[3 * g + 2] = table[c + 2]!;
      g++;
    };
    if (order) for (const [key, c] of order) take(key, c);
    else for (let key = 0; key < accounts * span; key++) take(key, key * 3);
    return {
      groupAccount: groupAccount.slice(0, g),
      groupWeek: groupWeek.slice(0, g),
      counts: counts.slice(0, 3 * g)
    };
  }
}

/**
 * Reads the lines of file[start..end) (start at a line start; `header` when the range begins with the header
 * line, which is skipped). Each line gets a hash and an offset; lines in the usual shape are counted.
 */
export function scanRange(file: string, start: number, end: number, layout: LineLayout, header: boolean): RangeScan {
  const CHUNK = 1 << 22;
  const reader = new RangeReader(layout, 1 << 16);
  let sized = false;
  const buf = Buffer.allocUnsafe(CHUNK);
  let kept = 0; // bytes of an unfinished line kept at the front of buf
  let base = start; // file offset of buf[0]
  let skipHeader = header;
  const fd = fs.openSync(file, 'r');
  try {
    for (let pos = start; ; ) {
      if (kept >= LONG_LINE) {
        // a line this long goes to the exact reader, which refuses it past MAX_RECORD_BYTES: not read further here
        // (a file of one endless line would otherwise be held in memory whole)
        reader.ok = false;
        break;
      }
      const read = pos < end ? fs.readSync(fd, buf, kept, Math.min(buf.length - kept, end - pos), pos) : 0;
      pos += read;
      const filled = kept + read;
      const last = read === 0; // the range's end: what is left is its last line, without a LF
      let s = 0;
      if (base === 0 && s === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) s = 3;
      let nextQuote = buf.indexOf(QUOTE, s);
      if (nextQuote >= filled) nextQuote = -1;
      let lf = buf.indexOf(LF, s);
      while (lf !== -1 && lf < filled) {
        if (skipHeader) skipHeader = false;
        else {
          const quoted = nextQuote !== -1 && nextQuote < lf;
          reader.line(buf, s, lf, base + s, quoted);
        }
        s = lf + 1;
        if (nextQuote !== -1 && nextQuote < s) {
          nextQuote = buf.indexOf(QUOTE, s);
          if (nextQuote >= filled) nextQuote = -1;
        }
        lf = buf.indexOf(LF, s);
      }
      if (last) {
        if (s < filled) {
          if (skipHeader) skipHeader = false;
          else reader.line(buf, s, filled, base + s, buf.subarray(s, filled).includes(QUOTE));
        }
        // every byte is UTF-8 (SIMD-checked, a chunk of whole lines at a time), or the exact reader names the first bad one
        if (!isUtf8(buf.subarray(0, filled))) reader.ok = false;
        break;
      }
      if (!isUtf8(buf.subarray(0, s))) {
        reader.ok = false;
        break;
      }
      if (!sized) {
        // room for the whole range at the average line length of the first chunk (it grows if that was short)
        sized = true;
        const perLine = (base + s - start) / Math.max(1, reader.lines.n);
        const estimate = Math.ceil(((end - start) / Math.max(perLine, 16)) * 1.02) + 1024;
        if (reader.lines.n >= 100 && estimate > reader.lines.hashes.length) reader.lines.grow(estimate);
      }
      buf.copy(buf, 0, s, filled);
      kept = filled - s;
      base += s;
    }
  } finally {
    fs.closeSync(fd);
  }
  const L = reader.lines;
  return {
    ok: reader.ok,
    lines: L.n,
    ...bucketByTopBits(L.hashes.subarray(0, L.n)),
    offsets: L.offsets.subarray(0, L.n),
    slow: Int32Array.from(reader.slow),
    accounts: reader.accounts.names,
    ...reader.groups()
  };
}

/** A range's hash buckets (from scanRange) and the index in the whole file of its first data line. */
export interface PlacedBuckets {
  bucketStart: Uint32Array;
  bucketHashes: Uint32Array;
  bucketLines: Uint32Array;
  first: number;
}

/**
 * Indexes (in the whole file, ascending) of the data lines whose ticket_id hash is on more than one line,
 * among buckets from..to-1 of every range. A bucket at a time (the same bucket of every range) goes through a
 * small open-addressing table of counts, which stays in the processor's cache; the workers share the buckets.
 */
export function repeatedHashLines(parts: readonly PlacedBuckets[], from: number, to: number): number[] {
  let largest = 0;
  for (let b = from; b < to; b++) {
    let n = 0;
    for (const p of parts) n += p.bucketStart[b + 1]! - p.bucketStart[b]!;
    largest = Math.max(largest, n);
  }
  let size = 16;
  while (size < largest * 2) size *= 2;
  const table = new Uint32Array(size);
  const seen = new Uint32Array(size);
  const out: number[] = [];
  for (let b = from; b < to; b++) {
    let n = 0;
    for (const p of parts) n += p.bucketStart[b + 1]! - p.bucketStart[b]!;
    if (n < 2) continue;
    let mask = 16;
    while (mask < n * 2) mask *= 2;
    mask--;
    seen.fill(0, 0, mask + 1);
    for (const p of parts) {
      const values = p.bucketHashes;
      for (let i = p.bucketStart[b]!; i < p.bucketStart[b + 1]!; i++) {
        const v = values[i]!;
        let slot = (Math.imul(v, 0x9e3779b1) >>> 0) & mask;
        while (seen[slot] && table[slot] !== v) slot = (slot + 1) & mask;
        table[slot] = v;
        seen[slot]!++;
      }
    }
    for (const p of parts) {
      const values = p.bucketHashes;
      for (let i = p.bucketStart[b]!; i < p.bucketStart[b + 1]!; i++) {
        const v = values[i]!;
        let slot = (Math.imul(v, 0x9e3779b1) >>> 0) & mask;
        while (table[slot] !== v) slot = (slot + 1) & mask;
        if (seen[slot]! > 1) out.push(p.first + p.bucketLines[i]!);
      }
    }
  }
  return out.sort((x, y) => x - y);
}
