/**
 * What a computation run on an org mirror (mirror.ts) added or changed, as rows to upsert into the org by external
 * ID: a new record with every value it has, a changed record with only the fields that changed (so a value someone
 * set in the org since, in a field the computation did not touch, is never overwritten). A lookup to a record the
 * computation made in the mirror goes by the parent's external ID (`Experiment__r.Experiment_Key__c`), since the
 * mirror's Id means nothing to the org.
 */
import { InputError } from '../lib/errors';
import { q, tableColumns } from '../store/localStore';
import type { SObjectRow } from '../usage/records';
import type { RowResult, UsageSink } from '../usage/sink';
import { LOADED_SCHEMA, type OrgMirror } from './mirror';

export interface WriteRow {
  key: string;
  /** a record the org does not have yet */
  created: boolean;
  /** the fields sent (the external ID aside) */
  fields: string[];
  row: SObjectRow;
}

export interface ObjectChanges {
  object: string;
  externalIdField: string;
  rows: WriteRow[];
  /** changed records whose changes lie only in fields this run may not update in the org: key -> fields */
  notSent: { key: string; fields: string[] }[];
}

export interface WriteFailure {
  object: string;
  key: string;
  error: string;
}

/** A column as comparable text (numbers stay numbers): the form the org takes it in. */
function textSql(column: string, type: string): string {
  const c = q(column);
  switch (type) {
    case 'TIMESTAMP':
      return `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
    case 'DATE':
      return `strftime(${c}, '%Y-%m-%d')`;
    case 'BOOLEAN':
      return `CAST(${c} AS VARCHAR)`;
    default:
      return c;
  }
}

type Row = Record<string, string | number | null>;

/** The relationship a lookup field is followed by from the child: X__c -> X__r, a standard XId -> X. */
const relationshipOf = (field: string) =>
  field.endsWith('__c') ? `${field.slice(0, -3)}__r` : field.replace(/Id$/, '');

async function readRows(mirror: OrgMirror, schemaName: string, object: string, columns: Map<string, string>) {
  const list = [...columns].map(([name, type]) => `${textSql(name, type)} AS ${q(name)}`).join(', ');
  const rows = (
    await mirror.store.db.runAndReadAll(`SELECT ${list} FROM ${schemaName}.${q(object)} ORDER BY "Id"`)
  ).getRowObjects();
  return rows.map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) out[k] = v === null || typeof v === 'number' ? v : String(v);
    return out;
  });
}

/**
 * The rows to upsert for one object. `updatable`: the fields this run may change on a record the org already has
 * (default: any); a new record is always sent whole.
 */
export async function changesOf(
  mirror: OrgMirror,
  object: string,
  externalIdField: string,
  options: { updatable?: readonly string[] } = {}
): Promise<ObjectChanges> {
  if (!mirror.loaded.has(object)) throw new Error(`${object} was not mirrored from the org: its changes are unknown`);
  const columns = tableColumns(mirror.store.schema, object);
  const loaded = new Map((await readRows(mirror, LOADED_SCHEMA, object, columns)).map((r) => [String(r.Id), r]));
  const now = await readRows(mirror, 'main', object, columns);
  const defs = mirror.store.schema.objects.get(object)?.fields;

  // lookups to a mirrored object: the org's Ids of that object, and the external ID of each record made here
  const parentIds = new Map<string, Set<string>>();
  const parentKey = async (parent: string, id: string): Promise<{ field: string; key: string } | undefined> => {
    const ext = [...(mirror.store.schema.objects.get(parent)?.fields.values() ?? [])].find(
      (f) => f.externalId && f.unique
    );
    if (!ext) return undefined;
    const r = (
      await mirror.store.db.runAndReadAll(`SELECT ${q(ext.apiName)} AS k FROM main.${q(parent)} WHERE "Id" = $id`, {
        id
      })
    ).getRowObjects()[0];
    return r?.k === null || r?.k === undefined ? undefined : { field: ext.apiName, key: String(r.k) };
  };
  const orgIdsOf = async (parent: string) => {
    let ids = parentIds.get(parent);
    if (!ids) {
      ids = new Set(
        (await mirror.store.db.runAndReadAll(`SELECT "Id" FROM ${LOADED_SCHEMA}.${q(parent)}`))
          .getRowObjects()
          .map((r) => String(r.Id))
      );
      parentIds.set(parent, ids);
    }
    return ids;
  };

  const result: ObjectChanges = { object, externalIdField, rows: [], notSent: [] };
  for (const r of now) {
    const before = loaded.get(String(r.Id));
    const key = r[externalIdField];
    const changed = [...columns.keys()].filter(
      (c) => c !== 'Id' && (before ? before[c] !== r[c] : r[c] !== null && r[c] !== undefined)
    );
    if (!changed.length) continue;
    if (key === null || key === undefined || key === '')
      throw new InputError(
        `${object} ${String(r.Id)}: the computation ${before ? 'changed' : 'made'} it without ${externalIdField}, so it cannot be upserted into the org`
      );
    const allowed = before && options.updatable ? changed.filter((c) => options.updatable!.includes(c)) : changed;
    if (before && allowed.length < changed.length)
      result.notSent.push({ key: String(key), fields: changed.filter((c) => !allowed.includes(c)) });
    if (!allowed.length) continue;
    const row: SObjectRow = { [externalIdField]: key };
    const fields: string[] = [];
    for (const c of allowed.filter((f) => f !== externalIdField)) {
      const v = r[c]!;
      const def = defs?.get(c);
      if (v !== null && def?.referenceTo && mirror.loaded.has(def.referenceTo)) {
        if (!(await orgIdsOf(def.referenceTo)).has(String(v))) {
          const parent = await parentKey(def.referenceTo, String(v));
          if (!parent)
            throw new InputError(
              `${object} ${String(key)}: ${c} points to a ${def.referenceTo} made in this run without an external ID, which the org cannot resolve`
            );
          // the lookup's own relationship (Experiment__c -> Experiment__r), not its child relationship name
          const column = `${relationshipOf(c)}.${parent.field}`;
          row[column] = parent.key;
          fields.push(column);
          continue;
        }
      }
      // a field the computation emptied goes as null: the org sink sends it as a clear (#N/A), not as "leave it"
      row[c] = v;
      fields.push(c);
    }
    result.rows.push({ key: String(key), created: !before, fields, row });
  }
  return result;
}

/**
 * Upserts the changes into the org, object by object in the order given (parents first). Never throws for a row the
 * org refuses: each is a failure with the org's reason.
 */
export async function writeChanges(
  sink: Pick<UsageSink, 'upsert'>,
  changes: readonly ObjectChanges[],
  onProgress?: (message: string) => void
): Promise<{ written: { object: string; key: string; created: boolean }[]; failed: WriteFailure[] }> {
  const written: { object: string; key: string; created: boolean }[] = [];
  const failed: WriteFailure[] = [];
  for (const c of changes) {
    if (!c.rows.length) continue;
    const results: RowResult[] = await sink.upsert(
      c.object,
      c.externalIdField,
      c.rows.map((r) => r.row),
      onProgress
    );
    results.forEach((res, i) => {
      const row = c.rows[i]!;
      if (res.ok) written.push({ object: c.object, key: row.key, created: row.created });
      else failed.push({ object: c.object, key: row.key, error: res.error ?? 'not written (no reason given)' });
    });
  }
  return { written, failed };
}
