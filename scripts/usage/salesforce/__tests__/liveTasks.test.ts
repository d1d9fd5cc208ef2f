/**
 * Live mode over the Salesforce sink, end to end through runUsageSync and the Bulk API 2.0 double: every Open
 * trigger gets exactly one follow-up Task whatever fails on the way (the job recording Task Ids on the triggers, the
 * Task job's results), and every failed write of any object counts in `failed` and the exit code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createOutput } from '../../../cli/output';
import { reportSyncResult } from '../../../commands/usage';
import { loadPolicyFile, Policy } from '../../../policy/policy';
import { ticketCsv, type WeekPlan } from '../../../test-support/ticketExport';
import { weekIndexOfLabel, weekStartMs } from '../../isoWeek';
import { FOLLOW_UP_TASK_FIELD, TRIGGER_FIELDS, TRIGGER_OBJECT } from '../../records';
import { runUsageSync, type SyncOptions } from '../../sync';
import { thresholdsFromPolicy } from '../../triggerRules';
import { BulkInterruptedError } from '../errors';
import { TASK_KEY_FIELD, TASK_KEY_PREFIX } from '../salesforceSink';
import { callsByKind, forceAppFields, sinkFor, startOrg, type TestOrg } from './helpers';

jest.setTimeout(60_000);

const shadow = loadPolicyFile();
const live = new Policy(
  { ...shadow.entries, Expansion_Mode: { ...shadow.entry('Expansion_Mode'), value: 'live' } },
  shadow.version,
  'test'
);
const t = thresholdsFromPolicy(shadow);
const W = weekIndexOfLabel('2026-W10') as number;
/** 15 accounts, each with the qualifying streak that fires one trigger */
const ACCOUNTS = Array.from({ length: 15 }, (_, i) => `acct-${String(i).padStart(2, '0')}`);
const plans: WeekPlan[] = ACCOUNTS.flatMap((account) =>
  Array.from({ length: t.consecutiveWeeks }, (_, w) => ({
    account,
    weekIndex: W + w,
    total: t.minTickets,
    ai: t.minTickets
  }))
);

let dir: string;
let org: TestOrg | undefined;
let options: SyncOptions;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sf-live-'));
  const input = path.join(dir, 'tickets.csv');
  fs.writeFileSync(input, ticketCsv(plans));
  options = { input, asOfMs: weekStartMs(W + 30), dryRun: false, maxRejectRate: 0.01, forceLive: 'test' };
});
afterEach(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await org?.double.close();
  org = undefined;
});

async function start(): Promise<TestOrg> {
  org = await startOrg({ fields: forceAppFields() }, ACCOUNTS);
  return org;
}

/** Runs a sync; `onProgress` sees the sink's progress lines (to arm a fault at the right step). */
function sync(o: TestOrg, onProgress?: (m: string) => void) {
  return runUsageSync(options, live, sinkFor(o.connection, { onProgress }));
}

/** Every Open trigger names one Task, and every Task is named by one trigger: no Task twice, none orphaned. */
function expectOneTaskPerTrigger(o: TestOrg): void {
  const tasks = o.double.records('Task');
  const triggers = o.double.records(TRIGGER_OBJECT);
  expect(tasks).toHaveLength(ACCOUNTS.length);
  expect(triggers).toHaveLength(ACCOUNTS.length);
  expect(new Set(triggers.map((r) => r[FOLLOW_UP_TASK_FIELD]))).toEqual(new Set(tasks.map((task) => task.Id)));
  for (const trigger of triggers) {
    const task = tasks.find((x) => x.Id === trigger[FOLLOW_UP_TASK_FIELD]);
    expect(task?.[TASK_KEY_FIELD]).toBe(`${TASK_KEY_PREFIX}${String(trigger[TRIGGER_FIELDS.key])}`);
  }
}

