import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runGtm } from '../../test-support/runGtm';
import { HEADER, ticketRows } from '../../test-support/ticketExport';

jest.setTimeout(120_000);

const gtm = runGtm;

const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;
const WEEK = 2930; // the ISO week starting Monday 2026-03-02

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-usage-cli-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const sync = (input: string, ...more: string[]) =>
  gtm([
    'usage',
    'sync',
    input,
    '--store',
    path.join(dir, 'store.duckdb'),
    '--create-accounts',
    '--as-of',
    '2026-12-01',
    '--no-cache',
    ...more
  ]);

/** Café and Cafè, 30 tickets each, as a Windows tool writes them in Latin-1 */
const latin1Export = () =>
  Buffer.from(
    `${HEADER}\n${[
      ...ticketRows([{ account: 'Caf\u00e9', weekIndex: WEEK, total: 30, ai: 20 }], 'a'),
      ...ticketRows([{ account: 'Caf\u00e8', weekIndex: WEEK, total: 30, ai: 10 }], 'b')
    ].join('\n')}\n`,
    'latin1'
  );

describe('gtm usage sync: encodings', () => {
  it('refuses a Latin-1 export naming the line and byte, and makes no store; --encoding latin1 reads it', () => {
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(input, latin1Export());
    const refused = sync(input, '--json');
    expect(refused.stderr).not.toMatch(STACK);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: .*tickets\.csv: line 2, byte offset \d+: not valid UTF-8 \(byte 0xE9\)/);
    expect(refused.stderr).toMatch(/--encoding latin1/);
    expect(fs.existsSync(path.join(dir, 'store.duckdb'))).toBe(false);

    const r = sync(input, '--encoding', 'latin1', '--json');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ encoding: 'latin1', tickets: 60, snapshots: 2, duplicates: 0 });
  });

  it('reads UTF-16LE with a BOM and CRLF, as Excel saves it, without --encoding', () => {
    const text = latin1Export().toString('latin1').replace(/\n/g, '\r\n');
    const input = path.join(dir, 'excel.csv');
    fs.writeFileSync(input, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r = sync(input, '--json');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ encoding: 'utf16le', tickets: 60, snapshots: 2, rejected: 0 });
    // the text summary says what the file was read as, too
    const summary = sync(input, '--dry-run');
    expect(summary.stdout).toMatch(/excel\.csv \(csv, utf16le\) -> local store/);
  });

  it('an unknown --encoding is one clear usage error (exit 2)', () => {
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(input, latin1Export());
    const r = sync(input, '--encoding', 'ebcdic');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: --encoding "ebcdic" must be utf8, latin1 or utf16/);
  });
});

describe('gtm usage sync: --store', () => {
  it.each([
    ['the CSV export itself', (f: string) => f, /is a text file \(CSV\?\), not a DuckDB database/],
    ['a gzip file', (f: string) => `${f}.gz`, /is a gzip file, not a DuckDB database/],
    ['an empty file', () => 'empty.duckdb', /is an empty file, not a DuckDB database/]
  ])('pointed at %s is refused before any work, and the file is left as it was', (_name, pick, message) => {
    const input = path.join(dir, 'tickets.csv');
    const text = `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 60, ai: 30 }]).join('\n')}\n`;
    fs.writeFileSync(input, text);
    fs.writeFileSync(`${input}.gz`, gzipSync(text));
    fs.writeFileSync(path.join(dir, 'empty.duckdb'), '');
    const store = path.resolve(dir, pick(input));
    const before = fs.readFileSync(store);
    const r = gtm(['usage', 'sync', input, '--store', store, '--create-accounts', '--no-cache', '--json']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/rows_read/); // no summary: nothing was read
    expect(fs.readFileSync(store).equals(before)).toBe(true);
    expect(fs.existsSync(`${store}.wal`)).toBe(false);
  });

  it('a dry run on a store that does not exist yet makes none', () => {
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(
      input,
      `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 60, ai: 30 }]).join('\n')}\n`
    );
    const r = sync(input, '--dry-run', '--json');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dry_run: true, snapshots: 1, written: 0, would_write: 1 });
    expect(fs.readdirSync(dir)).toEqual(['tickets.csv']);
  });
});

describe('account ids no Account has', () => {
  // before: a dry run without --create-accounts said "would be written 2" and the real run then failed both rows
  it('a dry run names them and the rows a real run would fail, the real run fails exactly those, and --create-accounts counts what it adds', () => {
    const store = path.join(dir, 'store.duckdb');
    const first = path.join(dir, 'first.csv');
    fs.writeFileSync(
      first,
      `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 3, ai: 1 }]).join('\n')}\n`
    );
    const made = sync(first, '--json');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      accounts_created: 1,
      missing_accounts: { count: 1, keys: ['acme'], action: 'create' }
    });
    const second = path.join(dir, 'second.csv');
    fs.writeFileSync(
      second,
      `${HEADER}\n${ticketRows([
        { account: 'acme', weekIndex: WEEK + 1, total: 3, ai: 1 },
        { account: 'globex', weekIndex: WEEK, total: 3, ai: 1 },
        { account: 'globex', weekIndex: WEEK + 1, total: 3, ai: 1 }
      ]).join('\n')}\n`
    );
    const plain = ['usage', 'sync', second, '--store', store, '--as-of', '2026-12-01', '--no-cache'];
    const dry = gtm([...plain, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const said = JSON.parse(dry.stdout);
    expect(said.missing_accounts).toEqual({ count: 1, keys: ['globex'], action: 'fail' });
    expect(said.snapshot_writes).toMatchObject({ would_write: 3, would_fail: 2 });
    const text = gtm([...plain, '--dry-run']);
    expect(text.stdout + text.stderr).toMatch(
      /1 account_id of this export has no Account in the local store .*\("globex"\): a real run would fail their 2 snapshots/
    );
    expect(text.stdout + text.stderr).toMatch(/pass --create-accounts/);
    const real = gtm([...plain, '--json']);
    expect(real.code).toBe(3);
    const done = JSON.parse(real.stdout);
    expect(done.snapshot_writes).toMatchObject({ written: 1, failed: said.snapshot_writes.would_fail });
    expect(done.accounts_created).toBeUndefined(); // nothing is added without --create-accounts
    const created = gtm([...plain, '--create-accounts', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      accounts_created: 1,
      snapshot_writes: { written: 2, failed: 0 }
    });
  });
});

