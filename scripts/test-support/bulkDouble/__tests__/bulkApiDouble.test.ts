/**
 * The Bulk API 2.0 double, driven through the real jsforce 3.10.16 client (and raw fetch where jsforce hides the
 * wire). The fault tests pin down what jsforce does when the API misbehaves, because the usage sync is designed
 * around exactly those behaviours; if a jsforce upgrade changes one, the test that fails says which.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Connection } from 'jsforce';
import { REPO_ROOT } from '../../../lib/paths';
import { startBulkDouble, type BulkDouble, type BulkDoubleOptions } from '../bulkApiDouble';
import { to18 } from '../store';

const VERSION = '65.0';
const SNAPSHOTS = { object: 'Usage_Snapshot__c', operation: 'upsert', externalIdFieldName: 'Snapshot_Key__c' } as const;
const HEADER = 'Snapshot_Key__c,Account__r.Usage_Account_Key__c,Tickets_Total__c';

let double: BulkDouble | undefined;
let accountId = '';

/** Starts a double with one Account (key ACME) and returns a jsforce connection that polls every 5 ms. */
async function start(options: BulkDoubleOptions = {}, connExtra: Record<string, unknown> = {}): Promise<Connection> {
  double = await startBulkDouble(options);
  [{ Id: accountId }] = double.seed('Account', [{ Name: 'Acme', Usage_Account_Key__c: 'ACME' }]) as [{ Id: string }];
  const conn = new Connection({ instanceUrl: double.url, accessToken: 'test-token', version: VERSION, ...connExtra });
  conn.bulk2.pollInterval = 5;
  return conn;
}

function d(): BulkDouble {
  if (!double) throw new Error('double not started');
  return double;
}

function csv(...rows: string[]): string {
  return [HEADER, ...rows].join('\n') + '\n';
}

const THREE = csv('S1,ACME,10', 'S2,ACME,20', 'S3,ACME,30');

type Row = Record<string, string>;
interface Results {
  successfulResults: Row[];
  failedResults: Row[];
  unprocessedRecords: Row[];
}
type LoadOptions = Parameters<Connection['bulk2']['loadAndWaitForResults']>[0];

/** jsforce's one-call load; results typed as plain rows (the connection has no generated schema). */
async function load(conn: Connection, options: Partial<LoadOptions> & { input: string }): Promise<Results> {
  const res = await conn.bulk2.loadAndWaitForResults({ ...SNAPSHOTS, pollInterval: 5, ...options });
  return res as unknown as Results;
}

/**
 * Loads through jsforce's one-call API, expecting it to throw. After a failure jsforce fires a DELETE for the job
 * without awaiting it; this waits until the double has answered it, so the test can count it and the server is not
 * closed under it (jsforce would then retry the DELETE against a closed port for ~15 s, keeping jest alive).
 */
async function loadError(
  conn: Connection,
  input: string,
  extra: Partial<LoadOptions> = {}
): Promise<Error & Record<string, unknown>> {
  const deletes = (): number => d().calls.filter((c) => c.method === 'DELETE' && c.status !== 0).length;
  const before = deletes();
  try {
    await conn.bulk2.loadAndWaitForResults({ ...SNAPSHOTS, input, pollInterval: 5, ...extra });
  } catch (err) {
    for (let waited = 0; deletes() === before && waited < 2000; waited += 10) await sleep(10);
    await sleep(20);
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected loadAndWaitForResults to throw');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function raw(method: string, rel: string, body?: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${d().url}/services/data/v${VERSION}/${rel}`, {
    method,
    headers: { Authorization: `Bearer ${d().accessToken}`, 'Content-Type': contentType },
    body
  });
}

async function rawJob(operation = 'upsert', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await raw('POST', 'jobs/ingest', JSON.stringify({ ...SNAPSHOTS, operation, ...extra }));
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

async function pollUntilDone(jobId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 20; i++) {
    const info = (await (await raw('GET', `jobs/ingest/${jobId}`)).json()) as Record<string, unknown>;
    if (['JobComplete', 'Failed', 'Aborted'].includes(info.state as string)) return info;
  }
  throw new Error('job did not finish');
}

