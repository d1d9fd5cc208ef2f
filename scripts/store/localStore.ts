/**
 * The embedded local store: one DuckDB file whose tables mirror the org's objects, derived from force-app
 * (custom fields) plus the few standard fields this product reads. It is the default sink, so every command
 * works with no org, and the local workbench reads the same file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { describeFsError, InputError } from '../lib/errors';
import { workingProjectRoot } from '../lib/paths';
import { makeDirs, probeWritableDir } from '../lib/writableDir';
import type { FieldDef, Schema } from '../metadata/schema';
import { ACCOUNT_KEY_FIELD } from '../usage/records';

export const DEFAULT_STORE = path.join(workingProjectRoot(), '.gtm', 'store.duckdb');

/** Standard fields the product uses; force-app only holds custom ones. */
const STANDARD_FIELDS: Record<string, Record<string, string>> = {
  Account: { Name: 'VARCHAR', OwnerId: 'VARCHAR' },
  Opportunity: {
    Name: 'VARCHAR',
    AccountId: 'VARCHAR',
    StageName: 'VARCHAR',
    CloseDate: 'DATE',
    Amount: 'DOUBLE',
    Type: 'VARCHAR',
    CreatedDate: 'TIMESTAMP',
    OwnerId: 'VARCHAR'
  },
  User: { Name: 'VARCHAR', Email: 'VARCHAR', Title: 'VARCHAR' },
  Task: {
    Subject: 'VARCHAR',
    WhatId: 'VARCHAR',
    OwnerId: 'VARCHAR',
    ActivityDate: 'DATE',
    Description: 'VARCHAR',
    Status: 'VARCHAR',
    // exp-001's first touch (the SLA sweep): a completed call, email or meeting on the account or a contact
    WhoId: 'VARCHAR',
    TaskSubtype: 'VARCHAR',
    Type: 'VARCHAR',
    IsClosed: 'BOOLEAN',
    CompletedDateTime: 'TIMESTAMP'
  },
  Contact: { Name: 'VARCHAR', AccountId: 'VARCHAR' },
  Event: { Subject: 'VARCHAR', WhatId: 'VARCHAR', WhoId: 'VARCHAR', OwnerId: 'VARCHAR', StartDateTime: 'TIMESTAMP' }
};

/** Objects kept locally, in an order where parents come first. */
export const LOCAL_OBJECTS = [
  'User',
  'Account',
  'Opportunity',
  'Pilot_Scorecard__c',
  'Pilot_Criterion__c',
  'Security_Packet__c',
  'Trust_Collateral__c',
  'GTM_Launch_Gate__c',
  'Hallucination_Audit__c',
  'Hallucination_Audit_Item__c',
  'Usage_Snapshot__c',
  'Expansion_Trigger__c',
  'Task',
  // exp-001's first touch can be an Event, or an activity on one of the account's contacts
  'Contact',
  'Event',
  // funnel events (gtm events sync) and the sources they come from
  'Event_Source__c',
  'Funnel_Event__c',
  // exp-001: PQA signals, their routing assignments and the pools' members (gtm pqa sync, gtm routing)
  'PQA_Signal__c',
  'Routing_Assignment__c',
  'Routing_Pool_Member__c',
  // exp-001's published lift readouts (gtm routing readout --publish), shown by the PQA Readout page
  'Routing_Readout__c',
  // program cockpit (issue 19): the registry's experiments, their readouts and the weekly KPI snapshots
  'GTM_Experiment__c',
  'GTM_Experiment_Readout__c',
  'GTM_KPI_Snapshot__c',
  // exp-008: onboarding plans and their steps (gtm onboarding)
  'Onboarding_Plan__c',
  'Onboarding_Plan_Step__c',
  // the rollout audit (issue 19): each sync run's rows, rejects and write failures, and the audits written
  'GTM_Sync_Run__c',
  'GTM_Rollout_Audit__c'
];

/**
 * Tables the usage sync fills in bulk (hundreds of thousands of rows a run). They carry no DuckDB index
 * constraints: keeping a primary-key and a unique index current took about three quarters of the time of writing
 * 500k snapshots (scripts/bench). Their Ids come from one sequence, and the sink (localSink.ts) fails a row whose
 * external ID repeats within a write the way the org does (DUPLICATE_VALUE) and updates a stored key in place,
 * so each key is stored once; `duplicateKeys` checks it. The workbench's own records keep their constraints.
 */
