import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  contractShapes,
  panelMethods,
  type PanelMethodName,
  type PanelParams,
  type PanelResult
} from '../../contracts/panelContracts';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { addDays } from '../../rules/ruleSupport';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { runUsageSync } from '../../usage/sync';
import { ControllerError, type PanelControllers } from '../controllerPort';
import { dateText } from '../controllers/panelFormat';
import { createStoreControllers, createStoreData } from '../controllers';
import { loadCriterionTemplate } from '../controllers/criterionTemplate';
import { weightedScorePercent } from '../controllers/scorecardController';
import { queryOne, queryRows, WORKBENCH_USER_NAME } from '../controllers/storeAccess';
import { buildSampleWorld, type SampleWorld } from '../sampleWorld';
import { findTour } from '../tour';

jest.setTimeout(120_000);

const policy = loadPolicyFile();
const schema = loadSchema();
const template = loadCriterionTemplate();
const shapes = contractShapes();

let dir: string;
let file: string;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-controllers-'));
  file = path.join(dir, 'store.duckdb');
  world = await buildSampleWorld(file);
  store = await LocalStore.open(file, schema);
  await runUsageSync(
    { input: world.ticketExport, asOfMs: Date.parse(world.asOf), dryRun: false, maxRejectRate: 0.01 },
    policy,
    createLocalSink(store)
  );
  controllers = createStoreControllers(store, world.today);
});

