import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ticketRows } from '../../test-support/ticketExport';
import { aggregateExport } from '../aggregate';
import { firstInvalidUtf8, toUtf8, wholeToUtf8 } from '../encoding';
import { aggregatePlainCsv } from '../fastPath';
import { weekIndexOfLabel } from '../isoWeek';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-encoding-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const H = 'ticket_id,account_id,created_at,resolved_at,resolution,channel';
function file(name: string, bytes: Buffer): string {
  fs.writeFileSync(path.join(dir, name), bytes);
  return path.join(dir, name);
}

/**
 * What a Latin-1 (Windows-1252) export of two accounts, Café and Cafè, and their tickets looks like: ids differ
 * only in 0xE9 / 0xE8, and so do two ticket ids.
 */
const LATIN1_TEXT = [
  H,
  'T-1,Caf\u00e9,2026-03-02T10:00:00Z,,ai,email',
  'T-2,Caf\u00e8,2026-03-02T11:00:00Z,,human,email',
  'T-\u00e9,Caf\u00e9,2026-03-03T10:00:00Z,,ai,chat',
  'T-\u00e8,Caf\u00e9,2026-03-03T11:00:00Z,,ai,chat',
  ''
].join('\n');
const latin1 = () => Buffer.from(LATIN1_TEXT, 'latin1');

