import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCsvBuffer } from '../csvRecords';
import { nsToMs, parseInstant } from '../instant';
import { weekIndexOf } from '../isoWeek';
import { fastInstantNs, HASH_BUCKET_BITS, hashField, LineLayout, scanRange } from '../lineScan';
import { checkRow, indexColumns } from '../rowRules';
import { FUZZ_HEADER as HEADER, fuzzedExport } from './fuzzedExport';

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
    '2261-12-31T23:59:59.999999999Z',
    '2026-07-16T10:27:16.540+05:30',
    '2026-07-16 00:27:16-08:00',
    '2026-01-01T00:00:00.1234+14:00',
    '1678-01-01T00:00:00-00:00'
  ];

  it('takes every form instant.ts takes, offsets included, with the same nanoseconds', () => {
    for (const b of bases) {
      expect(parseInstant(b)).toBeDefined();
      expect([b, fastInstantNs(b)]).toEqual([b, parseInstant(b)]);
    }
    // the offset is taken from the local time: 10:27 at +05:30 is 04:57 UTC, 00:27 at -08:00 is 08:27 UTC
    expect(fastInstantNs('2026-07-16T10:27:16.540+05:30')).toBe(
      BigInt(Date.parse('2026-07-16T04:57:16.540Z')) * 1_000_000n
    );
    expect(fastInstantNs('2026-07-16 00:27:16-08:00')).toBe(BigInt(Date.parse('2026-07-16T08:27:16Z')) * 1_000_000n);
    for (const refused of ['2026-07-16T10:27:16+24:00', '2026-07-16T10:27:16+05:60', '2026-07-16T10:27:16+0530'])
      expect([refused, fastInstantNs(refused), parseInstant(refused)]).toEqual([refused, undefined, undefined]);
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
      // and what it refuses, instant.ts refuses too
      for (const v of values)
        if (fastInstantNs(v) === undefined && parseInstant(v) !== undefined)
          expect([v, 'refused']).toEqual([v, 'taken']);
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

  it('counts the lines the rules accept, in any form, per account and week, leaves the rejected ones to the exact rules, and hashes every ticket_id', () => {
    const lines = [
      't1,a1,2026-03-02T10:00:00.000Z,2026-03-02T11:00:00.000Z,ai', // counted
      't2,a1,2026-03-03T10:00:00Z,,human', // counted
      't3,a2,2026-03-09 10:00:00,,unresolved', // counted, the next week
      't4,a1,2026-03-02T10:00:00Z,, AI\t', // padded, upper case: counted
      '"t5","a1","2026-03-02T10:00:00Z","","ai"', // every value quoted: counted
      't6,a1,2026-03-09T00:30:00+01:00,,ai', // an offset: counted in the week before (2026-03-08T23:30Z)
      't7, a1 ,2026-03-08T23:30:00-01:00,,ai', // blank around the account, and an offset: counted, the next week
      't8,a1,2026-03-02T10:00:00Z,2026-03-02T09:00:00Z,ai', // resolved before created: exact rules
      't9,a1', // short: exact rules
      't10,ä1,2026-03-02T10:00:00Z,,ai', // not ASCII: counted
      '"t""11","a""2",2026-03-09T10:00:00Z,,human,,""', // doubled quotes, empty values past the header's: counted
      't12,a1,2026-03-02T10:00:00Z,,ai,x' // a value past the header's that is not empty: exact rules
    ];
    const file = path.join(dir, 'scan.csv');
    fs.writeFileSync(file, `${header}\r\n${lines.join('\r\n')}`); // CRLF, no final line end
    const scan = scanRange(file, 0, fs.statSync(file).size, layout, true);
    expect(scan.ok).toBe(true);
    expect(scan.lines).toBe(lines.length);
    expect([...scan.slow]).toEqual([7, 8, 11]);
    const groups = Array.from(scan.groupAccount, (a, g) => ({
      account: scan.accounts[a],
      week: scan.groupWeek[g],
      counts: [...scan.counts.subarray(3 * g, 3 * g + 3)]
    }));
    expect(groups).toEqual([
      { account: 'a1', week: 2930, counts: [4, 1, 0] },
      { account: 'a1', week: 2931, counts: [1, 0, 0] },
      { account: 'a2', week: 2931, counts: [0, 0, 1] },
      { account: 'ä1', week: 2930, counts: [1, 0, 0] },
      { account: 'a"2', week: 2931, counts: [0, 1, 0] }
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
    const t11 = Buffer.from('t"11');
    expect(hashOf.get(10)).toBe(hashField(t11, 0, t11.length, false));
    expect(scan.offsets[1]).toBe(header.length + 2 + lines[0]!.length + 2);
  });

  it('is not ok with a blank line, a quote left open or a quote where RFC 4180 does not put one', () => {
    const file = path.join(dir, 'bad.csv');
    const row = 't1,a1,2026-03-02T10:00:00Z,,ai';
    for (const text of [
      `${header}\n${row}\n\nt2,a1,2026-03-02T10:00:00Z,,ai\n`,
      `${header}\nt1,"a1,2026\n`,
      // text after a closing quote, at the line end or before a comma; a quote inside an unquoted value
      `${header}\n${row.replace(',ai', ',"ai"x')}\n`,
      `${header}\n${row.replace(',ai', ',"ai"\t')}\r\n`,
      `${header}\n${row.replace('t1,', '"t1" ,')}\n`,
      `${header}\n${row.replace('a1', 'a"1')}\n`,
      `${header}\n"t1",${row.replace('t1,', '').replace('a1', 'a"1')}\n`
    ]) {
      fs.writeFileSync(file, text);
      expect([text, scanRange(file, 0, fs.statSync(file).size, layout, true).ok]).toEqual([text, false]);
    }
    // the same rows quoted where RFC 4180 puts quotes are read
    fs.writeFileSync(
      file,
      `${header}\n"t1","a""1","2026-03-02T10:00:00Z","","ai"\n"t2",a1,2026-03-02T10:00:00Z,,"ai"\n`
    );
    const scan = scanRange(file, 0, fs.statSync(file).size, layout, true);
    expect([scan.ok, [...scan.slow], scan.accounts]).toEqual([true, [], ['a"1', 'a1']]);
  });
});

describe('scanRange on fuzzed exports, line by line against the exact rules (csvRecords + rowRules)', () => {
  const layout: LineLayout = { columns: 6, ticket: 0, account: 1, created: 2, resolved: 3, resolution: 4 };

  /** per data line, what the exact rules make of it: a valid row's account, week and resolution, or a reject */
  function exactLines(text: string) {
    const { index } = indexColumns(HEADER);
    const out: ({ account: string; week: number; res: number } | 'rejected')[] = [];
    readCsvBuffer(Buffer.from(text), (r) => {
      if (r.line === 1) return;
      const fields = r.fields;
      const counted =
        fields.length === HEADER.length ||
        (fields.length > HEADER.length && fields.slice(HEADER.length).every((f) => f === ''));
      const row = !r.malformed && counted ? checkRow(fields, index!) : { reason: 'not counted' };
      out.push(
        'reason' in row
          ? 'rejected'
          : { account: row.accountId, week: weekIndexOf(nsToMs(row.createdNs)), res: row.resolution }
      );
    });
    return out;
  }

  it.each([
    ['mixed quoting, LF', 1, false, '\n'],
    ['every value quoted, CRLF', 2, true, '\r\n'],
    ['mixed quoting, CRLF', 3, false, '\r\n']
  ])(
    '%s: counts exactly the rows the rules accept, with their values, and leaves only the rejected ones',
    (_, seed, allQuoted, eol) => {
      const text = fuzzedExport(seed as number, allQuoted as boolean, eol as string);
      const file = path.join(dir, `fuzz-${seed}.csv`);
      fs.writeFileSync(file, text);
      const scan = scanRange(file, 0, fs.statSync(file).size, layout, true);
      expect(scan.ok).toBe(true);
      const exact = exactLines(text);
      expect(scan.lines).toBe(exact.length);
      // the lines left to the exact reader are exactly the rejected ones
      const rejected = exact.flatMap((e, i) => (e === 'rejected' ? [i] : []));
      expect([...scan.slow]).toEqual(rejected);
      expect(rejected.length).toBeGreaterThan(100);
      expect(rejected.length).toBeLessThan(exact.length / 5);
      // and the counts per account and week are those of the accepted rows
      const counts = (entries: [string, number, number, number][]) => {
        const m = new Map<string, number>();
        for (const [account, week, res, n] of entries)
          m.set(`${account}|${week}|${res}`, (m.get(`${account}|${week}|${res}`) ?? 0) + n);
        return [...m].filter(([, n]) => n > 0).sort();
      };
      const fast = counts(
        Array.from(scan.groupAccount, (a, g) =>
          [0, 1, 2].map(
            (res) =>
              [scan.accounts[a]!, scan.groupWeek[g]!, res, scan.counts[3 * g + res]!] as [
                string,
                number,
                number,
                number
              ]
          )
        ).flat()
      );
      const expected = counts(
        exact.flatMap((e) =>
          e === 'rejected' ? [] : [[e.account, e.week, e.res, 1] as [string, number, number, number]]
        )
      );
      expect(fast).toEqual(expected);
      expect(new Set(expected.map(([k]) => k.split('|')[0])).size).toBe(6);
    }
  );
});
