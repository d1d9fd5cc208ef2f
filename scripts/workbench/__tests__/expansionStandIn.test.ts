/**
 * The workbench stand-ins for the expansion trigger panel and the CS Ops trigger queue (expansionController.ts,
 * expansionQueueController.ts) over the sample world after the real usage sync: the queue lists every undecided
 * trigger with account, owner, age and open opportunities; decisions and snoozes from the queue persist and follow the
 * panel's rule; the panel's streak says which week fell short and why, when the next trigger can fire, which
 * opportunities can be linked, and the follow-up Task's owner and due date. Every answer is held to its contract.
 */
import { type PanelMethodName, type PanelParams, type PanelResult } from '../../contracts/panelContracts';
import { loadPolicyFile } from '../../policy/policy';
import { addDays } from '../../rules/ruleSupport';
import { mondayOnOrBefore } from '../../rules/streakRule';
import { LocalStore } from '../../store/localStore';
import { type PanelControllers } from '../controllerPort';
import { createStoreData } from '../controllers';
import { insertRecord, queryRows, updateRecord } from '../controllers/storeAccess';
import { type SampleWorld } from '../sampleWorld';

import { closeSampleWorld, contractCall, openSampleWorld, refusalOf, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

const policy = loadPolicyFile();
let opened: OpenWorld | undefined;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;

beforeAll(async () => {
  opened = await openSampleWorld('gtm-expansion-standin-', { sync: true });
  ({ world, store, controllers } = opened);
});

afterAll(async () => {
  await closeSampleWorld(opened ?? {});
});

const call = <M extends PanelMethodName>(method: M, params: PanelParams<M>): Promise<PanelResult<M>> =>
  contractCall(controllers, method, params);

async function rejects(promise: Promise<unknown>, message: RegExp) {
  expect(await refusalOf(promise)).toMatch(message);
}

const queue = () => call('GtmExpansionQueueController.getTriggerQueue', {});
const view = (accountId: string) => call('GtmExpansionTriggerController.getExpansionView', { accountId });

async function undecidedInStore(): Promise<string[]> {
  const rows = await queryRows(
    store,
    `SELECT "Id" FROM "Expansion_Trigger__c" WHERE "Status__c" IN ('Shadow', 'Open') ORDER BY "Id"`
  );
  return rows.map((r) => String(r.Id));
}

describe('the trigger queue stand-in', () => {
  it('lists every undecided trigger of the store, oldest fired week first, with account, owner and age', async () => {
    const q = await queue();
    expect(q.today).toBe(world.today);
    expect(q.playbook).toBe(policy.text('Expansion_Playbook'));
    expect(q.rows.map((r) => r.id).sort()).toEqual(await undecidedInStore());
    expect(q.rows.length).toBeGreaterThan(1);
    const starts = q.rows.map((r) => r.weekStart ?? '');
    expect(starts).toEqual([...starts].sort());
    const owners = await queryRows(
      store,
      `SELECT a."Id", u."Name" FROM "Account" a LEFT JOIN "User" u ON u."Id" = a."OwnerId"`
    );
    const ownerOf = new Map(owners.map((o) => [String(o.Id), o.Name]));
    for (const r of q.rows) {
      expect(r.ownerName).toBe(ownerOf.get(r.accountId));
      expect(r.ageDays).toBe((Date.parse(world.today) - Date.parse(r.weekStart!)) / 86_400_000);
      expect(r.snoozed).toBe(false);
    }
  });

  it("offers each account's open opportunities (not its won deals) to link", async () => {
    const q = await queue();
    const row = q.rows[0]!;
    const oppId = await insertRecord(store, 'Opportunity', {
      Name: 'Stand-in - Expansion',
      AccountId: row.accountId,
      StageName: 'Qualification',
      CloseDate: addDays(world.today, 30)
    });
    const won = await insertRecord(store, 'Opportunity', {
      Name: 'Stand-in - Won',
      AccountId: row.accountId,
      StageName: policy.text('Stage_Closed_Won'),
      CloseDate: world.today
    });
    const after = (await queue()).rows.find((r) => r.id === row.id)!;
    expect(after.opportunities.map((o) => o.id)).toContain(oppId);
    expect(after.opportunities.map((o) => o.id)).not.toContain(won);
    expect((await view(row.accountId)).openOpportunities.map((o) => o.id)).toContain(oppId);
  });

  it('accepting from the queue links the opportunity and the trigger leaves the queue; the panel shows it', async () => {
    const row = (await queue()).rows.find((r) => r.opportunities.length > 0)!;
    const opportunityId = row.opportunities[0]!.id;
    const q = await call('GtmExpansionQueueController.acceptQueuedTrigger', { triggerId: row.id, opportunityId });
    expect(q.rows.map((r) => r.id)).not.toContain(row.id);
    const t = (await view(row.accountId)).triggers.find((x) => x.id === row.id)!;
    expect(t).toMatchObject({ status: 'Accepted', expansionOpportunityId: opportunityId, canDecide: false });
  });

  it('dismissing from the queue needs a reason (the panel rule)', async () => {
    const row = (await queue()).rows[0]!;
    await rejects(
      call('GtmExpansionQueueController.dismissQueuedTrigger', { triggerId: row.id, reason: ' ' }),
      /Give a reason/
    );
    const q = await call('GtmExpansionQueueController.dismissQueuedTrigger', {
      triggerId: row.id,
      reason: 'Backlog clean-up'
    });
    expect(q.rows.map((r) => r.id)).not.toContain(row.id);
    await rejects(
      call('GtmExpansionQueueController.dismissQueuedTrigger', { triggerId: row.id, reason: 'again' }),
      /already Dismissed/
    );
  });

  it('snoozing needs a day after today, stores it and keeps the trigger undecided', async () => {
    const row = (await queue()).rows[0]!;
    await rejects(
      call('GtmExpansionQueueController.snoozeTrigger', { triggerId: row.id, snoozedUntil: world.today }),
      /after today/
    );
    const until = addDays(world.today, 14);
    const q = await call('GtmExpansionQueueController.snoozeTrigger', { triggerId: row.id, snoozedUntil: until });
    expect(q.rows.find((r) => r.id === row.id)).toMatchObject({
      snoozed: true,
      snoozedUntil: until,
      status: row.status
    });
    const t = (await view(row.accountId)).triggers.find((x) => x.id === row.id)!;
    expect(t).toMatchObject({ snoozedUntil: until, canDecide: true });
  });
});

describe('the panel stand-in', () => {
  async function accountWithTrigger(): Promise<{ accountId: string; triggerId: string; weekStart: string }> {
    for (const a of await createStoreData(store).listAccounts()) {
      const v = await view(a.id);
      if (v.latestTrigger?.canDecide && v.latestTrigger.weekStart)
        return { accountId: a.id, triggerId: v.latestTrigger.id, weekStart: v.latestTrigger.weekStart };
    }
    throw new Error('no account with an undecided latest trigger');
  }

  it('says when the next trigger can fire while the cooldown after the newest one holds', async () => {
    const { accountId, weekStart } = await accountWithTrigger();
    const v = await view(accountId);
    const next = addDays(weekStart, 7 * policy.integer('Expansion_Cooldown_Weeks'));
    const latestComplete = mondayOnOrBefore(addDays(world.today, -7));
    expect(v.streak.lastFiredWeek).toBe(v.latestTrigger!.isoWeek);
    expect(v.streak.nextFireWeekStart).toBe(next > latestComplete ? next : null);
  });

  it('names the week that broke the streak and why: volume below the minimum, share below the threshold, no tickets', async () => {
    const { accountId } = await accountWithTrigger();
    const latestComplete = mondayOnOrBefore(addDays(world.today, -7));
    const [snap] = await queryRows(
      store,
      `SELECT "Id", "ISO_Week__c", "Tickets_Total__c", "AI_Resolved__c" FROM "Usage_Snapshot__c"
       WHERE "Account__c" = $a AND "Week_Start__c" = CAST($w AS DATE)`,
      { a: accountId, w: latestComplete }
    );
    expect(snap).toBeDefined();
    const id = String(snap!.Id);
    const min = policy.integer('Expansion_Min_Weekly_Tickets');

    await updateRecord(store, 'Usage_Snapshot__c', id, { Tickets_Total__c: min - 1, AI_Resolved__c: min - 1 });
    expect((await view(accountId)).streak).toMatchObject({
      length: 0,
      shortWeek: snap!.ISO_Week__c,
      shortReason: 'below_minimum',
      shortTickets: min - 1
    });

    await updateRecord(store, 'Usage_Snapshot__c', id, { Tickets_Total__c: min * 2, AI_Resolved__c: 0 });
    expect((await view(accountId)).streak).toMatchObject({
      length: 0,
      shortReason: 'below_threshold',
      shortTickets: min * 2,
      shortShare: 0
    });

    await store.db.run(`DELETE FROM "Usage_Snapshot__c" WHERE "Id" = $id`, { id });
    expect((await view(accountId)).streak).toMatchObject({ length: 0, shortReason: 'no_tickets' });
  });

  it("shows the follow-up Task's owner and due date after an acceptance without an opportunity", async () => {
    const { accountId, triggerId } = await accountWithTrigger();
    const v = await call('GtmExpansionTriggerController.acceptTrigger', { triggerId, opportunityId: null });
    const t = v.triggers.find((x) => x.id === triggerId)!;
    const [owner] = await queryRows(
      store,
      `SELECT u."Name" FROM "Account" a JOIN "User" u ON u."Id" = a."OwnerId" WHERE a."Id" = $id`,
      { id: accountId }
    );
    expect(t.followUpTask).toMatchObject({
      id: t.followUpTaskId,
      ownerName: owner?.Name,
      dueDate: addDays(world.today, policy.integer('Expansion_Task_Due_Days')),
      status: 'Not Started'
    });
  });
});