afterAll(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Closes the store and opens it again, as a restarted workbench would. */
async function reopen() {
  await store.close();
  store = await LocalStore.open(file, schema);
  controllers = createStoreControllers(store, world.today);
}

/** Property names of a response at every path, as contractShapes() names them. */
function shapeOf(value: unknown, at: string, out: Record<string, Set<string>>) {
  if (Array.isArray(value)) {
    for (const v of value) shapeOf(v, `${at}[]`, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const key = at === '' ? '.' : at;
  out[key] ??= new Set();
  for (const [k, v] of Object.entries(value)) {
    out[key].add(k);
    shapeOf(v, at === '' ? k : `${at}.${k}`, out);
  }
}

/** Calls a controller the way the server does and holds the answer to the method's contract. */
async function call<M extends PanelMethodName>(method: M, params: PanelParams<M>): Promise<PanelResult<M>> {
  panelMethods[method].params.parse(params);
  const result = await controllers[method](params);
  panelMethods[method].returns.parse(result);
  const seen: Record<string, Set<string>> = {};
  shapeOf(result, '', seen);
  for (const [at, keys] of Object.entries(seen)) {
    const allowed = shapes[method]![at];
    expect({ at, extra: [...keys].filter((k) => !allowed?.includes(k)) }).toEqual({ at, extra: [] });
  }
  return result;
}

async function rejects(promise: Promise<unknown>, message: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ControllerError);
  expect((err as Error).message).toMatch(message);
}

async function opportunity(prefix: string): Promise<string> {
  const o = (await createStoreData(store).listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`no opportunity ${prefix}`);
  return o.id;
}

async function account(name: string): Promise<string> {
  const a = (await createStoreData(store).listAccounts()).find((x) => x.name === name);
  if (!a) throw new Error(`no account ${name}`);
  return a.id;
}

describe('every read answers in its contract', () => {
  it('getScorecard and getPacketStatus for every opportunity, getExpansionView for every account', async () => {
    const data = createStoreData(store);
    const opps = await data.listOpportunities();
    for (const o of opps) {
      const sc = await call('GtmPilotScorecardController.getScorecard', { opportunityId: o.id });
      expect(sc.opportunityId).toBe(o.id);
      expect(sc.canEdit).toBe(true);
      // progress words only: Met / Not Met are measured (issue 13, defect 4)
      expect(sc.statusOptions).toEqual(
        schema.field('Pilot_Criterion__c', 'Status__c').picklistValues.filter((v) => v !== 'Met' && v !== 'Not Met')
      );
      expect(sc.minScore).toBe(policy.decimal('Pilot_Ready_Min_Score'));
      const p = await call('GtmSecurityPacketController.getPacketStatus', { opportunityId: o.id });
      expect(p.collateral.map((c) => c.type)).toEqual(policy.list('Security_Required_Collateral'));
    }
    for (const a of await data.listAccounts()) {
      const v = await call('GtmExpansionTriggerController.getExpansionView', { accountId: a.id });
      expect(v.weeks.length).toBeLessThanOrEqual(policy.integer('Expansion_Chart_Weeks'));
      expect(v.playbook).toBe(policy.text('Expansion_Playbook'));
    }
  });

  it('the scorecard view carries the criteria, the gate and the readiness verdict', async () => {
    const v = await call('GtmPilotScorecardController.getScorecard', {
      opportunityId: await opportunity('Fabrikam Insurance')
    });
    expect(v.criteria.map((c) => c.metric)).toEqual(template.map((t) => t.metric));
    expect(v.criteria.every((c) => c.ownerName && c.complete)).toBe(true);
    // the latest audit wins over the earlier passed one
    expect(v.gate).toMatchObject({ status: 'Failed', measuredValue: 0.034, sampleSize: 320 });
    expect(v.readiness.ready).toBe(false);
    expect(v.readiness.blockers).toContainEqual(
      expect.objectContaining({ code: 'audit_not_passed', message: 'hallucination gate is Failed' })
    );
  });

  it('the expansion view carries the triggers newest first with their evidence', async () => {
    const v = await call('GtmExpansionTriggerController.getExpansionView', {
      accountId: await account('Foxglove Supply')
    });
    expect(v.triggers.length).toBeGreaterThanOrEqual(2);
    const weeks = v.triggers.map((t) => t.isoWeek);
    expect([...weeks].sort().reverse()).toEqual(weeks);
    expect(v.latestTrigger?.id).toBe(v.triggers[0]!.id);
    const t = v.triggers[0]!;
    expect(t.evidenceWeeks).toHaveLength(policy.integer('Expansion_Consecutive_Weeks'));
    expect(t.evidenceWeeks.at(-1)!.isoWeek).toBe(t.isoWeek);
    expect(t.canDecide).toBe(true);
    expect(v.streak.length).toBeGreaterThanOrEqual(v.streak.required);
  });
});

describe('scorecard edits', () => {
  it('updateCriterion changes the score, and the change survives reopening the store', async () => {
    const opportunityId = await opportunity('Contoso Health');
    const before = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    const missed = before.criteria.find((c) => !c.met && c.targetDirection === 'At least')!;
    const after = await call('GtmPilotScorecardController.updateCriterion', {
      criterionId: missed.id,
      actualValue: (missed.targetValue ?? 0) + 0.01,
      clearActual: false,
      status: 'On Track'
    });
    expect(after.score).toBeGreaterThan(before.score!);
    expect(after.metWeight).toBe(before.metWeight + missed.weight!);
    expect(after.criteria.find((c) => c.id === missed.id)).toMatchObject({ met: true, status: 'On Track' });
    await reopen();
    const reread = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    expect(reread.score).toBe(after.score);
    const row = await queryOne(store, 'SELECT "Weighted_Score__c" AS w FROM "Pilot_Scorecard__c" WHERE "Id" = $id', {
      id: after.scorecardId!
    });
    expect(row?.w).toBe(weightedScorePercent(after.score!));
  });

  it('stores the weighted score as Apex does, without float noise', () => {
    expect(weightedScorePercent(0.57)).toBe(57);
    expect(weightedScorePercent(0.5005)).toBe(50.05);
    expect(weightedScorePercent(0.8533)).toBe(85.33);
    expect(weightedScorePercent(1)).toBe(100);
  });

  it('updateCriterion refuses an unknown criterion or status', async () => {
    await rejects(
      call('GtmPilotScorecardController.updateCriterion', {
        criterionId: 'a04Lnope',
        actualValue: 1,
        clearActual: false,
        status: null
      }),
      /criterion was not found/
    );
    const v = await call('GtmPilotScorecardController.getScorecard', {
      opportunityId: await opportunity('Northwind Logistics')
    });
    await rejects(
      call('GtmPilotScorecardController.updateCriterion', {
        criterionId: v.criteria[0]!.id,
        actualValue: 1,
        clearActual: false,
        status: 'Great'
      }),
      /Status "Great" is not one of: Not Started/
    );
  });

  it('addCriterion adds a complete criterion owned by the running user', async () => {
    const opportunityId = await opportunity('Alder Pharma');
    const before = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    const after = await call('GtmPilotScorecardController.addCriterion', {
      opportunityId,
      metric: 'Deflection of password-reset tickets',
      targetValue: 0.6,
      targetDirection: 'At least',
      weight: 10,
      dueDate: addDays(world.today, 14)
    });
    expect(after.criteria).toHaveLength(before.criteria.length + 1);
    expect(after.totalWeight).toBe(before.totalWeight + 10);
    const added = after.criteria.at(-1)!;
    expect(added).toMatchObject({
      metric: 'Deflection of password-reset tickets',
      ownerName: WORKBENCH_USER_NAME,
      complete: true,
      met: false,
      status: 'Not Started'
    });
    await rejects(
      call('GtmPilotScorecardController.addCriterion', {
        opportunityId,
        metric: '   ',
        targetValue: null,
        targetDirection: null,
        weight: null,
        dueDate: null
      }),
      /needs a metric/
    );
  });

  it('applyTemplate creates the scorecard with every template criterion, and a second run changes nothing', async () => {
    const opportunityId = await opportunity('Brightline Manufacturing');
    const before = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    expect(before.scorecardId).toBeNull();
    const first = await call('GtmPilotScorecardController.applyTemplate', { opportunityId });
    expect(first.scorecardId).toBeTruthy();
    expect(first.templateVersion).toBe(template[0]!.templateVersion);
    expect(first.criteria.map((c) => c.metric)).toEqual(template.map((t) => t.metric));
    for (const [i, t] of template.entries()) {
      const c = first.criteria[i]!;
      expect(c.targetValue).toBe(t.targetPolicyKey ? Number(policy.decimal(t.targetPolicyKey)) : t.targetValue);
      expect(c.dueDate).toBe(addDays(first.pilotStartDate!, t.dueDays!));
      expect(c.complete).toBe(true);
    }
    expect(first.completion).toBe('complete');
    const second = await call('GtmPilotScorecardController.applyTemplate', { opportunityId });
    expect(second.scorecardId).toBe(first.scorecardId);
    expect(second.criteria.map((c) => c.id)).toEqual(first.criteria.map((c) => c.id));
  });

  it('applyTemplate adds only the missing template criteria to an existing scorecard', async () => {
    const opportunityId = await opportunity('Driftwood Devices');
    const before = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    expect(before.criteria.length).toBeLessThan(template.length);
    const after = await call('GtmPilotScorecardController.applyTemplate', { opportunityId });
    expect(after.scorecardId).toBe(before.scorecardId);
    expect(after.criteria).toHaveLength(template.length);
    const ids = after.criteria.map((c) => c.id);
    for (const c of before.criteria) expect(ids).toContain(c.id);
  });
});

describe('security packet steps', () => {
  it('markPacketSent creates the packet when missing, then the review completes', async () => {
    const opportunityId = await opportunity('Ember Imports');
    const before = await call('GtmSecurityPacketController.getPacketStatus', { opportunityId });
    expect(before.packetId).toBeNull();
    expect(before.cycle.state).toBe('not_requested');
    await rejects(call('GtmSecurityPacketController.recordReviewCompleted', { opportunityId }), /no security packet/);
    const sent = await call('GtmSecurityPacketController.markPacketSent', { opportunityId });
    expect(sent).toMatchObject({
      requestedDate: world.today,
      packetSentDate: world.today,
      reviewStage: 'Packet Sent'
    });
    expect(sent.packetId).toBeTruthy();
    expect(sent.cycle).toMatchObject({ state: 'in_progress', days: 0, onTarget: true });
    // the NDA is unsigned and the questionnaire missing: only an exception with a reason completes it
    await rejects(
      call('GtmSecurityPacketController.recordReviewCompleted', { opportunityId }),
      /NDA not signed; Security Questionnaire missing/
    );
    const done = await call('GtmSecurityPacketController.recordReviewCompleted', {
      opportunityId,
      exceptionReason: 'Customer waived the questionnaire in the MSA'
    });
    expect(done).toMatchObject({ packetId: sent.packetId, completedDate: world.today, reviewStage: 'Completed' });
    expect(done.cycle).toMatchObject({ state: 'completed', byException: true, onTarget: null });
    await reopen();
    const reread = await call('GtmSecurityPacketController.getPacketStatus', { opportunityId });
    expect(reread.completedDate).toBe(world.today);
  });

  it('markPacketSent from In Review is a step back that needs a reason, and a completed review cannot be sent, blocked or completed again', async () => {
    const opportunityId = await opportunity('Crescent Retail Group');
    const before = await call('GtmSecurityPacketController.getPacketStatus', { opportunityId });
    expect(before.reviewStage).toBe('In Review');
    await rejects(
      call('GtmSecurityPacketController.markPacketSent', { opportunityId }),
      /moves the review back from In Review to Packet Sent: say why/
    );
    const after = await call('GtmSecurityPacketController.markPacketSent', {
      opportunityId,
      reason: 'Renewed questionnaire sent'
    });
    expect(after).toMatchObject({
      packetId: before.packetId,
      requestedDate: before.requestedDate,
      packetSentDate: before.packetSentDate,
      reviewStartedDate: null,
      reviewStage: 'Packet Sent'
    });
    expect(after.stageLog).toContain('In Review -> Packet Sent (packet sent again): Renewed questionnaire sent');
    const completed = await opportunity('Northwind Logistics');
    await rejects(
      call('GtmSecurityPacketController.markPacketSent', { opportunityId: completed }),
      /^The security review is already completed \(\d{4}-\d{2}-\d{2}\)$/
    );
    await rejects(
      call('GtmSecurityPacketController.recordReviewBlocked', { opportunityId: completed, reason: 'late' }),
      /already completed/
    );
    // a second completion would move the date and falsify the cycle time
    await rejects(
      call('GtmSecurityPacketController.recordReviewCompleted', { opportunityId: completed }),
      /already completed/
    );
  });

  it('recordReviewBlocked needs a reason and records it', async () => {
    const opportunityId = await opportunity('Orbitel Mobility');
    await rejects(
      call('GtmSecurityPacketController.recordReviewBlocked', { opportunityId, reason: '  ' }),
      /^Say why the security review is blocked$/
    );
    const blocked = await call('GtmSecurityPacketController.recordReviewBlocked', {
      opportunityId,
      reason: 'Waiting for the customer to name a data residency region'
    });
    expect(blocked).toMatchObject({
      reviewStage: 'Blocked',
      blockedDate: world.today,
      blockedReason: 'Waiting for the customer to name a data residency region'
    });
    expect(blocked.cycle.state).toBe('blocked');
  });

  it('an enterprise opportunity is flagged from the policy segments', async () => {
    const enterprise = await call('GtmSecurityPacketController.getPacketStatus', {
      opportunityId: await opportunity('Halvorsen Telecom')
    });
    expect(enterprise).toMatchObject({ segment: 'Enterprise', enterprise: true, collateralCurrent: false });
    expect(enterprise.collateral.find((c) => c.status !== 'current')).toMatchObject({
      type: 'Security Questionnaire',
      status: 'expires_before_close'
    });
    const midMarket = await call('GtmSecurityPacketController.getPacketStatus', {
      opportunityId: await opportunity('Acme Outfitters')
    });
    expect(midMarket).toMatchObject({ segment: 'Mid-Market', enterprise: false, collateralCurrent: true });
    expect(midMarket.collateral.every((c) => c.documentUrl)).toBe(true);
  });
});

describe('expansion trigger decisions', () => {
  it("acceptTrigger links an opportunity of the trigger's account, and a decided trigger cannot be decided again", async () => {
    const accountId = await account('Lumen Beverages');
    const view = await call('GtmExpansionTriggerController.getExpansionView', { accountId });
    const trigger = view.triggers.find((t) => t.canDecide)!;
    const opportunityId = await opportunity('Lumen Beverages - Expansion');
    const after = await call('GtmExpansionTriggerController.acceptTrigger', { triggerId: trigger.id, opportunityId });
    expect(after.triggers.find((t) => t.id === trigger.id)).toMatchObject({
      status: 'Accepted',
      expansionOpportunityId: opportunityId,
      decidedDate: world.today,
      decidedByName: WORKBENCH_USER_NAME,
      canDecide: false
    });
    await rejects(
      call('GtmExpansionTriggerController.acceptTrigger', { triggerId: trigger.id, opportunityId: null }),
      /^The expansion trigger \d{4}-W\d{2} is already Accepted; only Shadow or Open triggers can be decided\.$/
    );
    await rejects(
      call('GtmExpansionTriggerController.dismissTrigger', { triggerId: trigger.id, reason: 'changed my mind' }),
      /is already Accepted/
    );
  });

  it("acceptTrigger refuses another account's opportunity and leaves the trigger undecided", async () => {
    const accountId = await account('Granite Travel');
    const trigger = (await call('GtmExpansionTriggerController.getExpansionView', { accountId })).triggers[0]!;
    await rejects(
      call('GtmExpansionTriggerController.acceptTrigger', {
        triggerId: trigger.id,
        opportunityId: await opportunity('Northwind Logistics')
      }),
      /^The opportunity "Northwind Logistics - Support Copilot Pilot" belongs to another account: link an expansion opportunity of Granite Travel/
    );
    const after = await call('GtmExpansionTriggerController.getExpansionView', { accountId });
    expect(after.triggers[0]).toMatchObject({ id: trigger.id, status: 'Shadow', canDecide: true });
  });

  it('acceptTrigger without an opportunity creates the follow-up Task with the playbook, once', async () => {
    const accountId = await account('Foxglove Supply');
    const trigger = (await call('GtmExpansionTriggerController.getExpansionView', { accountId })).triggers[0]!;
    const after = await call('GtmExpansionTriggerController.acceptTrigger', {
      triggerId: trigger.id,
      opportunityId: null
    });
    const accepted = after.triggers.find((t) => t.id === trigger.id)!;
    expect(accepted.status).toBe('Accepted');
    expect(accepted.followUpTaskId).toMatch(/^00T/);
    const task = await queryOne(store, 'SELECT * FROM "Task" WHERE "Id" = $id', { id: accepted.followUpTaskId! });
    expect(task).toMatchObject({
      WhatId: accountId,
      ActivityDate: addDays(world.today, policy.integer('Expansion_Task_Due_Days')),
      Status: 'Not Started'
    });
    expect(String(task?.Description)).toContain(policy.text('Expansion_Playbook'));
    expect(String(task?.Description)).toMatch(/\n- \d{4}-W\d{2}: \d+ of \d+ tickets resolved by AI \(\d+\.\d%\)/);
    expect(String(task?.Description)).toContain(
      `Thresholds: share at least ${policy.decimal('Expansion_Share_Threshold')}`
    );
    expect(String(task?.Subject)).toContain(trigger.isoWeek);
    // the account's other Tasks (a PQA owner's follow-up from exp-001 routing) are not this decision's
    const tasks = await queryRows(store, 'SELECT "Id" FROM "Task" WHERE "WhatId" = $id AND "Subject" = $subject', {
      id: accountId,
      subject: String(task?.Subject)
    });
    expect(tasks).toHaveLength(1);
  });

  it('acceptTrigger keeps a follow-up Task live mode already created', async () => {
    const accountId = await account('Harbor Payments');
    const trigger = (await call('GtmExpansionTriggerController.getExpansionView', { accountId })).triggers[0]!;
    await store.db.run(
      `UPDATE "Expansion_Trigger__c" SET "Follow_Up_Task_Id__c" = '00TLexisting000001' WHERE "Id" = $id`,
      {
        id: trigger.id
      }
    );
    const after = await call('GtmExpansionTriggerController.acceptTrigger', {
      triggerId: trigger.id,
      opportunityId: null
    });
    expect(after.triggers[0]!.followUpTaskId).toBe('00TLexisting000001');
    expect(await queryRows(store, 'SELECT "Id" FROM "Task" WHERE "WhatId" = $id', { id: accountId })).toEqual([]);
  });

  it('dismissTrigger needs a reason, records it, and the decision survives reopening the store', async () => {
    const accountId = await account('Ironwood Media');
    const trigger = (await call('GtmExpansionTriggerController.getExpansionView', { accountId })).triggers[0]!;
    await rejects(
      call('GtmExpansionTriggerController.dismissTrigger', { triggerId: trigger.id, reason: ' ' }),
      /^Give a reason to dismiss the expansion trigger/
    );
    await call('GtmExpansionTriggerController.dismissTrigger', {
      triggerId: trigger.id,
      reason: 'Seasonal peak: the share drops back after the holidays'
    });
    await reopen();
    const reread = await call('GtmExpansionTriggerController.getExpansionView', { accountId });
    expect(reread.triggers.find((t) => t.id === trigger.id)).toMatchObject({
      status: 'Dismissed',
      decisionReason: 'Seasonal peak: the share drops back after the holidays',
      decidedByName: WORKBENCH_USER_NAME,
      canDecide: false
    });
  });
});

describe('errors a user can cause', () => {
  it('are ControllerErrors with readable messages', async () => {
    await rejects(
      call('GtmPilotScorecardController.getScorecard', { opportunityId: '006Lnope' }),
      /^The opportunity was not found, or you do not have access to it$/
    );
    await rejects(
      call('GtmSecurityPacketController.markPacketSent', { opportunityId: '006Lnope' }),
      /opportunity was not found/
    );
    await rejects(
      call('GtmExpansionTriggerController.getExpansionView', { accountId: '001Lnope' }),
      /account was not found/
    );
    await rejects(
      call('GtmExpansionTriggerController.acceptTrigger', { triggerId: 'a02Lnope', opportunityId: null }),
      /trigger was not found/
    );
    await rejects(
      call('GtmExpansionTriggerController.dismissTrigger', { triggerId: 'a02Lnope', reason: 'x' }),
      /trigger was not found/
    );
  });
});

describe('workbench data', () => {
  it('lists accounts and opportunities and reads record headers', async () => {
    const data = createStoreData(store);
    const accounts = await data.listAccounts();
    expect(accounts.length).toBe(40);
    expect(accounts.every((a) => a.segment)).toBe(true);
    const opps = await data.listOpportunities();
    expect(opps.every((o) => o.accountName && o.stageName && o.closeDate)).toBe(true);
    const header = await data.recordHeader('Opportunity', await opportunity('Northwind Logistics'));
    expect(header?.name).toMatch(/^Northwind Logistics/);
    expect(header?.fields).toContainEqual({ label: 'Stage', value: policy.text('Stage_Pilot') });
    // dates as the panels write them, not ISO (issue 13, defect 11)
    const northwind = opps.find((o) => o.name.startsWith('Northwind Logistics'))!;
    expect(header?.fields).toContainEqual({ label: 'Close Date', value: dateText(northwind.closeDate!) });
    expect(header?.fields.map((f) => f.value).join(' ')).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    const acct = await data.recordHeader('Account', accounts[0]!.id);
    expect(acct?.fields.map((f) => f.label)).toContain('GTM Segment');
    expect(await data.recordHeader('Account', '001Lnope')).toBeNull();
  });
});

describe('the workbench tour', () => {
  it('points at a blocked pilot, a ready pilot, collateral expiring before close, an undecided trigger, the trigger queue, a reassigned PQA, a running SLA clock and the RevOps pages', async () => {
    const tour = await findTour(controllers, createStoreData(store));
    const queue = await controllers['GtmExpansionQueueController.getTriggerQueue']({});
    expect(queue.rows.length).toBeGreaterThan(0);
    expect(tour.map((s) => s.what)).toEqual([
      'a pilot blocked from production approval',
      'a pilot ready for production approval',
      'an enterprise deal with collateral expiring before close',
      expect.stringMatching(/^an account with an undecided (shadow|open) expansion trigger$/),
      `the CS Ops queue of ${queue.rows.length} undecided expansion triggers across accounts`,
      expect.stringMatching(/^an onboarding plan at risk on day \d+ of 8$/),
      'a PQA whose first-touch SLA breached and was reassigned',
      expect.stringMatching(
        /^a PQA whose first-touch SLA clock is running \((Pending|Warning)\): log the first touch on the panel$/
      ),
      expect.stringMatching(/^exp-001's lift readout \(recommendation: (Hold|Invalid|Expand with holdout|Re-scope)\)$/),
      'the KPI tiles, the experiment portfolio with its decisions and the rollout audit'
    ]);
    expect(tour.at(-6)).toMatchObject({ name: 'Trigger Queue', path: '/lightning/n/Trigger_Queue' });
    expect(tour.slice(-2).map((s) => s.path)).toEqual(['/lightning/n/Pqa_Readout', '/lightning/n/Program']);
    const reassigned = decodeURIComponent(/\/Account\/([^/]+)\/view$/.exec(tour.at(-4)!.path)![1]!);
    const pqa = await controllers['GtmPqaPanelController.getPqaView']({ accountId: reassigned });
    expect(pqa.signals[0]!.assignment!.sla!.status).toBe('Reassigned');
    // a clock still running on the workbench's today: time left and no touch, so the panel offers "Log a call"
    const running = decodeURIComponent(/\/Account\/([^/]+)\/view$/.exec(tour.at(-3)!.path)![1]!);
    const sla = (await controllers['GtmPqaPanelController.getPqaView']({ accountId: running })).signals[0]!.assignment!
      .sla!;
    expect(['Pending', 'Warning']).toContain(sla.status);
    expect(sla.firstTouchAt).toBeNull();
    expect(sla.businessMinutesToDue).toBeGreaterThan(0);
    const blocked = /\/Opportunity\/([^/]+)\/view$/.exec(tour[0]!.path)![1]!;
    const card = await controllers['GtmPilotScorecardController.getScorecard']({
      opportunityId: decodeURIComponent(blocked)
    });
    expect(card.readiness.ready).toBe(false);
    expect(card.readiness.blockers.length).toBeGreaterThan(0);
  });
});
