/**
 * The text encoding of an export. The readers (csvRecords.ts, lineScan.ts) read UTF-8 and must never read a
 * byte sequence that is not UTF-8 as U+FFFD: two account ids such as `Caf\xe9` and `Caf\xe8` (Latin-1) would
 * become one. So UTF-8 input is validated (the first bad byte is named by line and byte offset), and Latin-1
 * (Windows-1252) or UTF-16 input is transcoded to UTF-8, as a stream, before the readers see it. UTF-16 is
 * recognised by its byte order mark (Excel's "Unicode text" is UTF-16LE with one).
 */
import { isUtf8 } from 'node:buffer';

export type Encoding = 'utf8' | 'latin1' | 'utf16';
/** what an input was read as */
export type ReadEncoding = 'utf8' | 'latin1' | 'utf16le' | 'utf16be';

const NAMES: Record<string, Encoding> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  'windows-1252': 'latin1',
  cp1252: 'latin1',
  utf16: 'utf16',
  'utf-16': 'utf16',
  utf16le: 'utf16',
  'utf-16le': 'utf16'
};

/** --encoding: utf8, latin1 or utf16 (and their usual spellings); undefined when not given. */
export function parseEncoding(text: string | undefined): Encoding | undefined {
  if (text === undefined) return undefined;
  const e = NAMES[text.trim().toLowerCase()];
  if (!e) throw new Error(`--encoding ${JSON.stringify(text)} must be utf8, latin1 or utf16`);
  return e;
}

/** A byte sequence that is not text in the export's encoding: where it is (1-based line, 0-based byte offset). */
export class EncodingError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly offset: number
  ) {
    super(message);
  }
}

/** The UTF-16 byte order mark at the start of `head`, if any. */
export function utf16Bom(head: Uint8Array): 'utf16le' | 'utf16be' | undefined {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return undefined;
}

/** What the bytes of an input starting with `head` are read as, given --encoding (or none). */
export function readEncoding(head: Uint8Array, requested: Encoding | undefined): ReadEncoding {
  const bom = utf16Bom(head);
  if (requested === 'utf16') return bom ?? 'utf16le';
  if (bom && requested === undefined) return bom;
  return requested ?? 'utf8';
}

/** Bytes after a lead byte, or -1 when the byte cannot start a UTF-8 sequence. */
function trailing(c: number): number {
  if (c < 0x80) return 0;
  if (c >= 0xc2 && c <= 0xdf) return 1;
  if (c >= 0xe0 && c <= 0xef) return 2;
  if (c >= 0xf0 && c <= 0xf4) return 3;
  return -1;
}

/**
 * The index of the first byte of buf[from..to) that starts a sequence which is not UTF-8 (Unicode table 3-7:
 * no overlong forms, no surrogates, nothing past U+10FFFF; a sequence cut by `to` counts as bad), or -1.
 */
