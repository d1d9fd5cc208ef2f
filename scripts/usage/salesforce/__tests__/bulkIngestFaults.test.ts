/**
 * The ingest driver under the faults jsforce's own load loses rows to (TOOLCHAIN.md): every row still ends written
 * or failed with a reason, no job is processed twice, and the calls each recovery costs are counted.
 */
import { SNAPSHOT_FIELDS, SNAPSHOT_OBJECT } from '../../records';
import { BulkInterruptedError } from '../errors';
import type { Timing } from '../retry';
import {
  callsByKind,
  CLEAN_JOB,
  connect,
  expectAccounted,
  FAST_POLL,
  FAST_ROW_RETRY,
  keyOf,
  sinkFor,
  snapshots,
  startOrg,
  VERSION,
  type TestOrg
} from './helpers';

const KEY = SNAPSHOT_FIELDS.key;
const ACCOUNTS = ['ACME', 'GLOBEX', 'INITECH'];
const ONE_SEND = { ...FAST_ROW_RETRY, attempts: 1 };
const LOCKED = 'UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--';
let org: TestOrg | undefined;

afterEach(async () => {
  await org?.double.close();
  org = undefined;
});

async function start(...args: Parameters<typeof startOrg>): Promise<TestOrg> {
  org = await startOrg(...args);
  return org;
}

/** A clock that only moves when the code sleeps: bounded waits are checked exactly and instantly. */
function fakeClock(): Timing & { elapsed: () => number } {
  let t = 0;
  return {
    sleep: async (ms) => {
      t += ms;
    },
    now: () => t,
    random: () => 0.5,
    elapsed: () => t
  };
}

async function interruption(p: Promise<unknown>): Promise<BulkInterruptedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BulkInterruptedError);
    return err as BulkInterruptedError;
  }
  throw new Error('expected the upsert to be interrupted');
}

