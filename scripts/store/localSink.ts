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

/** DuckDB values as plain row values: dates as YYYY-MM-DD, big integers as numbers. */
function plain(v: DuckDBValue): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
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
      const select = fields.map((f) => {
        const rel = rels.find((r) => r.column === f);
        return rel ? `p${rels.indexOf(rel)}.${q(rel.parentKey)} AS ${q(f)}` : `t.${q(f)} AS ${q(f)}`;
      });
      const joins = rels.map((r, i) => `LEFT JOIN ${q(r.parent)} p${i} ON p${i}."Id" = t.${q(r.lookupField)}`);
      const result = await db.runAndReadAll(
        `SELECT t.${q(externalIdField)} AS __key, ${select.join(', ')} FROM ${q(object)} t ${joins.join(' ')}`
      );
      const rows = new Map<string, SObjectRow>();
      for (const r of result.getRowObjects()) {
        const row: SObjectRow = {};
        for (const f of fields) row[f] = plain(r[f] as DuckDBValue);
        rows.set(String(r.__key), row);
      }
      return rows;
    },

    async upsert(object, externalIdField, rows, onProgress) {
      const results: RowResult[] = rows.map((r) => ({ key: String(r[externalIdField] ?? ''), ok: false }));
      // rows of one call may differ in columns (a trigger update leaves Status__c out): one pass per shape
      const shapes = new Map<string, number[]>();
      rows.forEach((r, i) => {
        const sig = Object.keys(r).sort().join('\u0000');
        const list = shapes.get(sig);
        if (list) list.push(i);
        else shapes.set(sig, [i]);
      });
      const types = tableColumns(store.schema, object);
      for (const [sig, indexes] of shapes) {
        const columns = sig.split('\u0000');
        const rels = relationships(store, object, columns);
        const plainCols = columns.filter((c) => !c.includes('.'));
        await db.run('DROP TABLE IF EXISTS incoming');
        await db.run(`CREATE TEMP TABLE incoming (_i INTEGER, ${columns.map((c) => `${q(c)} VARCHAR`).join(', ')})`);
        const appender = await db.createAppender('incoming');
        for (const i of indexes) {
          appender.appendInteger(i);
          for (const c of columns) {
            const v = rows[i]![c];
            if (v === null || v === undefined) appender.appendNull();
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
        const parentIds = rels.map((_, k) => `p${k}."Id" AS __p${k}`);
        const parentJoins = rels
          .map((r, k) => `LEFT JOIN ${q(r.parent)} p${k} ON p${k}.${q(r.parentKey)} = inc.${q(r.column)}`)
          .join(' ');
        await db.run('DROP TABLE IF EXISTS resolved');
        await db.run(
          `CREATE TEMP TABLE resolved AS SELECT inc.*${parentIds.length ? `, ${parentIds.join(', ')}` : ''} FROM incoming inc ${parentJoins}`
        );
        // rows whose parent is missing fail the way the org fails them
        for (const [k, r] of rels.entries()) {
          const missing = await db.runAndReadAll(
            `SELECT _i, ${q(r.column)} AS v FROM resolved WHERE ${q(r.column)} IS NOT NULL AND __p${k} IS NULL`
          );
          for (const m of missing.getRowObjects()) {
            results[Number(m._i)]!.error =
              `INVALID_FIELD:Foreign key external ID: ${String(m.v)} not found for field ${r.parentKey} in entity ${r.parent}`;
          }
        }
        const ok = rels.map((_, k) => `(__p${k} IS NOT NULL OR ${q(rels[k]!.column)} IS NULL)`).join(' AND ') || 'true';
        const targetCols = [...plainCols, ...rels.map((r) => r.lookupField)];
        const values = [
          ...plainCols.map((c) => `CAST(${q(c)} AS ${types.get(c) ?? 'VARCHAR'})`),
          ...rels.map((_, k) => `__p${k}`)
        ];
        const updates = targetCols.filter((c) => c !== externalIdField).map((c) => `${q(c)} = EXCLUDED.${q(c)}`);
        await db.run(
          `INSERT INTO ${q(object)} ("Id", ${targetCols.map(q).join(', ')})
           SELECT ${store.newIdSql(object)}, ${values.join(', ')} FROM resolved WHERE ${ok}
           ON CONFLICT (${q(externalIdField)}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`
        );
        const written = await db.runAndReadAll(`SELECT _i FROM resolved WHERE ${ok}`);
        for (const w of written.getRowObjects()) results[Number(w._i)]!.ok = true;
        onProgress?.(`${object}: ${indexes.length} rows upserted into the local store`);
      }
      await db.run('DROP TABLE IF EXISTS incoming');
      await db.run('DROP TABLE IF EXISTS resolved');
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