export const BULK_OBJECTS: ReadonlySet<string> = new Set(['Usage_Snapshot__c', 'Expansion_Trigger__c']);

/** Id prefixes in the style of Salesforce key prefixes, so record pages look familiar. */
const KEY_PREFIX: Record<string, string> = {
  Account: '001',
  Opportunity: '006',
  Task: '00T',
  Usage_Snapshot__c: 'a01',
  Expansion_Trigger__c: 'a02',
  User: '005',
  Pilot_Scorecard__c: 'a03',
  Pilot_Criterion__c: 'a04',
  Security_Packet__c: 'a05',
  Trust_Collateral__c: 'a06',
  GTM_Launch_Gate__c: 'a07',
  Hallucination_Audit__c: 'a0A',
  Hallucination_Audit_Item__c: 'a0B',
  Event_Source__c: 'a08',
  Funnel_Event__c: 'a09',
  PQA_Signal__c: 'a0C',
  Routing_Assignment__c: 'a0D',
  Routing_Pool_Member__c: 'a0E',
  GTM_Experiment__c: 'a0F',
  GTM_Experiment_Readout__c: 'a0G',
  GTM_KPI_Snapshot__c: 'a0H',
  Onboarding_Plan__c: 'a0J',
  Onboarding_Plan_Step__c: 'a0K',
  Routing_Readout__c: 'a0P',
  Contact: '003',
  Event: '00U',
  GTM_Rollout_Audit__c: 'a0L',
  GTM_Sync_Run__c: 'a0M'
};

export function sqlType(f: FieldDef): string {
  switch (f.type) {
    case 'Number':
    case 'Percent':
    case 'Currency':
      return 'DOUBLE';
    case 'Checkbox':
      return 'BOOLEAN';
    case 'Date':
      return 'DATE';
    case 'DateTime':
      return 'TIMESTAMP';
    default:
      return 'VARCHAR';
  }
}

export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Column name -> SQL type of a local table: Id, the standard fields, then every custom field. */
export function tableColumns(schema: Schema, object: string): Map<string, string> {
  const cols = new Map<string, string>([['Id', 'VARCHAR']]);
  for (const [name, type] of Object.entries(STANDARD_FIELDS[object] ?? { Name: 'VARCHAR' })) cols.set(name, type);
  for (const f of schema.objects.get(object)?.fields.values() ?? []) cols.set(f.apiName, sqlType(f));
  return cols;
}

/** DuckDB database files hold these bytes at offset 8 (after a checksum). */
const DUCKDB_MAGIC = 'DUCK';

/** What a file's first bytes say it is, for a message about a --store that is not a store. */
function looksLike(head: Buffer): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'a gzip file';
  if (head.toString('latin1', 0, 4) === 'PAR1') return 'a Parquet file';
  if (head.toString('latin1', 0, 4) === 'SQLi') return 'an SQLite database';
  if (head.length && !head.includes(0)) return 'a text file (CSV?)';
  return 'not a DuckDB database';
}

export interface StoreOpenOptions {
  /**
   * Read only (a dry run): DuckDB's READ_ONLY access mode, so a store the user can only read opens, and nothing is
   * migrated; temp tables still work. A store older than this code is refused, saying so (a write run updates it).
   */
  readOnly?: boolean;
}

/**
 * Refuses, before any work, a store path DuckDB would not keep the rows in: an existing file that is not a DuckDB
 * database (DuckDB would open a CSV, gzip or Parquet file as an in-memory database and save nothing), a folder,
 * or a place that cannot be written (unless it is opened read only). A path that does not exist yet is fine when
 * its folder can be made there.
 */