afterEach(async () => {
  await double?.close();
  double = undefined;
});

describe('ingest jobs through jsforce', () => {
  it('upserts by external ID: new keys insert (sf__Created true), known keys update (false)', async () => {
    const conn = await start();
    const first = await load(conn, { input: THREE });
    expect(first.successfulResults.map((r) => [r.Snapshot_Key__c, r.sf__Created])).toEqual([
      ['S1', 'true'],
      ['S2', 'true'],
      ['S3', 'true']
    ]);
    expect(first.failedResults).toEqual([]);

    const second = await load(conn, {
      input: csv('S1,ACME,11', 'S4,ACME,40')
    });
    expect(second.successfulResults.map((r) => [r.Snapshot_Key__c, r.sf__Created])).toEqual([
      ['S1', 'false'],
      ['S4', 'true']
    ]);
    // the update kept the record Id
    expect(second.successfulResults[0]?.sf__Id).toBe(first.successfulResults[0]?.sf__Id);

    const records = d().records('Usage_Snapshot__c');
    expect(records).toHaveLength(4);
    expect(records.find((r) => r.Snapshot_Key__c === 'S1')).toMatchObject({
      Tickets_Total__c: '11',
      Account__c: accountId
    });
    const [, jobId] = d().ingestJobIds();
    expect(d().ingestJob(jobId as string)).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 2,
      numberRecordsFailed: 0,
      jobType: 'V2Ingest',
      externalIdFieldName: 'Snapshot_Key__c'
    });
  });

  it('fails a row whose parent key is unknown, or whose own key is empty, with the real error text', async () => {
    const conn = await start();
    const res = await load(conn, {
      input: csv('S1,ACME,1', 'S2,NOPE,2', ',ACME,3')
    });
    expect(res.successfulResults.map((r) => r.Snapshot_Key__c)).toEqual(['S1']);
    expect(res.failedResults.map((r) => [r.sf__Id, r.sf__Error])).toEqual([
      ['', 'INVALID_FIELD:Foreign key external ID: NOPE not found for field Usage_Account_Key__c in entity Account:--'],
      ['', 'MISSING_ARGUMENT:Snapshot_Key__c not specified:--']
    ]);
    expect(
      d()
        .records('Usage_Snapshot__c')
        .map((r) => r.Snapshot_Key__c)
    ).toEqual(['S1']);
  });

  it('runs step by step with one API call per step, and writes RFC 4180 results', async () => {
    const conn = await start({ pollsInProgress: 2 });
    const job = conn.bulk2.createJob(SNAPSHOTS);
    await job.open();
    expect(job.getInfo().state).toBe('Open');
    await job.uploadData(csv('"S,4",ACME,"say ""hi"""', 'S5,ACME,"two\nlines"'));
    await job.close();
    await job.poll(5, 5000);
    const results = (await job.getAllResults()) as unknown as Results;
    expect(results.successfulResults.map((r) => r.Tickets_Total__c)).toEqual(['say "hi"', 'two\nlines']);

    const rawText = (await job.getSuccessfulResults(true)) as unknown as string;
    const [head, row1] = rawText.split('\n');
    expect(head).toBe('"sf__Id","sf__Created","Snapshot_Key__c","Account__r.Usage_Account_Key__c","Tickets_Total__c"');
    expect(row1).toMatch(/^"a0A\w{15}","true","S,4","ACME","say ""hi"""$/);

    const kinds = d().calls.map((c) => c.kind);
    expect(kinds.slice(0, 3)).toEqual(['ingest.create', 'ingest.upload', 'ingest.close']);
    expect(d().callCount({ kind: 'ingest.info' })).toBe(3); // 2 InProgress answers, then JobComplete
    expect(d().callCount({ kind: 'ingest.successfulResults' })).toBe(2); // getAllResults + the raw call
    expect(d().callCount({ method: 'PUT' })).toBe(1);
    expect(d().callCount({ path: new RegExp(`/jobs/ingest/${job.id}$`) })).toBe(4); // close + 3 polls
    expect(d().callCount((c) => c.status >= 400)).toBe(0);
  });

  it('inserts, updates by Id and deletes; an unknown Id fails', async () => {
    const conn = await start();
    const ins = await load(conn, {
      object: 'Account',
      operation: 'insert',
      input: 'Name,Usage_Account_Key__c\nBeta,BETA\n'
    });
    const betaId = ins.successfulResults[0]?.sf__Id as string;
    expect(betaId).toMatch(/^001\w{15}$/);
    const upd = await load(conn, {
      object: 'Account',
      operation: 'update',
      input: `Id,Name\n${betaId},Beta Corp\n001000000000000AAA,Ghost\n`
    });
    expect(upd.successfulResults).toHaveLength(1);
    expect(upd.failedResults[0]?.sf__Error).toBe('INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--');
    expect(
      d()
        .records('Account')
        .find((r) => r.Id === betaId)?.Name
    ).toBe('Beta Corp');
    await load(conn, { object: 'Account', operation: 'delete', input: `Id\n${betaId}\n` });
    expect(
      d()
        .records('Account')
        .map((r) => r.Id)
    ).toEqual([accountId]);
  });

  it('leaves a field alone on an empty value and clears it on #N/A', async () => {
    const conn = await start();
    d().seed('Usage_Snapshot__c', [{ Snapshot_Key__c: 'S1', Tickets_Total__c: '7', ISO_Week__c: '2025-W01' }]);
    await load(conn, {
      input: 'Snapshot_Key__c,Tickets_Total__c,ISO_Week__c\nS1,,#N/A\n'
    });
    expect(d().records('Usage_Snapshot__c')[0]).toMatchObject({ Tickets_Total__c: '7', ISO_Week__c: null });
  });

  it('fails every copy of a key repeated within a job (DUPLICATE_VALUE) and writes none of them', async () => {
    const conn = await start();
    const res = await load(conn, {
      input: csv('S1,ACME,1', 'S1,ACME,2', 'S2,ACME,3')
    });
    expect(res.failedResults.map((r) => r.sf__Error)).toEqual([
      'DUPLICATE_VALUE:Duplicate external id specified: S1:Snapshot_Key__c --',
      'DUPLICATE_VALUE:Duplicate external id specified: S1:Snapshot_Key__c --'
    ]);
    expect(
      d()
        .records('Usage_Snapshot__c')
        .map((r) => r.Snapshot_Key__c)
    ).toEqual(['S2']);
  });

  it('generates 18-character Ids with the real case-safe suffix', async () => {
    expect(to18('001D000000IqhSL')).toBe('001D000000IqhSLIAZ');
    await start();
    expect(accountId).toMatch(/^001[0-9A-Za-z]{15}$/);
    expect(to18(accountId.slice(0, 15))).toBe(accountId);
  });
});

