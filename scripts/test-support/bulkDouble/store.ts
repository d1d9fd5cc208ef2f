/**
 * The in-memory "org" behind the Bulk API double: records per sObject keyed by an 18-character Id, and the row
 * semantics of an ingest job (insert / update / upsert by external ID / delete, relationship columns resolved
 * against a parent's external ID). Error strings follow the `CODE:message:fields --` shape Salesforce writes
 * into the sf__Error column.
 */

export type FieldValue = string | number | boolean | null;
export interface SObjectRecord {
  Id: string;
  [field: string]: FieldValue;
}

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

/** How a relationship column such as `Account__r.Usage_Account_Key__c` maps onto the child's lookup field. */
export interface RelationshipSpec {
  /** The parent sObject, e.g. `Account`. */
  parent: string;
  /** The lookup field on the child that stores the parent's Id, e.g. `Account__c`. */
  field: string;
  /** A master-detail (required) lookup: an empty parent key fails the row instead of leaving the lookup alone. */
  required?: boolean;
}

export const STANDARD_KEY_PREFIXES: Record<string, string> = {
  Account: '001',
  Contact: '003',
  Opportunity: '006',
  Lead: '00Q',
  Case: '500',
  User: '005'
};
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number): string {
  let s = '';
  do {
    s = BASE62.charAt(n % 62) + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  return s;
}

/** The 3-character case-safe suffix Salesforce appends to a 15-character Id (one bit per uppercase letter). */
export function to18(id15: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += alphabet.charAt(bits);
  }
  return id15 + suffix;
}

/** Hands out Ids that look real: the object's key prefix, a counter, the case-safe suffix. */
export class IdFactory {
  private readonly prefixes = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private customCount = 0;

  constructor(overrides: Record<string, string> = {}) {
    for (const [object, prefix] of Object.entries({ ...STANDARD_KEY_PREFIXES, ...overrides })) {
      this.prefixes.set(object.toLowerCase(), prefix);
    }
  }

  /** Standard objects keep their real prefix; custom objects get a0A, a0B, ... in order of first use. */
  prefixFor(object: string): string {
    const key = object.toLowerCase();
    let prefix = this.prefixes.get(key);
    if (!prefix) {
      prefix = `a${base62(10 + this.customCount++).padStart(2, '0')}`;
      this.prefixes.set(key, prefix);
    }
    return prefix;
  }

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    // a fixed pod-like middle with an uppercase letter, so the case-safe suffix is not always AAA
    return to18(`${prefix}8Z${base62(n).padStart(10, '0')}`);
  }

  forObject(object: string): string {
    return this.next(this.prefixFor(object));
  }
}

/** Reads a field case-insensitively, as SOQL and the Bulk API treat field names. */
export function getField(record: SObjectRecord, name: string): FieldValue | undefined {
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

function setField(record: SObjectRecord, name: string, value: FieldValue): void {
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower) ?? name;
  record[key] = value;
}

/** Records per sObject. Object names are case-insensitive; the first spelling seen is kept. */
export class RecordStore {
  private readonly tables = new Map<string, { name: string; rows: Map<string, SObjectRecord> }>();
  /**
   * Value indexes behind findBy, per object and field (lower case), built on first use: the first record in
   * insertion order with that value as text. Kept exact by insert; dropped (and rebuilt on next use) when an
   * update changes an indexed value or a delete removes an indexed record. Without them an upsert of 500k rows
   * scans the table twice per row.
   */
  private readonly indexes = new Map<string, Map<string, Map<string, SObjectRecord>>>();

  private fieldIndexes(object: string): Map<string, Map<string, SObjectRecord>> {
    const key = object.toLowerCase();
    let m = this.indexes.get(key);
    if (!m) this.indexes.set(key, (m = new Map()));
    return m;
  }

  constructor(readonly ids: IdFactory) {}

  private table(object: string): Map<string, SObjectRecord> {
    const key = object.toLowerCase();
    let t = this.tables.get(key);
    if (!t) {
      t = { name: object, rows: new Map() };
      this.tables.set(key, t);
    }
    return t.rows;
  }

  hasObject(object: string): boolean {
    return this.tables.has(object.toLowerCase());
  }

