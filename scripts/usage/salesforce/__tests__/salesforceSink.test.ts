/**
 * The sink's reads (Bulk query jobs driven step by step, CSV parsed here) and the two live-mode methods, against
 * the double through a real jsforce Connection; and connecting through the sf CLI's auth when there is none.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OrgError } from '../../../lib/errors';
import { REPO_ROOT } from '../../../lib/paths';
import { ACCOUNT_KEY_FIELD, SNAPSHOT_FIELDS, SNAPSHOT_OBJECT } from '../../records';
import { callsByKind, CLEAN_JOB, sinkFor, startOrg, VERSION, type TestOrg } from './helpers';

const KEY = SNAPSHOT_FIELDS.key;
const ACCOUNT = SNAPSHOT_FIELDS.account;
const COMPARED = [
  SNAPSHOT_FIELDS.ticketsTotal,
  SNAPSHOT_FIELDS.aiResolved,
  ACCOUNT,
  SNAPSHOT_FIELDS.weekStart,
  SNAPSHOT_FIELDS.name
];
const TRICKY = 'Acme; EMEA | "North" ^ `x`\tand, more\nlines';
let org: TestOrg | undefined;

afterEach(async () => {
  await org?.double.close();
  org = undefined;
});

/** An org holding `count` snapshots (as a previous sync left them) and one record without a key. */
async function orgWithSnapshots(count: number, options: Parameters<typeof startOrg>[0] = {}): Promise<TestOrg> {
  org = await startOrg(options);
  const acme = org.accountIds.get('ACME') as string;
  org.double.seed(SNAPSHOT_OBJECT, [
    ...Array.from({ length: count }, (_, i) => ({
      [KEY]: `ACME|2026-W${String(i + 1).padStart(2, '0')}`,
      Name: i === 0 ? TRICKY : `ACME ${i}`,
      Account__c: acme,
      Tickets_Total__c: String(100 + i),
      AI_Resolved__c: i === 1 ? null : String(40 + i),
      Week_Start__c: '2026-03-02'
    })),
    { Name: 'entered by hand, no key', Account__c: acme }
  ]);
  return org;
}

