/**
 * The Bulk API 2.0 double set up as an org with force-app deployed: every field of every local object known (a
 * query or upsert naming another fails as in a real org), the lookups the org path writes by external ID, and a
 * Salesforce sink over it with fast retries.
 */
import { loadSchema } from '../../metadata/schema';
import { LOCAL_OBJECTS, LocalStore, q, tableColumns } from '../../store/localStore';
import { startBulkDouble, type BulkDouble, type FieldValue } from '../../test-support/bulkDouble/bulkApiDouble';
import { connect, sinkFor } from '../../usage/salesforce/__tests__/helpers';
import type { SalesforceSink } from '../../usage/salesforce/salesforceSink';

export interface FakeOrg {
  double: BulkDouble;
  sink: SalesforceSink;
}

/** Field lists per object as the org would have them; `drop` leaves fields out (a field not deployed). */
export function orgFields(drop: readonly string[] = []): Record<string, string[]> {
  const schema = loadSchema();
  const out: Record<string, string[]> = {};
  for (const object of LOCAL_OBJECTS)
    out[object] = [...tableColumns(schema, object).keys()].filter((f) => !drop.includes(`${object}.${f}`));
  return out;
}

export async function startFakeOrg(options: { queryPageSize?: number; drop?: string[] } = {}): Promise<FakeOrg> {
  const double = await startBulkDouble({
    fields: orgFields(options.drop),
    relationships: {
      GTM_Experiment_Readout__c: { Experiment__r: { parent: 'GTM_Experiment__c', field: 'Experiment__c' } },
      PQA_Signal__c: { Account__r: { parent: 'Account', field: 'Account__c', required: true } }
    }
  });
  return { double, sink: sinkFor(connect(double), { queryPageSize: options.queryPageSize }) };
}

/** Every record of the objects in a local store file, seeded into the double as an org would answer them. */
export async function seedFromStore(o: FakeOrg, storeFile: string, objects: readonly string[]): Promise<void> {
  const store = await LocalStore.open(storeFile, loadSchema());
  try {
    for (const object of objects) {
      const cols = tableColumns(store.schema, object);
      const list = [...cols]
        .map(([n, t]) =>
          t === 'TIMESTAMP'
            ? `strftime(${q(n)}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${q(n)}`
            : t === 'DATE'
              ? `strftime(${q(n)}, '%Y-%m-%d') AS ${q(n)}`
              : q(n)
        )
        .join(', ');
      const rows = (await store.db.runAndReadAll(`SELECT ${list} FROM ${q(object)}`)).getRowObjects();
      o.double.seed(
        object,
        rows.map((r) => {
          const out: Record<string, FieldValue> = {};
          for (const [k, v] of Object.entries(r))
            out[k] = v === null ? null : typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
          return out;
        })
      );
    }
  } finally {
    await store.close();
  }
}