describe('transient failures are retried where that is safe', () => {
  it('a 503 and a 500 on create: retried, one job created and processed', async () => {
    const o = await start({ faults: { createJob: { status: 503, times: 1 } } });
    const rows = snapshots(6, ACCOUNTS);
    const sink = sinkFor(o.connection);
    const results = await sink.upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.create': 2 });

    o.double.faults.createJob = { status: 500, times: 2 };
    o.double.clearCalls();
    const again = await sink.upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, again)).toEqual({ ok: 6, failed: 0 });
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.create': 3 });
    expect(o.double.ingestJobIds()).toHaveLength(2);
  });

  it('a 503 on upload: the full CSV is sent again (not an empty body), one job processed', async () => {
    const o = await start({ faults: { upload: { status: 503, times: 1 } }, acceptEmptyUpload: true });
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    const uploads = o.double.calls.filter((c) => c.kind === 'ingest.upload');
    expect(uploads.map((u) => u.status)).toEqual([503, 201]);
    expect(uploads[1]?.requestBytes).toBeGreaterThan(500);
    expect(uploads[1]?.requestBytes).toBe(uploads[0]?.requestBytes);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.upload': 2 });
    expect(o.double.ingestJobIds()).toHaveLength(1);
  });

  it('a connection reset on upload: the same', async () => {
    const o = await start({ faults: { upload: { reset: true, times: 1 } } });
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    expect(o.double.calls.filter((c) => c.kind === 'ingest.upload').map((c) => c.status)).toEqual([0, 201]);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.upload': 2 });
  });

  it('a lost answer to close: the job is read, found closed, not closed again, and its results read', async () => {
    const o = await start({ faults: { close: { dropResponse: true, times: 1 } } });
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    expect(o.double.calls.filter((c) => c.kind === 'ingest.close').map((c) => c.status)).toEqual([0]);
    // the GET that checked the close doubles as the first poll
    expect(callsByKind(o.double)).toEqual(CLEAN_JOB);
  });

  it('a 503 on close: the job is read, still Open, and closed again', async () => {
    const o = await start({ faults: { close: { status: 503, times: 1 } } });
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    expect(o.double.calls.filter((c) => c.kind === 'ingest.close').map((c) => c.status)).toEqual([503, 200]);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.close': 2, 'ingest.info': 3 });
  });

  it('a 503 and a reset on polls: retried', async () => {
    const o = await start({ faults: { poll: { status: 503, times: 1 } } });
    const rows = snapshots(3, ACCOUNTS);
    const sink = sinkFor(o.connection);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, await sink.upsert(SNAPSHOT_OBJECT, KEY, rows)).ok).toBe(3);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.info': 3 });
    o.double.clearCalls();
    o.double.faults.poll = { reset: true, times: 1 };
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, await sink.upsert(SNAPSHOT_OBJECT, KEY, rows)).ok).toBe(3);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.info': 3 });
  });

  it('an upload that landed although its answer was lost: the job holding two uploads is aborted and redone', async () => {
    const o = await start({ faults: { upload: { status: 503, times: 1 } } });
    let extraPut: Promise<unknown> = Promise.resolve();
    const onProgress = (m: string) => {
      // the first PUT "landed": another copy of data reaches the job before the retry (as a lost answer would leave it)
      const id = /upload to job (\w+): HTTP 503/.exec(m)?.[1];
      if (id) {
        extraPut = fetch(`${o.double.url}/services/data/v${VERSION}/jobs/ingest/${id}/batches`, {
          method: 'PUT',
          headers: { Authorization: `Bearer ${o.double.accessToken}`, 'Content-Type': 'text/csv' },
          body: '"Snapshot_Key__c"\n"ACME|2026-W10"\n'
        });
      }
    };
    const timing: Timing = { sleep: () => extraPut.then(() => undefined), now: Date.now, random: Math.random };
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection, { timing, onProgress }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    expect(o.double.calls.filter((c) => c.kind === 'ingest.close').map((c) => c.status)).toEqual([400, 200]);
    const [first, second] = o.double.ingestJobIds();
    expect(o.double.ingestJob(first as string)?.state).toBe('Aborted');
    expect(new Set(results.map((r) => r.jobId))).toEqual(new Set([second]));
    expect(callsByKind(o.double)).toEqual({
      ...CLEAN_JOB,
      'ingest.create': 2,
      'ingest.upload': 4,
      'ingest.close': 2,
      'ingest.abort': 1
    });
  });

  it('a retried upload the job refuses (someone aborted it meanwhile): the rows go again in a new job', async () => {
    const o = await start({ faults: { upload: { status: 503, times: 1 } } });
    let abortedMeanwhile: Promise<unknown> = Promise.resolve();
    const onProgress = (m: string) => {
      const id = /upload to job (\w+): HTTP 503/.exec(m)?.[1];
      if (id) {
        abortedMeanwhile = fetch(`${o.double.url}/services/data/v${VERSION}/jobs/ingest/${id}`, {
          method: 'PATCH',
          headers: { Authorization: `Bearer ${o.double.accessToken}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ state: 'Aborted' })
        });
      }
    };
    const timing: Timing = { sleep: () => abortedMeanwhile.then(() => undefined), now: Date.now, random: Math.random };
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection, { timing, onProgress }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    expect(o.double.calls.filter((c) => c.kind === 'ingest.upload').map((c) => c.status)).toEqual([503, 409, 201]);
    // the test's abort, then ours (refused: the job is aborted already)
    expect(o.double.calls.filter((c) => c.kind === 'ingest.abort').map((c) => c.status)).toEqual([200, 409]);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.create': 2, 'ingest.upload': 3, 'ingest.abort': 2 });
  });

  it('an org that keeps failing: the run stops with what it confirmed, and a re-run converges', async () => {
    const o = await start();
    const rows = snapshots(30, ACCOUNTS);
    const sink = sinkFor(o.connection, { maxJobBytes: 1_000 });
    // the third job's create never gets through
    let creates = 0;
    const results = sink.upsert(SNAPSHOT_OBJECT, KEY, rows, (m) => {
      if (/job \w+ created/.test(m) && ++creates === 2) o.double.faults.createJob = { status: 503, times: 100 };
    });
    const err = await interruption(results);
    expect(err.reason).toBe('unavailable');
    expect(err.message).toMatch(
      /^writing Usage_Snapshot__c into "test-org" stopped: the org kept failing \(.*HTTP 503/
    );
    const perJob = err.results.filter((r) => r?.jobId === err.results[0]?.jobId).length;
    expect(err.confirmed).toBe(2 * perJob);
    expect(err.confirmed + err.unknown).toBe(rows.length);
    expect(err.details[0]).toBe(
      `${2 * perJob} of 30 rows were confirmed written, 0 failed with a reason, ${30 - 2 * perJob} have no confirmed outcome`
    );
    expect(o.double.callCount({ kind: 'ingest.create', status: 503 })).toBe(4);

    delete o.double.faults.createJob;
    const rerun = await sink.upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, rerun)).toEqual({ ok: 30, failed: 0 });
  });
});

describe('jobs that end Failed or Aborted, or never end', () => {
  it('Failed part-way: written rows ok, a row error kept, the rest failed as unprocessed with the job error', async () => {
    const o = await start({
      faults: {
        jobOutcome: 'Failed',
        processedBeforeFailure: 6,
        jobErrorMessage: 'InternalServerError : the batch timed out (double)',
        rowFailure: (row) =>
          row[KEY] === 'GLOBEX|2026-W10' ? 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY:trigger:--' : undefined
      }
    });
    const rows = snapshots(10, ACCOUNTS);
    // one send only: this is the accounting of one job (re-sends are below)
    const results = await sinkFor(o.connection, { rowRetry: ONE_SEND }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 5, failed: 5 });
    const jobId = results[0]?.jobId;
    expect(results[1]?.error).toBe('CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY:trigger:--');
    for (const r of results.slice(6)) {
      expect(r.error).toBe(`unprocessed: Bulk job ${jobId} failed: InternalServerError : the batch timed out (double)`);
    }
    expect(callsByKind(o.double)).toEqual({
      ...CLEAN_JOB,
      'ingest.failedResults': 1,
      'ingest.unprocessedrecords': 1
    });
    // the job is kept (never deleted), so a person can look it up
    expect(o.double.ingestJob(jobId as string)?.state).toBe('Failed');
  });

  it('Aborted part-way: the processed rows are written, the others failed as unprocessed', async () => {
    const o = await start({ faults: { jobOutcome: 'Aborted', processedBeforeFailure: 4 } });
    const rows = snapshots(10, ACCOUNTS);
    const results = await sinkFor(o.connection, { rowRetry: ONE_SEND }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 4, failed: 6 });
    expect(results[9]?.error).toBe(`unprocessed: Bulk job ${results[0]?.jobId} was aborted`);
    // nothing failed row by row: the failedResults read finds none, unprocessedrecords has the rest
    expect(callsByKind(o.double)).toEqual({
      ...CLEAN_JOB,
      'ingest.failedResults': 1,
      'ingest.unprocessedrecords': 1
    });
  });

  it('a job the org fails outright (a column it does not know): every row failed with the reason', async () => {
    const o = await start({
      fields: { Usage_Snapshot__c: Object.values(SNAPSHOT_FIELDS).filter((f) => f !== 'Name') }
    });
    const rows = snapshots(3, ACCOUNTS);
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 0, failed: 3 });
    expect(results[0]?.error).toBe(
      `unprocessed: Bulk job ${results[0]?.jobId} failed: InvalidBatch : Field name not found : Name`
    );
    expect(callsByKind(o.double)).toEqual({
      ...CLEAN_JOB,
      'ingest.failedResults': 1,
      'ingest.unprocessedrecords': 1
    });
  });

  it('a job refused at create (unknown object): every row failed, later jobs not attempted, no retry', async () => {
    const o = await start({ fields: { Usage_Snapshot__c: Object.values(SNAPSHOT_FIELDS) } });
    const rows = snapshots(12, ACCOUNTS).map((r) => ({ ...r }));
    const results = await sinkFor(o.connection, { maxJobBytes: 1_000 }).upsert('Nope__c', KEY, rows);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(results[0]?.error).toBe(
      'the Bulk API refused the job: INVALIDJOB: InvalidJob : Unable to find object: Nope__c'
    );
    expect(results[11]?.error).toBe(`not sent: ${results[0]?.error}`);
    expect(callsByKind(o.double)).toEqual({ 'ingest.create': 1 });
  });

  it('polling is bounded by polls: rows of a job still running fail as "outcome unknown"', async () => {
    const o = await start({ faults: { slowPolls: 1_000 } });
    const rows = snapshots(3, ACCOUNTS);
    const results = await sinkFor(o.connection, { poll: { ...FAST_POLL, maxPolls: 5 } }).upsert(
      SNAPSHOT_OBJECT,
      KEY,
      rows
    );
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^Bulk job 750\w+ was still InProgress after 5 polls in \d+ s; its outcome is unknown/);
    }
    expect(callsByKind(o.double)).toEqual({
      'ingest.create': 1,
      'ingest.upload': 1,
      'ingest.close': 1,
      'ingest.info': 5
    });
  });

  it('polling is bounded by time, with backoff: 2 s, 4 s, then what is left of 10 s', async () => {
    const o = await start({ faults: { slowPolls: 1_000 } });
    const timing = fakeClock();
    const poll = { initialDelayMs: 2_000, maxDelayMs: 60_000, factor: 2, maxWaitMs: 10_000, maxPolls: 100 };
    const results = await sinkFor(o.connection, { poll, timing }).upsert(SNAPSHOT_OBJECT, KEY, snapshots(3, ACCOUNTS));
    expect(results[0]?.error).toMatch(/still InProgress after 3 polls in 10 s/);
    expect(timing.elapsed()).toBe(10_000);
    expect(callsByKind(o.double)).toEqual({
      'ingest.create': 1,
      'ingest.upload': 1,
      'ingest.close': 1,
      'ingest.info': 3
    });
  });
});

describe('an expired session', () => {
  it('stops the run with one clear OrgError: log in again, how many rows were confirmed, no token', async () => {
    // job 1 takes 6 requests, job 2's create is the 7th: its upload meets INVALID_SESSION_ID
    const o = await start({ faults: { expireSessionAfter: 7 } });
    const rows = snapshots(12, ACCOUNTS);
    const sink = sinkFor(o.connection, { maxJobBytes: 1_000 });
    const err = await interruption(sink.upsert(SNAPSHOT_OBJECT, KEY, rows));
    expect(err.reason).toBe('session');
    expect(err.message).toBe(
      'the session for "test-org" has expired or was revoked while trying to upsert Usage_Snapshot__c'
    );
    const confirmed = err.confirmed;
    expect(confirmed).toBeGreaterThan(0);
    expect(err.details).toEqual([
      'log in again: npx sf org login web --alias test-org',
      `${confirmed} of 12 rows were confirmed written, 0 failed with a reason, ${12 - confirmed} have no confirmed outcome`,
      `Bulk job ${err.jobId} was in flight: see Setup > Bulk Data Load Jobs`,
      'running the sync again is safe: it re-reads the org and upserts by external ID, so it converges without duplicates'
    ]);
    expect(`${err.message}\n${err.details.join('\n')}`).not.toContain(o.double.accessToken);
    expect(o.double.callCount({ status: 401 })).toBe(1);
    // the job in flight got no data: it stays Open and is never processed
    expect(o.double.ingestJob(err.jobId as string)?.state).toBe('Open');

    // after logging in again, the sync re-reads the org and writes what is missing: it converges
    const token = o.double.refreshSession();
    const resumed = sinkFor(connect(o.double, { accessToken: token }));
    const stored = await resumed.load(SNAPSHOT_OBJECT, KEY, []);
    expect(stored.size).toBe(confirmed);
    const missing = rows.filter((r) => !stored.has(keyOf(r)));
    const rest = await resumed.upsert(SNAPSHOT_OBJECT, KEY, missing);
    expectAccounted(o, SNAPSHOT_OBJECT, KEY, missing, rest, [...stored.keys()]);
    expect(o.double.records(SNAPSHOT_OBJECT)).toHaveLength(12);
  });

  it('is refreshed once when the connection can refresh, and the upload is sent again in full', async () => {
    const o = await start({ faults: { expireSessionAfter: 1 } });
    const refreshFn = (_c: unknown, callback: (err: Error | null, token?: string) => void) =>
      callback(null, o.double.refreshSession());
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(connect(o.double, { refreshFn })).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 6, failed: 0 });
    const uploads = o.double.calls.filter((c) => c.kind === 'ingest.upload');
    expect(uploads.map((u) => u.status)).toEqual([401, 201]);
    expect(uploads[1]?.requestBytes).toBeGreaterThan(500);
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.upload': 2 });
  });
});

describe('rows not written for a passing reason are sent again within the run', () => {
  it('UNABLE_TO_LOCK_ROW rows go again after a backoff, in a new job of just those rows, and land', async () => {
    const locked = new Set(['GLOBEX|2026-W10', 'ACME|2026-W11']);
    const o = await start({
      faults: {
        // the lock is held during the first send only
        rowFailure: (row) => (locked.delete(String(row[KEY])) ? LOCKED : undefined)
      }
    });
    const said: string[] = [];
    const rows = snapshots(9, ACCOUNTS);
    const results = await sinkFor(o.connection, { timing: fakeClock() }).upsert(SNAPSHOT_OBJECT, KEY, rows, (m) =>
      said.push(m)
    );
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 9, failed: 0 });
    expect(results.filter((r) => r.attempts === 2).map((r) => r.key)).toEqual(['GLOBEX|2026-W10', 'ACME|2026-W11']);
    const [first, second] = o.double.ingestJobIds();
    expect(o.double.ingestJob(second as string)?.numberRecordsProcessed).toBe(2);
    expect(o.double.ingestJob(first as string)?.numberRecordsFailed).toBe(2);
    expect(said.filter((m) => /not written for a passing reason/.test(m))).toEqual([
      `Usage_Snapshot__c: 2 rows not written for a passing reason (${LOCKED}); send 2 of 3 in 0.0 s`
    ]);
    expect(callsByKind(o.double)).toEqual({
      'ingest.create': 2,
      'ingest.upload': 2,
      'ingest.close': 2,
      'ingest.info': 4,
      'ingest.successfulResults': 2,
      'ingest.failedResults': 1
    });
  });

  it('the unprocessed rows of a Failed job go again and land; the rows it wrote are not sent twice', async () => {
    const o = await start({
      faults: { jobOutcome: 'Failed', processedBeforeFailure: 6, jobErrorMessage: 'InternalServerError : (double)' }
    });
    const timing: Timing = {
      ...fakeClock(),
      // the org recovers while the driver waits
      sleep: async () => {
        delete o.double.faults.jobOutcome;
      }
    };
    const rows = snapshots(10, ACCOUNTS);
    const results = await sinkFor(o.connection, { timing }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 10, failed: 0 });
    const [, second] = o.double.ingestJobIds();
    expect(results.slice(6).map((r) => [r.jobId, r.attempts])).toEqual(Array(4).fill([second, 2]));
    expect(results.slice(0, 6).every((r) => r.attempts === undefined)).toBe(true);
    expect(o.double.ingestJob(second as string)?.numberRecordsProcessed).toBe(4);
  });

  it('the unprocessed rows of an Aborted job go again', async () => {
    const o = await start({ faults: { jobOutcome: 'Aborted', processedBeforeFailure: 0 } });
    const timing: Timing = {
      ...fakeClock(),
      sleep: async () => {
        delete o.double.faults.jobOutcome;
      }
    };
    const rows = snapshots(5, ACCOUNTS);
    const results = await sinkFor(o.connection, { timing }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 5, failed: 0 });
    expect(o.double.ingestJobIds()).toHaveLength(2);
  });

  it('a lock that is never released: 3 sends in all, then failed with the reason and the number of sends', async () => {
    const o = await start({
      faults: { rowFailure: (row) => (row[KEY] === 'INITECH|2026-W10' ? LOCKED : undefined) }
    });
    const rows = snapshots(6, ACCOUNTS);
    const results = await sinkFor(o.connection, { timing: fakeClock() }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 5, failed: 1 });
    expect(results[2]).toMatchObject({ ok: false, attempts: 3, error: `${LOCKED} (sent 3 times)` });
    expect(o.double.ingestJobIds()).toHaveLength(3);
  });

  it('a job failed by what was sent (a column the org does not know) is not sent again', async () => {
    const o = await start({
      fields: { Usage_Snapshot__c: Object.values(SNAPSHOT_FIELDS).filter((f) => f !== 'Name') }
    });
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, snapshots(3, ACCOUNTS));
    expect(results.every((r) => !r.ok && r.attempts === undefined)).toBe(true);
    expect(o.double.ingestJobIds()).toHaveLength(1);
  });

  it('other row errors are not sent again', async () => {
    const o = await start({
      faults: {
        rowFailure: (row) => (row[KEY] === 'ACME|2026-W10' ? 'FIELD_CUSTOM_VALIDATION_EXCEPTION:no:--' : undefined)
      }
    });
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, snapshots(3, ACCOUNTS));
    expect(results[0]).toMatchObject({ ok: false, error: 'FIELD_CUSTOM_VALIDATION_EXCEPTION:no:--' });
    expect(o.double.ingestJobIds()).toHaveLength(1);
  });
});