describe('--as-of before the export', () => {
  // before: "triggers fired 0" and exit 0, with nothing saying that no week had been judged
  it('says that no week of the export has ended, and counts the weeks not complete in the summary', () => {
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(
      input,
      `${HEADER}\n${ticketRows([
        { account: 'acme', weekIndex: WEEK, total: 60, ai: 30 },
        { account: 'acme', weekIndex: WEEK + 1, total: 60, ai: 30 }
      ]).join('\n')}\n`
    );
    const early = sync(input, '--as-of', '2026-01-01', '--dry-run');
    expect(early.code).toBe(0);
    expect(early.stdout + early.stderr).toMatch(/no week of this export has ended, so none counts toward a trigger/);
    const json = JSON.parse(sync(input, '--as-of', '2026-03-10', '--dry-run', '--json').stdout);
    expect(json).toMatchObject({ snapshots: 2, weeks_not_complete: 1 }); // the week of 2026-03-02 ended, the next not
    const later = sync(input, '--as-of', '2026-03-10', '--dry-run');
    expect(later.stdout + later.stderr).not.toMatch(/no week of this export has ended/);
  });
});

describe('--export', () => {
  // before: usage_snapshots.csv wrote the raw quotient (0.45454545454545453) beside the trigger file's 0.454545
  it('writes the share as stored, rounded as the trigger export rounds it', () => {
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(
      input,
      `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 11, ai: 5 }]).join('\n')}\n`
    );
    expect(sync(input, '--export', path.join(dir, 'out')).code).toBe(0);
    const [header, row] = fs
      .readFileSync(path.join(dir, 'out', 'usage_snapshots.csv'), 'utf8')
      .trim()
      .split('\n');
    const share = row!.split(',')[header!.split(',').indexOf('ai_resolution_share')];
    expect(share).toBe('0.454545');
  });
});

describe('account ids that only look new', () => {
  // before: "ACME" or a decomposed "Café" beside stored "acme" / "Café" got "pass --create-accounts", which made twins
  it('names the stored key an unknown account_id differs from only in case or Unicode form, and no --create-accounts', () => {
    const first = path.join(dir, 'first.csv');
    fs.writeFileSync(
      first,
      `${HEADER}\n${ticketRows([
        { account: 'acme', weekIndex: WEEK, total: 3, ai: 1 },
        { account: 'Caf\u00e9', weekIndex: WEEK, total: 3, ai: 1 }
      ]).join('\n')}\n`
    );
    expect(sync(first).code).toBe(0);
    const second = path.join(dir, 'second.csv');
    fs.writeFileSync(
      second,
      `${HEADER}\n${ticketRows([
        { account: 'ACME', weekIndex: WEEK + 1, total: 3, ai: 1 },
        { account: 'Cafe\u0301', weekIndex: WEEK + 1, total: 3, ai: 1 }
      ]).join('\n')}\n`
    );
    const store = path.join(dir, 'store.duckdb');
    const r = gtm(['usage', 'sync', second, '--store', store, '--as-of', '2026-12-01', '--no-cache']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/account_id "ACME" matches no Account, but "acme" differs from it only in case/);
    expect(r.stderr).toMatch(
      /account_id "Cafe\u0301" matches no Account, but "Caf\u00e9" differs from it only in Unicode form/
    );
    expect(r.stderr).not.toMatch(/pass --create-accounts/);
  });
});

describe('gtm usage backtest', () => {
  it('refuses an outcomes file without outcomes (exit 1), and labels with --allow-empty-outcomes', () => {
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(
      input,
      `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 60, ai: 30 }]).join('\n')}\n`
    );
    expect(sync(input).code).toBe(0);
    const outcomes = path.join(dir, 'outcomes.csv');
    fs.writeFileSync(outcomes, 'account_id,outcome_date\n');
    const args = ['usage', 'backtest', '--store', path.join(dir, 'store.duckdb'), '--outcomes', outcomes];
    const refused = gtm([...args, '--json']);
    expect(refused.stderr).not.toMatch(STACK);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: no expansion outcomes in .*outcomes\.csv: .*nothing was labelled/);
    const allowed = gtm([...args, '--allow-empty-outcomes', '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ outcomes: 0, n: 0 });
  });

  // before: "no expansion outcomes in ... (none yet)", which sent people to fix an outcomes source that was fine
  it('on a store that does not exist says so (exit 1) and makes none', () => {
    const outcomes = path.join(dir, 'outcomes.csv');
    fs.writeFileSync(outcomes, 'account_id,outcome_date\nacme,2026-05-01\n');
    const store = path.join(dir, 'nope.duckdb');
    const r = gtm(['usage', 'backtest', '--store', store, '--outcomes', outcomes]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: no local store at .*nope\.duckdb: nothing to backtest/);
    expect(r.stderr).toMatch(/gtm usage sync <export>/);
    expect(fs.existsSync(store)).toBe(false);
  });
});
