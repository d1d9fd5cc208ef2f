/**
 * The local store's bulk tables (usage snapshots and expansion triggers) carry no index constraints; the sink
 * keeps their keys unique the way the org does, and a store made while they had constraints is rebuilt on open.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadSchema } from '../../metadata/schema';
import { createLocalSink } from '../localSink';
import { BULK_OBJECTS, LocalStore, q, tableColumns } from '../localStore';

const schema = loadSchema();
let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-store-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const constraints = async (store: LocalStore, table: string) =>
  (
    await store.db.runAndReadAll(
      `SELECT constraint_type FROM duckdb_constraints() WHERE table_name = $t AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') ORDER BY 1`,
      { t: table }
    )
  )
    .getRowObjects()
    .map((r) => String(r.constraint_type));

it('keeps index constraints on the workbench records only, not on the tables a sync fills in bulk', async () => {
  const store = await LocalStore.open(path.join(dir, 's.duckdb'), schema);
  try {
    for (const object of BULK_OBJECTS) expect(await constraints(store, object)).toEqual([]);
    expect(await constraints(store, 'Pilot_Scorecard__c')).toEqual(['PRIMARY KEY', 'UNIQUE']);
  } finally {
    await store.close();
  }
});

it('fails every copy of an external ID given twice in one write, as the org does, and writes the rest', async () => {
  const store = await LocalStore.open(path.join(dir, 's.duckdb'), schema);
  const sink = createLocalSink(store, { createMissingParents: true });
  try {
    const row = (key: string, total: number) => ({
      Snapshot_Key__c: key,
      Name: key,
      'Account__r.Usage_Account_Key__c': 'acme',
      ISO_Week__c: '2026-W10',
      Tickets_Total__c: total
    });
    const results = await sink.upsert('Usage_Snapshot__c', 'Snapshot_Key__c', [
      row('k1', 1),
      row('k2', 2),
      row('k1', 3)
    ]);
    const duplicate = 'DUPLICATE_VALUE:Duplicate external id specified: k1:Snapshot_Key__c --';
    expect(results).toEqual([
      { key: 'k1', ok: false, error: duplicate },
      { key: 'k2', ok: true },
      { key: 'k1', ok: false, error: duplicate }
    ]);
    // an update of a stored key changes that row; it never adds a second one
    expect((await sink.upsert('Usage_Snapshot__c', 'Snapshot_Key__c', [row('k2', 5)]))[0]!.ok).toBe(true);
    const stored = await store.db.runAndReadAll(
      `SELECT "Snapshot_Key__c" AS k, "Tickets_Total__c" AS n FROM "Usage_Snapshot__c"`
    );
    expect(stored.getRowObjectsJson()).toEqual([{ k: 'k2', n: 5 }]);
    expect(await store.duplicateKeys()).toEqual([]);
  } finally {
    await sink.close();
  }
});

it('rebuilds a bulk table made with index constraints without them, keeping its rows', async () => {
  const file = path.join(dir, 'old.duckdb');
  // a store as earlier versions made it: primary key on Id, unique external ID
  const instance = await DuckDBInstance.create(file);
  const db = await instance.connect();
  const cols = tableColumns(schema, 'Usage_Snapshot__c');
  await db.run(
    `CREATE TABLE "Usage_Snapshot__c" (${[...cols].map(([n, t]) => `${q(n)} ${t}${n === 'Id' ? ' PRIMARY KEY' : ''}`).join(', ')}, UNIQUE ("Snapshot_Key__c"))`
  );
  await db.run(
    `INSERT INTO "Usage_Snapshot__c" ("Id", "Snapshot_Key__c", "Tickets_Total__c") VALUES ('a01L1', 'k1', 7)`
  );
  db.closeSync();
  instance.closeSync();

  const store = await LocalStore.open(file, schema);
  try {
    expect(await constraints(store, 'Usage_Snapshot__c')).toEqual([]);
    const rows = await store.db.runAndReadAll(
      `SELECT "Id", "Snapshot_Key__c", "Tickets_Total__c" FROM "Usage_Snapshot__c"`
    );
    expect(rows.getRowObjectsJson()).toEqual([{ Id: 'a01L1', Snapshot_Key__c: 'k1', Tickets_Total__c: 7 }]);
    // the columns keep their order
    const columns = await store.db.runAndReadAll(`SELECT * FROM "Usage_Snapshot__c" LIMIT 0`);
    expect(columns.columnNames()).toEqual([...cols.keys()]);
    // and duplicateKeys sees a key stored twice
    await store.db.run(`INSERT INTO "Usage_Snapshot__c" ("Id", "Snapshot_Key__c") VALUES ('a01L2', 'k1')`);
    expect(await store.duplicateKeys()).toEqual(['Usage_Snapshot__c.Snapshot_Key__c k1']);
  } finally {
    await store.close();
  }
});

it('refuses to open a file that is not a DuckDB database (a CSV, gzip or Parquet file), leaving it as it was', async () => {
  const csv = path.join(dir, 'tickets.csv');
  fs.writeFileSync(csv, 'ticket_id,account_id\nT1,acme\n');
  await expect(LocalStore.open(csv, schema)).rejects.toThrow(
    /--store .*tickets\.csv is a text file \(CSV\?\), not a DuckDB database/
  );
  expect(fs.readFileSync(csv, 'utf8')).toBe('ticket_id,account_id\nT1,acme\n');
  const parquet = path.join(dir, 'weeks.parquet');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`COPY (SELECT 1 AS a) TO '${parquet}' (FORMAT parquet)`);
  db.closeSync();
  await expect(LocalStore.open(parquet, schema)).rejects.toThrow(/is a Parquet file, not a DuckDB database/);
  await expect(LocalStore.open(dir, schema)).rejects.toThrow(/is a folder/);
  // a real store opens again, and a new path is made
  const store = await LocalStore.open(path.join(dir, 'new', 's.duckdb'), schema);
  await store.close();
  await (await LocalStore.open(path.join(dir, 'new', 's.duckdb'), schema)).close();
});

// before: a user's own DuckDB file passed as --store gained 17 tables and columns on its Account table, silently
it('refuses a DuckDB database that is not a gtm store, and leaves it as it was; opens an empty one and a store', async () => {
  const file = path.join(dir, 'analysis.duckdb');
  const own = await DuckDBInstance.create(file);
  const conn = await own.connect();
  await conn.run('CREATE TABLE Account (x INTEGER)');
  await conn.run('INSERT INTO Account VALUES (1)');
  conn.closeSync();
  own.closeSync();
  await expect(LocalStore.open(file, schema)).rejects.toThrow(
    /--store .*analysis\.duckdb is a DuckDB database but not a gtm local store \(its tables: Account\); nothing was changed in it/
  );
  const again = await DuckDBInstance.create(file);
  const check = await again.connect();
  const tables = (await check.runAndReadAll('SELECT table_name FROM information_schema.tables')).getRowObjects();
  expect(tables.map((t) => t.table_name)).toEqual(['Account']);
  const columns = (
    await check.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = 'Account'`)
  ).getRowObjects();
  expect(columns.map((c) => c.column_name)).toEqual(['x']);
  check.closeSync();
  again.closeSync();
  // a store made by gtm opens again
  const made = await LocalStore.open(path.join(dir, 'gtm.duckdb'), schema);
  await made.close();
  const reopened = await LocalStore.open(path.join(dir, 'gtm.duckdb'), schema);
  await reopened.close();
});
