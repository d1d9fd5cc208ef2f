/**
 * The Bulk API 2.0 double set up as an org with force-app deployed: every field of every local object known (a
 * query or upsert naming another fails as in a real org), the lookups the org path writes by external ID, and a
 * Salesforce sink over it with fast retries.
 */
import { loadSchema } from '../../metadata/schema';
import { LOCAL_OBJECTS, tableColumns } from '../../store/localStore';
import { startBulkDouble, type BulkDouble } from '../../test-support/bulkDouble/bulkApiDouble';
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
