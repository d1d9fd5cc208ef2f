/**
 * The API budget at scale: a full sync of 500,000 snapshots (read what the org stores, write the snapshots and
 * the triggers) must take at most 25 API calls, whatever the row count, because rows travel in Bulk jobs (about
 * 31 MB of CSV: one job) and results are read in one request per set. A second sync reads the 500k stored rows
 * back in one result page and writes only a delta.
 */
import { SNAPSHOT_FIELDS, SNAPSHOT_OBJECT, TRIGGER_FIELDS, TRIGGER_OBJECT, type SObjectRow } from '../../records';
import { callsByKind, keyOf, sinkFor, snapshots, startOrg, type TestOrg } from './helpers';

jest.setTimeout(180_000);

const ROWS = 500_000;
const ACCOUNTS = Array.from({ length: 10_000 }, (_, i) => `ACC${String(i).padStart(5, '0')}`);
const COMPARED = [
  SNAPSHOT_FIELDS.ticketsTotal,
  SNAPSHOT_FIELDS.aiResolved,
  SNAPSHOT_FIELDS.humanResolved,
  SNAPSHOT_FIELDS.unresolved,
  SNAPSHOT_FIELDS.account,
  SNAPSHOT_FIELDS.weekStart,
  SNAPSHOT_FIELDS.isoWeek
];
/**
 * Per sync: two query jobs (create, two polls, one result page each) and two ingest jobs (create, upload, close,
 * two polls, successfulResults each). The double answers InProgress to the first poll of every job; a real org
 * takes more polls on a long job (backoff to one a minute: about 13 for a 10-minute job).
 */
const SYNC_CALLS = {
  'query.create': 2,
  'query.info': 4,
  'query.results': 2,
  'ingest.create': 2,
  'ingest.upload': 2,
  'ingest.close': 2,
  'ingest.info': 4,
  'ingest.successfulResults': 2
};
let org: TestOrg | undefined;
afterAll(async () => {
  await org?.double.close();
});

function triggers(count: number): SObjectRow[] {
  return Array.from({ length: count }, (_, i) => ({
    [TRIGGER_FIELDS.key]: `${ACCOUNTS[i]}|2026-W20`,
    [TRIGGER_FIELDS.name]: `${ACCOUNTS[i]} 2026-W20`,
    [TRIGGER_FIELDS.account]: ACCOUNTS[i] as string,
    [TRIGGER_FIELDS.status]: 'Shadow',
    [TRIGGER_FIELDS.isoWeek]: '2026-W20'
  }));
}

/** What the sync does against a sink, in shadow mode: two loads, two upserts of what changed. */
async function sync(o: TestOrg, rows: readonly SObjectRow[], triggerRows: readonly SObjectRow[]) {
  const retries: string[] = [];
  const sink = sinkFor(o.connection, { onProgress: (m) => void (/; attempt \d/.test(m) && retries.push(m)) });
  o.double.clearCalls();
  const started = Date.now();
  const stored = await sink.load(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, COMPARED);
  await sink.load(TRIGGER_OBJECT, TRIGGER_FIELDS.key, [TRIGGER_FIELDS.account, TRIGGER_FIELDS.isoWeek]);
  const changed = rows.filter((r) => {
    const old = stored.get(keyOf(r));
    return !old || COMPARED.some((f) => String(old[f] ?? '') !== String(r[f] ?? ''));
  });
  const written = await sink.upsert(SNAPSHOT_OBJECT, SNAPSHOT_FIELDS.key, changed);
  const triggerResults = await sink.upsert(TRIGGER_OBJECT, TRIGGER_FIELDS.key, triggerRows);
  // the sink counts what it sent; a request that never reached the double (a reset keep-alive socket on a loaded
  // machine) counts here only, and is always followed by a retry
  const unseen = sink.apiRequests - o.double.callCount();
  expect({ unseen, retries }).toEqual({ unseen: expect.any(Number), retries: expect.any(Array) });
  expect(unseen).toBeGreaterThanOrEqual(0);
  expect(unseen).toBeLessThanOrEqual(retries.length);
  return {
    retries,
    sent: sink.apiRequests,
    stored,
    changed,
    written,
    triggerResults,
    calls: o.double.callCount(),
    byKind: callsByKind(o.double),
    seconds: (Date.now() - started) / 1000
  };
}

it(`a full sync of ${ROWS.toLocaleString('en-US')} snapshots takes at most 25 API calls, and so does the next`, async () => {
  org = await startOrg({}, ACCOUNTS);
  const o = org;
  const rows = snapshots(ROWS, ACCOUNTS);

  const first = await sync(o, rows, triggers(2_000));
  expect(first.stored.size).toBe(0);
  expect(first.written).toHaveLength(ROWS);
  expect(first.written.every((r) => r.ok && r.created)).toBe(true);
  expect(first.triggerResults.every((r) => r.ok)).toBe(true);
  expect(first.calls).toBeLessThanOrEqual(25);
  expect(first.sent).toBeLessThanOrEqual(25);
  expect(first.byKind).toEqual(SYNC_CALLS);
  const stored = o.double.records(SNAPSHOT_OBJECT);
  expect(stored).toHaveLength(ROWS);
  // spot checks: the last row, values and the master-detail resolved through the usage key
  const last = rows[ROWS - 1] as SObjectRow;
  const record = stored.find((r) => r[SNAPSHOT_FIELDS.key] === keyOf(last));
  expect(record?.Account__c).toBe(o.accountIds.get(String(last[SNAPSHOT_FIELDS.account])));
  expect(record?.Tickets_Total__c).toBe(String(last[SNAPSHOT_FIELDS.ticketsTotal]));

  // next week's sync: 1,000 snapshots changed, everything else unchanged
  const next = rows.map((r, i) => (i % 500 === 0 ? { ...r, [SNAPSHOT_FIELDS.ticketsTotal]: 1_000_000 } : r));
  const second = await sync(o, next, triggers(2_100));
  expect(second.stored.size).toBe(ROWS);
  expect(second.changed).toHaveLength(1_000);
  expect(second.written.every((r) => r.ok && r.created === false)).toBe(true);
  expect(second.calls).toBeLessThanOrEqual(25);
  expect(second.sent).toBeLessThanOrEqual(25);
  expect(second.byKind).toEqual(SYNC_CALLS);
  expect(o.double.records(SNAPSHOT_OBJECT)).toHaveLength(ROWS);

  for (const [name, r] of Object.entries({ first, second })) {
    process.stdout.write(
      `500k sync, ${name}: ${r.calls} calls answered (${r.sent} sent) in ${r.seconds.toFixed(1)} s ` +
        `${JSON.stringify(r.byKind)}${r.retries.length ? `; retried: ${r.retries.join(' | ')}` : ''}\n`
    );
  }
});
