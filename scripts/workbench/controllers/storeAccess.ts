/**
 * Reading and writing records of the embedded store for the workbench controllers and the sample world. Every
 * value travels as a bound parameter; object and column names come from code and are checked against the
 * store's tables (derived from force-app), so a typo fails loudly instead of writing nothing.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { LocalStore, q, tableColumns } from '../../store/localStore';

/** A plain record: dates as YYYY-MM-DD, date-times as YYYY-MM-DD HH:MM:SS, numbers, booleans, text. */
export type Row = Record<string, string | number | boolean | null>;
export type Params = Record<string, string | number | boolean | null>;

/** The one user the workbench runs as (what UserInfo.getUserId() is in the org). */
export const WORKBENCH_USER_NAME = 'Workbench User';

export function plainValue(v: DuckDBValue): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

export async function queryRows(store: LocalStore, sql: string, params: Params = {}): Promise<Row[]> {
  const result = await store.db.runAndReadAll(sql, params as Record<string, DuckDBValue>);
  return result.getRowObjects().map((r) => {
    const row: Row = {};
    for (const [k, v] of Object.entries(r)) row[k] = plainValue(v);
    return row;
  });
}

export async function queryOne(store: LocalStore, sql: string, params: Params = {}): Promise<Row | null> {
  return (await queryRows(store, sql, params))[0] ?? null;
}

function columnTypes(store: LocalStore, object: string, fields: string[]): Map<string, string> {
  const types = tableColumns(store.schema, object);
  for (const f of fields) {
    if (!types.has(f)) throw new Error(`${object}.${f} is not a column of the local store`);
  }
  return types;
}

/** Inserts one record and returns its new Id. */
export async function insertRecord(store: LocalStore, object: string, values: Params): Promise<string> {
  const fields = Object.keys(values);
  const types = columnTypes(store, object, fields);
  const params: Params = {};
  const exprs = fields.map((f, i) => {
    params[`p${i}`] = values[f] ?? null;
    return `CAST($p${i} AS ${types.get(f)})`;
  });
  const result = await store.db.runAndReadAll(
    `INSERT INTO ${q(object)} ("Id"${fields.map((f) => `, ${q(f)}`).join('')})
     VALUES (${store.newIdSql(object)}${exprs.map((e) => `, ${e}`).join('')}) RETURNING "Id"`,
    params as Record<string, DuckDBValue>
  );
  return String(result.getRowObjects()[0]?.Id);
}

/** Updates fields of one record by Id. */
export async function updateRecord(store: LocalStore, object: string, id: string, values: Params): Promise<void> {
  const fields = Object.keys(values);
  if (fields.length === 0) return;
  const types = columnTypes(store, object, fields);
  const params: Params = { id };
  const sets = fields.map((f, i) => {
    params[`p${i}`] = values[f] ?? null;
    return `${q(f)} = CAST($p${i} AS ${types.get(f)})`;
  });
  await store.db.run(
    `UPDATE ${q(object)} SET ${sets.join(', ')} WHERE "Id" = $id`,
    params as Record<string, DuckDBValue>
  );
}

/** Runs `fn` in one transaction: all of its writes persist, or none. */
export async function inTransaction<T>(store: LocalStore, fn: () => Promise<T>): Promise<T> {
  await store.db.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await store.db.run('COMMIT');
    return out;
  } catch (err) {
    await store.db.run('ROLLBACK');
    throw err;
  }
}

/** The Id of the workbench's running user, created on first use. */
export async function workbenchUserId(store: LocalStore): Promise<string> {
  const found = await queryOne(store, 'SELECT "Id" FROM "User" WHERE "Name" = $name ORDER BY "Id" LIMIT 1', {
    name: WORKBENCH_USER_NAME
  });
  if (found) return String(found.Id);
  return insertRecord(store, 'User', { Name: WORKBENCH_USER_NAME, Email: 'workbench@example.invalid', Title: null });
}

/** An auto-number Name such as PSC-0007: the next number after those the object holds. */
export async function nextAutoNumber(store: LocalStore, object: string, prefix: string): Promise<string> {
  const row = await queryOne(store, `SELECT count(*) AS n FROM ${q(object)}`);
  return `${prefix}${String(Number(row?.n ?? 0) + 1).padStart(4, '0')}`;
}

export const str = (v: Row[string] | undefined): string | null =>
  v === null || v === undefined || v === '' ? null : String(v);
export const num = (v: Row[string] | undefined): number | null =>
  v === null || v === undefined || v === '' ? null : Number(v);
/** The date part of a DATE or TIMESTAMP value. */
export const day = (v: Row[string] | undefined): string | null => {
  const s = str(v);
  return s === null ? null : s.slice(0, 10);
};

/** Apex String.abbreviate(max): the text, or its first max-3 characters and "...". */
export function abbreviate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3))}...`;
}