describe('follow-up Tasks are created once, whatever fails after they were created', () => {
  it('the job recording Task Ids on the triggers ends Failed: the next sync finds the 15 Tasks, creates none', async () => {
    const o = await start();
    const first = await sync(o, (m) => {
      // the Task job has run; every job after it (the one recording the Ids) fails, re-sends included
      if (/^Task: job \w+ JobComplete:/.test(m)) {
        o.double.faults.jobOutcome = 'Failed';
        o.double.faults.processedBeforeFailure = 0;
      }
    });
    // 15 Task Ids not recorded, and the run's own row for the rollout audit (its job failed too)
    expect(first.summary).toMatchObject({
      triggers: 15,
      failed: 16,
      follow_up_tasks: { created: 15, found: 0, failed: 0, ids_not_recorded: 15 }
    });
    expect(first.failures).toHaveLength(16);
    expect(first.failures[15]?.object).toBe('GTM_Sync_Run__c');
    expect(first.failures[0]?.error).toMatch(
      /^Task created but not recorded on the trigger: unprocessed: Bulk job \w+ failed: .* \(sent 3 times\)$/
    );
    expect(o.double.records('Task')).toHaveLength(15);

    delete o.double.faults.jobOutcome;
    o.double.clearCalls();
    const second = await sync(o);
    expect(second.summary).toMatchObject({
      failed: 0,
      follow_up_tasks: { created: 0, found: 15, failed: 0, ids_not_recorded: 0 }
    });
    expectOneTaskPerTrigger(o);
    // one job, the one recording the Ids: no Task job, the lookup found them all
    expect(o.double.callCount({ kind: 'ingest.create' })).toBe(1);
    expect(o.double.ingestJob(o.double.ingestJobIds().at(-1) as string)?.object).toBe(TRIGGER_OBJECT);

    // nothing owed any more: no lookup, no Task job
    o.double.clearCalls();
    const third = await sync(o);
    expect(third.summary.follow_up_tasks).toEqual({ created: 0, found: 0, failed: 0, ids_not_recorded: 0 });
    expect(o.double.records('Task')).toHaveLength(15);
    expect(o.double.callCount({ kind: 'ingest.create' })).toBe(0);
    expect(o.double.callCount({ kind: 'query.create' })).toBe(4);
  });

  it('5xx on reading the Task job results after it committed: the run stops; the next sync creates no Task twice', async () => {
    const o = await start();
    let armed = false;
    const stopped = await sync(o, (m) => {
      if (!armed && /^Task: job \w+ created/.test(m)) {
        armed = true;
        o.double.faults.results = { status: 503, times: 100 };
      }
    }).catch((err: unknown) => err);
    expect(stopped).toBeInstanceOf(BulkInterruptedError);
    const err = stopped as BulkInterruptedError;
    expect(err.unknown).toBe(15);
    expect(err.details).toContain(
      'Tasks without a confirmed outcome may have been created: the next sync finds them by their trigger key before creating any'
    );
    expect(o.double.records('Task')).toHaveLength(15);

    delete o.double.faults.results;
    const next = await sync(o);
    expect(next.summary).toMatchObject({
      failed: 0,
      follow_up_tasks: { created: 0, found: 15, failed: 0, ids_not_recorded: 0 }
    });
    expectOneTaskPerTrigger(o);
  });

  it('a first live run creates each Task in one job and spends no call on a lookup', async () => {
    const o = await start();
    const r = await sync(o);
    expect(r.summary).toMatchObject({
      failed: 0,
      follow_up_tasks: { created: 15, found: 0, failed: 0, ids_not_recorded: 0 }
    });
    expectOneTaskPerTrigger(o);
    // snapshots, triggers, Tasks, Task Ids, the run's row: 5 jobs; stored snapshots, triggers, outcomes, owed
    // triggers, accounts: 5 queries (the Task lookup would be a sixth)
    expect(callsByKind(o.double)).toEqual({
      'query.create': 5,
      'query.info': 10,
      'query.results': 5,
      'ingest.create': 5,
      'ingest.upload': 5,
      'ingest.close': 5,
      'ingest.info': 10,
      'ingest.successfulResults': 5
    });
  });
});

describe('every failed write counts in failed and the exit code', () => {
  it('every Task refused (API limit): failed 15, exit 3, and an error line on stderr with --json', async () => {
    const o = await start();
    const sink = sinkFor(o.connection, {
      onProgress: (m) => {
        // the account owners have been read: the Task job is next
        if (/^Account: [\d,]+ rows read/.test(m)) o.double.faults.createJob = { status: 403, times: 1 };
      }
    });
    const result = await runUsageSync(options, live, sink);
    expect(result.summary).toMatchObject({
      failed: 15,
      follow_up_tasks: { created: 0, found: 0, failed: 15, ids_not_recorded: 0 }
    });
    expect(result.failures[0]).toEqual({
      object: 'Task',
      key: expect.stringMatching(/^acct-\d\d\|2026-W\d\d$/),
      error: 'the Bulk API refused the job: REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded (double)'
    });

    const stdout: string[] = [];
    const stderr: string[] = [];
    const out = createOutput(
      true,
      { write: (s: string) => stdout.push(s) } as unknown as typeof process.stdout,
      { write: (s: string) => stderr.push(s) } as unknown as typeof process.stderr
    );
    expect(reportSyncResult(result, sink, out)).toBe(3);
    const json = JSON.parse(stdout.join('')) as Record<string, unknown>;
    expect(json).toMatchObject({ failed: 15, api_requests: sink.apiRequests, api_version: '65.0' });
    expect(stderr[0]).toBe('error: 15 writes failed (15 Task)\n');
  });

  it('a clean run exits 0 and prints nothing on stderr', async () => {
    const o = await start();
    const sink = sinkFor(o.connection);
    const result = await runUsageSync(options, live, sink);
    const stderr: string[] = [];
    const out = createOutput(
      true,
      { write: () => true } as unknown as typeof process.stdout,
      { write: (s: string) => stderr.push(s) } as unknown as typeof process.stderr
    );
    expect(reportSyncResult(result, sink, out)).toBe(0);
    expect(stderr).toEqual([]);
  });
});