describe('load: a Bulk query job, result pages followed by Sforce-Locator', () => {
  it('reads every stored row by key, with the relationship column and values the jsforce parser would split', async () => {
    const o = await orgWithSnapshots(10);
    const sink = sinkFor(o.connection, { queryPageSize: 3 });
    const stored = await sink.load(SNAPSHOT_OBJECT, KEY, COMPARED);
    expect(stored.size).toBe(10);
    expect(stored.get('ACME|2026-W01')).toEqual({
      Tickets_Total__c: '100',
      AI_Resolved__c: '40',
      [ACCOUNT]: 'ACME',
      Week_Start__c: '2026-03-02',
      Name: TRICKY
    });
    // empty means null
    expect(stored.get('ACME|2026-W02')?.AI_Resolved__c).toBeNull();
    // 11 records (10 with a key) in pages of 3: 4 pages
    expect(callsByKind(o.double)).toEqual({ 'query.create': 1, 'query.info': 2, 'query.results': 4 });
    const pages = o.double.calls.filter((c) => c.kind === 'query.results');
    expect(pages.every((c) => /maxRecords=3/.test(c.search))).toBe(true);
    expect(pages.slice(1).every((c) => /locator=\w+/.test(c.search))).toBe(true);
  });

  it('reads everything in one page by default, and nothing from an empty org', async () => {
    const o = await orgWithSnapshots(25);
    const sink = sinkFor(o.connection);
    expect((await sink.load(SNAPSHOT_OBJECT, KEY, [ACCOUNT])).size).toBe(25);
    expect(o.double.callCount({ kind: 'query.results' })).toBe(1);
    expect(await sink.load('Expansion_Trigger__c', 'Trigger_Key__c', [ACCOUNT])).toEqual(new Map());
  });

  it('retries a poll whose connection was cut', async () => {
    const o = await orgWithSnapshots(5, { faults: { poll: { reset: true, times: 1 } } });
    const stored = await sinkFor(o.connection).load(SNAPSHOT_OBJECT, KEY, [ACCOUNT]);
    expect(stored.size).toBe(5);
    expect(callsByKind(o.double)).toEqual({ 'query.create': 1, 'query.info': 3, 'query.results': 1 });
  });

  it('an unknown field: OrgError with the org message, no retry', async () => {
    const o = await orgWithSnapshots(1, {
      fields: { Usage_Snapshot__c: [KEY, 'Account__c'], Account: [ACCOUNT_KEY_FIELD] }
    });
    const err = await sinkFor(o.connection)
      .load(SNAPSHOT_OBJECT, KEY, ['Nope__c'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrgError);
    expect((err as OrgError).message).toBe(
      `could not read Usage_Snapshot__c on "test-org": create a Bulk query job for Usage_Snapshot__c: HTTP 400 INVALID_FIELD: No such column 'Nope__c' on entity 'Usage_Snapshot__c'.`
    );
    expect(o.double.callCount()).toBe(1);
  });

  it('an expired session: OrgError telling to log in again, without the token', async () => {
    const o = await orgWithSnapshots(1, { faults: { expireSessionAfter: 1 } });
    const err = (await sinkFor(o.connection)
      .load(SNAPSHOT_OBJECT, KEY, [ACCOUNT])
      .catch((e: unknown) => e)) as OrgError;
    expect(err).toBeInstanceOf(OrgError);
    expect(err.message).toBe(
      'the session for "test-org" has expired or was revoked while trying to read Usage_Snapshot__c'
    );
    expect(err.details).toEqual(['log in again: npx sf org login web --alias test-org']);
    expect(JSON.stringify([err.message, err.details])).not.toContain(o.double.accessToken);
    expect(callsByKind(o.double)).toEqual({ 'query.create': 1, 'query.info': 1 });
  });

  it('refuses names that are not API names (nothing reaches SOQL)', async () => {
    const o = await orgWithSnapshots(1);
    await expect(
      sinkFor(o.connection).load(SNAPSHOT_OBJECT, KEY, ["Name FROM Account WHERE Name = 'x'"])
    ).rejects.toThrow(/is not a Salesforce API name/);
    expect(o.double.callCount()).toBe(0);
  });
});

describe('live mode: expansion outcomes and follow-up Tasks', () => {
  it('loadOutcomes reads opportunities of the given types by account usage key and creation time', async () => {
    org = await startOrg();
    const o = org;
    o.double.seed('Opportunity', [
      {
        Name: 'a',
        Type: 'Expansion',
        AccountId: o.accountIds.get('ACME') ?? '',
        CreatedDate: '2026-04-01T10:00:00.000Z'
      },
      {
        Name: 'b',
        Type: 'New Business',
        AccountId: o.accountIds.get('ACME') ?? '',
        CreatedDate: '2026-04-02T10:00:00.000Z'
      },
      {
        Name: 'c',
        Type: "Upsell 'plus'",
        AccountId: o.accountIds.get('GLOBEX') ?? '',
        CreatedDate: '2026-05-01T00:00:00.000+0000'
      },
      { Name: 'no account', Type: 'Expansion', CreatedDate: '2026-05-01T00:00:00.000Z' }
    ]);
    const outcomes = await sinkFor(o.connection).loadOutcomes(['Expansion', "Upsell 'plus'"]);
    expect(outcomes).toEqual([
      { accountKey: 'ACME', dateMs: Date.parse('2026-04-01T10:00:00.000Z') },
      { accountKey: 'GLOBEX', dateMs: Date.parse('2026-05-01T00:00:00.000Z') }
    ]);
    expect(callsByKind(o.double)).toEqual({ 'query.create': 1, 'query.info': 2, 'query.results': 1 });
    expect(await sinkFor(o.connection).loadOutcomes([])).toEqual([]);
  });

  it('createFollowUpTasks inserts one Task per trigger for the account owner, in one Bulk job', async () => {
    org = await startOrg();
    const o = org;
    const [owner] = o.double.seed('User', [{ Username: 'ae@acme.test' }]);
    o.double.seed('Account', [{ Name: 'Owned', [ACCOUNT_KEY_FIELD]: 'OWNED', OwnerId: owner?.Id ?? '' }]);
    const task = (key: string, accountKey: string) => ({
      key,
      accountKey,
      subject: `Expansion signal ${key}`,
      description: `Playbook for ${accountKey}, "now"`,
      dueDate: '2026-05-08'
    });
    const results = await sinkFor(o.connection).createFollowUpTasks([
      task('OWNED|2026-W18', 'OWNED'),
      task('NOPE|2026-W18', 'NOPE'),
      task('ACME|2026-W18', 'ACME')
    ]);
    expect(results).toEqual([
      { key: 'OWNED|2026-W18', ok: true, id: expect.any(String) },
      { key: 'NOPE|2026-W18', ok: false, error: 'no Account with Usage_Account_Key__c = NOPE' },
      { key: 'ACME|2026-W18', ok: true, id: expect.any(String) }
    ]);
    const tasks = o.double.records('Task');
    // no Status is sent: the org's default applies (status values differ between orgs)
    expect(tasks.map((t) => [t.Subject, t.WhatId, t.OwnerId ?? null, t.ActivityDate, t.Status ?? null])).toEqual([
      ['Expansion signal OWNED|2026-W18', expect.stringMatching(/^001/), owner?.Id, '2026-05-08', null],
      ['Expansion signal ACME|2026-W18', o.accountIds.get('ACME'), null, '2026-05-08', null]
    ]);
    expect(tasks[0]?.Description).toBe('Playbook for OWNED, "now"');
    expect(callsByKind(o.double)).toEqual({
      'query.create': 1,
      'query.info': 2,
      'query.results': 1,
      ...Object.fromEntries(Object.entries(CLEAN_JOB))
    });
  });
});

describe('connectSalesforceSink', () => {
  // Run in a child process whose HOME is an empty folder: the state of a machine that never ran the sf CLI.
  // (Inside jest, process.env is the sandbox's copy while os.homedir() reads the real one, so setting HOME here
  // would leave @salesforce/core looking at two homes at once.)
  it('on a machine with no sf CLI state: OrgError telling how to log in', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-home-'));
    const script = [
      `const { connectSalesforceSink } = await import(${JSON.stringify(path.resolve(__dirname, '../salesforceSink.ts'))});`,
      `const err = await connectSalesforceSink('acme-prod', ${JSON.stringify(VERSION)}).then(() => null, (e) => e);`,
      `console.log(JSON.stringify({ name: err?.constructor?.name, message: err?.message, details: err?.details }));`
    ].join('\n');
    const file = path.join(home, 'connect.mts');
    fs.writeFileSync(file, script);
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, HOME: home, SF_DISABLE_TELEMETRY: 'true' }
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({
        name: OrgError.name,
        message: 'no authenticated org named "acme-prod"',
        details: ['log in once with the Salesforce CLI: npx sf org login web --alias acme-prod']
      });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
