/**
 * The ingest driver through a real jsforce 3.10.16 Connection against the Bulk API 2.0 double: every input row
 * ends written, or failed with a reason, whatever the API does; the double then stores exactly the written rows;
 * and each test counts the API calls it took.
 */
import { SNAPSHOT_FIELDS, SNAPSHOT_OBJECT, TRIGGER_FIELDS, TRIGGER_OBJECT, type SObjectRow } from '../../records';
import { callsByKind, CLEAN_JOB, expectAccounted, keyOf, sinkFor, snapshots, startOrg, type TestOrg } from './helpers';

const KEY = SNAPSHOT_FIELDS.key;
const ACCOUNTS = ['ACME', 'GLOBEX', 'INITECH'];
let org: TestOrg | undefined;

afterEach(async () => {
  await org?.double.close();
  org = undefined;
});

async function start(...args: Parameters<typeof startOrg>): Promise<TestOrg> {
  org = await startOrg(...args);
  return org;
}

describe('upsert by external ID', () => {
  it('inserts, then updates changed rows and inserts new ones, one clean job each', async () => {
    const o = await start();
    const sink = sinkFor(o.connection);
    const progress: string[] = [];
    const first = snapshots(9, ACCOUNTS);
    const r1 = await sink.upsert(SNAPSHOT_OBJECT, KEY, first, (m) => progress.push(m));
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, first, r1)).toEqual({ ok: 9, failed: 0 });
    expect(r1.every((r) => r.created === true && /^a/.test(r.id ?? ''))).toBe(true);
    expect(callsByKind(o.double)).toEqual(CLEAN_JOB);
    expect(progress.join('\n')).toMatch(/job 750\w+ JobComplete: 9 written \(9 created, 0 updated\), 0 failed/);

    o.double.clearCalls();
    const second = [...snapshots(3, ACCOUNTS, 5), ...snapshots(12, ACCOUNTS).slice(9)];
    const r2 = await sink.upsert(SNAPSHOT_OBJECT, KEY, second);
    expectAccounted(o, SNAPSHOT_OBJECT, KEY, second, r2, first.slice(3).map(keyOf));
    expect(r2.map((r) => r.created)).toEqual([false, false, false, true, true, true]);
    // an update keeps the record Id
    expect(r2[0]?.id).toBe(r1[0]?.id);
    expect(callsByKind(o.double)).toEqual(CLEAN_JOB);
    expect(o.double.records(SNAPSHOT_OBJECT)).toHaveLength(12);
  });

  it('a re-run with the same rows writes them again as updates: nothing lost, nothing duplicated', async () => {
    const o = await start();
    const sink = sinkFor(o.connection);
    const rows = snapshots(6, ACCOUNTS);
    await sink.upsert(SNAPSHOT_OBJECT, KEY, rows);
    const again = await sink.upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, again)).toEqual({ ok: 6, failed: 0 });
    expect(again.every((r) => r.created === false)).toBe(true);
    expect(o.double.records(SNAPSHOT_OBJECT)).toHaveLength(6);
    expect(callsByKind(o.double)).toEqual(Object.fromEntries(Object.entries(CLEAN_JOB).map(([k, v]) => [k, 2 * v])));
  });

  it('fails a row whose account key is unknown with the org message, and writes the others', async () => {
    const o = await start();
    const rows = snapshots(6, [...ACCOUNTS, 'NOPE']);
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 5, failed: 1 });
    expect(results[3]).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^INVALID_FIELD:Foreign key external ID: NOPE not found for field Usage_Account_Key__c in entity Account/
      )
    });
    // one more read (failedResults) and no more: unprocessedrecords is not needed once every row is found
    expect(callsByKind(o.double)).toEqual({ ...CLEAN_JOB, 'ingest.failedResults': 1 });
  });

  it('settles rows that cannot be sent without sending them: empty key, key repeated, row too big', async () => {
    const o = await start();
    const rows: SObjectRow[] = snapshots(4, ACCOUNTS);
    rows.push({ ...rows[0], [KEY]: '' });
    rows.push({ ...rows[1] });
    rows.push({ ...rows[2], [SNAPSHOT_FIELDS.name]: 'x'.repeat(900) });
    rows[2] = { ...rows[2], [KEY]: 'BIG|2026-W10' };
    const results = await sinkFor(o.connection, { maxJobBytes: 600 }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, false, false, false]);
    expect(results[4]?.error).toBe('Snapshot_Key__c is empty: the row cannot be upserted by external ID');
    expect(results[1]?.error).toMatch(/appears 2 times in this upsert \(rows 2, 6\); none was sent/);
    expect(results[6]?.error).toMatch(/^the row is \d+ bytes of CSV, more than one Bulk job takes \(600 bytes\)/);
    // the three rows that could be sent fit one job
    expect(callsByKind(o.double)).toEqual(CLEAN_JOB);
  });

  it('writes values with commas, quotes, line breaks, ; | ^ ` tabs and non-ASCII exactly, and numbers as decimals', async () => {
    const o = await start();
    const tricky = 'Acme, "EMEA"; a|b^c`d\te\nsecond line — Zürich ✓';
    const rows = snapshots(2, ACCOUNTS).map((r, i) => ({
      ...r,
      [SNAPSHOT_FIELDS.name]: `${tricky} ${i}`,
      [SNAPSHOT_FIELDS.share]: i === 0 ? 1e-7 : 0.123456
    }));
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results);
    const stored = o.double.records(SNAPSHOT_OBJECT);
    expect(stored.map((r) => r.Name)).toEqual([`${tricky} 0`, `${tricky} 1`]);
    expect(stored.map((r) => r.AI_Resolution_Share__c)).toEqual(['0.0000001', '0.123456']);
    expect(callsByKind(o.double)).toEqual(CLEAN_JOB);
  });

  it('leaves columns a row does not name alone, in the same job (trigger updates keep Status__c)', async () => {
    const o = await start();
    const full: SObjectRow = {
      [TRIGGER_FIELDS.key]: 'ACME|2026-W10',
      [TRIGGER_FIELDS.name]: 'ACME 2026-W10',
      [TRIGGER_FIELDS.account]: 'ACME',
      [TRIGGER_FIELDS.status]: 'Shadow',
      [TRIGGER_FIELDS.isoWeek]: '2026-W10'
    };
    const sink = sinkFor(o.connection);
    // the trigger as a person left it after deciding on it
    await sink.upsert(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [{ ...full, [TRIGGER_FIELDS.status]: 'Dismissed' }]);
    o.double.clearCalls();
    const { [TRIGGER_FIELDS.status]: _status, ...owned } = full;
    const rows = [
      { ...owned, [TRIGGER_FIELDS.name]: 'renamed' },
      { ...full, [TRIGGER_FIELDS.key]: 'GLOBEX|2026-W10', [TRIGGER_FIELDS.account]: 'GLOBEX' }
    ];
    const results = await sink.upsert(TRIGGER_OBJECT, TRIGGER_FIELDS.key, rows);
    expectAccounted(o, TRIGGER_OBJECT, TRIGGER_FIELDS.key, rows, results);
    expect(callsByKind(o.double)).toEqual(CLEAN_JOB);
    expect(o.double.records(TRIGGER_OBJECT).map((r) => [r.Name, r.Status__c])).toEqual([
      ['renamed', 'Dismissed'],
      ['ACME 2026-W10', 'Shadow']
    ]);
  });

  it('makes no API call for no rows', async () => {
    const o = await start();
    expect(await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, [])).toEqual([]);
    expect(o.double.callCount()).toBe(0);
  });
});

