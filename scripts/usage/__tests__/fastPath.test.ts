import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ticketRows } from '../../test-support/ticketExport';
import { aggregateExport } from '../aggregate';
import { weekIndexOfLabel } from '../isoWeek';
import { RESOLUTIONS } from '../rowRules';
import { fuzzedExport } from './fuzzedExport';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-fast-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  fs.writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
}

/** Both engines over the same file must agree on everything, line numbers and reasons included. */
async function bothEngines(f: string) {
  const fast = await aggregateExport(f);
  const exact = await aggregateExport(f, () => {}, { engine: 'exact' });
  return { fast, exact };
}

/** the instant forms support platforms export (JavaScript's toISOString first): shapes, `_` for a digit */
const COMMON_SHAPES = [
  '____-__-__T__:__:__.___Z',
  '____-__-__T__:__:__Z',
  '____-__-__ __:__:__',
  '____-__-__T__:__:__'
];

const EDGE_ROWS = [
  'ticket_id,account_id,created_at,resolved_at,resolution,channel',
  't1,a1,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,ai,email',
  't2,a1,2026-03-08 23:59:59.9999999,,Unresolved ,chat',
  't3,a1,2026-03-09T00:30:00+01:00,,HUMAN,chat',
  't4,a1,2026-03-02T24:00:00Z,,ai,email',
  't5,a1,2026-02-29T10:00:00Z,,ai,email',
  't6,a1,2026-03-02T10:00:00+25:00,,ai,email',
  't7,a1,2026-03-02,,ai,email',
  't8,a1,2026-03-02T10:00:00.1234567891Z,,ai,email',
  't9,a1,2026-03-02T10:00:60Z,,ai,email',
  't10,a1,2026-03-02T10:00:00Z,2026-03-02T09:59:59.9999999Z,ai,email',
  't11,a1,2026-03-02T10:00:00Z,2026-03-02T10:00:00.0000001Z,ai,email',
  't12,a1,2026-03-02T10:00:00Z,,maybe,email',
  ',a1,2026-03-02T10:00:00Z,,ai,email',
  't13,  ,2026-03-02T10:00:00Z,,ai,email',
  't14,a1,,,ai,email',
  't15,a2,2026-03-02T10:00:00Z,,ai,email',
  't15,a3,2026-03-02T10:00:00Z,,ai,email',
  't16,a1,2026-03-02T10:00:00Z,2026-03-03T10:00:00Z,ai,email',
  't16,a1,2026-03-02T10:00:00Z,2026-03-03T10:00:00Z,human,email',
  't17,a1,2026-03-02T10:00:00Z,,human,email',
  't17,a1,2026-03-02T10:00:00Z,2026-03-02T12:00:00Z,ai,email',
  't17,a1,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,human,email',
  '"t18","a1","2026-03-02T10:00:00Z","","ai","e, mail"',
  't19,a1,2026-03-02 10:00:00.5-02:30,,ai,email',
  't20,a1,2026-03-02T10:00:00Z,9999-12-31T00:00:00Z,ai,email',
  't21,a1,1600-01-05T00:00:00Z,,ai,email',
  't22,a1,0050-01-05T00:00:00Z,,ai,email',
  't23,a1,2026-03-02T10:00:00Z,,ai\t,email',
  '\t,a1,2026-03-02T10:00:00Z,,ai,email'
];

