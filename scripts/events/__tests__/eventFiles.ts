/** Event files and a local store with accounts, for the events tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';

export type Ev = Record<string, unknown>;

let n = 0;
/** A valid Teammate Invited event of ACME-001 from source product-web; `over` replaces fields. */
export function invited(over: Ev = {}): Ev {
  n++;
  return {
    event_id: `ev-${n}`,
    event_name: 'Teammate Invited',
    schema_version: '1-0-0',
    occurred_at: '2026-03-02T10:00:00Z',
    received_at: '2026-03-02T10:00:01Z',
    account_key: 'ACME-001',
    source: 'product-web',
    properties: { invitee_email: `person${n}@example.com`, role: 'agent' },
    ...over
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-events-'));
}

export function writeJsonl(dir: string, name: string, events: (Ev | string)[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n');
  return file;
}

/** A local store holding Accounts with these usage keys. */
export async function storeWithAccounts(dir: string, keys: string[] = ['ACME-001', 'BETA-002']) {
  const file = path.join(dir, 'store.duckdb');
  const store = await LocalStore.open(file, loadSchema());
  for (const [i, k] of keys.entries())
    await store.db.run(
      `INSERT INTO "Account" ("Id", "Name", "Usage_Account_Key__c") VALUES ('001L${i}', '${k}', '${k}')`
    );
  return { file, store, sink: createLocalSink(store) };
}