describe('clearing a field in the org', () => {
  it('a field a row names as null is cleared; a field the row does not name is left as it is', async () => {
    const o = await start();
    const sink = sinkFor(o.connection);
    const [a, b] = snapshots(2, ACCOUNTS);
    await sink.upsert(SNAPSHOT_OBJECT, KEY, [a!, b!]);
    const F = SNAPSHOT_FIELDS;
    const results = await sink.upsert(SNAPSHOT_OBJECT, KEY, [
      { [KEY]: a![KEY]!, [F.account]: a![F.account]!, [F.ticketsTotal]: null },
      { [KEY]: b![KEY]!, [F.account]: b![F.account]!, [F.aiResolved]: 7 }
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const stored = new Map(o.double.records(SNAPSHOT_OBJECT).map((r) => [String(r[KEY]), r]));
    expect(stored.get(String(a![KEY]))?.[F.ticketsTotal]).toBeNull();
    expect(String(stored.get(String(b![KEY]))?.[F.ticketsTotal])).toBe(String(b![F.ticketsTotal]));
    expect(String(stored.get(String(b![KEY]))?.[F.aiResolved])).toBe('7');
  });
});

describe('jobs of at most maxJobBytes of CSV', () => {
  it('splits rows into several jobs, each upload within the limit, all rows accounted for', async () => {
    const o = await start();
    const rows = snapshots(40, ACCOUNTS);
    const results = await sinkFor(o.connection, { maxJobBytes: 2_000 }).upsert(SNAPSHOT_OBJECT, KEY, rows);
    expect(expectAccounted(o, SNAPSHOT_OBJECT, KEY, rows, results)).toEqual({ ok: 40, failed: 0 });
    const uploads = o.double.calls.filter((c) => c.kind === 'ingest.upload');
    expect(uploads.length).toBeGreaterThan(2);
    for (const u of uploads) expect(u.requestBytes).toBeLessThanOrEqual(2_000);
    const jobs = uploads.length;
    expect(new Set(results.map((r) => r.jobId)).size).toBe(jobs);
    expect(callsByKind(o.double)).toEqual(Object.fromEntries(Object.entries(CLEAN_JOB).map(([k, v]) => [k, v * jobs])));
  });
});