describe('faults, as jsforce 3.10.16 meets them', () => {
  it.each([500, 503])('a %i on job create throws and is not retried (POST)', async (status) => {
    const conn = await start({ faults: { createJob: { status, times: 1 } } });
    const err = await loadError(conn, THREE);
    expect(err.name).toBe(status === 500 ? 'UNKNOWN_EXCEPTION' : 'SERVER_UNAVAILABLE');
    expect(d().callCount({ kind: 'ingest.create' })).toBe(1);
    expect(d().ingestJobIds()).toEqual([]);
    expect(d().faultsFired.createJob).toBe(1);
    expect(d().faults.createJob).toBeUndefined(); // used up
  });

  it('a 503 on upload: jsforce retries the PUT with an already-consumed, empty body; the job stays Open', async () => {
    const conn = await start({ faults: { upload: { status: 503, times: 1 } } });
    const err = await loadError(conn, THREE);
    expect(err.name).toBe('INVALIDJOB');
    const uploads = d().calls.filter((c) => c.kind === 'ingest.upload');
    expect(uploads.map((c) => [c.status, c.requestBytes])).toEqual([
      [503, THREE.length],
      [400, 0]
    ]);
    const [jobId] = d().ingestJobIds();
    expect(d().ingestJob(jobId as string)?.state).toBe('Open');
    // jsforce's clean-up delete is refused for an Open job, so the job is left behind
    expect(d().callCount({ kind: 'ingest.delete', status: 409 })).toBe(1);
    expect(d().records('Usage_Snapshot__c')).toEqual([]);
  });

  it('a 503 on upload against an org that accepts an empty PUT: jsforce "succeeds" with no rows at all', async () => {
    const conn = await start({ acceptEmptyUpload: true, faults: { upload: { status: 503, times: 1 } } });
    const res = await load(conn, { input: THREE });
    expect(res).toEqual({ successfulResults: [], failedResults: [], unprocessedRecords: [] });
    expect(d().records('Usage_Snapshot__c')).toEqual([]);
  });

  it('a reset on upload behaves like the 503: the retry sends nothing, the job stays Open', async () => {
    const conn = await start({ faults: { upload: { reset: true, times: 1 } } });
    const err = await loadError(conn, THREE);
    expect(err.name).toBe('INVALIDJOB');
    expect(
      d()
        .calls.filter((c) => c.kind === 'ingest.upload')
        .map((c) => c.status)
    ).toEqual([0, 400]);
    expect(d().ingestJob(d().ingestJobIds()[0] as string)?.state).toBe('Open');
  });

  it('a 500 on close throws, is not retried (PATCH), and leaves the job Open', async () => {
    const conn = await start({ faults: { close: { status: 500, times: 1 } } });
    const err = await loadError(conn, THREE);
    expect(err.name).toBe('UNKNOWN_EXCEPTION');
    expect(d().callCount({ kind: 'ingest.close' })).toBe(1);
    expect(d().ingestJob(d().ingestJobIds()[0] as string)?.state).toBe('Open');
    expect(d().records('Usage_Snapshot__c')).toEqual([]);
  });

  it('a lost response to close throws although every row landed, and jsforce then deletes the job', async () => {
    const conn = await start({ faults: { close: { dropResponse: true, times: 1 } } });
    const err = await loadError(conn, THREE);
    expect(err.name).toBe('FetchError');
    expect(err.code).toBe('ECONNRESET');
    expect(d().records('Usage_Snapshot__c')).toHaveLength(3);
    expect(d().callCount({ kind: 'ingest.delete', status: 204 })).toBe(1);
    expect(d().ingestJobIds()).toEqual([]); // the per-row results are gone with it
  });

  it('after a lost close, polling the kept job id recovers the outcome and the results', async () => {
    const conn = await start({ faults: { close: { dropResponse: true, times: 1 } } });
    const job = conn.bulk2.createJob(SNAPSHOTS);
    await job.open();
    await job.uploadData(THREE);
    await expect(job.close()).rejects.toThrow(/socket hang up/);
    const again = conn.bulk2.job('ingest', { id: job.id as string });
    await again.poll(5, 5000);
    const results = (await again.getAllResults()) as unknown as Results;
    expect(results.successfulResults).toHaveLength(3);
    expect(d().callCount({ kind: 'ingest.close' })).toBe(1);
  });

  it('a 503 or a reset on a job-info poll is retried by jsforce (GET) and the load completes', async () => {
    for (const poll of [
      { status: 503, times: 1 },
      { reset: true as const, times: 1 }
    ]) {
      const conn = await start({ faults: { poll } });
      const res = await load(conn, { input: THREE });
      expect(res.successfulResults).toHaveLength(3);
      expect(d().faultsFired.poll).toBe(1);
      expect(
        d()
          .calls.filter((c) => c.kind === 'ingest.info')
          .map((c) => c.status)
      ).toEqual(['status' in poll ? 503 : 0, 200, 200]);
      await d().close();
    }
  });

  it('a job that ends Failed part-way throws a plain Error and jsforce deletes it, results and all', async () => {
    const conn = await start({ faults: { jobOutcome: 'Failed', processedBeforeFailure: 2, jobErrorMessage: 'boom' } });
    const err = await loadError(conn, THREE);
    expect(err.constructor).toBe(Error);
    expect(err.message).toBe('Ingest job failed to complete due to: boom');
    expect(d().records('Usage_Snapshot__c')).toHaveLength(2); // two rows did land
    expect(d().ingestJobIds()).toEqual([]);
  });

  it('driving the steps keeps the Failed job: landed rows in successfulResults, the rest unprocessed', async () => {
    const conn = await start({ faults: { jobOutcome: 'Failed', processedBeforeFailure: 2 } });
    const job = conn.bulk2.createJob(SNAPSHOTS);
    await job.open();
    await job.uploadData(THREE);
    await job.close();
    await expect(job.poll(5, 5000)).rejects.toThrow(/^Ingest job failed to complete due to: /);
    const results = (await job.getAllResults()) as unknown as Results;
    expect(results.successfulResults.map((r) => r.Snapshot_Key__c)).toEqual(['S1', 'S2']);
    expect(results.unprocessedRecords).toEqual([
      { Snapshot_Key__c: 'S3', 'Account__r.Usage_Account_Key__c': 'ACME', Tickets_Total__c: '30' }
    ]);
    expect(d().ingestJob(job.id as string)).toMatchObject({ state: 'Failed', numberRecordsProcessed: 2 });
  });

  it('an Aborted job throws "Job has been aborted"', async () => {
    const conn = await start({ faults: { jobOutcome: 'Aborted' } });
    const err = await loadError(conn, THREE);
    expect(err.message).toBe('Job has been aborted');
    expect(d().records('Usage_Snapshot__c')).toEqual([]);
  });

  it('a per-row failure lands in failedResults with its message and is counted', async () => {
    const conn = await start({
      faults: {
        rowFailure: (row) =>
          row.Snapshot_Key__c === 'S2' ? 'FIELD_CUSTOM_VALIDATION_EXCEPTION:Tickets too high:--' : undefined
      }
    });
    const res = await load(conn, { input: THREE });
    expect(res.failedResults.map((r) => [r.Snapshot_Key__c, r.sf__Error])).toEqual([
      ['S2', 'FIELD_CUSTOM_VALIDATION_EXCEPTION:Tickets too high:--']
    ]);
    expect(d().ingestJob(d().ingestJobIds()[0] as string)).toMatchObject({
      numberRecordsProcessed: 3,
      numberRecordsFailed: 1
    });
    expect(d().faultsFired.rowFailure).toBe(1);
  });

  it('slow polls add InProgress answers; a poll timeout throws and jsforce still tries to delete the job', async () => {
    const conn = await start({ faults: { slowPolls: 3 } });
    await load(conn, { input: THREE });
    expect(d().callCount({ kind: 'ingest.info' })).toBe(5); // 1 + 3 InProgress, then JobComplete

    d().faults.slowPolls = 1000;
    const err = await loadError(conn, THREE, { pollTimeout: 60 });
    // jsforce skips the clean-up only for name 'JobPollingTimeoutError', but names the error 'JobPollingTimeout'
    expect(err.name).toBe('JobPollingTimeout');
    expect(d().callCount({ kind: 'ingest.delete', status: 409 })).toBe(1); // refused: the job is InProgress
  });

  it('an expired session is not refreshed without a refreshFn: INVALID_SESSION_ID, job left Open', async () => {
    const conn = await start({ faults: { expireSessionAfter: 2 } });
    const err = await loadError(conn, THREE);
    expect(err.name).toBe('INVALID_SESSION_ID');
    expect(d().callCount({ status: 401 })).toBeGreaterThanOrEqual(1);
    expect(d().ingestJob(d().ingestJobIds()[0] as string)?.state).toBe('Open');
    const fresh = d().refreshSession();
    expect(fresh).not.toBe('test-token');
    const res = await fetch(`${d().url}/services/data/v${VERSION}/jobs/ingest`, {
      headers: { Authorization: `Bearer ${fresh}` }
    });
    expect(res.status).toBe(200);
  });

  it('with a refreshFn jsforce refreshes and re-sends a JSON request (here the close)', async () => {
    const conn = await start(
      { faults: { expireSessionAfter: 2 } },
      { refreshFn: (_c: unknown, cb: (e: Error | null, token?: string) => void) => cb(null, d().refreshSession()) }
    );
    const res = await load(conn, { input: THREE });
    expect(res.successfulResults).toHaveLength(3);
    expect(
      d()
        .calls.filter((c) => c.method === 'PATCH')
        .map((c) => c.status)
    ).toEqual([401, 200]);
  });

  it('with a refreshFn, a 401 on the upload makes jsforce re-send a PUT whose body never ends (until a timeout)', async () => {
    const conn = await start(
      { requestTimeoutMs: 300, faults: { expireSessionAfter: 1 } },
      { refreshFn: (_c: unknown, cb: (e: Error | null, token?: string) => void) => cb(null, d().refreshSession()) }
    );
    const err = await loadError(conn, THREE);
    expect(err.name).toBe('ERROR_HTTP_408');
    expect(d().ingestJob(d().ingestJobIds()[0] as string)?.state).toBe('Open');
  });

  it('delays every answer by delayMs', async () => {
    const conn = await start({ faults: { delayMs: 30 } });
    const t0 = Date.now();
    await load(conn, { input: THREE });
    // create, upload, close and two polls run one after another; the three result GETs run in parallel
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30 * 6 - 5);
    expect(d().faultsFired.delay).toBe(d().calls.length);
  });
});

