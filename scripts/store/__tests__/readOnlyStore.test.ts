/**
 * A dry run only reads the local store: it opens it read only (DuckDB READ_ONLY), so a store the user can only
 * read will do, and it never migrates it; a store older than the code is refused, saying so.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { runGtm } from '../../test-support/runGtm';
import { HEADER, ticketRows } from '../../test-support/ticketExport';
import { LocalStore, q } from '../localStore';

jest.setTimeout(120_000);

const schema = loadSchema();
const WEEK = 2930; // the ISO week starting Monday 2026-03-02
// root writes through a 0444 mode: there the permission test proves nothing
const asRoot = process.getuid?.() === 0;

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-ro-store-'));
  file = path.join(dir, 'store.duckdb');
});
afterEach(() => {
  if (fs.existsSync(file)) fs.chmodSync(file, 0o644);
  fs.rmSync(dir, { recursive: true, force: true });
});

const sync = (...more: string[]) => {
  const input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(
    input,
    `${HEADER}\n${ticketRows([{ account: 'acme', weekIndex: WEEK, total: 60, ai: 30 }]).join('\n')}\n`
  );
  return runGtm(['usage', 'sync', input, '--store', file, '--create-accounts', '--as-of', '2026-12-01', ...more]);
};

async function makeStore(): Promise<void> {
  await (await LocalStore.open(file, schema)).close();
}

it('opens read only: temp tables work, a write is refused, and the file is left as it was', async () => {
  await makeStore();
  const before = fs.readFileSync(file);
  const store = await LocalStore.open(file, schema, { readOnly: true });
  try {
    await store.db.run('CREATE TEMP TABLE t AS SELECT 1 AS n');
    expect((await store.db.runAndReadAll('SELECT n FROM t')).getRowObjects()).toEqual([{ n: 1 }]);
    await expect(store.db.run(`INSERT INTO ${q('Account')} ("Id") VALUES ('x')`)).rejects.toThrow(/read-only/);
  } finally {
    await store.close();
  }
  expect(fs.readFileSync(file).equals(before)).toBe(true);
});

it('read only, a store older than the code is refused naming what is missing, and is not migrated', async () => {
  await makeStore();
  const old = await LocalStore.open(file, schema);
  await old.db.run(`ALTER TABLE ${q('Usage_Snapshot__c')} DROP COLUMN ${q('AI_Resolution_Share__c')}`);
  await old.close();
  await expect(LocalStore.open(file, schema, { readOnly: true })).rejects.toThrow(
    /was made by an older gtm \(missing: Usage_Snapshot__c\.AI_Resolution_Share__c\); a dry run only reads it/
  );
  // the CLI says the same and exits 1 (an input problem), the store still without the column
  const r = sync('--dry-run');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/older gtm .*run the command once without --dry-run/s);
  const store = await LocalStore.open(file, schema, { readOnly: false });
  try {
    // a write run brings it up to date
    const cols = await store.db.runAndReadAll(
      `SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'Usage_Snapshot__c' AND column_name = 'AI_Resolution_Share__c'`
    );
    expect(Number(cols.getRowObjects()[0]!.n)).toBe(1);
  } finally {
    await store.close();
  }
});

it('read only, a store that does not exist is not made', async () => {
  await expect(LocalStore.open(file, schema, { readOnly: true })).rejects.toThrow(
    /no local store at .*store\.duckdb; a dry run only reads a store, it makes none/
  );
  expect(fs.existsSync(file)).toBe(false);
});

(asRoot ? it.skip : it)(
  'onboarding activation sync --dry-run reads a store the user can only read (0444)',
  async () => {
    await makeStore();
    fs.chmodSync(file, 0o444);
    const input = path.join(dir, 'tickets.csv');
    fs.writeFileSync(input, `${HEADER}\n`);
    const dry = runGtm(['onboarding', 'activation', 'sync', input, '--store', file, '--dry-run', '--json']);
    expect(dry.stderr).not.toMatch(/cannot be opened/);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, written: 0 });
  }
);

(asRoot ? it.skip : it)('a dry run on a store the user can only read (0444) runs; a real run is refused', async () => {
  expect(sync().code).toBe(0);
  fs.chmodSync(file, 0o444);
  const dry = sync('--dry-run', '--json');
  expect(dry.stderr).not.toMatch(/cannot be opened/);
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, written: 0 });
  const real = sync();
  expect(real.code).toBe(1);
  expect(real.stderr).toMatch(/cannot be opened for writing/);
});
