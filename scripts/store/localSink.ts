/**
 * The usage sink over the local store: upsert by external ID with the org's semantics (a relationship column
 * such as Account__r.Usage_Account_Key__c must find its parent, or that row fails with the org's message),
 * one result per row.
 */
import { DuckDBValue } from '@duckdb/node-api';
import type { SObjectRow } from '../usage/records';
import type { QueryWriteCounts, RowResult, UsageSink } from '../usage/sink';
import { plural } from '../lib/text';
import { trace } from '../lib/trace';
import { LocalStore, q, tableColumns } from './localStore';

interface Relationship {
  column: string;
  lookupField: string;
  parent: string;
  parentKey: string;
}

function relationships(store: LocalStore, object: string, columns: readonly string[]): Relationship[] {
  return columns
    .filter((c) => c.includes('.'))
    .map((column) => {
      const [rel = '', parentKey = ''] = column.split('.');
      const lookupField = rel.replace(/__r$/, '__c');
      const parent = store.schema.field(object, lookupField).referenceTo ?? '';
      return { column, lookupField, parent, parentKey };
    });
}

/** The progress line of one upsert: never "N rows upserted" above a summary of N failures. */
export function upsertedLine(object: string, written: number, failed: number): string {
  const line = `${object}: ${plural(written, 'row')} upserted into the local store`;
  return failed ? `${line}, ${plural(failed, 'row')} failed` : line;
}

/** DuckDB's memory limit while a large batch is upserted */
const UPSERT_MEMORY = '128MB';

/** column types whose plain JS values are what plain() gives (DATE is read as text) */
const SIMPLE_TYPES = new Set(['VARCHAR', 'DOUBLE', 'BOOLEAN', 'DATE']);

/** DuckDB values as plain row values: dates as YYYY-MM-DD, big integers as numbers. */
function plain(v: DuckDBValue): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** Rows by external ID from columns of values, each row one object literal of a fixed shape (fast in V8). */
function toRows(fields: readonly string[], keys: DuckDBValue[], values: DuckDBValue[][]): Map<string, SObjectRow> {
  const make = new Function(
    'plain',
    'values',
    'i',
    `return {${fields.map((f, k) => `${JSON.stringify(f)}: plain(values[${k}][i])`).join(', ')}};`
  ) as (p: typeof plain, v: DuckDBValue[][], i: number) => SObjectRow;
  const rows = new Map<string, SObjectRow>();
  for (let i = 0; i < keys.length; i++) rows.set(String(keys[i]), make(plain, values, i));
  return rows;
}

export interface LocalSinkOptions {
  /** add a parent (e.g. an Account named by its usage key) instead of failing the row, for local trials */
  createMissingParents?: boolean;
}