describe('export encodings', () => {
  it('refuses a Latin-1 export read as UTF-8, naming the first bad byte, in both engines', async () => {
    const f = file('latin1.csv', latin1());
    // 0xE9 of "Caf\xe9" on line 2: after the header (63 bytes with its LF) and "T-1,Caf" (7 bytes)
    const message = /latin1\.csv: line 2, byte offset 70: not valid UTF-8 \(byte 0xE9\)/;
    const fast = await aggregateExport(f).catch((e: Error) => e);
    const exact = await aggregateExport(f, () => {}, { engine: 'exact' }).catch((e: Error) => e);
    expect(fast).toBeInstanceOf(Error);
    expect((fast as Error).message).toMatch(message);
    expect((exact as Error).message).toBe((fast as Error).message);
    expect((fast as unknown as { details: string[] }).details.join('\n')).toMatch(/--encoding latin1/);
    // the fast path itself does not count the file: it leaves it to the exact reader's message
    expect(await aggregatePlainCsv(f)).toBeUndefined();
    // gzipped, the offset is into the uncompressed text
    await expect(aggregateExport(file('latin1.csv.gz', gzipSync(latin1())))).rejects.toThrow(
      /line 2, byte offset 70 \(of the uncompressed text\): not valid UTF-8/
    );
  });

  it('--encoding latin1 keeps Caf\\xe9 and Caf\\xe8 two accounts and T-\\xe9, T-\\xe8 two tickets', async () => {
    for (const [name, bytes] of [
      ['latin1.csv', latin1()],
      ['latin1.csv.gz', gzipSync(latin1())]
    ] as const) {
      const r = await aggregateExport(file(name, bytes), () => {}, { encoding: 'latin1' });
      expect(r).toMatchObject({ encoding: 'latin1', rowsRead: 4, tickets: 4, duplicates: 0, rejects: [] });
      expect(r.weeks.map((w) => [w.accountKey, w.ticketsTotal])).toEqual([
        ['Caf\u00e8', 1],
        ['Caf\u00e9', 3]
      ]);
    }
    // Windows-1252 is what Windows tools write as Latin-1: 0x80 is the euro sign, not a control character
    const euro = file('euro.csv', Buffer.from(`${H}\nT1,Acme \x80,2026-03-02T10:00:00Z,,ai,email\n`, 'latin1'));
    const r = await aggregateExport(euro, () => {}, { encoding: 'latin1' });
    expect(r.weeks[0]!.accountKey).toBe('Acme \u20ac');
  });

  it('reads UTF-16LE with a byte order mark and CRLF (as Excel saves "Unicode Text") without --encoding', async () => {
    const text = LATIN1_TEXT.replace(/\n/g, '\r\n');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const utf8 = await aggregateExport(file('utf8.csv', Buffer.from(text, 'utf8')));
    for (const [name, bytes] of [
      ['excel.csv', utf16],
      ['excel.csv.gz', gzipSync(utf16)]
    ] as const) {
      const r = await aggregateExport(file(name, bytes));
      expect(r.encoding).toBe('utf16le');
      expect({ ...r, encoding: 'x', engine: 'x', format: 'x' }).toEqual({
        ...utf8,
        encoding: 'x',
        engine: 'x',
        format: 'x'
      });
      expect(r.tickets).toBe(4);
    }
    // big-endian with its mark too; and --encoding utf16 on a file without a mark reads it as little-endian
    const be = Buffer.from(utf16.subarray(2)).swap16();
    const fromBe = await aggregateExport(file('be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be])));
    expect(fromBe).toMatchObject({ encoding: 'utf16be', tickets: 4 });
    const noBom = await aggregateExport(file('nobom.csv', utf16.subarray(2)), () => {}, { encoding: 'utf16' });
    expect(noBom).toMatchObject({ encoding: 'utf16le', tickets: 4 });
    // UTF-16 with a lone surrogate is refused at its line and offset
    const lone = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${H}\r\nT1,A`, 'utf16le'),
      Buffer.from([0x00, 0xd8]),
      Buffer.from(',2026-03-02T10:00:00Z,,ai,x\r\n', 'utf16le')
    ]);
    const offset = 2 + Buffer.byteLength(`${H}\r\nT1,A`, 'utf16le');
    await expect(aggregateExport(file('lone.csv', lone))).rejects.toThrow(
      new RegExp(`line 2, byte offset ${offset}: not valid UTF-16: an unpaired surrogate`)
    );
    // a UTF-16 file is not refused as binary data, but --encoding latin1 on it is a clear contradiction
    await expect(aggregateExport(file('excel2.csv', utf16), () => {}, { encoding: 'latin1' })).rejects.toThrow(
      /starts with a UTF-16 byte order mark/
    );
  });

  // before: "Café" silently became the account "CafÃ©"
  it('refuses a UTF-8 export given as --encoding latin1, naming the line and the word, in every engine', async () => {
    const text = LATIN1_TEXT.replace('T-1,Caf\u00e9', 'T-1,Acme').replace(/T-\u00e9/, 'T-3');
    const utf8 = Buffer.from(text, 'utf8');
    for (const [name, bytes] of [
      ['utf8.csv', utf8],
      ['utf8.csv.gz', gzipSync(utf8)]
    ] as const)
      await expect(aggregateExport(file(name, bytes), () => {}, { encoding: 'latin1' })).rejects.toThrow(
        /line 3, byte offset \d+( \(of the uncompressed text\))?: is UTF-8 \("Caf\u00e8"\), but --encoding latin1 was given: it would be read as "Caf\u00c3\u00a8"; leave --encoding out/
      );
    expect(() => wholeToUtf8(utf8, 'latin1')).toThrow(/is UTF-8 \("Caf\u00e8"\), but --encoding latin1 was given/);
    // the same, whatever chunk boundary cuts the file (also inside the two bytes of \u00e8)
    const at = utf8.indexOf(0xc3);
    for (const cut of [1, at - 1, at, at + 1, at + 2, utf8.length - 1]) {
      const chunks = async function* () {
        yield utf8.subarray(0, cut);
        yield utf8.subarray(cut);
      };
      const read = async () => {
        for await (const _ of toUtf8(chunks(), 'latin1')) void _;
      };
      await expect(read()).rejects.toMatchObject({ line: 3, offset: at });
    }
    // real Latin-1 still reads, split anywhere
    const l1 = latin1();
    for (let cut = 1; cut < l1.length; cut += 7) {
      const parts: Buffer[] = [];
      const chunks = async function* () {
        yield l1.subarray(0, cut);
        yield l1.subarray(cut);
      };
      for await (const b of toUtf8(chunks(), 'latin1')) parts.push(b);
      expect(Buffer.concat(parts).toString('utf8')).toBe(LATIN1_TEXT);
    }
  });

  it('names UTF-16 without a byte order mark as such (with the option to read it), not as binary data', async () => {
    const text = LATIN1_TEXT.replace(/\n/g, '\r\n');
    await expect(aggregateExport(file('le.csv', Buffer.from(text, 'utf16le')))).rejects.toThrow(
      /le\.csv looks like UTF-16LE text without a byte order mark; pass --encoding utf16/
    );
    await expect(aggregateExport(file('be.csv', Buffer.from(text, 'utf16le').swap16()))).rejects.toThrow(
      /be\.csv looks like UTF-16BE text without a byte order mark, which is not read/
    );
    const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256));
    await expect(aggregateExport(file('bin.csv', binary))).rejects.toThrow(
      /bin\.csv is not a CSV file \(it contains binary data\)/
    );
  });

  it('finds a bad byte anywhere on a line the fast path counts, in the second of two parallel ranges', async () => {
    const W = weekIndexOfLabel('2026-W10')!;
    const rows = ticketRows(
      Array.from({ length: 130 }, (_, i) => ({
        account: `acct-${i % 50}`,
        weekIndex: W + (i % 20),
        total: 900,
        ai: 400
      }))
    );
    const lines = [H, ...rows];
    const text = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    expect(text.length).toBeGreaterThan(8 << 20); // read in parallel ranges
    // an otherwise usual line near the end, whose channel (a column no rule reads) holds a Latin-1 byte
    const at = lines.length - 3; // 0-based index of the line
    const start = Buffer.byteLength(`${lines.slice(0, at).join('\n')}\n`, 'utf8');
    const line = lines[at]!;
    const bad = Buffer.concat([
      text.subarray(0, start + line.length),
      Buffer.from([0xe9]),
      text.subarray(start + line.length)
    ]);
    const f = file('big.csv', bad);
    expect(await aggregatePlainCsv(f)).toBeUndefined();
    await expect(aggregateExport(f)).rejects.toThrow(
      new RegExp(`line ${at + 1}, byte offset ${start + line.length}: not valid UTF-8 \\(byte 0xE9\\)`)
    );
    // the same file without the bad byte is read by the fast path
    fs.writeFileSync(f, text);
    expect(await aggregatePlainCsv(f)).toBeDefined();
  });

  it('the UTF-8 check agrees with Node on every short byte sequence form, and across chunk boundaries', async () => {
    const bytes = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5];
    for (const a of bytes)
      for (const b of bytes)
        for (const c of bytes) {
          const buf = Buffer.from([a, b, c, 0x80, 0x80]);
          for (let n = 1; n <= 5; n++)
            expect([buf.subarray(0, n), firstInvalidUtf8(buf.subarray(0, n)) === -1]).toEqual([
              buf.subarray(0, n),
              isUtf8(buf.subarray(0, n))
            ]);
        }
    const text = Buffer.from(`a,b\n${'Café,€😀\n'.repeat(50)}`, 'utf8');
    for (const size of [1, 2, 3, 5]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      const out: Buffer[] = [];
      for await (const c of toUtf8(
        (async function* () {
          yield* chunks;
        })(),
        undefined
      ))
        out.push(c);
      expect(Buffer.concat(out).equals(text)).toBe(true);
    }
  });
});