  /** The canonical spelling of an object name that has records (or was seeded), else the name as given. */
  objectName(object: string): string {
    return this.tables.get(object.toLowerCase())?.name ?? object;
  }

  insert(object: string, fields: Record<string, FieldValue>): SObjectRecord {
    const { Id: given, ...rest } = fields;
    const id = typeof given === 'string' && given ? given : this.ids.forObject(object);
    const record: SObjectRecord = { Id: id, ...rest };
    this.table(object).set(id, record);
    for (const [field, index] of this.fieldIndexes(object)) {
      const v = getField(record, field);
      if (v !== undefined && v !== null && !index.has(String(v))) index.set(String(v), record);
    }
    return record;
  }

  get(object: string, id: string): SObjectRecord | undefined {
    return this.table(object).get(id) ?? this.findById(object, id);
  }

  /** Salesforce accepts the 15- and the 18-character form of an Id. */
  private findById(object: string, id: string): SObjectRecord | undefined {
    if (id.length !== 15) return undefined;
    for (const r of this.table(object).values()) if (r.Id.startsWith(id)) return r;
    return undefined;
  }

  all(object: string): SObjectRecord[] {
    return [...this.table(object).values()];
  }

  /** Exact match on the stored value's text (the double does not model case-insensitive external IDs). */
  findBy(object: string, field: string, value: string): SObjectRecord | undefined {
    if (field.toLowerCase() === 'id') return this.get(object, value);
    const indexes = this.fieldIndexes(object);
    let index = indexes.get(field.toLowerCase());
    if (!index) {
      index = new Map();
      for (const r of this.table(object).values()) {
        const v = getField(r, field);
        if (v !== undefined && v !== null && !index.has(String(v))) index.set(String(v), r);
      }
      indexes.set(field.toLowerCase(), index);
    }
    return index.get(value);
  }

  delete(object: string, id: string): boolean {
    const record = this.table(object).get(id);
    const indexes = this.fieldIndexes(object);
    if (record) for (const [field, index] of indexes) if ([...index.values()].includes(record)) indexes.delete(field);
    return this.table(object).delete(id);
  }

  update(record: SObjectRecord, fields: Record<string, FieldValue>): void {
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'Id') continue;
      const before = getField(record, k);
      setField(record, k, v);
      if (String(before ?? '') !== String(v ?? '')) {
        // the record's object is not known here: drop this field's index wherever it exists
        for (const indexes of this.indexes.values()) indexes.delete(k.toLowerCase());
      }
    }
  }
}

export interface IngestSpec {
  object: string;
  operation: IngestOperation;
  externalIdFieldName?: string;
}

export type RowOutcome =
  | { kind: 'success'; id: string; created: boolean; row: string[] }
  | { kind: 'failure'; id: string; error: string; row: string[] }
  | { kind: 'unprocessed'; row: string[] };

export interface ApplyOptions {
  relationship: (object: string, relationshipName: string) => RelationshipSpec;
  /** Injected per-row error (the `rowFailure` fault): a message here fails the row and nothing is written. */
  rowFailure?: (row: Record<string, string>) => string | undefined;
  /** Rows after this many are left unprocessed (a job that failed or was aborted part-way). */
  processLimit?: number;
}

/** DML is applied in chunks of 200 rows, as triggers see them; duplicate keys are detected per chunk. */
const CHUNK = 200;

/**
 * Applies the rows of one ingest job to the store, in order, and says what happened to each. Bulk API 2.0 rules
 * modelled here: an empty value leaves a field unchanged (insert: unset), `#N/A` sets it to null; upsert matches on
 * the external ID (`Id` means the record Id); a key repeated within one 200-row chunk fails every such row.
 */