describe('fast path (parallel line reader) agrees with the exact reader', () => {
  it('on every rule: instants, resolutions, empties, duplicates and conflicts', async () => {
    const { fast, exact } = await bothEngines(file('edge.csv', `${EDGE_ROWS.join('\n')}\n`));
    expect(fast.engine).toBe('fast');
    expect(exact.engine).toBe('exact');
    expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
    expect(exact.rejects.map((r) => r.line)).toEqual([
      5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 26, 27, 28, 30
    ]);
    // dates outside 1678..2261 do not fit 64-bit nanoseconds: rejected with their line, not a crash
    expect(exact.duplicates).toBe(2);
  });

  it('on the common form YYYY-MM-DDTHH:MM:SS.mmmZ at its edges (hour 24, midnights, year range, calendar)', async () => {
    const rows = [
      'ticket_id,account_id,created_at,resolved_at,resolution',
      'c1,a1,2026-03-02T24:00:00.000Z,,ai',
      'c2,a1,2026-03-03T00:00:00.000Z,2026-03-03T24:00:00.000Z,ai',
      'c3,a1,2026-03-03T00:00:00.000Z,2026-03-04T00:00:00.000Z,ai',
      'c4,a1,1677-12-31T23:59:59.999Z,,ai',
      'c5,a1,1678-01-01T00:00:00.000Z,,human',
      'c6,a1,2261-12-31T23:59:59.999Z,,human',
      'c7,a1,2262-01-01T00:00:00.000Z,,ai',
      'c8,a1,2026-02-29T10:00:00.000Z,,ai',
      'c9,a1,2028-02-29T10:00:00.000Z,,ai',
      'c10,a1,2026-03-02T10:00:60.000Z,,ai',
      'c11,a1,2026-03-02T10:60:00.000Z,,ai',
      'c12,a1,2026-03-02T10:00:00.00 Z,,ai',
      'c13,a1,2026-03-02T10:00:00.000z,,ai',
      'c14,a1,2026-13-02T10:00:00.000Z,,ai',
      'c15, a1 ,2026-03-02T10:00:00.000Z,2026-03-02T09:59:59.999Z,ai',
      'c16,a1,2026-03-02T10:00:00.000Z,2026-03-02T10:00:00.000Z,ai',
      'c16,a1,2026-03-02T10:00:00.000Z,2026-03-02T10:00:00.000Z,ai',
      ' c17 ,a1,2026-03-02T10:00:00.000Z,,ai',
      'c17,a1,2026-03-02T10:00:00.000Z,,ai',
      '"c18",a1,2026-03-02T10:00:00.000Z,,ai',
      'c18,a2,2026-03-02T10:00:00.000Z,,ai',
      '"c""19",a1,2026-03-02T10:00:00.000Z,,ai'
    ];
    const { fast, exact } = await bothEngines(file('common.csv', `${rows.join('\n')}\n`));
    expect(fast.engine).toBe('fast');
    expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
    expect(exact.rejects.map((r) => r.line)).toEqual([2, 3, 5, 8, 9, 11, 12, 13, 14, 15, 16, 21, 22]);
    expect(exact.duplicates).toBe(2);
  });

  it.each(COMMON_SHAPES.map((shape) => [shape]))(
    'on every character in every place of the common form %s, and on pairs of places changed',
    async (shape) => {
      // the fast path tells a common form by its shape and leaves the digits to DuckDB's cast: every way that
      // could go wrong is tried here against the exact rules (instant.ts)
      const digitsOf = '2026071610271654';
      let k = 0;
      const base = [...shape].map((c) => (c === '_' ? digitsOf[k++ % digitsOf.length]! : c)).join('');
      const at = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i + 1);
      const chars = [
        ...Array.from({ length: 127 }, (_, n) => String.fromCharCode(n + 1)).filter((c) => c !== '\n' && c !== '\r'),
        ...['é', '٣', '０', '中', '\u00a0', '😀']
      ];
      const values = new Set<string>([base]);
      for (let i = 0; i <= base.length; i++) {
        for (const c of chars) values.add(at(base, i, c));
        values.add(base.slice(0, i) + base.slice(i + 1));
        values.add(base.slice(0, i) + '0' + base.slice(i));
      }
      const pairChars = [' ', '\t', '+', '-', '0', '1', '2', '5', '9', 'T', 'Z', ':', '.'];
      for (let i = 0; i < base.length; i++)
        for (let j = i + 1; j < base.length; j++)
          for (const a of pairChars) for (const b of pairChars) values.add(at(at(base, i, a), j, b));
      const quoted = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const rows = ['ticket_id,account_id,created_at,resolved_at,resolution'];
      let n = 0;
      for (const v of values) {
        rows.push(`f${n++},a1,${quoted(v)},,ai`);
        rows.push(`f${n++},a1,1990-01-01T00:00:00.000Z,${quoted(v)},human`);
      }
      const { fast, exact } = await bothEngines(file('fuzz.csv', `${rows.join('\n')}\n`));
      expect(fast.engine).toBe('fast');
      expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
      // both outcomes are well represented
      expect(exact.rejects.length).toBeGreaterThan(5_000);
      expect(exact.tickets).toBeGreaterThan(1_000);
    }
  );

  it.each([
    ['mixed quoting, LF', 11, false, '\n'],
    ['every value quoted, CRLF, BOM', 12, true, '\r\n']
  ])(
    'on fuzzed exports in every accepted form (%s): offsets, quotes, padding, case, duplicates',
    async (_, seed, allQuoted, eol) => {
      const text = fuzzedExport(seed as number, allQuoted as boolean, eol as string, 6000);
      const { fast, exact } = await bothEngines(file(`fuzz-${seed}.csv`, `${seed === 12 ? '\ufeff' : ''}${text}`));
      expect(fast.engine).toBe('fast');
      expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
      expect(exact.duplicates).toBeGreaterThan(50);
      expect(exact.rejects.length).toBeGreaterThan(100);
      expect(exact.tickets).toBeGreaterThan(1000);
    }
  );

  it('with CRLF line ends and a BOM', async () => {
    const { fast, exact } = await bothEngines(file('crlf.csv', `\ufeff${EDGE_ROWS.join('\r\n')}\r\n`));
    expect(fast.engine).toBe('fast');
    expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
  });

  it('falls back to the exact reader when a value spans lines or a line is blank', async () => {
    const multiline = await aggregateExport(
      file('ml.csv', `${EDGE_ROWS.slice(0, 3).join('\n')}\n"t20","a1","2026-03-02T10:00:00Z","","ai","two\nlines"\n`)
    );
    expect(multiline.engine).toBe('exact');
    const blank = await aggregateExport(file('blank.csv', `${EDGE_ROWS.slice(0, 3).join('\n')}\n\n${EDGE_ROWS[3]}\n`));
    expect(blank.engine).toBe('exact');
    expect(blank.rowsRead).toBe(3);
    for (const stray of [', "ai"', ',"ai" ', ',a"i']) {
      const text = `${EDGE_ROWS.slice(0, 3).join('\n')}\nt30,a1,2026-03-02T10:00:00Z,${stray},email\n`;
      const r = await aggregateExport(file('stray.csv', text));
      expect([stray, r.engine, r.rejects[0]?.reason]).toEqual([
        stray,
        'exact',
        expect.stringMatching(/^malformed CSV/)
      ]);
    }
    // a short row is one the exact rules reject, and the fast path leaves it to them
    const short = await bothEngines(file('short.csv', `${EDGE_ROWS.slice(0, 3).join('\n')}\nt21,a1\n`));
    expect(short.fast.engine).toBe('fast');
    expect({ ...short.fast, engine: 'x' }).toEqual({ ...short.exact, engine: 'x' });
    expect(short.fast.rejects).toEqual([{ line: 4, reason: '2 values where the header has 6', raw: 't21,a1' }]);
  });

  it('on ids spelled differently that read alike, a CR before the CRLF, a very long line and odd headers', async () => {
    const H = 'ticket_id,account_id,created_at,resolved_at,resolution';
    // invalid UTF-8 is never read as U+FFFD (which made these two rows one ticket): both engines refuse the file
    // with the same message, naming the first bad byte
    const ids = file('ids.csv', '');
    fs.writeFileSync(
      ids,
      Buffer.concat([
        Buffer.from(`${H}\nT`),
        Buffer.from([0xff]),
        Buffer.from(',A,2024-01-03T00:00:00Z,,ai\nT'),
        Buffer.from([0xfe]),
        Buffer.from(',A,2024-01-03T00:00:00Z,,ai\n')
      ])
    );
    const refused = /ids\.csv: line 2, byte offset 56: not valid UTF-8 \(byte 0xFF\)/;
    await expect(aggregateExport(ids)).rejects.toThrow(refused);
    await expect(aggregateExport(ids, () => {}, { engine: 'exact' })).rejects.toThrow(refused);
    const cases: [string, Buffer][] = [
      ['cr', Buffer.from(`${H}\nT1,A,bad,,ai\r\r\nT2,A,2024-01-03T00:00:00Z,,ai\r\r\n`)],
      [
        'cr-resolved',
        Buffer.from(
          'ticket_id,account_id,created_at,resolution,resolved_at\nT1,A,2024-01-03T00:00:00Z,ai,2024-01-04T00:00:00Z\r\r\nT1,A,2024-01-03T00:00:00Z,ai,2024-01-04T00:00:00Z\r\n'
        )
      ],
      ['header-quoted-newline', Buffer.from(`${H},"ch\nannel"\nT1,A,2024-01-03T00:00:00Z,,ai,x\n`)],
      [
        'header-wide',
        Buffer.from(
          `${H},${Array.from({ length: 8000 }, (_, i) => `extra${i}`).join(',')}\nT1,A,2024-01-03T00:00:00Z,,ai\n`
        )
      ]
    ];
    for (const [name, bytes] of cases) {
      fs.writeFileSync(path.join(dir, `${name}.csv`), bytes);
      const { fast, exact } = await bothEngines(path.join(dir, `${name}.csv`));
      expect([name, { ...fast, engine: 'x' }]).toEqual([name, { ...exact, engine: 'x' }]);
    }
    // a record over 1 MB: both stop with the exact reader's message
    const long = file('long.csv', `${H}\nT1,${'A'.repeat(1_100_000)},2024-01-03T00:00:00Z,,ai\n`);
    await expect(aggregateExport(long)).rejects.toThrow(/longer than 1 MB/);
  });

  it('over centuries of weeks (counted in maps rather than tables)', async () => {
    const rows = ['ticket_id,account_id,created_at,resolved_at,resolution'];
    for (let a = 0; a < 2000; a++) {
      rows.push(`old${a},acct-${a},1700-03-0${1 + (a % 7)}T10:00:00.000Z,,${RESOLUTIONS[a % 3]}`);
      rows.push(`new${a},acct-${a},2200-12-0${1 + (a % 7)}T10:00:00Z,2200-12-09T10:00:00Z,${RESOLUTIONS[(a + 1) % 3]}`);
    }
    rows.push(rows[5]!, rows[9]!.replace(/,ai$|,human$|,unresolved$/, ',ai'));
    const { fast, exact } = await bothEngines(file('centuries.csv', `${rows.join('\n')}\n`));
    expect(fast.engine).toBe('fast');
    expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
    expect(fast.weeks.length).toBeGreaterThan(3_000);
    expect(fast.duplicates).toBe(1);
  });

  it('keeps file order on a file large enough to be read in parallel', async () => {
    const W = weekIndexOfLabel('2026-W10')!;
    const rows = ticketRows(
      Array.from({ length: 400 }, (_, i) => ({
        account: `acct-${i % 97}`,
        weekIndex: W + (i % 26),
        total: 600,
        ai: 250,
        unresolved: 50
      }))
    );
    // sprinkle rejects and duplicates at known lines
    for (let i = 1000; i < rows.length; i += 7919) rows[i] = rows[i]!.replace(/,(ai|human|unresolved),/, ',robot,');
    for (let i = 5000; i < rows.length; i += 10007) rows.splice(i, 0, rows[i - 3000]!);
    const f = file('big.csv', `ticket_id,account_id,created_at,resolved_at,resolution,channel\n${rows.join('\n')}\n`);
    const { fast, exact } = await bothEngines(f);
    expect(fast.engine).toBe('fast');
    expect(fast.rowsRead).toBe(rows.length);
    expect(fast.rejects.length).toBeGreaterThan(20);
    expect(fast.duplicates).toBeGreaterThan(10);
    expect({ ...fast, engine: 'x' }).toEqual({ ...exact, engine: 'x' });
    // a value with a line break in the second half: a worker finds it, and the exact reader reads the file
    rows[Math.floor(rows.length * 0.75)] = 'x1,acct-1,2026-03-02T10:00:00Z,,ai,"two\nlines"';
    const broken = file(
      'big-broken.csv',
      `ticket_id,account_id,created_at,resolved_at,resolution,channel\n${rows.join('\n')}\n`
    );
    const slow = await aggregateExport(broken);
    expect(slow.engine).toBe('exact');
    expect(slow.rowsRead).toBe(rows.length);
  });
});
