/**
 * `gtm events sync` through the Salesforce sink, against the Bulk API 2.0 double whose field lists come from
 * force-app: a mapped field the metadata does not define would fail the job. A re-run sends nothing.
 */
import * as fs from 'node:fs';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { callsByKind, RELATIONSHIPS, sinkFor, startOrg, type TestOrg } from '../../usage/salesforce/__tests__/helpers';
import { compilePlan, loadPlan } from '../plan';
import { EVENT_OBJECT, runEventSync, SOURCE_OBJECT } from '../sync';
import { SYNC_RUN_OBJECT } from '../../cockpit/syncRuns';
import { invited, tempDir, writeJsonl } from './eventFiles';

jest.setTimeout(60_000);

const schema = loadSchema();
const policy = loadPolicyFile();
const compiled = compilePlan(loadPlan());
const fields = (object: string, extra: string[]) => [...schema.object(object).fields.keys(), ...extra];
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-03T00:00:00Z');

let dir: string;
let org: TestOrg | undefined;
beforeEach(() => (dir = tempDir()));
afterEach(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await org?.double.close();
  org = undefined;
});

it('writes the events to Funnel_Event__c after the validate-only period, and a re-run sends nothing', async () => {
  org = await startOrg(
    {
      fields: {
        [EVENT_OBJECT]: fields(EVENT_OBJECT, ['Name']),
        [SOURCE_OBJECT]: fields(SOURCE_OBJECT, ['Name']),
        [SYNC_RUN_OBJECT]: fields(SYNC_RUN_OBJECT, ['Name']),
        Account: fields('Account', ['Name', 'OwnerId'])
      },
      relationships: {
        ...RELATIONSHIPS,
        [EVENT_OBJECT]: { Account__r: { parent: 'Account', field: 'Account__c', required: true } }
      }
    },
    ['ACME-001', 'BETA-002']
  );
  const o = org;
  const file = writeJsonl(dir, 'e.jsonl', [
    invited({ event_id: 'o1' }),
    invited({ event_id: 'o2', account_key: 'BETA-002' })
  ]);
  const run = (asOfMs: number) =>
    runEventSync(
      { input: file, asOfMs, dryRun: false, maxViolationRate: 0.01 },
      compiled,
      policy,
      sinkFor(o.connection)
    );
  const first = await run(T0);
  expect(first.summary).toMatchObject({ held_validate_only: 2, written: 0, failed: 0 });
  expect(o.double.records(SOURCE_OBJECT)).toHaveLength(1);
  const open = T0 + policy.number('Events_Validate_Only_Days') * DAY;
  const second = await run(open);
  expect(second.summary).toMatchObject({ written: 2, failed: 0 });
  const stored = o.double.records(EVENT_OBJECT);
  expect(stored.map((r) => [r.Event_Id__c, r.Account__c, r.Occurred_At__c, r.Invitee_Email__c])).toEqual([
    ['o1', o.accountIds.get('ACME-001'), '2026-03-02T10:00:00.000Z', expect.stringMatching(/@example\.com$/)],
    ['o2', o.accountIds.get('BETA-002'), '2026-03-02T10:00:00.000Z', expect.stringMatching(/@example\.com$/)]
  ]);
  o.double.clearCalls();
  const third = await run(open + DAY);
  expect(third.summary).toMatchObject({ written: 0, unchanged: 2, failed: 0 });
  // the re-run writes nothing at all: no event, and no run row for the rollout audit (it changed nothing)
  expect(Object.keys(callsByKind(o.double)).filter((k) => k.startsWith('ingest'))).toEqual([]);
  // the runs that wrote are kept, one row each (the validate-only runs wrote nothing, rejected nothing)
  expect(
    o.double.records(SYNC_RUN_OBJECT).map((r) => [r.Run_At__c, r.Rows_Read__c, r.Rows_Rejected__c, r.Write_Failures__c])
  ).toEqual([[new Date(open).toISOString(), '2', '0', '0']]);
});