export function applyRows(
  store: RecordStore,
  spec: IngestSpec,
  header: readonly string[],
  rows: readonly string[][],
  options: ApplyOptions
): RowOutcome[] {
  const limit = Math.min(options.processLimit ?? rows.length, rows.length);
  const outcomes: RowOutcome[] = [];
  const extField = spec.externalIdFieldName ?? 'Id';
  const keyColumn = header.findIndex(
    (h) => h.toLowerCase() === (spec.operation === 'upsert' ? extField : 'Id').toLowerCase()
  );
  for (let start = 0; start < limit; start += CHUNK) {
    const chunk = rows.slice(start, Math.min(start + CHUNK, limit));
    const seen = new Map<string, number>();
    if (spec.operation === 'upsert' && keyColumn >= 0) {
      for (const r of chunk) {
        const k = r[keyColumn] ?? '';
        if (k !== '') seen.set(k, (seen.get(k) ?? 0) + 1);
      }
    }
    for (const row of chunk) {
      const key = keyColumn >= 0 ? (row[keyColumn] ?? '') : '';
      const duplicate = spec.operation === 'upsert' && (seen.get(key) ?? 0) > 1;
      outcomes.push(
        duplicate
          ? {
              kind: 'failure',
              id: '',
              error: `DUPLICATE_VALUE:Duplicate external id specified: ${key}:${extField} --`,
              row
            }
          : applyRow(store, spec, header, row, key, options)
      );
    }
  }
  for (const row of rows.slice(limit)) outcomes.push({ kind: 'unprocessed', row });
  return outcomes;
}

function applyRow(
  store: RecordStore,
  spec: IngestSpec,
  header: readonly string[],
  row: string[],
  key: string,
  options: ApplyOptions
): RowOutcome {
  const named: Record<string, string> = {};
  header.forEach((h, i) => (named[h] = row[i] ?? ''));
  const injected = options.rowFailure?.(named);
  if (injected) return { kind: 'failure', id: '', error: injected, row };

  const { object, operation } = spec;
  if (operation === 'delete' || operation === 'hardDelete' || operation === 'update') {
    const existing = key === '' ? undefined : store.get(object, key);
    if (key === '') return { kind: 'failure', id: '', error: 'MISSING_ARGUMENT:Id not specified:--', row };
    if (!existing) {
      return { kind: 'failure', id: key, error: 'INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--', row };
    }
    if (operation !== 'update') {
      store.delete(object, existing.Id);
      return { kind: 'success', id: existing.Id, created: false, row };
    }
  }
  const extField = spec.externalIdFieldName ?? 'Id';
  if (operation === 'upsert' && key === '') {
    return { kind: 'failure', id: '', error: `MISSING_ARGUMENT:${extField} not specified:--`, row };
  }

  // Field values: plain columns, then relationship columns resolved to the parent's Id.
  const fields: Record<string, FieldValue> = {};
  for (let i = 0; i < header.length; i++) {
    const column = header[i] ?? '';
    const value = row[i] ?? '';
    const dot = column.indexOf('.');
    if (dot < 0) {
      if (column.toLowerCase() === 'id' || value === '') continue;
      fields[column] = value === '#N/A' ? null : value;
      continue;
    }
    const rel = options.relationship(object, column.slice(0, dot));
    const parentKeyField = column.slice(dot + 1);
    if (value === '' && rel.required) {
      return {
        kind: 'failure',
        id: '',
        error: `REQUIRED_FIELD_MISSING:Required fields are missing: [${rel.field}]:${rel.field} --`,
        row
      };
    }
    if (value === '') continue;
    if (value === '#N/A') {
      fields[rel.field] = null;
      continue;
    }
    const parent = store.findBy(rel.parent, parentKeyField, value);
    if (!parent) {
      const entity = store.objectName(rel.parent);
      return {
        kind: 'failure',
        id: '',
        error: `INVALID_FIELD:Foreign key external ID: ${value} not found for field ${parentKeyField} in entity ${entity}:--`,
        row
      };
    }
    fields[rel.field] = parent.Id;
  }

  const existing =
    operation === 'update'
      ? store.get(object, key)
      : operation === 'upsert'
        ? store.findBy(object, extField, key)
        : undefined;
  if (existing) {
    store.update(existing, fields);
    return { kind: 'success', id: existing.Id, created: false, row };
  }
  if (operation === 'upsert' && extField.toLowerCase() === 'id') {
    return { kind: 'failure', id: '', error: 'INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--', row };
  }
  if (operation === 'upsert') fields[extField] = key;
  const created = store.insert(object, fields);
  return { kind: 'success', id: created.Id, created: true, row };
}