export function checkStorePath(file: string, options: StoreOpenOptions = {}): void {
  const refuse = (why: string) => new InputError(`--store ${file} ${why}; nothing was read or written`);
  if (fs.existsSync(file)) {
    let head = Buffer.alloc(0);
    try {
      if (fs.statSync(file).isDirectory()) throw refuse('is a folder: name the store file (e.g. store.duckdb)');
      const fd = fs.openSync(file, 'r');
      try {
        head = Buffer.alloc(12);
        head = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
      } finally {
        fs.closeSync(fd);
      }
      if (!options.readOnly) fs.accessSync(file, fs.constants.W_OK);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw refuse(`cannot be opened for ${options.readOnly ? 'reading' : 'writing'}: ${describeFsError(err)}`);
    }
    if (head.toString('latin1', 8, 12) !== DUCKDB_MAGIC)
      throw refuse(
        `is ${head.length ? looksLike(head) : 'an empty file'}, not a DuckDB database (the local store); pass a .duckdb file or a new path`
      );
  }
  // read only, nothing is made: no .wal file, no folder
  if (options.readOnly) return;
  // DuckDB writes a .wal file next to the store: its folder (made if missing) must take files. A probe file says
  // what access() cannot (a read-only or virtual file system such as /proc, even as root)
  const dir = path.dirname(path.resolve(file));
  let existing = dir;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw refuse(`cannot be made: ${existing} is a file, not a folder`);
  try {
    probeWritableDir(dir);
  } catch (err) {
    throw refuse(`cannot be written: ${dir}: ${describeFsError(err)}`);
  }
}

