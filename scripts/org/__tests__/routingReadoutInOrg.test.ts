/**
 * `gtm routing readout exp-001 --target-org` against the Bulk API 2.0 double: the sample world's routing assignments
 * copied into the double give the local readout byte for byte; --publish upserts its Routing_Readout__c row once
 * (nothing on a dry run or a re-run).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { buildReadout } from '../../routing/readout';
import { readReadoutRows } from '../../routing/readoutStore';
import { readoutText } from '../../routing/readoutText';
import { LocalStore } from '../../store/localStore';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { ROUTING_READOUT_INPUTS, routingReadoutInOrg } from '../orgRuns';
import { seedFromStore, startFakeOrg, type FakeOrg } from './orgDouble';

const policy = loadPolicyFile();
/** Building the sample world on a busy machine: a limit, not an assertion. */
const SLOW = 240_000;
const AS_OF = '2026-04-06T00:00:00Z';
let org: FakeOrg | undefined;
let dir: string;
let storeFile: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-routing-org-'));
  storeFile = path.join(dir, 'store.duckdb');
  await buildSampleWorld(storeFile);
}, SLOW);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await org?.double.close();
  org = undefined;
});

async function localText(): Promise<string> {
  const store = await LocalStore.open(storeFile, loadSchema());
  try {
    return readoutText(buildReadout(await readReadoutRows(store), policy, AS_OF));
  } finally {
    await store.close();
  }
}

describe('routingReadoutInOrg', () => {
  it(
    'gives the local readout byte for byte and publishes its row once',
    async () => {
      org = await startFakeOrg();
      await seedFromStore(
        org,
        storeFile,
        ROUTING_READOUT_INPUTS.map((r) => r.object)
      );
      const local = await localText();
      expect(local).toContain('workflow reliability: 24 of 25 treatment signals');

      const read = await routingReadoutInOrg(org.sink, 'test-org', policy, AS_OF);
      expect(readoutText(read.value.readout)).toBe(local);
      expect(read.changes).toEqual([]);
      expect(read.value.published).toBeNull();
      expect(org.double.records('Routing_Readout__c')).toEqual([]);

      const dry = await routingReadoutInOrg(org.sink, 'test-org', policy, AS_OF, { publish: true, dryRun: true });
      expect(dry.changes.flatMap((c) => c.rows.map((r) => [c.object, r.key, r.created]))).toEqual([
        ['Routing_Readout__c', 'exp-001|2026-04-06', true]
      ]);
      expect(org.double.records('Routing_Readout__c')).toEqual([]);

      const run = await routingReadoutInOrg(org.sink, 'test-org', policy, AS_OF, { publish: true });
      expect(run.failed).toEqual([]);
      expect(run.written.map((w) => w.key)).toEqual(['exp-001|2026-04-06']);
      const [stored] = org.double.records('Routing_Readout__c');
      expect(stored).toMatchObject({
        Readout_Key__c: 'exp-001|2026-04-06',
        Recommendation__c: read.value.readout.recommendation.decision
      });
      expect((JSON.parse(String(stored!.Results_Json__c)) as { asOf: string }).asOf).toBe(AS_OF);

      const again = await routingReadoutInOrg(org.sink, 'test-org', policy, AS_OF, { publish: true });
      expect(again.changes.flatMap((c) => c.rows)).toEqual([]);
      expect(again.written).toEqual([]);
    },
    SLOW
  );

  it(
    'refuses an assignment without its arm, naming the record',
    async () => {
      org = await startFakeOrg();
      org.double.seed('Routing_Assignment__c', [
        { Assignment_Key__c: 'acct-1|2026-W11', Qualified_At__c: '2026-03-10T15:00:00.000Z', Arm__c: null }
      ]);
      await expect(routingReadoutInOrg(org.sink, 'test-org', policy, AS_OF)).rejects.toThrow(
        'Routing_Assignment__c acct-1|2026-W11: Arm__c is empty'
      );
    },
    SLOW
  );
});
