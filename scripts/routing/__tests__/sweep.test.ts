import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { InputError } from '../../lib/errors';
import { sweep } from '../sweep';

const policy = loadPolicyFile();

describe('gtm routing sweep over the local store', () => {
  let dir: string;
  let store: LocalStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sweep-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    for (const [i, user] of ['u1', 'u2'].entries())
      await store.db.run(
        `INSERT INTO "Routing_Pool_Member__c" ("Id", "Member_Key__c", "Pool_Key__c", "User__c", "Sort_Order__c", "Weight__c", "Active__c", "After_Hours_Allowed__c")
         VALUES ($id, $key, 'enterprise', $user, $ord, 1, true, true)`,
        { id: `a0E${i}`, key: `enterprise|${user}`, user, ord: i + 1 }
      );
    // routed to u1 Monday 10:00 New York; warning 13:00, due 14:00, reassignment Tuesday 10:00 (business hours)
    await store.db.run(
      `INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Arm__c", "Pool_Key__c", "Assigned_Owner__c", "Routed_Owner__c",
         "Routed_At__c", "SLA_Warning_At__c", "SLA_Due_At__c", "SLA_Reassign_At__c", "SLA_Status__c")
       VALUES ('a0D1', 'acme|2026-W48', 'Treatment', 'enterprise', 'u1', 'u1', TIMESTAMP '2026-11-23 15:00:00',
         TIMESTAMP '2026-11-23 18:00:00', TIMESTAMP '2026-11-23 19:00:00', TIMESTAMP '2026-11-24 15:00:00', 'Pending')`
    );
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const record = async () =>
    (
      await store.db.runAndReadAll(
        `SELECT "SLA_Status__c" AS status, "Assigned_Owner__c" AS owner, "Routed_Owner__c" AS routed, "Transitions__c" AS log, "Escalation_Count__c" AS esc FROM "Routing_Assignment__c"`
      )
    ).getRowObjects()[0]!;

  it('moves Pending to Warning, then Breached, keeping each transition with time and actor', async () => {
    expect(await sweep(store, policy, '2026-11-23T18:30:00Z')).toHaveLength(1);
    expect((await record()).status).toBe('Warning');
    await sweep(store, policy, '2026-11-23T19:00:00Z');
    const r = await record();
    expect(r.status).toBe('Breached');
    expect(JSON.parse(String(r.log))).toEqual([
      { from: 'Pending', to: 'Warning', at: '2026-11-23T18:00:00Z', actor: 'gtm routing sweep' },
      { from: 'Warning', to: 'Breached', at: '2026-11-23T19:00:00Z', actor: 'gtm routing sweep' }
    ]);
    expect(await sweep(store, policy, '2026-11-23T19:00:00Z')).toEqual([]);
  });

  it('at twice the SLA reassigns by the rule to another member; the pick moves, so u1 gets the turn back', async () => {
    const [change] = await sweep(store, policy, '2026-11-24T16:00:00Z');
    expect(change).toMatchObject({ from: 'Pending', to: 'Reassigned', reassignedTo: 'u2' });
    const r = await record();
    expect([r.status, r.owner, r.routed, Number(r.esc)]).toEqual(['Reassigned', 'u2', 'u2', 1]);
    // one time for the reassignment: when the sweep made it (an hour after it fell due), in the log and the routing;
    // the due time stays the due time
    expect(change!.transitions.at(-1)).toEqual({ from: 'Breached', to: 'Reassigned', at: '2026-11-24T16:00:00Z' });
    expect(JSON.parse(String(r.log)).at(-1)).toMatchObject({ to: 'Reassigned', at: '2026-11-24T16:00:00Z' });
    const times = (
      await store.db.runAndReadAll(
        `SELECT strftime("Routed_At__c", '%Y-%m-%dT%H:%M:%SZ') AS routed, strftime("SLA_Reassign_At__c", '%Y-%m-%dT%H:%M:%SZ') AS due FROM "Routing_Assignment__c"`
      )
    ).getRowObjects()[0]!;
    expect([times.routed, times.due]).toEqual(['2026-11-24T16:00:00Z', '2026-11-24T15:00:00Z']);
    const why = (
      await store.db.runAndReadAll(
        `SELECT "Candidates__c" AS c, "Decision_Reason__c" AS reason FROM "Routing_Assignment__c"`
      )
    ).getRowObjects()[0]!;
    // the reassignment's own arithmetic: only the other member was considered
    expect((JSON.parse(String(why.c)) as { userId: string }[]).map((c) => c.userId)).toEqual(['u2']);
    expect(String(why.reason)).toMatch(/^reassigned at 2x SLA: lowest load /);
  });

  it('reassignments in one run count each other: a backlog does not all go to one member', async () => {
    await store.db.run(
      `INSERT INTO "Routing_Pool_Member__c" ("Id", "Member_Key__c", "Pool_Key__c", "User__c", "Sort_Order__c", "Weight__c", "Active__c", "After_Hours_Allowed__c")
       VALUES ('a0E2', 'enterprise|u3', 'enterprise', 'u3', 3, 1, true, true)`
    );
    await store.db.run(
      `INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Arm__c", "Pool_Key__c", "Assigned_Owner__c", "Routed_Owner__c",
         "Routed_At__c", "SLA_Warning_At__c", "SLA_Due_At__c", "SLA_Reassign_At__c", "SLA_Status__c")
       VALUES ('a0D2', 'globex|2026-W48', 'Treatment', 'enterprise', 'u1', 'u1', TIMESTAMP '2026-11-23 15:00:00',
         TIMESTAMP '2026-11-23 18:00:00', TIMESTAMP '2026-11-23 19:00:00', TIMESTAMP '2026-11-24 15:00:00', 'Pending')`
    );
    const changes = await sweep(store, policy, '2026-11-24T16:00:00Z');
    expect(changes.map((c) => c.to)).toEqual(['Reassigned', 'Reassigned']);
    expect(changes.map((c) => c.reassignedTo).sort()).toEqual(['u2', 'u3']);
  });

  it('a dry run writes nothing', async () => {
    await sweep(store, policy, '2026-11-24T16:00:00Z', { dryRun: true });
    expect((await record()).status).toBe('Pending');
  });

  it('writes all or nothing: a failure on the second record leaves the first as it was', async () => {
    await store.db.run(
      `INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Arm__c", "Pool_Key__c", "Assigned_Owner__c", "Routed_Owner__c",
         "Routed_At__c", "SLA_Warning_At__c", "SLA_Due_At__c", "SLA_Reassign_At__c", "SLA_Status__c")
       SELECT 'a0D2', 'bolt|2026-W48', "Arm__c", "Pool_Key__c", "Assigned_Owner__c", "Routed_Owner__c", "Routed_At__c",
         "SLA_Warning_At__c", "SLA_Due_At__c", "SLA_Reassign_At__c", "SLA_Status__c" FROM "Routing_Assignment__c"`
    );
    const failSecond = (key: string) => {
      if (key === 'bolt|2026-W48') throw new Error('disk full (test)');
    };
    await expect(sweep(store, policy, '2026-11-23T19:00:00Z', { beforeWrite: failSecond })).rejects.toThrow(
      'disk full (test)'
    );
    const statuses = (
      await store.db.runAndReadAll(
        `SELECT "SLA_Status__c" AS s FROM "Routing_Assignment__c" ORDER BY "Assignment_Key__c"`
      )
    )
      .getRowObjects()
      .map((r) => r.s);
    expect(statuses).toEqual(['Pending', 'Pending']);
    expect(await sweep(store, policy, '2026-11-23T19:00:00Z')).toHaveLength(2);
  });

  it('a record it cannot judge is a clear input error naming the record and the field; nothing is written', async () => {
    await store.db.run(`UPDATE "Routing_Assignment__c" SET "SLA_Warning_At__c" = NULL`);
    const failure = sweep(store, policy, '2026-11-24T16:00:00Z');
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(sweep(store, policy, '2026-11-24T16:00:00Z')).rejects.toThrow(
      'Routing_Assignment__c acme|2026-W48: SLA_Warning_At__c is empty'
    );
    await store.db.run(
      `UPDATE "Routing_Assignment__c" SET "SLA_Warning_At__c" = TIMESTAMP '2026-11-23 18:00:00', "Transitions__c" = '{oops'`
    );
    await expect(sweep(store, policy, '2026-11-24T16:00:00Z')).rejects.toThrow(
      'Routing_Assignment__c acme|2026-W48: Transitions__c is not JSON'
    );
    expect((await record()).status).toBe('Pending');
  });

  describe('finds the first touch as GtmSlaSweep does', () => {
    // the assignment is on account 001A (contact 003A); another account 001B (contact 003B)
    beforeEach(async () => {
      await store.db.run(`UPDATE "Routing_Assignment__c" SET "Account__c" = '001A'`);
      await store.db.run(
        `INSERT INTO "Contact" ("Id", "Name", "AccountId") VALUES ('003A', 'Ada', '001A'), ('003B', 'Bo', '001B')`
      );
    });

    /** a Task: owner, what, who, subtype, type, closed, completed at (UTC, 'YYYY-MM-DD HH:MM:SS') */
    const task = (id: string, t: Partial<Record<string, string | boolean | null>>) =>
      store.db.run(
        `INSERT INTO "Task" ("Id", "Subject", "OwnerId", "WhatId", "WhoId", "TaskSubtype", "Type", "Status", "IsClosed", "CompletedDateTime")
         VALUES ($id, 'touch', $owner, $what, $who, $subtype, $type, $status, $closed, CAST($at AS TIMESTAMP))`,
        {
          id,
          owner: 'u1',
          what: '001A',
          who: null,
          subtype: 'Call',
          type: null,
          status: 'Completed',
          closed: true,
          at: '2026-11-23 16:00:00',
          ...t
        }
      );
    const touchOf = async () =>
      (
        await store.db.runAndReadAll(
          `SELECT "SLA_Status__c" AS status, strftime("First_Touch_At__c", '%Y-%m-%dT%H:%M:%SZ') AS at,
                  "First_Touch_Activity_Id__c" AS activity, "Assigned_Owner__c" AS owner FROM "Routing_Assignment__c"`
        )
      ).getRowObjects()[0]!;

    it("the owner's completed call on the account before due: Met at the touch, the touch and its Task kept", async () => {
      await task('00T1', {});
      const [change] = await sweep(store, policy, '2026-11-23T17:00:00Z');
      expect(change).toMatchObject({
        from: 'Pending',
        to: 'Met',
        transitions: [{ from: 'Pending', to: 'Met', at: '2026-11-23T16:00:00Z' }],
        firstTouch: { activityId: '00T1', at: '2026-11-23T16:00:00Z', byOwner: true }
      });
      expect(await touchOf()).toEqual({ status: 'Met', at: '2026-11-23T16:00:00Z', activity: '00T1', owner: 'u1' });
      expect(await sweep(store, policy, '2026-11-25T16:00:00Z')).toEqual([]);
    });

    it("an Event by the owner with one of the account's contacts counts; the earliest touch wins", async () => {
      await task('00T2', { what: null, who: '003A', subtype: null, type: 'Email', at: '2026-11-23 17:30:00' });
      await store.db.run(
        `INSERT INTO "Event" ("Id", "OwnerId", "WhatId", "WhoId", "StartDateTime")
         VALUES ('00U1', 'u1', NULL, '003A', TIMESTAMP '2026-11-23 16:30:00')`
      );
      await sweep(store, policy, '2026-11-23T18:30:00Z');
      expect(await touchOf()).toMatchObject({ status: 'Met', at: '2026-11-23T16:30:00Z', activity: '00U1' });
    });

    it('what is not a touch leaves the clock running: open, untyped, before the routing, after now, elsewhere, not the owner', async () => {
      await task('00T3', { status: 'Open', closed: false });
      await task('00T4', { subtype: 'Task', type: 'Other' });
      await task('00T5', { at: '2026-11-23 14:59:59' });
      await task('00T6', { at: '2026-11-23 18:45:00' });
      await task('00T7', { what: '001B' });
      await task('00T8', { what: null, who: '003B' });
      await task('00T9', { owner: 'u2' });
      await task('00TA', { at: null });
      const [change] = await sweep(store, policy, '2026-11-23T18:30:00Z');
      expect(change).toMatchObject({ from: 'Pending', to: 'Warning', firstTouch: null });
      expect(await touchOf()).toMatchObject({ status: 'Warning', at: null, activity: null });
      // anyone's touch counts when the policy says so (Exp001_Any_Touch_Counts)
      const anyone = Object.create(policy) as typeof policy;
      anyone.boolean = (key: string) => key === 'Exp001_Any_Touch_Counts' || policy.boolean(key);
      await sweep(store, anyone, '2026-11-23T18:40:00Z');
      expect(await touchOf()).toMatchObject({ status: 'Met', at: '2026-11-23T16:00:00Z', activity: '00T9' });
    });

    it('a touch after due is Breached and recorded, and the PQA is not reassigned at twice the SLA', async () => {
      await task('00T1', { at: '2026-11-23 20:00:00' });
      await sweep(store, policy, '2026-11-23T21:00:00Z');
      expect(await touchOf()).toEqual({
        status: 'Breached',
        at: '2026-11-23T20:00:00Z',
        activity: '00T1',
        owner: 'u1'
      });
      await sweep(store, policy, '2026-11-25T16:00:00Z');
      expect(await touchOf()).toMatchObject({ status: 'Breached', owner: 'u1' });
    });
  });

  it('a touch before due is Met and never reassigned', async () => {
    await store.db.run(`UPDATE "Routing_Assignment__c" SET "First_Touch_At__c" = TIMESTAMP '2026-11-23 16:00:00'`);
    await sweep(store, policy, '2026-11-25T16:00:00Z');
    const r = await record();
    expect([r.status, r.owner]).toEqual(['Met', 'u1']);
  });
});