export class LocalStore {
  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    readonly db: DuckDBConnection,
    readonly schema: Schema
  ) {}

  /**
   * Opens (or makes) the store; `:memory:` is an empty store that is not kept (a dry run on no store yet). Read only
   * (options.readOnly), an existing store is opened as it is: never made, migrated or written.
   */
  static async open(file: string, schema: Schema, options: StoreOpenOptions = {}): Promise<LocalStore> {
    const readOnly = Boolean(options.readOnly) && file !== ':memory:';
    if (readOnly && !fs.existsSync(file))
      throw new InputError(`no local store at ${file}; a dry run only reads a store, it makes none`);
    if (file !== ':memory:') checkStorePath(file, { readOnly });
    if (file !== ':memory:' && !readOnly)
      try {
        makeDirs(path.dirname(file));
      } catch (err) {
        throw new InputError(`cannot create the local store folder for ${file}: ${describeFsError(err)}`);
      }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(
        file,
        readOnly ? { threads: '2', access_mode: 'READ_ONLY' } : { threads: '2' }
      );
    } catch (err) {
      const msg = (err as Error).message.split('\n')[0] ?? '';
      throw new InputError(
        /lock/i.test(msg)
          ? `the local store ${file} is in use by another gtm process (npm start?); stop it or pass --store with another file`
          : `cannot open the local store ${file}: ${msg}`
      );
    }
    const db = await instance.connect();
    const store = new LocalStore(file, instance, db, schema);
    try {
      await store.refuseForeignDatabase();
      if (readOnly) await store.refuseOlderSchema();
    } catch (err) {
      await store.close();
      throw err;
    }
    if (!readOnly) await store.migrate();
    return store;
  }

  /**
   * Read only, nothing can be migrated: a store made by an older gtm (a table or column this code needs is
   * missing) is refused with what is missing, rather than failing later on a query. Index constraints the bulk
   * tables lost since only matter for writes.
   */
  private async refuseOlderSchema() {
    const have = new Map<string, Set<string>>();
    const rows = await this.db.runAndReadAll(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'`
    );
    for (const r of rows.getRowObjects()) {
      const t = String(r.table_name);
      if (!have.has(t)) have.set(t, new Set());
      have.get(t)!.add(String(r.column_name));
    }
    const missing: string[] = [];
    for (const object of LOCAL_OBJECTS) {
      const cols = have.get(object);
      if (!cols) missing.push(`table ${object}`);
      else for (const c of tableColumns(this.schema, object).keys()) if (!cols.has(c)) missing.push(`${object}.${c}`);
    }
    if (!missing.length) return;
    throw new InputError(
      `the local store ${this.file} was made by an older gtm (missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, and ${missing.length - 5} more` : ''}); a dry run only reads it, so it cannot be brought up to date`,
      { details: ['run the command once without --dry-run (it updates the store), then dry-run again'] }
    );
  }

  /**
   * A DuckDB database that holds tables but is not a gtm store (someone's own analysis file passed as --store) is
   * refused before anything is changed: migrate() would add tables and columns to it. A gtm store has an Account
   * table with the usage key column, or one of the project's custom object tables (a store of any version).
   */
  private async refuseForeignDatabase() {
    const tables = (
      await this.db.runAndReadAll(
        `SELECT table_name, bool_or(column_name = '${ACCOUNT_KEY_FIELD}') AS keyed
         FROM information_schema.columns WHERE table_schema = 'main' GROUP BY table_name`
      )
    ).getRowObjects();
    const ours = (t: (typeof tables)[number]) =>
      (t.table_name === 'Account' && t.keyed === true) ||
      (String(t.table_name).endsWith('__c') && LOCAL_OBJECTS.includes(String(t.table_name)));
    if (tables.length === 0 || tables.some(ours)) return;
    const names = tables.map((t) => String(t.table_name)).sort();
    throw new InputError(
      `--store ${this.file} is a DuckDB database but not a gtm local store (its tables: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); nothing was changed in it`,
      { details: ['pass a gtm store or a new path (e.g. --store .gtm/store.duckdb)'] }
    );
  }

  /**
   * Creates missing tables and adds columns for fields added to force-app since the store was made. A table the
   * usage sync fills in bulk that still has index constraints (stores made before they were dropped) is rebuilt
   * without them, its rows kept.
   */
  private async migrate() {
    await this.db.run('CREATE SEQUENCE IF NOT EXISTS record_ids START 1');
    for (const object of LOCAL_OBJECTS) {
      const cols = tableColumns(this.schema, object);
      const bulk = BULK_OBJECTS.has(object);
      const ext = [...(this.schema.objects.get(object)?.fields.values() ?? [])].filter((f) => f.externalId && f.unique);
      const defs = [...cols].map(([n, t]) => `${q(n)} ${t}${n === 'Id' && !bulk ? ' PRIMARY KEY' : ''}`);
      if (!bulk) for (const f of ext) defs.push(`UNIQUE (${q(f.apiName)})`);
      await this.db.run(`CREATE TABLE IF NOT EXISTS ${q(object)} (${defs.join(', ')})`);
      if (bulk) await this.dropIndexConstraints(object);
      const existing = new Set(
        (
          await this.db.runAndReadAll(
            `SELECT column_name FROM information_schema.columns WHERE table_name = '${object}'`
          )
        )
          .getRowObjects()
          .map((r) => String(r.column_name))
      );
      for (const [n, t] of cols)
        if (!existing.has(n)) await this.db.run(`ALTER TABLE ${q(object)} ADD COLUMN ${q(n)} ${t}`);
    }
  }

  /** Rebuilds a table without its PRIMARY KEY / UNIQUE constraints (DuckDB cannot drop a constraint). */
  private async dropIndexConstraints(object: string) {
    const constrained = await this.db.runAndReadAll(
      `SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = $t AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`,
      { t: object }
    );
    if (!Number(constrained.getRowObjects()[0]!.n)) return;
    const rebuilt = q(`${object}__rebuilt`);
    await this.db.run('BEGIN TRANSACTION');
    try {
      await this.db.run(`CREATE TABLE ${rebuilt} AS SELECT * FROM ${q(object)}`);
      await this.db.run(`DROP TABLE ${q(object)}`);
      await this.db.run(`ALTER TABLE ${rebuilt} RENAME TO ${q(object)}`);
      await this.db.run('COMMIT');
    } catch (err) {
      await this.db.run('ROLLBACK');
      throw err;
    }
  }

  /**
   * Values stored more than once in a column that must be unique (Id and unique external IDs) of the bulk tables,
   * as "Object.Field value"; empty when the store is sound.
   */
  async duplicateKeys(): Promise<string[]> {
    const found: string[] = [];
    for (const object of BULK_OBJECTS) {
      const ext = [...(this.schema.objects.get(object)?.fields.values() ?? [])].filter((f) => f.externalId && f.unique);
      for (const field of ['Id', ...ext.map((f) => f.apiName)]) {
        const dup = await this.db.runAndReadAll(
          `SELECT ${q(field)} AS v FROM ${q(object)} WHERE ${q(field)} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 10`
        );
        for (const r of dup.getRowObjects()) found.push(`${object}.${field} ${String(r.v)}`);
      }
    }
    return found;
  }

  /** SQL expression for a new record Id of an object (18 characters, Salesforce style). */
  newIdSql(object: string): string {
    const prefix = KEY_PREFIX[object] ?? 'a0Z';
    return `printf('${prefix}L%014d', nextval('record_ids'))`;
  }

  /** Another connection to the same store, for work in its own transaction (racing routings, in tests too). */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async close(): Promise<void> {
    this.db.closeSync();
    this.instance.closeSync();
  }
}
