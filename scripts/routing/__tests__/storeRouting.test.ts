import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { policyFromValues } from '../../rules/ruleSupport';
import { LocalStore } from '../../store/localStore';
import { touchesOf } from '../sweep';
import { ownerTaskSubject, routeInStore, type RaceHooks, type RoutingRequest } from '../storeRouting';

const policy = policyFromValues({
  Routing_Window_Days: '28',
  Exp001_First_Touch_Sla_Hours: '4',
  Exp001_Sla_Warning_Pct: '75',
  Exp001_Sla_Reassign_Multiple: '2',
  Exp001_Reliability_Minutes: '5'
});
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
      [
        'Failed',
        'escalated to the fallback queue enterprise fallback queue: no eligible member, so no owner Task',
        RACERS - 2
      ],
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

  it('a treated pick gives the owner an open follow-up Task due at the SLA due time; control and escalations none', async () => {
    const db = await store.connect();
    try {
      await routeInStore(db, request(1), policy);
      await routeInStore(db, { ...request(2), arm: 'Control' }, policy);
      await routeInStore(db, request(3), policy);
      await routeInStore(db, request(4), policy); // both members at their cap of 1: escalated
      const rows = (
        await store.db.runAndReadAll(
          `SELECT a."Assignment_Key__c" AS key, a."Owner_Task_Id__c" AS task, strftime(a."Owner_Task_At__c", '%Y-%m-%dT%H:%M:%SZ') AS taskAt,
                  strftime(a."SLA_Due_At__c", '%Y-%m-%dT%H:%M:%SZ') AS due, a."Workflow_Result__c" AS w, a."Workflow_Failure__c" AS f,
                  t."OwnerId" AS taskOwner, a."Assigned_Owner__c" AS owner, t."WhatId" AS what, t."Subject" AS subject,
                  t."TaskSubtype" AS subtype, t."IsClosed" AS closed, strftime(t."ActivityDate", '%Y-%m-%d') AS day
             FROM "Routing_Assignment__c" a LEFT JOIN "Task" t ON t."Id" = a."Owner_Task_Id__c" ORDER BY 1`
        )
      ).getRowObjects();
      expect(rows.map((r) => [r.key, r.w])).toEqual([
        ['acct-1|2026-W11', 'OK'],
        ['acct-2|2026-W11', null],
        ['acct-3|2026-W11', 'OK'],
        ['acct-4|2026-W11', 'Failed']
      ]);
      const [first, control, , escalated] = rows;
      // 15:00Z on a Tuesday, all-day default hours: due 4 hours later
      expect(first).toMatchObject({
        taskOwner: 'u1',
        owner: 'u1',
        what: '001L1',
        due: '2026-03-10T19:00:00Z',
        day: '2026-03-10',
        taskAt: '2026-03-10T15:00:00Z',
        subtype: 'Task',
        closed: false,
        subject: ownerTaskSubject('2026-03-10T19:00:00Z'),
        f: null
      });
      expect(first!.subject).toBe(
        'Reach out: product-qualified account (exp-001), first touch due 2026-03-10 19:00 UTC'
      );
      expect(control!.task).toBeNull();
      expect(escalated!.task).toBeNull();
      expect(escalated!.f).toMatch(/^escalated to the fallback queue /);
      expect(Number((await store.db.runAndReadAll(`SELECT count(*) AS n FROM "Task"`)).getRowObjects()[0]!.n)).toBe(2);
      // the open to-do is not a first touch: the SLA sweep finds none on the account
      expect(await touchesOf(store, ['001L1'], '2026-03-11T00:00:00Z')).toEqual([]);
    } finally {
      db.closeSync();
    }
  });

  it('a Task that comes later than the reliability minutes after the signal is a workflow failure', async () => {
    const db = await store.connect();
    try {
      await routeInStore(db, { ...request(1), signalAt: '2026-03-10T14:50:00Z' }, policy);
      const row = (
        await store.db.runAndReadAll(
          `SELECT "Workflow_Result__c" AS w, "Workflow_Failure__c" AS f FROM "Routing_Assignment__c"`
        )
      ).getRowObjects()[0]!;
      expect([row.w, row.f]).toEqual([
        'Failed',
        'owner Task created 10 minutes after the signal, over the 5-minute limit'
      ]);
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
