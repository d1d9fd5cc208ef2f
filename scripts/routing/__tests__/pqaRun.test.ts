import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { runGtm } from '../../test-support/runGtm';
import { loadPool, loadPqaAccounts, planPqa, simulate, writeSignals } from '../pqaRun';

const policy = loadPolicyFile();
const AS_OF = '2026-03-23T09:00:00Z';

/** The real CLI in a child process: slow on a busy machine (a limit, not an assertion). */
const CLI_TIMEOUT = 120_000;

describe('PQA sync and routing simulate over the local store', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-pqa-'));
    file = path.join(dir, 'store.duckdb');
    const store = await LocalStore.open(file, loadSchema());
    try {
      const accounts: [string, string, string | null, boolean, number[]][] = [
        // id, key, segment, target, AI-resolved tickets in W10, W11, W12
        ['001A', 'acme', 'Enterprise', false, [10, 30, 40]],
        ['001B', 'bolt', 'Enterprise', false, [5, 8, 26]],
        ['001C', 'cove', 'SMB', false, [90, 90, 90]],
        ['001D', 'dune', 'Enterprise', false, [50, 50, 50]],
        ['001E', 'echo', 'Enterprise', true, [31, 31, 31]]
      ];
      for (const [id, key, segment, target, ai] of accounts) {
        await store.db.run(
          `INSERT INTO "Account" ("Id", "Name", "Usage_Account_Key__c", "GTM_Segment__c", "GTM_Target_Account__c") VALUES ($id, $name, $key, $segment, $target)`,
          { id, name: key.toUpperCase(), key, segment, target }
        );
        for (const [i, n] of ai.entries())
          await store.db.run(
            `INSERT INTO "Usage_Snapshot__c" ("Id", "Account__c", "Snapshot_Key__c", "ISO_Week__c", "Week_Start__c", "AI_Resolved__c", "Tickets_Total__c")
             VALUES ($id, $account, $snap, $week, CAST($start AS DATE), $ai, $ai)`,
            {
              id: `a01${id}${i}`,
              account: id,
              snap: `${key}|W${10 + i}`,
              week: `2026-W${10 + i}`,
              start: ['2026-03-02', '2026-03-09', '2026-03-16'][i]!,
              ai: n
            }
          );
      }
      // fern has no usage key: no snapshot is hers, so qualification cannot judge her (named, not dropped)
      await store.db.run(
        `INSERT INTO "Account" ("Id", "Name", "GTM_Segment__c") VALUES ('001F', 'Fern Unkeyed', 'Enterprise')`
      );
      // dune has a pilot-stage opportunity open: not a PQA
      await store.db.run(
        `INSERT INTO "Opportunity" ("Id", "Name", "AccountId", "StageName") VALUES ('006D', 'Dune pilot', '001D', $stage)`,
        {
          stage: policy.text('Stage_Pilot')
        }
      );
      for (const [i, user] of ['005U1', '005U2'].entries())
        await store.db.run(
          `INSERT INTO "Routing_Pool_Member__c" ("Id", "Member_Key__c", "Pool_Key__c", "User__c", "Sort_Order__c", "Weight__c", "Active__c", "After_Hours_Allowed__c", "Fallback_Queue__c")
           VALUES ($id, $key, 'enterprise', $user, $ord, 1, true, false, 'PQA_Fallback')`,
          { id: `a0E${i}`, key: `enterprise|${user}`, user, ord: i + 1 }
        );
    } finally {
      await store.close();
    }
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('plans qualification and arms, pairs the target account, and writes each signal once', async () => {
    const store = await LocalStore.open(file, loadSchema());
    try {
      const plan = planPqa(await loadPqaAccounts(store, policy), policy, AS_OF.slice(0, 10));
      expect(plan.map((p) => [p.accountKey, p.qualification.week, p.arm, p.matched, p.pairKey])).toEqual([
        ['acme', '2026-W11', 'Control', true, 'echo'],
        ['bolt', '2026-W12', expect.stringMatching(/^(Treatment|Control)$/), false, null],
        ['cove', null, null, false, null],
        ['dune', null, null, false, null],
        ['echo', '2026-W10', 'Treatment', true, 'acme']
      ]);
      expect(plan.find((p) => p.accountKey === 'dune')!.qualification.reason).toBe(
        'has an open opportunity at or beyond Stage_Pilot'
      );
      expect(await writeSignals(store, plan)).toBe(3);
      expect(await writeSignals(store, plan)).toBe(0);
      // once stored, the same week is not a new PQA; the next complete week would be inside the open window
      const again = planPqa(await loadPqaAccounts(store, policy), policy, '2026-03-30');
      expect(again.find((p) => p.accountKey === 'acme')!.qualification.reason).toBe(
        '2026-W12 meets the thresholds inside the open outcome window of 2026-W11'
      );
    } finally {
      await store.close();
    }
  });

  it(
    'simulate routes treatment, shadows control, explains each row and writes nothing',
    async () => {
      const before = fs.readFileSync(file);
      const store = await LocalStore.open(file, loadSchema());
      let rows;
      try {
        const accounts = await loadPqaAccounts(store, policy);
        rows = simulate(
          planPqa(accounts, policy, '2026-03-23'),
          accounts,
          await loadPool(store.db, 'enterprise'),
          policy,
          AS_OF
        );
      } finally {
        await store.close();
      }
      // bolt's arm is the hash draw; when it is treated it takes the first member and echo the second
      const bolt = rows.find((r) => r.accountKey === 'bolt')!;
      const echo = rows.find((r) => r.accountKey === 'echo')!;
      expect(echo).toMatchObject({ outcome: 'routed', owner: bolt.arm === 'Treatment' ? '005U2' : '005U1' });
      expect(echo.reason).toMatch(/^stored signal 2026-W10 waits for routing .*; lowest load 0\.0000 = \(0 - 0\) \/ 1/);
      expect(rows.find((r) => r.accountKey === 'acme')).toMatchObject({ outcome: 'shadow (control)' });
      expect(rows.find((r) => r.accountKey === 'cove')).toMatchObject({ outcome: 'not a PQA' });
      const cli = runGtm(['routing', 'simulate', '--as-of', AS_OF, '--store', file]);
      expect(cli.code).toBe(0);
      expect(cli.stdout).toContain('Dry run (nothing written)');
      expect(cli.stdout).toMatch(/echo\s+Treatment\s+routed\s+005U[12]/);
      const store2 = await LocalStore.open(file, loadSchema());
      try {
        const n = (
          await store2.db.runAndReadAll('SELECT count(*) AS n FROM "Routing_Assignment__c"')
        ).getRowObjects()[0]!.n;
        expect(Number(n)).toBe(0);
      } finally {
        await store2.close();
      }
      expect(before.length).toBeGreaterThan(0);
    },
    CLI_TIMEOUT
  );

  it(
    'pqa sync counts and names the accounts it cannot judge (no usage key)',
    () => {
      const r = runGtm(['pqa', 'sync', '--dry-run', '--json', '--as-of', AS_OF, '--store', file]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { accounts: number; not_judged: unknown[] };
      expect(out.accounts).toBe(5);
      expect(out.not_judged).toEqual([{ id: '001F', name: 'Fern Unkeyed', reason: 'no Usage_Account_Key__c' }]);
      const text = runGtm(['pqa', 'sync', '--dry-run', '--as-of', AS_OF, '--store', file]);
      expect(text.stdout).toContain('1 account(s) not judged: no Usage_Account_Key__c');
      expect(text.stdout).toContain('Fern Unkeyed');
    },
    CLI_TIMEOUT
  );

  it(
    'simulate names a missing pool',
    () => {
      const r = runGtm(['routing', 'simulate', '--pool', 'smb', '--store', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--pool smb has no members in the store (pools: enterprise)');
    },
    CLI_TIMEOUT
  );

  it(
    'simulate on a store without any pool member says so as an input error (exit 1, not a usage error)',
    async () => {
      const empty = path.join(path.dirname(file), 'no-pools.duckdb');
      await (await LocalStore.open(empty, loadSchema())).close();
      const r = runGtm(['routing', 'simulate', '--store', empty]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the store has no Routing_Pool_Member__c rows: no pool to route to');
    },
    CLI_TIMEOUT
  );
});

describe('qualification with product events', () => {
  let dir: string;
  let store: LocalStore;
  const minAgents = policy.integer('Pqa_Min_Active_Agents');
  const minAi = policy.integer('Pqa_Min_Ai_Resolved_Week');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-pqa-agents-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    for (const [id, key] of [
      ['001A', 'acme'],
      ['001C', 'cove']
    ] as const) {
      await store.db.run(
        `INSERT INTO "Account" ("Id", "Name", "Usage_Account_Key__c", "GTM_Segment__c") VALUES ($id, $key, $key, 'Enterprise')`,
        { id, key }
      );
      for (const [i, week] of ['2026-W11', '2026-W12'].entries())
        await store.db.run(
          `INSERT INTO "Usage_Snapshot__c" ("Id", "Account__c", "Snapshot_Key__c", "ISO_Week__c", "Week_Start__c", "AI_Resolved__c", "Tickets_Total__c")
           VALUES ($id, $account, $snap, $week, CAST($start AS DATE), $ai, $ai)`,
          {
            id: `a01${id}${i}`,
            account: id,
            snap: `${key}|${week}`,
            week,
            start: ['2026-03-09', '2026-03-16'][i]!,
            ai: minAi + 10
          }
        );
    }
    // acme's product reports: too few active agents in W11, enough in W12 (the later report of W12 wins)
    const report = (eventId: string, week: string, agents: number, at: string) =>
      store.db.run(
        `INSERT INTO "Funnel_Event__c" ("Id", "Event_Id__c", "Event_Name__c", "Account__c", "ISO_Week__c", "Active_Agents__c", "Occurred_At__c")
         VALUES ($id, $id, 'Agent Activity Reported', '001A', $week, $agents, CAST($at AS TIMESTAMP))`,
        { id: eventId, week, agents, at }
      );
    await report('ev1', '2026-W11', minAgents - 1, '2026-03-16 01:00:00');
    await report('ev2', '2026-W12', minAgents - 1, '2026-03-23 01:00:00');
    await report('ev3', '2026-W12', minAgents + 2, '2026-03-23 02:00:00');
  });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds reported weeks to the active-agents threshold; a week without a report only to the tickets', async () => {
    const plan = planPqa(await loadPqaAccounts(store, policy), policy, '2026-03-30');
    const acme = plan.find((p) => p.accountKey === 'acme')!;
    expect(acme.qualification.week).toBe('2026-W12');
    expect(acme.qualification.evidence).toContainEqual({
      metric: 'active agents',
      value: minAgents + 2,
      threshold: minAgents,
      met: true
    });
    const cove = plan.find((p) => p.accountKey === 'cove')!;
    expect(cove.qualification.week).toBe('2026-W11');
    expect(cove.qualification.evidence).toContainEqual({
      metric: 'active agents',
      value: null,
      threshold: minAgents,
      met: true
    });
  });
});
