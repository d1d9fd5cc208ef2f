/**
 * What the sink says about the org and its requests: every request counted (the policy query too), an HTML page
 * from a gateway reported by its status and title (never its markup), and the API version chosen from what the org
 * serves rather than assumed.
 */
import { OrgError } from '../../../lib/errors';
import { SNAPSHOT_FIELDS, SNAPSHOT_OBJECT } from '../../records';
import { BulkInterruptedError } from '../errors';
import { sinkFor, snapshots, startOrg, type TestOrg } from './helpers';

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

const GATEWAY_PAGE = [
  '<!DOCTYPE html>',
  '<html><head><title>502 Bad Gateway</title>',
  '<style>body { font-family: sans-serif; } h1 { color: #c00; }</style>',
  '<script>window.location.reload(true);</script></head>',
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>'
].join('\n');

describe('api_requests counts every request', () => {
  it('the policy query (REST, every page) counts like the Bulk requests', async () => {
    const o = await start({ restQueryPageSize: 2 });
    o.double.seed(
      'GTM_Policy__mdt',
      ['A', 'B', 'C'].map((n) => ({ DeveloperName: n, Value__c: '1' }))
    );
    const sink = sinkFor(o.connection);
    const rows = await sink.queryAll('SELECT DeveloperName, Value__c FROM GTM_Policy__mdt');
    expect(rows.map((r) => [r.DeveloperName, r.Value__c])).toEqual([
      ['A', '1'],
      ['B', '1'],
      ['C', '1']
    ]);
    expect(o.double.callCount({ kind: 'rest.query' })).toBe(1);
    expect(o.double.callCount({ kind: 'rest.queryMore' })).toBe(1);
    await sink.upsert(SNAPSHOT_OBJECT, KEY, snapshots(3, ACCOUNTS));
    expect(sink.apiRequests).toBe(o.double.callCount());
  });
});

describe('an HTML page instead of the API answer', () => {
  it('a gateway 502 page: the error says the status and the page title, not the markup', async () => {
    const o = await start({ faults: { createJob: { status: 502, times: 10, html: GATEWAY_PAGE } } });
    const err = await sinkFor(o.connection)
      .upsert(SNAPSHOT_OBJECT, KEY, snapshots(3, ACCOUNTS))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkInterruptedError);
    expect((err as Error).message).toBe(
      'writing Usage_Snapshot__c into "test-org" stopped: the org kept failing ' +
        '(create a Bulk job for Usage_Snapshot__c: HTTP 502 HTTP_502: an HTML page: 502 Bad Gateway)'
    );
  });

  it('a proxy refusing with a page: each row fails with the status and a short clean text', async () => {
    const page =
      '<html><body>\n  <h2>Access   denied</h2>\n<p>Your request was blocked &amp; logged.</p></body></html>';
    const o = await start({ faults: { createJob: { status: 403, times: 1, html: page } } });
    const results = await sinkFor(o.connection).upsert(SNAPSHOT_OBJECT, KEY, snapshots(2, ACCOUNTS));
    expect(results.map((r) => r.error)).toEqual(
      Array(2).fill(
        'the Bulk API refused the job: HTTP_403: an HTML page: Access denied Your request was blocked & logged.'
      )
    );
  });
});

describe('the API version is the highest both the project and the org know', () => {
  it('an org on an older release: 404 under the project version, so the sink moves to the org highest', async () => {
    const o = await start({ apiVersions: ['55.0', '56.0', '57.0', '58.0'] });
    const sink = sinkFor(o.connection);
    // what the CLI did before: the project's version, which this org does not serve
    await expect(sink.load(SNAPSHOT_OBJECT, KEY, [])).rejects.toThrow(/HTTP 404 NOT_FOUND/);
    await expect(sink.useApiVersion('65.0')).resolves.toEqual({ version: '58.0', wanted: '65.0', orgHighest: '58.0' });
    expect(sink.apiVersion).toBe('58.0');
    o.double.clearCalls();
    await sink.upsert(SNAPSHOT_OBJECT, KEY, snapshots(3, ACCOUNTS));
    expect((await sink.load(SNAPSHOT_OBJECT, KEY, [])).size).toBe(3);
    expect(o.double.calls.every((c) => c.path.startsWith('/services/data/v58.0/'))).toBe(true);
  });

  it('an org on a newer release: the project version; an org below Bulk API 2.0 queries: a clear error', async () => {
    const newer = await start({ apiVersions: ['64.0', '65.0', '66.0'] });
    const sink = sinkFor(newer.connection);
    await expect(sink.useApiVersion('65.0')).resolves.toEqual({ version: '65.0', wanted: '65.0', orgHighest: '66.0' });
    expect(sink.apiRequests).toBe(1);
    await newer.double.close();

    const old = await start({ apiVersions: ['45.0', '46.0'] });
    const err = await sinkFor(old.connection)
      .useApiVersion('65.0')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgError);
    expect((err as Error).message).toBe(
      '"test-org" serves API versions up to 46.0; the usage sync needs 47.0 or later (Bulk API 2.0 queries)'
    );
    await old.double.close();

    const ahead = await start({ apiVersions: ['66.0', '67.0'] });
    await expect(sinkFor(ahead.connection).useApiVersion('65.0')).rejects.toThrow(
      '"test-org" serves API versions 66.0 to 67.0, none at or below the project\'s 65.0'
    );
  });
});
