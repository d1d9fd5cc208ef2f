/**
 * For the 500k-row test only. The double's RecordStore.findBy scans every record of the object, and an upsert
 * calls it twice per row (the record by external ID, the parent Account by usage key): 20k rows take 5 s, so
 * 500k would take about 50 minutes. This puts a value index behind findBy (per store, object and field, built on
 * first use and kept up to date by insert, update and delete) with the same answers as the scan: the first record,
 * in insertion order, whose value as text equals the one asked for. It patches the prototype for the test file
 * that calls it and returns the function that restores it. If the double gets its own index, delete this file.
 */
import { getField, RecordStore, type FieldValue, type SObjectRecord } from '../../../test-support/bulkDouble/store';

type Index = Map<string, SObjectRecord>;

const text = (v: FieldValue | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));

export function indexRecordStore(): () => void {
  const proto = RecordStore.prototype;
  const original = { findBy: proto.findBy, insert: proto.insert, update: proto.update, delete: proto.delete };
  /** store -> object (lower case) -> field (lower case) -> index */
  const indexes = new WeakMap<RecordStore, Map<string, Map<string, Index>>>();
  const objectOf = new WeakMap<SObjectRecord, string>();
  const byObject = (store: RecordStore, object: string): Map<string, Index> => {
    let all = indexes.get(store);
    if (!all) indexes.set(store, (all = new Map()));
    let fields = all.get(object);
    if (!fields) all.set(object, (fields = new Map()));
    return fields;
  };

  proto.findBy = function (this: RecordStore, object: string, field: string, value: string) {
    if (field.toLowerCase() === 'id') return original.findBy.call(this, object, field, value);
    const fields = byObject(this, object.toLowerCase());
    let index = fields.get(field.toLowerCase());
    if (!index) {
      index = new Map();
      for (const r of this.all(object)) {
        objectOf.set(r, object.toLowerCase());
        const t = text(getField(r, field));
        if (t !== undefined && !index.has(t)) index.set(t, r);
      }
      fields.set(field.toLowerCase(), index);
    }
    return index.get(value);
  };

  proto.insert = function (this: RecordStore, object: string, values: Record<string, FieldValue>) {
    const record = original.insert.call(this, object, values);
    objectOf.set(record, object.toLowerCase());
    for (const [field, index] of byObject(this, object.toLowerCase())) {
      const t = text(getField(record, field));
      if (t !== undefined && !index.has(t)) index.set(t, record);
    }
    return record;
  };

  proto.update = function (this: RecordStore, record: SObjectRecord, values: Record<string, FieldValue>) {
    const object = objectOf.get(record);
    if (object === undefined) {
      indexes.delete(this); // unknown record: rebuild every index on next use
      return original.update.call(this, record, values);
    }
    const fields = byObject(this, object);
    const before = new Map([...fields.keys()].map((f) => [f, text(getField(record, f))]));
    original.update.call(this, record, values);
    // a changed value: another record may hold the old one, so that index is rebuilt on next use
    for (const field of [...fields.keys()]) {
      if (text(getField(record, field)) !== before.get(field)) fields.delete(field);
    }
  };

  proto.delete = function (this: RecordStore, object: string, id: string) {
    byObject(this, object.toLowerCase()).clear();
    return original.delete.call(this, object, id);
  };

  return () => Object.assign(proto, original);
}
