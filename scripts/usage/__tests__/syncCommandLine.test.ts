/**
 * What a RevOps admin met on the usage commands' command line with exports from other helpdesks (issue 12's
 * fresh-eye pass): an option given as another option's value, the reject summary of a date-only export, a file
 * whose lines end in CR alone, the encoding advice (a UTF-8 file given --encoding latin1; a Latin-1 outcomes file).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildProgram } from '../../cli/main';
import { UsageError } from '../../lib/errors';
import { runGtm } from '../../test-support/runGtm';
import { readOutcomesFile } from '../backtestRun';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-cmdline-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER = 'ticket_id,account_id,created_at,resolved_at,resolution';
const write = (name: string, text: string | Buffer) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('an option given where a value belongs', () => {
  // before: `--store --dry-run` made a store file named "--dry-run" and ran for real (exit 3, every row failed)
  const parse = (args: string[]) => buildProgram().parseAsync(['node', 'gtm', 'usage', ...args]);

  it.each([
    [['sync', path.join(os.tmpdir(), 'no-such-export.csv'), '--store', '--dry-run'], '--store', '--dry-run'],
    [['sync', path.join(os.tmpdir(), 'no-such-export.csv'), '--target-org', '--dry-run'], '--target-org', '--dry-run'],
    [['backtest', '--outcomes', '-o'], '--outcomes', '-o']
  ])('%j is a usage error naming both', async (args, flag, value) => {
    const err = await parse(args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`${flag} needs a value, but the next word is the option ${value}`);
  });

  it('--export --json: exit 2 with the JSON error, and no folder "--json"', () => {
    const r = runGtm([
      'usage',
      'sync',
      path.join(dir, 'none.csv'),
      '--store',
      path.join(dir, 's.duckdb'),
      '--export',
      '--json'
    ]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: 'UsageError',
      message: '--export needs a value, but the next word is the option --json'
    });
    expect(fs.existsSync(path.join(dir, 's.duckdb'))).toBe(false);
  });
});

describe('refusals say what is wrong with the file', () => {
  it('a date-only export: the rejects are grouped as one kind, not cut inside the accepted forms', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `T${i},Acme,2026-03-0${1 + (i % 9)},,unresolved`);
    const file = write('dates.csv', [HEADER, ...rows].join('\n') + '\n');
    const r = runGtm(['usage', 'sync', file, '--store', path.join(dir, 'd.duckdb'), '--dry-run']);
    expect(r.code).toBe(1);
    // before: nine lines "N x created_at "2026-03-0N" is not in an accepted form (2026-03-02T10"
    expect(r.stderr).toMatch(/^ {2}30 x created_at is a date without a time of day$/m);
    expect(r.stderr).not.toMatch(/\(2026-03-02T10$/m);
  });

  it.each([
    // the last column's name runs into the first row: a missing column (before: no word of the line ends)
    [HEADER, /missing column resolution\n[^\n]*\n {2}its lines end in a carriage return alone/],
    // an extra last column takes the first row: the header is whole, and no row follows (before: that alone)
    [`${HEADER},channel`, /has a header but no ticket rows\n {2}its lines end in a carriage return alone/]
  ])('lines ending in CR alone (Excel for Mac) are named: %s', (header, message) => {
    const rows = [header, 'T1,Acme,2026-03-02T10:00:00Z,,unresolved,chat', 'T2,Acme,2026-03-02T11:00:00Z,,ai,chat'];
    const file = write('mac.csv', rows.join('\r') + '\r');
    const r = runGtm(['usage', 'sync', file, '--store', path.join(dir, 'm.duckdb'), '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('a UTF-8 file given --encoding latin1 is told to leave it out, and not also that it is not UTF-8', () => {
    const file = write('utf8.csv', `${HEADER}\nT1,Café,2026-03-02T10:00:00Z,,unresolved\n`);
    const r = runGtm([
      'usage',
      'sync',
      file,
      '--store',
      path.join(dir, 'u.duckdb'),
      '--dry-run',
      '--encoding',
      'latin1'
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is UTF-8 \("Café"\), but --encoding latin1 was given/);
    expect(r.stderr).not.toMatch(/is not UTF-8/);
  });
});

describe('usage backtest --encoding (its Latin-1 refusal says to pass it)', () => {
  const latin1 = () =>
    write('outcomes.csv', Buffer.from('account_id,outcome_date\nCaf\xe9 Corp,2026-04-20\n', 'latin1'));

  it('refuses Latin-1 by default, advising --encoding latin1, and reads it with that option', () => {
    const file = latin1();
    expect(() => readOutcomesFile(file)).toThrow(/line 2, byte offset 27: not valid UTF-8 \(byte 0xE9\)/);
    expect(readOutcomesFile(file, 'latin1').map((o) => o.accountKey)).toEqual(['Café Corp']);
  });

  it('is an option of the command, for the --outcomes file only', () => {
    const r = runGtm(['usage', 'backtest', '--store', path.join(dir, 'none.duckdb'), '--encoding', 'latin1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --encoding is for the --outcomes file$/m);
  });
});