describe('queries', () => {
  async function seedSnapshots(conn: Connection, n: number): Promise<void> {
    const rows = Array.from({ length: n }, (_, i) => `S${i + 1},ACME,${i + 1}`);
    await load(conn, { input: csv(...rows) });
  }

  it('answers REST SOQL with WHERE =, IN, relationship fields and COUNT()', async () => {
    const conn = await start();
    await seedSnapshots(conn, 3);
    const res = await conn.query<Record<string, unknown>>(
      "SELECT Id, Snapshot_Key__c, Account__r.Usage_Account_Key__c FROM Usage_Snapshot__c WHERE Snapshot_Key__c IN ('S1', 'S3') ORDER BY Snapshot_Key__c DESC"
    );
    expect(res.totalSize).toBe(2);
    expect(res.records.map((r) => r.Snapshot_Key__c)).toEqual(['S3', 'S1']);
    expect(res.records[0]).toMatchObject({
      attributes: { type: 'Usage_Snapshot__c' },
      Account__r: { attributes: { type: 'Account' }, Usage_Account_Key__c: 'ACME' }
    });
    const one = await conn.query("SELECT Name FROM Account WHERE Usage_Account_Key__c = 'ACME'");
    expect(one.records).toEqual([{ attributes: expect.objectContaining({ type: 'Account' }), Name: 'Acme' }]);
    const count = await conn.query('SELECT COUNT() FROM Usage_Snapshot__c WHERE Tickets_Total__c != 2');
    expect(count.totalSize).toBe(2);
  });

  it('pages REST results with nextRecordsUrl, followed by queryMore and autoFetch', async () => {
    const conn = await start({ restQueryPageSize: 2 });
    await seedSnapshots(conn, 5);
    d().clearCalls();
    const first = await conn.query('SELECT Snapshot_Key__c FROM Usage_Snapshot__c');
    expect(first).toMatchObject({ totalSize: 5, done: false });
    expect(first.records).toHaveLength(2);
    const more = await conn.queryMore(first.nextRecordsUrl as string);
    expect(more.records).toHaveLength(2);
    const all = await conn
      .query('SELECT Snapshot_Key__c FROM Usage_Snapshot__c')
      .run({ autoFetch: true, maxFetch: 100 });
    expect(all.records).toHaveLength(5);
    expect(d().callCount({ kind: 'rest.query' })).toBe(2);
    expect(d().callCount({ kind: 'rest.queryMore' })).toBe(3); // one above, two for autoFetch
  });

  it('rejects SOQL outside the subset, and unknown fields when the schema is given', async () => {
    const conn = await start({ fields: { Account: ['Name', 'Usage_Account_Key__c'] } });
    await expect(conn.query('SELECT Name FROM Account GROUP BY Name')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY'
    });
    await expect(conn.query('SELECT Nmae FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('serves Bulk query results in pages with Sforce-Locator / Sforce-NumberOfRecords', async () => {
    const conn = await start();
    await seedSnapshots(conn, 5);
    const created = await raw(
      'POST',
      'jobs/query',
      JSON.stringify({ operation: 'query', query: 'SELECT Snapshot_Key__c, Tickets_Total__c FROM Usage_Snapshot__c' })
    );
    const job = (await created.json()) as { id: string; state: string };
    expect(job.state).toBe('UploadComplete');
    const states: string[] = [];
    for (let i = 0; i < 3; i++)
      states.push(((await (await raw('GET', `jobs/query/${job.id}`)).json()) as { state: string }).state);
    expect(states).toEqual(['InProgress', 'JobComplete', 'JobComplete']);

    const pages: string[] = [];
    const locators: string[] = [];
    let locator: string | null = null;
    do {
      const res: Response = await raw(
        'GET',
        `jobs/query/${job.id}/results?maxRecords=2${locator ? `&locator=${locator}` : ''}`
      );
      expect(res.headers.get('content-type')).toBe('text/csv');
      pages.push(`${res.headers.get('sforce-numberofrecords')}:${await res.text()}`);
      locator = res.headers.get('sforce-locator');
      locators.push(locator as string);
    } while (locator !== 'null');
    expect(locators).toEqual(['Mg', 'NA', 'null']);
    expect(pages[0]).toBe('2:"Snapshot_Key__c","Tickets_Total__c"\n"S1","1"\n"S2","2"\n');
    expect(pages[2]).toBe('1:"Snapshot_Key__c","Tickets_Total__c"\n"S5","5"\n');
  });

  it('jsforce bulk2.query reads a single page of results', async () => {
    const conn = await start();
    await seedSnapshots(conn, 3);
    const stream = await conn.bulk2.query('SELECT Snapshot_Key__c FROM Usage_Snapshot__c', { pollInterval: 5 });
    const records = await new Promise<unknown[]>((resolve, reject) => {
      const out: unknown[] = [];
      stream.on('record', (r: unknown) => out.push(r));
      stream.on('end', () => resolve(out));
      stream.on('error', reject);
    });
    expect(records).toEqual([{ Snapshot_Key__c: 'S1' }, { Snapshot_Key__c: 'S2' }, { Snapshot_Key__c: 'S3' }]);
  });

  it('jsforce bulk2.query crashes the process on a second results page (write after end)', async () => {
    const conn = await start({ queryPageSize: 2 });
    await seedSnapshots(conn, 3);
    // run in a child process: the failure is an unhandled 'error' event, not a rejected promise
    const script = `
      const { Connection } = require('jsforce');
      const conn = new Connection({ instanceUrl: process.env.DOUBLE_URL, accessToken: 'test-token', version: '${VERSION}' });
      conn.bulk2.query('SELECT Snapshot_Key__c FROM Usage_Snapshot__c', { pollInterval: 5 })
        .then((s) => s.on('record', () => {}).on('end', () => console.log('END')))
        .catch((e) => { console.log('REJECTED ' + e.message); process.exitCode = 3; });`;
    const result = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['-e', script],
        { cwd: path.resolve(REPO_ROOT), env: { ...process.env, DOUBLE_URL: d().url }, timeout: 20000 },
        (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr })
      );
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ERR_STREAM_WRITE_AFTER_END');
    expect(d().callCount({ kind: 'query.results' })).toBe(2);
  });
});

