/**
 * `gtm usage sync` end to end over the Salesforce sink: the real orchestrator (runUsageSync) against the double,
 * whose field lists come from force-app, so a CSV column the metadata does not define would fail the job. The
 * values load() returns (text, as the org sends them) must compare equal to the sync's rows: a re-run on the same
 * export writes nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPolicyFile } from '../../../policy/policy';
import { SYNC_RUN_OBJECT } from '../../../cockpit/syncRuns';
import { ticketCsv, type WeekPlan } from '../../../test-support/ticketExport';
import { weekIndexOfLabel, weekStartMs } from '../../isoWeek';
import { SNAPSHOT_OBJECT, TRIGGER_FIELDS, TRIGGER_OBJECT } from '../../records';
import { runUsageSync } from '../../sync';
import { thresholdsFromPolicy } from '../../triggerRules';
import { callsByKind, forceAppFields, sinkFor, startOrg, type TestOrg } from './helpers';

jest.setTimeout(60_000);

const policy = loadPolicyFile();
const t = thresholdsFromPolicy(policy);
const TRIGGER_KEY = TRIGGER_FIELDS.key;
const W = weekIndexOfLabel('2026-W10') as number;
const qualifying = (account: string, week: number): WeekPlan => ({
  account,
  weekIndex: W + week,
  total: t.minTickets,
  ai: Math.ceil(t.minTickets * Number(t.share))
});

let dir: string;
let org: TestOrg | undefined;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sf-sync-'))));
afterEach(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await org?.double.close();
  org = undefined;
});

it('writes snapshots and a shadow trigger, then a re-run on the same export writes nothing', async () => {
  org = await startOrg({ fields: forceAppFields() }, ['acme', 'globex']);
  const o = org;
  const input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(input, ticketCsv([0, 1, 2, 3].flatMap((w) => [qualifying('acme', w), qualifying('globex', w)])));
  const options = { input, asOfMs: weekStartMs(W + 30), dryRun: false, maxRejectRate: 0.01 };

  const first = await runUsageSync(options, policy, sinkFor(o.connection));
  expect(first.summary).toMatchObject({
    snapshot_writes: { written: 8, unchanged: 0, failed: 0 },
    trigger_writes: { written: 2, unchanged: 0, failed: 0 }
  });
  expect(o.double.records(SNAPSHOT_OBJECT)).toHaveLength(8);
  expect(o.double.records(TRIGGER_OBJECT).map((r) => r.Status__c)).toEqual(['Shadow', 'Shadow']);
  // snapshots, triggers and the run's row for the rollout audit (kept once, with what the run read)
  expect(callsByKind(o.double)).toEqual({
    'query.create': 2,
    'query.info': 4,
    'query.results': 2,
    'ingest.create': 3,
    'ingest.upload': 3,
    'ingest.close': 3,
    'ingest.info': 6,
    'ingest.successfulResults': 3
  });
  expect(o.double.records(SYNC_RUN_OBJECT).map((r) => [r.Rows_Read__c, r.Rows_Rejected__c])).toEqual([
    [String(first.summary.rows_read), '0']
  ]);

  o.double.clearCalls();
  const again = await runUsageSync(options, policy, sinkFor(o.connection));
  expect(again.summary).toMatchObject({ written: 0, failed: 0, unchanged: 8, triggers: 0 });
  // two reads, and nothing to write: no ingest job at all
  expect(callsByKind(o.double)).toEqual({ 'query.create': 2, 'query.info': 4, 'query.results': 2 });
});

it('a locked trigger row and a snapshot job that failed part-way are sent again within the run: nothing failed', async () => {
  org = await startOrg({ fields: forceAppFields() }, ['acme', 'globex']);
  const o = org;
  const input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(input, ticketCsv([0, 1, 2, 3].flatMap((w) => [qualifying('acme', w), qualifying('globex', w)])));
  const options = { input, asOfMs: weekStartMs(W + 30), dryRun: false, maxRejectRate: 0.01 };
  // the snapshot job fails after 3 rows; the org has recovered when the rest go again. One trigger row is locked
  // the first time it is sent.
  o.double.faults.jobOutcome = 'Failed';
  o.double.faults.processedBeforeFailure = 3;
  let locked = true;
  o.double.faults.rowFailure = (row) => {
    if (!row[TRIGGER_KEY] || !locked) return undefined;
    locked = false;
    return 'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--';
  };
  const r = await runUsageSync(options, policy, sinkFor(o.connection), (m) => {
    if (/not written for a passing reason/.test(m)) delete o.double.faults.jobOutcome;
  });
  expect(r.summary).toMatchObject({
    failed: 0,
    snapshot_writes: { written: 8, unchanged: 0, failed: 0 },
    trigger_writes: { written: 2, unchanged: 0, failed: 0 }
  });
  expect(o.double.records(SNAPSHOT_OBJECT)).toHaveLength(8);
  expect(o.double.records(TRIGGER_OBJECT)).toHaveLength(2);
  // snapshots: the job that failed and the one with its 5 unprocessed rows; triggers: the job, then the locked row;
  // the run's row
  expect(o.double.callCount({ kind: 'ingest.create' })).toBe(5);
});