export function createLocalSink(store: LocalStore, options: LocalSinkOptions = {}): UsageSink {
  const { db } = store;

  /** stored rows of an object by external ID, with the given fields; `where` over s (the fields by name) */
  async function readStored(
    object: string,
    externalIdField: string,
    fields: readonly string[],
    where?: string
  ): Promise<Map<string, SObjectRow>> {
    const rels = relationships(store, object, fields);
    const types = tableColumns(store.schema, object);
    const select = fields.map((f) => {
      const rel = rels.find((r) => r.column === f);
      if (rel) return `p${rels.indexOf(rel)}.${q(rel.parentKey)} AS ${q(f)}`;
      // dates as YYYY-MM-DD text from DuckDB itself (what plain() makes of them, without a value object per row)
      return types.get(f) === 'DATE' ? `CAST(t.${q(f)} AS VARCHAR) AS ${q(f)}` : `t.${q(f)} AS ${q(f)}`;
    });
    const joins = rels.map((r, i) => `LEFT JOIN ${q(r.parent)} p${i} ON p${i}."Id" = t.${q(r.lookupField)}`);
    const all = `SELECT t.${q(externalIdField)} AS __key, ${select.join(', ')} FROM ${q(object)} t ${joins.join(' ')}`;
    const result = await db.runAndReadAll(where ? `SELECT * FROM (${all}) s WHERE ${where}` : all);
    // column by column, as plain JS values: far cheaper than DuckDB value objects for a few hundred thousand
    // rows. Plain JS values are what plain() makes of text, numbers, booleans and (cast above) dates; any other
    // type goes through plain() from DuckDB's own values.
    const simple = fields.every((f) => rels.some((r) => r.column === f) || SIMPLE_TYPES.has(types.get(f) ?? ''));
    const [keys = [], ...values] = (simple ? result.getColumnsJS() : result.getColumns()) as DuckDBValue[][];
    return toRows(fields, keys, values);
  }

  /** runs fn with DuckDB's memory bounded while a large batch is upserted (DuckDB spills the rest) */
  async function withUpsertMemory<T>(rows: number, fn: () => Promise<T>): Promise<T> {
    // the sync holds its rows too
    const limit = String((await db.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjects()[0]!.m);
    if (rows > 100_000) await db.run(`SET memory_limit = '${UPSERT_MEMORY}'`);
    try {
      return await fn();
    } finally {
      if (rows > 100_000) await db.run(`SET memory_limit = '${limit.replace(/'/g, "''")}'`);
    }
  }

  /** drops incoming, a temp table or (a first load read in place) a temp view */
  async function dropIncoming(): Promise<void> {
    const views = await db.runAndReadAll(
      `SELECT count(*) AS n FROM duckdb_views() WHERE view_name = 'incoming' AND temporary`
    );
    await db.run(Number(views.getRowObjects()[0]!.n) ? 'DROP VIEW incoming' : 'DROP TABLE IF EXISTS incoming');
  }

  /**
   * Upserts the rows of the temp table (or view) incoming (_i, then one column per field) by external ID; a row
   * whose parent is missing fails the way the org fails it (onError with its _i and key). Drops incoming.
   * Returns the number of rows written.
   */
  async function upsertIncoming(
    object: string,
    externalIdField: string,
    columns: readonly string[],
    onError: (i: number, key: string, error: string) => void,
    allNew = false,
    keysUnique = false
  ): Promise<number> {
    const types = tableColumns(store.schema, object);
    const rels = relationships(store, object, columns);
    const plainCols = columns.filter((c) => !c.includes('.'));
    const key = q(externalIdField);
    // a key given twice in one write fails every copy, as the org does within a job (the bulk tables have no
    // unique index); the caller may have made sure already (keysUnique). upsert() writes rows of different
    // columns separately: a key in two of those is written twice, as two jobs would write it.
    if (!keysUnique) {
      const repeats = `SELECT ${key} FROM incoming GROUP BY 1 HAVING count(*) > 1`;
      const repeated = (
        await db.runAndReadAll(`SELECT _i, ${key} AS k FROM incoming WHERE ${key} IN (${repeats})`)
      ).getRowObjects();
      for (const r of repeated)
        onError(
          Number(r._i),
          String(r.k),
          `DUPLICATE_VALUE:Duplicate external id specified: ${String(r.k)}:${externalIdField} --`
        );
      if (repeated.length) await db.run(`DELETE FROM incoming WHERE ${key} IN (${repeats})`);
    }
    trace('local sink: repeated keys checked');
    // each relationship's distinct parent keys, once: a few thousand accounts, not a row per snapshot
    for (const [k, r] of rels.entries()) {
      await db.run(`DROP TABLE IF EXISTS parent_keys_${k}`);
      await db.run(
        `CREATE TEMP TABLE parent_keys_${k} AS SELECT DISTINCT ${q(r.column)} AS k FROM incoming WHERE ${q(r.column)} IS NOT NULL`
      );
    }
    try {
      if (options.createMissingParents) {
        for (const [k, r] of rels.entries()) {
          // a key the org could not store (longer than the field) is not created: its rows fail as in the org
          const max = store.schema.objects.get(r.parent)?.fields.get(r.parentKey)?.length ?? 255;
          await db.run(
            `INSERT INTO ${q(r.parent)} ("Id", "Name", ${q(r.parentKey)})
               SELECT ${store.newIdSql(r.parent)}, k, k FROM parent_keys_${k}
               WHERE length(k) <= ${max} AND k NOT IN (SELECT ${q(r.parentKey)} FROM ${q(r.parent)} WHERE ${q(r.parentKey)} IS NOT NULL)`
          );
        }
      }
      trace('local sink: missing parents added');
      // rows whose parent is missing fail the way the org fails them (the rows are looked at only if a key is)
      for (const [k, r] of rels.entries()) {
        const absent = `SELECT k FROM parent_keys_${k} WHERE k NOT IN (SELECT ${q(r.parentKey)} FROM ${q(r.parent)} WHERE ${q(r.parentKey)} IS NOT NULL)`;
        const some = (await db.runAndReadAll(`SELECT EXISTS (${absent}) AS e`)).getRowObjects()[0]!.e;
        if (some !== true) continue;
        const missing = await db.runAndReadAll(
          `SELECT inc._i, inc.${key} AS k, inc.${q(r.column)} AS v FROM incoming inc WHERE inc.${q(r.column)} IN (${absent})`
        );
        for (const m of missing.getRowObjects()) {
          onError(
            Number(m._i),
            String(m.k),
            `INVALID_FIELD:Foreign key external ID: ${String(m.v)} not found for field ${r.parentKey} in entity ${r.parent}`
          );
        }
      }
    } finally {
      for (const k of rels.keys()) await db.run(`DROP TABLE IF EXISTS parent_keys_${k}`);
    }
    trace('local sink: rows without a parent found');
    // parent keys are unique, so each left join finds at most one parent
    const parentJoins = rels
      .map((r, k) => `LEFT JOIN ${q(r.parent)} p${k} ON p${k}.${q(r.parentKey)} = inc.${q(r.column)}`)
      .join(' ');
    const ok = rels.map((r, k) => `(p${k}."Id" IS NOT NULL OR inc.${q(r.column)} IS NULL)`).join(' AND ') || 'true';
    const targetCols = [...plainCols, ...rels.map((r) => r.lookupField)];
    const values = [
      ...plainCols.map((c) => `CAST(inc.${q(c)} AS ${types.get(c) ?? 'VARCHAR'})`),
      ...rels.map((_, k) => `p${k}."Id"`)
    ];
    if (allNew) {
      // no key of incoming is stored yet (the caller knows): one INSERT, nothing to update
      const inserted = await db.run(
        `INSERT INTO ${q(object)} ("Id", ${targetCols.map(q).join(', ')})
           SELECT ${store.newIdSql(object)}, ${values.join(', ')} FROM incoming inc ${parentJoins} WHERE ${ok}`
      );
      trace('local sink: rows inserted');
      await dropIncoming();
      return inserted.rowsChanged;
    }
    const updates = targetCols.filter((c) => c !== externalIdField).map((c) => `${q(c)} = src.${q(c)}`);
    // existing keys are updated in place and new ones inserted: cheaper than INSERT ... ON CONFLICT for large
    // batches, and the same result (a key appears once per call)
    await db.run('DROP TABLE IF EXISTS upserting');
    await db.run(
      `CREATE TEMP TABLE upserting AS SELECT ${values.map((v, k) => `${v} AS ${q(targetCols[k]!)}`).join(', ')}
           FROM incoming inc ${parentJoins} WHERE ${ok}`
    );
    await db.run('DROP TABLE incoming');
    let updated = 0;
    if (updates.length) {
      updated = (
        await db.run(`UPDATE ${q(object)} t SET ${updates.join(', ')} FROM upserting src WHERE t.${key} = src.${key}`)
      ).rowsChanged;
    }
    const inserted = await db.run(
      `INSERT INTO ${q(object)} ("Id", ${targetCols.map(q).join(', ')})
           SELECT ${store.newIdSql(object)}, ${targetCols.map((c) => `src.${q(c)}`).join(', ')} FROM upserting src
           WHERE NOT EXISTS (SELECT 1 FROM ${q(object)} t WHERE t.${key} = src.${key})`
    );
    await db.run('DROP TABLE upserting');
    return updated + inserted.rowsChanged;
  }

  return {
    label: `local store ${store.file}`,
    createsMissingAccounts: Boolean(options.createMissingParents),

    async load(object, externalIdField, fields) {
      return readStored(object, externalIdField, fields);
    },

    async loadExcept(object, externalIdField, fields, rows, matchOn) {
      const missing = matchOn.filter((f) => !fields.includes(f));
      if (missing.length) throw new Error(`loadExcept: match fields ${missing.join(', ')} are not among the fields`);
      const match = matchOn.map((f) => `r.${q(f)} = s.${q(f)}`).join(' AND ');
      return readStored(object, externalIdField, fields, `NOT EXISTS (SELECT 1 FROM (${rows}) r WHERE ${match})`);
    },

    async loadLowered(object, externalIdField, field, rows, limit) {
      const [k, f] = [q(externalIdField), q(field)];
      const lowered = `FROM ${q(object)} t JOIN (${rows}) r ON t.${k} = r.${k} WHERE CAST(r.${f} AS DOUBLE) < t.${f}`;
      const count = Number((await db.runAndReadAll(`SELECT count(*) AS n ${lowered}`)).getRowObjects()[0]!.n);
      if (count === 0) return { count, rows: [] };
      const found = await db.runAndReadAll(
        `SELECT t.${k} AS key, t.${f} AS stored, r.${f} AS incoming ${lowered} ORDER BY t.${k} LIMIT ${Math.floor(limit)}`
      );
      return {
        count,
        rows: found
          .getRowObjects()
          .map((r) => ({ key: String(r.key), stored: Number(r.stored), incoming: Number(r.incoming) }))
      };
    },

    async upsertQuery(object, externalIdField, rows, compared, { dryRun, onProgress, keysUnique = false }) {
      const key = q(externalIdField);
      try {
        const columns = (await db.runAndReadAll(`SELECT * FROM (${rows}) LIMIT 0`)).columnNames();
        const types = tableColumns(store.schema, object);
        const rels = relationships(store, object, compared);
        // unchanged: the stored row holds the very values of every compared field (text: empty = null)
        const same = compared.map((f) => {
          const rel = rels.find((r) => r.column === f);
          if (rel) return `coalesce(p${rels.indexOf(rel)}.${q(rel.parentKey)}, '') = coalesce(r.${q(f)}, '')`;
          const type = types.get(f) ?? 'VARCHAR';
          return type === 'VARCHAR'
            ? `coalesce(t.${q(f)}, '') = coalesce(CAST(r.${q(f)} AS VARCHAR), '')`
            : `t.${q(f)} IS NOT DISTINCT FROM CAST(r.${q(f)} AS ${type})`;
        });
        const joins = rels.map((r, i) => `LEFT JOIN ${q(r.parent)} p${i} ON p${i}."Id" = t.${q(r.lookupField)}`);
        await dropIncoming();
        const nothingStored = (
          await db.runAndReadAll(`SELECT NOT EXISTS (SELECT 1 FROM ${q(object)}) AS e`)
        ).getRowObjects()[0]!.e;
        if (nothingStored === true) {
          // a first load: every row is new and there is nothing to compare (a dry run would write every row). Unless a key repeats, the rows are read where they are, without a copy (for half a million
          // rows the copy took as long as the insert)
          if (dryRun) {
            const total = (await db.runAndReadAll(`SELECT count(*) AS n FROM (${rows})`)).getRowObjects()[0]!.n;
            return { unchanged: 0, written: 0, wouldWrite: Number(total), failures: [] };
          }
          // rows the caller vouches for need no look at their keys (nor a count: the insert says how many)
          const firstLoad = keysUnique
            ? { total: undefined, repeats: 0 }
            : (
                await db.runAndReadAll(
                  `SELECT count(*) AS total, count(*) - count(DISTINCT ${key}) AS repeats FROM (${rows})`
                )
              ).getRowObjects()[0]!;
          if (Number(firstLoad.total) === 0) return { unchanged: 0, written: 0, failures: [] };
          if (Number(firstLoad.repeats) === 0) {
            await db.run(`CREATE TEMP VIEW incoming AS SELECT CAST(NULL AS INTEGER) AS _i, r.* FROM (${rows}) r`);
            const failures: QueryWriteCounts['failures'] = [];
            const written = await withUpsertMemory(
              firstLoad.total === undefined ? Infinity : Number(firstLoad.total),
              () =>
                upsertIncoming(
                  object,
                  externalIdField,
                  columns,
                  (_i, k, error) => failures.push({ key: k, error }),
                  true,
                  true
                )
            );
            if (written + failures.length) onProgress?.(upsertedLine(object, written, failures.length));
            return { unchanged: 0, written, failures };
          }
        }
        await db.run(
          `CREATE TEMP TABLE incoming AS SELECT CAST(NULL AS INTEGER) AS _i, t.${key} IS NOT NULL AS _stored, r.*
           FROM (${rows}) r LEFT JOIN ${q(object)} t ON t.${key} = r.${key} ${joins.join(' ')}
           WHERE t.${key} IS NULL OR NOT (${same.join(' AND ') || 'true'})`
        );
        trace('local sink: changed rows found');
        const counted = (
          await db.runAndReadAll(`SELECT (SELECT count(*) FROM (${rows})) AS total, count(*) AS changed,
             count(*) FILTER (WHERE _stored) AS stored FROM incoming`)
        ).getRowObjects()[0]!;
        const changed = Number(counted.changed);
        const unchanged = Number(counted.total) - changed;
        if (dryRun) return { unchanged, written: 0, wouldWrite: changed, failures: [] };
        if (changed === 0) return { unchanged, written: 0, failures: [] };
        const failures: QueryWriteCounts['failures'] = [];
        await withUpsertMemory(changed, () =>
          upsertIncoming(
            object,
            externalIdField,
            columns,
            (_i, k, error) => failures.push({ key: k, error }),
            Number(counted.stored) === 0,
            keysUnique
          )
        );
        onProgress?.(upsertedLine(object, changed - failures.length, failures.length));
        return { unchanged, written: changed - failures.length, failures };
      } finally {
        await dropIncoming();
      }
    },

    async upsert(object, externalIdField, rows, onProgress) {
      const results: RowResult[] = rows.map((r) => ({ key: String(r[externalIdField] ?? ''), ok: false }));
      // rows of one call may differ in columns (a trigger update leaves Status__c out): one pass per shape
      const shapes = new Map<string, number[]>();
      // rows built alike list their keys in the same order: sort each distinct order once
      const sorted = new Map<string, string>();
      rows.forEach((r, i) => {
        const keys = Object.keys(r);
        const order = keys.join('\u0000');
        let sig = sorted.get(order);
        if (sig === undefined) sorted.set(order, (sig = keys.sort().join('\u0000')));
        const list = shapes.get(sig);
        if (list) list.push(i);
        else shapes.set(sig, [i]);
      });
      const types = tableColumns(store.schema, object);
      await withUpsertMemory(rows.length, async () => {
        for (const [sig, indexes] of shapes) {
          const columns = sig.split('\u0000');
          await dropIncoming();
          // a DOUBLE column whose values are all numbers (or empty) goes in as such, the rest as text, cast below
          const numeric = columns.map(
            (c) =>
              types.get(c) === 'DOUBLE' && indexes.every((i) => typeof rows[i]![c] === 'number' || rows[i]![c] == null)
          );
          await db.run(
            `CREATE TEMP TABLE incoming (_i INTEGER, ${columns.map((c, k) => `${q(c)} ${numeric[k] ? 'DOUBLE' : 'VARCHAR'}`).join(', ')})`
          );
          const appender = await db.createAppender('incoming');
          for (const i of indexes) {
            const row = rows[i]!;
            appender.appendInteger(i);
            for (let k = 0; k < columns.length; k++) {
              const v = row[columns[k]!];
              if (v === null || v === undefined) appender.appendNull();
              else if (numeric[k]) appender.appendDouble(v as number);
              else appender.appendVarchar(String(v));
            }
            appender.endRow();
          }
          appender.closeSync();
          await upsertIncoming(object, externalIdField, columns, (i, _key, error) => (results[i]!.error = error));
          let failed = 0;
          for (const i of indexes) {
            results[i]!.ok = !results[i]!.error;
            if (results[i]!.error) failed++;
          }
          // before: "2 rows upserted" above a summary of 2 failed triggers
          onProgress?.(upsertedLine(object, indexes.length - failed, failed));
        }
      });
      await dropIncoming();
      return results;
    },

    async loadOutcomes(opportunityTypes) {
      if (opportunityTypes.length === 0) return [];
      const types = opportunityTypes.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ');
      const rows = await db.runAndReadAll(
        `SELECT a."Usage_Account_Key__c" AS account, epoch_ms(o."CreatedDate") AS ms
         FROM "Opportunity" o JOIN "Account" a ON a."Id" = o."AccountId"
         WHERE o."Type" IN (${types}) AND o."CreatedDate" IS NOT NULL AND a."Usage_Account_Key__c" IS NOT NULL`
      );
      return rows.getRowObjects().map((r) => ({ accountKey: String(r.account), dateMs: Number(r.ms) }));
    },

    async createFollowUpTasks(tasks) {
      const results: RowResult[] = [];
      for (const t of tasks) {
        const owner = await db.runAndReadAll(
          `SELECT "Id", "OwnerId" FROM "Account" WHERE "Usage_Account_Key__c" = $key`,
          { key: t.accountKey }
        );
        const account = owner.getRowObjects()[0];
        if (!account) {
          results.push({ key: t.key, ok: false, error: `no Account with Usage_Account_Key__c = ${t.accountKey}` });
          continue;
        }
        const inserted = await db.runAndReadAll(
          `INSERT INTO "Task" ("Id", "Subject", "WhatId", "OwnerId", "ActivityDate", "Description", "Status")
           VALUES (${store.newIdSql('Task')}, $subject, $what, $owner, CAST($due AS DATE), $description, 'Not Started')
           RETURNING "Id"`,
          {
            subject: t.subject,
            what: String(account.Id),
            owner: account.OwnerId === null ? null : String(account.OwnerId),
            due: t.dueDate,
            description: t.description
          }
        );
        results.push({ key: t.key, ok: true, id: String(inserted.getRowObjects()[0]?.Id) });
      }
      return results;
    },

    async close() {
      await store.close();
    }
  };
}
