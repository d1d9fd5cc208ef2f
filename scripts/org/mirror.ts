/**
 * An org mirror: the records a computation needs, read from a Salesforce org with Bulk API 2.0 query jobs into a
 * temporary (in-memory) local store with the local schema, so the SQL and TypeScript written for the local store
 * (exp-001 qualification, the KPI snapshots, the readouts) run on the org's data unchanged. What the org sent is
 * kept beside it (schema `org_loaded`), so writeBack.ts can tell what the computation added or changed and send only
 * that back to the org. Objects not asked for have no table, so a computation that reads one fails loudly.
 */
import { GtmError, InputError, OrgError } from '../lib/errors';
import type { Schema } from '../metadata/schema';
import { LOCAL_OBJECTS, LocalStore, q, tableColumns } from '../store/localStore';

/** Reads rows with a Bulk query job (SalesforceSink.queryRows): the header, then the rows as text, page by page. */
export type QueryRows = (
  soql: string,
  onPage: (header: readonly string[], rows: readonly string[][]) => void
) => Promise<number>;

export interface MirrorRequest {
  object: string;
  /** the fields to read (Id is always read); default: every column of the object's local table */
  fields?: readonly string[];
}

export interface OrgMirror {
  /** the local store holding the org's records (in memory, gone at close) */
  store: LocalStore;
  /** the org's name, for messages */
  orgName: string;
  /** records read per object */
  loaded: Map<string, number>;
  /** the fields read per object (Id first) */
  fields: Map<string, string[]>;
  close(): Promise<void>;
}

/** The schema that keeps the rows as the org sent them. */
export const LOADED_SCHEMA = 'org_loaded';

/** Object and field names go into SOQL: only API-name characters. */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Salesforce datetime as Bulk query writes it: `2026-03-02T09:15:00.000Z` (or an offset such as `+0000`). */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * One value from the org's CSV as the text DuckDB casts to the column's type; empty is null. Anything the type
 * cannot hold is refused with the object, record, field and value named: a silent null would change a result.
 */
export function localValue(object: string, id: string, field: string, type: string, text: string): string | null {
  if (text === '') return null;
  const refuse = (what: string) =>
    new InputError(`${object} ${id || '(no Id)'}: ${field} "${text.slice(0, 60)}" from the org is not ${what}`);
  switch (type) {
    case 'DOUBLE': {
      const n = Number(text);
      if (!Number.isFinite(n) || text.trim() === '') throw refuse('a number');
      return String(n);
    }
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(text)) throw refuse('true or false');
      return text.toLowerCase();
    case 'DATE': {
      if (!DATE.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) throw refuse('a date (YYYY-MM-DD)');
      // Date.parse rolls 2026-02-30 over to March: the day must come back as written
      if (new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) throw refuse('a date (YYYY-MM-DD)');
      return text;
    }
    case 'TIMESTAMP': {
      const ms = DATETIME.test(text) ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
      if (Number.isNaN(ms)) throw refuse('a date and time');
      // local tables hold UTC instants without a zone, as the local sink writes them
      return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    }
    default:
      return text;
  }
}

/** Reads one object into the mirror's table (and its copy as loaded). */
async function mirrorObject(
  store: LocalStore,
  query: QueryRows,
  orgName: string,
  request: MirrorRequest
): Promise<{ count: number; fields: string[] }> {
  const { object } = request;
  const columns = tableColumns(store.schema, object);
  if (!LOCAL_OBJECTS.includes(object))
    throw new InputError(`${object} is not an object of the local store (LOCAL_OBJECTS): it cannot be mirrored`);
  const fields = ['Id', ...(request.fields ?? [...columns.keys()]).filter((f) => f !== 'Id')];
  for (const f of fields)
    if (!columns.has(f) || !API_NAME.test(f))
      throw new InputError(`${object}.${f} is not a field of the local ${object} table: it cannot be mirrored`);
  const types = fields.map((f) => columns.get(f)!);
  const staging = q(`mirror_${object}`);
  await store.db.run(`CREATE TABLE ${staging} (${fields.map((f) => `${q(f)} VARCHAR`).join(', ')})`);
  let at: number[] | undefined;
  // rows go into the staging table page by page as they arrive (appending is synchronous), never all held at once
  const appender = await store.db.createAppender(`mirror_${object}`);
  let count = 0;
  try {
    await query(`SELECT ${fields.join(', ')} FROM ${object}`, (header, rows) => {
      at ??= fields.map((f) => {
        const i = header.findIndex((h) => h.toLowerCase() === f.toLowerCase());
        if (i < 0) throw new OrgError(`${orgName}: the org's answer for ${object} has no column ${f}`);
        return i;
      });
      for (const values of rows) {
        const id = values[at[0]!] ?? '';
        // the whole row converted first: a refused value never leaves half a row in the appender
        const row = fields.map((f, k) => localValue(object, id, f, types[k]!, values[at![k]!] ?? ''));
        for (const v of row) {
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.endRow();
        count++;
      }
    });
  } catch (err) {
    if (err instanceof GtmError) throw err;
    const why = (err as Error).message;
    throw new OrgError(`${orgName}: cannot read ${object} (fields ${fields.join(', ')}): ${why}`, {
      details: [
        `a field the org does not know (INVALID_FIELD) means force-app is not deployed there (gtm deploy --target-org ${orgName}) or your user cannot see it (assign the GTM permission sets)`
      ]
    });
  } finally {
    appender.closeSync();
  }
  const cast = fields.map((f, k) => `CAST(${q(f)} AS ${types[k]})`).join(', ');
  await store.db.run(`INSERT INTO ${q(object)} (${fields.map(q).join(', ')}) SELECT ${cast} FROM ${staging}`);
  await store.db.run(`DROP TABLE ${staging}`);
  await store.db.run(`CREATE TABLE ${LOADED_SCHEMA}.${q(object)} AS SELECT * FROM main.${q(object)}`);
  return { count, fields };
}

/**
 * Reads the requested objects from the org into a new in-memory local store. A query the org refuses (a field it
 * does not have, an object the user cannot read) fails naming the object and the fields asked for; a value the
 * local column cannot hold fails naming the record and field.
 */
export async function mirrorOrg(
  query: QueryRows,
  orgName: string,
  schema: Schema,
  requests: readonly MirrorRequest[],
  onProgress: (message: string) => void = () => {}
): Promise<OrgMirror> {
  const store = await LocalStore.open(':memory:', schema);
  const mirror: OrgMirror = {
    store,
    orgName,
    loaded: new Map(),
    fields: new Map(),
    close: () => store.close()
  };
  try {
    await store.db.run(`CREATE SCHEMA ${LOADED_SCHEMA}`);
    for (const request of requests) {
      if (mirror.loaded.has(request.object)) continue;
      onProgress(`reading ${request.object} from ${orgName} ...`);
      const { count, fields } = await mirrorObject(store, query, orgName, request);
      mirror.loaded.set(request.object, count);
      mirror.fields.set(request.object, fields);
    }
    // an object the run did not ask for is not there at all: code that reads it fails loudly, where an empty table
    // would quietly compute over no records
    for (const object of LOCAL_OBJECTS)
      if (!mirror.loaded.has(object)) await store.db.run(`DROP TABLE IF EXISTS main.${q(object)}`);
  } catch (err) {
    await store.close();
    throw err;
  }
  return mirror;
}