export function firstInvalidUtf8(buf: Uint8Array, from = 0, to = buf.length): number {
  let i = from;
  while (i < to) {
    const c = buf[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = trailing(c);
    if (n < 0 || i + n >= to) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const b1 = buf[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Where an unfinished UTF-8 sequence at the end of buf[0..end) starts (a lead byte whose continuation bytes
 * would come in the next chunk), or `end` when there is none.
 */
function unfinishedTail(buf: Uint8Array, end: number): number {
  for (let k = end - 1; k >= Math.max(0, end - 3); k--) {
    if ((buf[k]! & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const n = trailing(buf[k]!);
    return n > 0 && k + n >= end ? k : end;
  }
  return end;
}

function countLf(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a, from); i !== -1 && i < to; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

const hex = (bytes: Uint8Array) =>
  [...bytes].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');

/** The 32 characters Windows-1252 has at 0x80..0x9F (where ISO-8859-1 has C1 controls; the five unused keep them). */
const CP1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178
].map((c) => String.fromCharCode(c));

/** Latin-1 as Windows-1252 (what Windows tools write as "Latin-1"); every byte is a character, each a different one. */
function latin1ToUtf8(chunk: Buffer): Buffer {
  let allAscii = true;
  for (let i = 0; i < chunk.length; i++)
    if (chunk[i]! >= 0x80) {
      allAscii = false;
      break;
    }
  if (allAscii) return chunk;
  const text = chunk.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!);
  return Buffer.from(text, 'utf8');
}

/**
 * Text given as --encoding latin1 whose non-ASCII bytes are all well-formed UTF-8 multi-byte sequences is UTF-8:
 * Latin-1 text almost never is (an accented letter would have to be followed by just the right symbol each time),
 * and reading it as Latin-1 would turn "Café" into "CafÃ©" without a word. The first non-ASCII byte's position
 * when `buf` is UTF-8, NOT_UTF8 when it is not, UNDECIDED when no complete non-ASCII character is in it yet.
 */
const NOT_UTF8 = -2;
const UNDECIDED = -1;
function utf8GivenAsLatin1(buf: Uint8Array): number {
  const whole = buf.subarray(0, unfinishedTail(buf, buf.length));
  const first = whole.findIndex((b) => b >= 0x80);
  if (first === -1) return UNDECIDED;
  return isUtf8(whole) ? first : NOT_UTF8;
}

function latin1Refusal(buf: Uint8Array, at: number, offset: number, line: number): EncodingError {
  const start = buf.lastIndexOf(0x0a, at) + 1;
  let end = buf.indexOf(0x0a, at);
  if (end === -1) end = buf.length;
  const text = Buffer.from(buf.subarray(start, Math.min(end, start + 200)))
    .toString('utf8')
    .replace(/\r$/, '');
  const word = /[^\s,;"]*\P{ASCII}[^\s,;"]*/u.exec(text)?.[0] ?? '';
  return new EncodingError(
    `is UTF-8 ("${word}"), but --encoding latin1 was given: it would be read as "${Buffer.from(word, 'utf8').toString('latin1')}"; leave --encoding out`,
    line + countLf(buf, 0, at),
    offset + at
  );
}

/**
 * The chunks of an input as UTF-8: validated when `encoding` is utf8 (an EncodingError at the first bad byte),
 * transcoded from Latin-1 or UTF-16 (its byte order mark dropped) otherwise. `onEncoding` is told what the
 * input is read as once its first bytes are seen (a UTF-16 byte order mark decides when --encoding is not given).
 */
export async function* toUtf8(
  chunks: AsyncIterable<Buffer>,
  requested: Encoding | undefined,
  onEncoding: (e: ReadEncoding) => void = () => {}
): AsyncGenerator<Buffer> {
  let encoding: ReadEncoding | undefined;
  let carry: Buffer | undefined;
  let latin1Checked = false;
  /** file offset of the first byte of carry (or of the next chunk) and the line it is on */
  let offset = 0;
  let line = 1;
  for await (const input of chunks) {
    let chunk = carry ? Buffer.concat([carry, input]) : input;
    carry = undefined;
    if (!encoding) {
      if (chunk.length < 2) {
        carry = chunk;
        continue;
      }
      encoding = readEncoding(chunk, requested);
      onEncoding(encoding);
      if (utf16Bom(chunk) && !encoding.startsWith('utf16'))
        throw new EncodingError(
          `starts with a UTF-16 byte order mark but --encoding ${requested} was given (leave --encoding out, or pass --encoding utf16)`,
          1,
          0
        );
      if (utf16Bom(chunk)) {
        chunk = chunk.subarray(2);
        offset = 2;
      }
    }
    if (encoding === 'utf8') {
      const cut = unfinishedTail(chunk, chunk.length);
      const whole = chunk.subarray(0, cut);
      if (!isUtf8(whole)) throw utf8Error(whole, firstInvalidUtf8(whole), offset, line);
      line += countLf(whole, 0, whole.length);
      offset += whole.length;
      if (cut < chunk.length) carry = Buffer.from(chunk.subarray(cut));
      if (whole.length) yield whole;
    } else if (encoding === 'latin1') {
      // the first chunk with a non-ASCII byte decides whether "Latin-1" is in fact UTF-8 (refused, never mojibake)
      if (!latin1Checked) {
        const at = utf8GivenAsLatin1(chunk);
        if (at >= 0) throw latin1Refusal(chunk, at, offset, line);
        latin1Checked = at === NOT_UTF8;
        if (!latin1Checked) {
          // a character cut by the chunk's end is judged with the next chunk
          const cut = unfinishedTail(chunk, chunk.length);
          if (cut < chunk.length) carry = Buffer.from(chunk.subarray(cut));
          chunk = chunk.subarray(0, cut);
          line += countLf(chunk, 0, chunk.length);
        }
      }
      offset += chunk.length;
      yield latin1ToUtf8(chunk);
    } else {
      const even = chunk.length & ~1;
      let units = Buffer.from(chunk.subarray(0, even));
      if (encoding === 'utf16be') units.swap16();
      // a high surrogate at the end waits for its low half in the next chunk
      let end = even;
      if (end >= 2 && (units.readUInt16LE(end - 2) & 0xfc00) === 0xd800) end -= 2;
      const bad = unpairedSurrogate(units, end);
      if (bad !== -1) {
        const lines = countUtf16Lf(units, bad);
        throw new EncodingError(
          `not valid UTF-16: an unpaired surrogate (0x${units.readUInt16LE(bad).toString(16).toUpperCase()})`,
          line + lines,
          offset + bad
        );
      }
      line += countUtf16Lf(units, end);
      offset += end;
      if (end < chunk.length) carry = Buffer.from(chunk.subarray(end));
      units = units.subarray(0, end);
      if (units.length) yield Buffer.from(units.toString('utf16le'), 'utf8');
    }
  }
  if (carry && carry.length) {
    if (!encoding) {
      encoding = readEncoding(carry, requested);
      onEncoding(encoding);
    }
    if (encoding === 'latin1') {
      const at = latin1Checked ? NOT_UTF8 : utf8GivenAsLatin1(carry);
      if (at >= 0) throw latin1Refusal(carry, at, offset, line);
      yield latin1ToUtf8(carry);
    } else if (encoding === 'utf8') throw utf8Error(carry, firstInvalidUtf8(carry), offset, line);
    else if (carry.length === 1)
      throw new EncodingError('not valid UTF-16: the file ends in half a character', line, offset);
    else throw new EncodingError('not valid UTF-16: it ends in an unpaired surrogate', line, offset);
  }
}

/** toUtf8 over a whole file read at once (a small file: outcomes). */
export function wholeToUtf8(buf: Buffer, requested?: Encoding): Buffer {
  const encoding = readEncoding(buf, requested);
  if (encoding === 'utf8') {
    if (utf16Bom(buf))
      throw new EncodingError(`starts with a UTF-16 byte order mark but --encoding ${requested} was given`, 1, 0);
    if (isUtf8(buf)) return buf;
    throw utf8Error(buf, firstInvalidUtf8(buf), 0, 1);
  }
  if (encoding === 'latin1') {
    const at = utf8GivenAsLatin1(buf);
    if (at >= 0) throw latin1Refusal(buf, at, 0, 1);
    return latin1ToUtf8(buf);
  }
  const skip = utf16Bom(buf) ? 2 : 0;
  const units = Buffer.from(buf.subarray(skip));
  if (units.length % 2)
    throw new EncodingError('not valid UTF-16: the file ends in half a character', 1, buf.length - 1);
  if (encoding === 'utf16be') units.swap16();
  const bad = unpairedSurrogate(units, units.length);
  if (bad !== -1)
    throw new EncodingError('not valid UTF-16: an unpaired surrogate', 1 + countUtf16Lf(units, bad), skip + bad);
  return Buffer.from(units.toString('utf16le'), 'utf8');
}

function utf8Error(buf: Buffer, at: number, offset: number, line: number): EncodingError {
  const bad = at === -1 ? 0 : at;
  return new EncodingError(
    `not valid UTF-8 (byte ${hex(buf.subarray(bad, bad + 1))}); nothing is read as a replacement character`,
    line + countLf(buf, 0, bad),
    offset + bad
  );
}

/** the byte index of the first unpaired surrogate among the UTF-16LE units of buf[0..end), or -1 */
function unpairedSurrogate(buf: Buffer, end: number): number {
  for (let i = 0; i < end; i += 2) {
    const u = buf[i + 1]!;
    if (u < 0xd8 || u > 0xdf) continue;
    if (u >= 0xdc) return i; // a low surrogate without its high half
    if (i + 2 >= end || buf[i + 3]! < 0xdc || buf[i + 3]! > 0xdf) return i;
    i += 2;
  }
  return -1;
}

function countUtf16Lf(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i += 2) if (buf[i] === 0x0a && buf[i + 1] === 0) n++;
  return n;
}
