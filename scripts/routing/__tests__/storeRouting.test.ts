import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { policyFromValues } from '../../rules/ruleSupport';
import { LocalStore } from '../../store/localStore';
import { routeInStore, type RaceHooks, type RoutingRequest } from '../storeRouting';

const policy = policyFromValues({ Routing_Window_Days: '28' });
const RACERS = 5;

function request(i: number): RoutingRequest {
  return {
    assignmentKey: `acct-${i}|2026-W11`,
    accountId: `001L${i}`,
    arm: 'Treatment',
    poolKey: 'enterprise',
    routedAt: '2026-03-10T15:00:00Z',
    precedence: []
  };
}

/** Lets every racer go on only once all of them have read the pool (or found it locked): the worst interleaving. */
function barrier(n: number): RaceHooks {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  const arrive = () => {
    if (++arrived >= n) release();
  };
  return {
    afterRead: async () => {
      arrive();
      await all;
    },
    onLocked: arrive
  };
}

describe('routing against the local store', () => {
  let dir: string;
  let store: LocalStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-routing-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    for (const [i, user] of ['u1', 'u2'].entries())
      await store.db.run(
        `INSERT INTO "Routing_Pool_Member__c" ("Id", "Member_Key__c", "Pool_Key__c", "User__c", "Sort_Order__c", "Weight__c", "Weekly_Cap__c", "Active__c", "After_Hours_Allowed__c")
         VALUES ($id, $key, 'enterprise', $user, $ord, 1, 1, true, false)`,
        { id: `a0E${i}`, key: `enterprise|${user}`, user, ord: i + 1 }
      );
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function race(hooks: RaceHooks) {
    const connections = await Promise.all(Array.from({ length: RACERS }, () => store.connect()));
    try {
      return await Promise.all(connections.map((db, i) => routeInStore(db, request(i), policy, hooks)));
    } finally {
      for (const db of connections) db.closeSync();
    }
  }

  async function picksPerOwner() {
    const rows = (
      await store.db.runAndReadAll(
        `SELECT "Routed_Owner__c" AS owner, count(*) AS n FROM "Routing_Assignment__c" WHERE "Routed_Owner__c" IS NOT NULL GROUP BY 1 ORDER BY 1`
      )
    ).getRowObjects();
    return rows.map((r) => [String(r.owner), Number(r.n)]);
  }

  it('racing routings for one pool never pick past a weekly cap: one each, the rest escalated', async () => {
    const results = await race(barrier(RACERS));
    expect(await picksPerOwner()).toEqual([
      ['u1', 1],
      ['u2', 1]
    ]);
    expect(results.filter((r) => r.decision === 'Pool')).toHaveLength(2);
    const escalated = results.filter((r) => r.decision === 'Fallback');
    expect(escalated).toHaveLength(RACERS - 2);
    const workflow = (
      await store.db.runAndReadAll(
        `SELECT "Workflow_Result__c" AS w, "Workflow_Failure__c" AS f, count(*) AS n FROM "Routing_Assignment__c" GROUP BY 1, 2 ORDER BY 1`
      )
    ).getRowObjects();
    expect(workflow.map((r) => [r.w, r.f, Number(r.n)])).toEqual([
      ['Failed', 'no eligible member', RACERS - 2],
      ['OK', null, 2]
    ]);
    for (const r of escalated) {
      expect(r.status).toBe('Escalated');
      expect(r.candidates.map((c) => c.reason)).toEqual(['at weekly cap (1 of 1)', 'at weekly cap (1 of 1)']);
    }
  });

  it('without the lock the same race does over-pick (the test can tell)', async () => {
    await race({ ...barrier(RACERS), lock: false });
    expect(await picksPerOwner()).toEqual([['u1', RACERS]]);
  });

  it('control is routed in shadow: no owner, no pick, no SLA; a later treatment routing does not count it', async () => {
    const db = await store.connect();
    try {
      const shadow = await routeInStore(db, { ...request(1), arm: 'Control' }, policy);
      expect(shadow.ownerId).toBe('u1');
      const row = (
        await store.db.runAndReadAll(
          `SELECT "Assigned_Owner__c" AS owner, "Routed_Owner__c" AS routed, "SLA_Status__c" AS sla, "Decision_Reason__c" AS reason FROM "Routing_Assignment__c"`
        )
      ).getRowObjects()[0]!;
      expect([row.owner, row.routed, row.sla]).toEqual([null, null, null]);
      expect(String(row.reason)).toMatch(/^control, business as usual: would have gone to u1 \(lowest load/);
      const treated = await routeInStore(db, request(2), policy);
      expect(treated.ownerId).toBe('u1');
      expect(treated.candidates[0]).toMatchObject({ userId: 'u1', assignments: 0, weekCount: 0 });
    } finally {
      db.closeSync();
    }
  });

  it('a second routing after the first sees its pick', async () => {
    const [db] = [await store.connect()];
    try {
      const first = await routeInStore(db, request(1), policy);
      const second = await routeInStore(db, request(2), policy);
      expect([first.ownerId, second.ownerId]).toEqual(['u1', 'u2']);
      expect(second.candidates[0]).toMatchObject({
        userId: 'u1',
        assignments: 1,
        weekCount: 1,
        reason: 'at weekly cap (1 of 1)'
      });
    } finally {
      db.closeSync();
    }
  });
});
