/**
 * The usage sink over the local store: upsert by external ID with the org's semantics (a relationship column
 * such as Account__r.Usage_Account_Key__c must find its parent, or that row fails with the org's message),
 * one result per row.
 */
import { DuckDBValue } from '@duckdb/node-api';
import type { SObjectRow } from '../usage/records';
import type { RowResult, UsageSink } from '../usage/sink';
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
  return {
    label: `local store ${store.file}`,

    async load(object, externalIdField, fields) {
      const rels = relationships(store, object, fields);
      const types = tableColumns(store.schema, object);
      const select = fields.map((f) => {
        const rel = rels.find((r) => r.column === f);
        if (rel) return `p${rels.indexOf(rel)}.${q(rel.parentKey)} AS ${q(f)}`;
        // dates as YYYY-MM-DD text from DuckDB itself (what plain() makes of them, without a value object per row)
        return types.get(f) === 'DATE' ? `CAST(t.${q(f)} AS VARCHAR) AS ${q(f)}` : `t.${q(f)} AS ${q(f)}`;
      });
      const joins = rels.map((r, i) => `LEFT JOIN ${q(r.parent)} p${i} ON p${i}."Id" = t.${q(r.lookupField)}`);
      const result = await db.runAndReadAll(
        `SELECT t.${q(externalIdField)} AS __key, ${select.join(', ')} FROM ${q(object)} t ${joins.join(' ')}`
      );
      // column by column, as plain JS values: far cheaper than DuckDB value objects for a few hundred thousand
      // rows. Plain JS values are what plain() makes of text, numbers, booleans and (cast above) dates; any other
      // type goes through plain() from DuckDB's own values.
      const simple = fields.every((f) => rels.some((r) => r.column === f) || SIMPLE_TYPES.has(types.get(f) ?? ''));
      const [keys = [], ...values] = (simple ? result.getColumnsJS() : result.getColumns()) as DuckDBValue[][];
      return toRows(fields, keys, values);
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
      // a large batch stays within a bounded amount of memory (DuckDB spills the rest): the sync holds its rows too
      const limit = String(
        (await db.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjects()[0]!.m
      );
      if (rows.length > 100_000) await db.run(`SET memory_limit = '${UPSERT_MEMORY}'`);
      try {
        for (const [sig, indexes] of shapes) {
          const columns = sig.split('\u0000');
          const rels = relationships(store, object, columns);
          const plainCols = columns.filter((c) => !c.includes('.'));
          await db.run('DROP TABLE IF EXISTS incoming');
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
          if (options.createMissingParents) {
            for (const r of rels) {
              // a key the org could not store (longer than the field) is not created: its rows fail as in the org
              const max = store.schema.objects.get(r.parent)?.fields.get(r.parentKey)?.length ?? 255;
              await db.run(
                `INSERT INTO ${q(r.parent)} ("Id", "Name", ${q(r.parentKey)})
               SELECT ${store.newIdSql(r.parent)}, k, k FROM (SELECT DISTINCT ${q(r.column)} AS k FROM incoming WHERE ${q(r.column)} IS NOT NULL)
               WHERE length(k) <= ${max} AND k NOT IN (SELECT ${q(r.parentKey)} FROM ${q(r.parent)} WHERE ${q(r.parentKey)} IS NOT NULL)`
              );
            }
          }
          // parent keys are unique, so each left join finds at most one parent
          const parentJoins = rels
            .map((r, k) => `LEFT JOIN ${q(r.parent)} p${k} ON p${k}.${q(r.parentKey)} = inc.${q(r.column)}`)
            .join(' ');
          // rows whose parent is missing fail the way the org fails them
          for (const [k, r] of rels.entries()) {
            const missing = await db.runAndReadAll(
              `SELECT inc._i, inc.${q(r.column)} AS v FROM incoming inc LEFT JOIN ${q(r.parent)} p${k} ON p${k}.${q(r.parentKey)} = inc.${q(r.column)}
             WHERE inc.${q(r.column)} IS NOT NULL AND p${k}."Id" IS NULL`
            );
            for (const m of missing.getRowObjects()) {
              results[Number(m._i)]!.error =
                `INVALID_FIELD:Foreign key external ID: ${String(m.v)} not found for field ${r.parentKey} in entity ${r.parent}`;
            }
          }
          const ok =
            rels.map((r, k) => `(p${k}."Id" IS NOT NULL OR inc.${q(r.column)} IS NULL)`).join(' AND ') || 'true';
          const targetCols = [...plainCols, ...rels.map((r) => r.lookupField)];
          const values = [
            ...plainCols.map((c) => `CAST(inc.${q(c)} AS ${types.get(c) ?? 'VARCHAR'})`),
            ...rels.map((_, k) => `p${k}."Id"`)
          ];
          const updates = targetCols.filter((c) => c !== externalIdField).map((c) => `${q(c)} = src.${q(c)}`);
          // existing keys are updated in place and new ones inserted: cheaper than INSERT ... ON CONFLICT for large
          // batches, and the same result (a key appears once per call)
          await db.run('DROP TABLE IF EXISTS upserting');
          await db.run(
            `CREATE TEMP TABLE upserting AS SELECT ${values.map((v, k) => `${v} AS ${q(targetCols[k]!)}`).join(', ')}
           FROM incoming inc ${parentJoins} WHERE ${ok}`
          );
          await db.run('DROP TABLE incoming');
          const key = q(externalIdField);
          if (updates.length) {
            await db.run(
              `UPDATE ${q(object)} t SET ${updates.join(', ')} FROM upserting src WHERE t.${key} = src.${key}`
            );
          }
          await db.run(
            `INSERT INTO ${q(object)} ("Id", ${targetCols.map(q).join(', ')})
           SELECT ${store.newIdSql(object)}, ${targetCols.map((c) => `src.${q(c)}`).join(', ')} FROM upserting src
           WHERE NOT EXISTS (SELECT 1 FROM ${q(object)} t WHERE t.${key} = src.${key})`
          );
          await db.run('DROP TABLE upserting');
          for (const i of indexes) results[i]!.ok = !results[i]!.error;
          onProgress?.(`${object}: ${indexes.length} rows upserted into the local store`);
        }
      } finally {
        if (rows.length > 100_000) await db.run(`SET memory_limit = '${limit.replace(/'/g, "''")}'`);
      }
      await db.run('DROP TABLE IF EXISTS incoming');
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
