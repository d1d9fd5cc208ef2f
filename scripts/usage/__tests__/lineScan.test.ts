import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseInstant } from '../instant';
import { fastInstantNs, HASH_BUCKET_BITS, hashField, LineLayout, scanRange } from '../lineScan';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-linescan-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the line reader reads an instant only as instant.ts does', () => {
  const bases = [
    '2026-07-16T10:27:16.540Z',
    '2026-07-16T10:27:16Z',
    '2026-07-16 10:27:16',
    '2026-07-16T10:27:16.123456789',
    '2028-02-29T23:59:59.9Z',
    '1678-01-01T00:00:00.000Z',
    '2261-12-31T23:59:59.999999999Z'
  ];

  it('takes the forms without an offset, with the same nanoseconds', () => {
    for (const b of bases) expect([b, fastInstantNs(b)]).toEqual([b, parseInstant(b)]);
    // an offset is left to instant.ts
    expect(fastInstantNs('2026-07-16T10:27:16+02:00')).toBeUndefined();
    expect(parseInstant('2026-07-16T10:27:16+02:00')).toBeDefined();
  });

  it('on every character in every place, and on every pair of places changed', () => {
    const at = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i + 1);
    const chars = [
      ...Array.from({ length: 127 }, (_, n) => String.fromCharCode(n + 1)),
      ...['é', '٣', '０', '中', '\u00a0', '😀']
    ];
    const pairChars = [' ', '\t', '+', '-', '0', '1', '2', '3', '5', '9', 'T', 'Z', ':', '.'];
    let taken = 0;
    let checked = 0;
    for (const base of bases) {
      const values = new Set<string>();
      for (let i = 0; i <= base.length; i++) {
        for (const c of chars) values.add(at(base, i, c));
        values.add(base.slice(0, i) + base.slice(i + 1));
        values.add(base.slice(0, i) + '0' + base.slice(i));
      }
      for (let i = 0; i < base.length; i++)
        for (let j = i + 1; j < base.length; j++)
          for (const a of pairChars) for (const b of pairChars) values.add(at(at(base, i, a), j, b));
      for (const v of values) {
        const fast = fastInstantNs(v);
        checked++;
        if (fast === undefined) continue;
        taken++;
        // whatever the line reader takes, instant.ts takes with the same value
        if (fast !== parseInstant(v)) expect([v, fast]).toEqual([v, parseInstant(v)]);
      }
    }
    // both outcomes are well represented
    expect(checked).toBeGreaterThan(100_000);
    expect(taken).toBeGreaterThan(5_000);
    expect(checked - taken).toBeGreaterThan(50_000);
  });
});

describe('scanRange', () => {
  const layout: LineLayout = { columns: 5, ticket: 0, account: 1, created: 2, resolved: 3, resolution: 4 };
  const header = 'ticket_id,account_id,created_at,resolved_at,resolution';

  it('counts lines in the usual shape per account and week, leaves the others to the exact rules, and hashes every ticket_id', () => {
    const lines = [
      't1,a1,2026-03-02T10:00:00.000Z,2026-03-02T11:00:00.000Z,ai', // counted
      't2,a1,2026-03-03T10:00:00Z,,human', // counted
      't3,a2,2026-03-09 10:00:00,,unresolved', // counted, the next week
      't4,a1,2026-03-02T10:00:00Z,,AI', // upper case: exact rules
      '"t5",a1,2026-03-02T10:00:00Z,,ai', // quoted: exact rules
      't6,a1,2026-03-02T10:00:00+01:00,,ai', // offset: exact rules
      't7, a1,2026-03-02T10:00:00Z,,ai', // blank around the account: exact rules
      't8,a1,2026-03-02T10:00:00Z,2026-03-02T09:00:00Z,ai', // resolved before created: exact rules
      't9,a1', // short: exact rules
      't10,ä1,2026-03-02T10:00:00Z,,ai' // not ASCII: exact rules
    ];
    const file = path.join(dir, 'scan.csv');
    fs.writeFileSync(file, `${header}\r\n${lines.join('\r\n')}`); // CRLF, no final line end
    const scan = scanRange(file, 0, fs.statSync(file).size, layout, true);
    expect(scan.ok).toBe(true);
    expect(scan.lines).toBe(lines.length);
    expect([...scan.slow]).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const groups = Array.from(scan.groupAccount, (a, g) => ({
      account: scan.accounts[a],
      week: scan.groupWeek[g],
      counts: [...scan.counts.subarray(3 * g, 3 * g + 3)]
    }));
    expect(groups).toEqual([
      { account: 'a1', week: 2930, counts: [1, 1, 0] },
      { account: 'a2', week: 2931, counts: [0, 0, 1] }
    ]);
    // every line once, in the bucket of its hash's top bits; a quoted ticket_id hashes like a bare one
    const hashOf = new Map<number, number>();
    for (let b = 0; b < 1 << HASH_BUCKET_BITS; b++)
      for (let k = scan.bucketStart[b]!; k < scan.bucketStart[b + 1]!; k++) {
        expect(scan.bucketHashes[k]! >>> (32 - HASH_BUCKET_BITS)).toBe(b);
        hashOf.set(scan.bucketLines[k]!, scan.bucketHashes[k]!);
      }
    expect(hashOf.size).toBe(lines.length);
    const t5 = Buffer.from('t5');
    expect(hashOf.get(4)).toBe(hashField(t5, 0, t5.length, false));
    expect(scan.offsets[1]).toBe(header.length + 2 + lines[0]!.length + 2);
  });

  it('is not ok with a blank line or a quote left open', () => {
    const file = path.join(dir, 'bad.csv');
    for (const text of [
      `${header}\nt1,a1,2026-03-02T10:00:00Z,,ai\n\nt2,a1,2026-03-02T10:00:00Z,,ai\n`,
      `${header}\nt1,"a1,2026\n`
    ]) {
      fs.writeFileSync(file, text);
      expect(scanRange(file, 0, fs.statSync(file).size, layout, true).ok).toBe(false);
    }
  });
});