describe('the wire, seen with raw fetch', () => {
  it('answers 401 INVALID_SESSION_ID in the REST error shape without a valid token', async () => {
    await start();
    const res = await fetch(`${d().url}/services/data/v${VERSION}/jobs/ingest`, {
      headers: { Authorization: 'Bearer nope' }
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect(d().calls).toEqual([expect.objectContaining({ method: 'GET', kind: 'ingest.list', status: 401 })]);
  });

  it('refuses data for a closed job, a second PUT at close, oversize data and unknown jobs', async () => {
    await start({ maxUploadBytes: 200 });
    const closed = await rawJob();
    expect((await raw('PUT', `jobs/ingest/${closed}/batches`, csv('S1,ACME,1'), 'text/csv')).status).toBe(201);
    expect((await raw('PATCH', `jobs/ingest/${closed}`, '{"state":"UploadComplete"}')).status).toBe(200);
    const late = await raw('PUT', `jobs/ingest/${closed}/batches`, csv('S2,ACME,1'), 'text/csv');
    expect(late.status).toBe(409);
    expect(await late.json()).toEqual([
      { errorCode: 'INVALIDJOBSTATE', message: expect.stringContaining('expected: Open') }
    ]);

    const twice = await rawJob();
    await raw('PUT', `jobs/ingest/${twice}/batches`, csv('S1,ACME,1'), 'text/csv');
    await raw('PUT', `jobs/ingest/${twice}/batches`, csv('S2,ACME,1'), 'text/csv');
    const close = await raw('PATCH', `jobs/ingest/${twice}`, '{"state":"UploadComplete"}');
    expect(close.status).toBe(400);
    expect(JSON.stringify(await close.json())).toContain('Found multipe contents for job');
    expect(d().ingestJob(twice)?.state).toBe('Open');

    const big = await rawJob();
    const bigCsv = csv(...Array.from({ length: 20 }, (_, i) => `S${i},ACME,${i}`));
    expect((await raw('PUT', `jobs/ingest/${big}/batches`, bigCsv, 'text/csv')).status).toBe(413);

    const gone = await raw('GET', 'jobs/ingest/750000000000000AAA');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
  });

  it('fails a job whose data does not match its lineEnding, or names an unknown field', async () => {
    await start({ fields: { Usage_Snapshot__c: ['Snapshot_Key__c', 'Account__c', 'Tickets_Total__c'] } });
    const crlf = await rawJob();
    await raw('PUT', `jobs/ingest/${crlf}/batches`, `${HEADER}\r\nS1,ACME,1\r\n`, 'text/csv');
    await raw('PATCH', `jobs/ingest/${crlf}`, '{"state":"UploadComplete"}');
    expect(await pollUntilDone(crlf)).toMatchObject({
      state: 'Failed',
      numberRecordsProcessed: 0,
      errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF'
    });

    const unknown = await rawJob();
    await raw('PUT', `jobs/ingest/${unknown}/batches`, 'Snapshot_Key__c,Week__c\nS1,x\n', 'text/csv');
    await raw('PATCH', `jobs/ingest/${unknown}`, '{"state":"UploadComplete"}');
    expect(await pollUntilDone(unknown)).toMatchObject({
      state: 'Failed',
      errorMessage: 'InvalidBatch : Field name not found : Week__c'
    });
    const unprocessed = await raw('GET', `jobs/ingest/${unknown}/unprocessedrecords`);
    expect(await unprocessed.text()).toBe('"Snapshot_Key__c","Week__c"\n"S1","x"\n');

    const badKey = await raw('POST', 'jobs/ingest', JSON.stringify({ ...SNAPSHOTS, externalIdFieldName: 'Name' }));
    expect(badKey.status).toBe(400);
    expect(((await badKey.json()) as [{ errorCode: string }])[0].errorCode).toBe('INVALIDJOB');
  });

  it('aborts an Open job (its rows unprocessed) and refuses to abort a finished one', async () => {
    await start();
    const open = await rawJob();
    await raw('PUT', `jobs/ingest/${open}/batches`, THREE, 'text/csv');
    const aborted = await raw('PATCH', `jobs/ingest/${open}`, '{"state":"Aborted"}');
    expect(((await aborted.json()) as { state: string }).state).toBe('Aborted');
    expect((await (await raw('GET', `jobs/ingest/${open}/unprocessedrecords`)).text()).split('\n')).toHaveLength(5);
    expect((await raw('PATCH', `jobs/ingest/${open}`, '{"state":"Aborted"}')).status).toBe(409);
    expect(d().callCount({ kind: 'ingest.abort' })).toBe(2);
  });
});
