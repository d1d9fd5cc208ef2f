/**
 * The workbench's production blockers as structured data (issue 13): over the sample world, each blocker of a deal
 * names who acts, the record and field to fix and its next step, held to the panel contract; the request steps
 * record what they say (a Task, the security review opened) and a step no blocker offers is refused. The same
 * behaviour as the Apex (GtmBlockerStepsTest).
 */
import { type PanelMethodName, type PanelParams, type PanelResult } from '../../contracts/panelContracts';
import { LocalStore } from '../../store/localStore';
import { type PanelControllers } from '../controllerPort';
import { createStoreData } from '../controllers';
import { queryOne, queryRows } from '../controllers/storeAccess';
import { addDays } from '../../rules/ruleSupport';
import { dateText } from '../controllers/panelFormat';
import { type SampleWorld } from '../sampleWorld';
import { closeSampleWorld, contractCall, openSampleWorld, refusalOf, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

let opened: OpenWorld | undefined;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;

beforeAll(async () => {
  opened = await openSampleWorld('gtm-blockers-');
  ({ world, store, controllers } = opened);
});

afterAll(async () => {
  await closeSampleWorld(opened ?? {});
});

const call = <M extends PanelMethodName>(method: M, params: PanelParams<M>): Promise<PanelResult<M>> =>
  contractCall(controllers, method, params);

async function opportunity(prefix: string): Promise<string> {
  const o = (await createStoreData(store).listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`no opportunity ${prefix}`);
  return o.id;
}

const scorecard = async (opportunityId: string) => call('GtmPilotScorecardController.getScorecard', { opportunityId });
const blocker = (view: PanelResult<'GtmPilotScorecardController.getScorecard'>, code: string) => {
  const found = view.readiness.blockers.find((b) => b.code === code);
  if (!found) throw new Error(`no ${code} among ${view.readiness.blockers.map((b) => b.code).join(', ')}`);
  return found;
};

describe('every blocker carries who acts, where to fix and a next step', () => {
  it('every blocker of every sample pilot has a step or says who acts, in words with no ISO dates', async () => {
    let seen = 0;
    for (const o of await createStoreData(store).listOpportunities()) {
      const view = await scorecard(o.id);
      for (const b of view.readiness.blockers) {
        seen += 1;
        expect(b.next.label.trim()).not.toBe('');
        expect(b.whoActs.label.trim()).not.toBe('');
        expect(b.message).not.toMatch(/\d{4}-\d{2}-\d{2}/);
        if (b.next.kind === 'open_criterion') {
          // the criterion named is on this scorecard, and the field is one its editor has
          expect(view.criteria.map((c) => c.id)).toContain(b.next.target);
          expect(b.fix).toMatchObject({ objectApiName: 'Pilot_Criterion__c', recordId: b.next.target });
        }
      }
    }
    expect(seen).toBeGreaterThan(10);
  });

  it('Halvorsen: the questionnaire expiring before close is renewed by Security, its date in words', async () => {
    const view = await scorecard(await opportunity('Halvorsen Telecom'));
    const b = blocker(view, 'collateral_expires_before_close');
    expect(b.next).toEqual({
      kind: 'request_collateral_renewal',
      label: 'Request a renewal of Security Questionnaire from Security',
      target: 'Security Questionnaire'
    });
    expect(b.whoActs.role).toBe('security');
    expect(b.fix).toMatchObject({ objectApiName: 'Trust_Collateral__c', fieldApiName: 'Valid_Until__c' });
    // the judged item's date, written as the panels write dates (the user's locale)
    const packet = await call('GtmSecurityPacketController.getPacketStatus', { opportunityId: view.opportunityId });
    const item = packet.collateral.find((c) => c.type === 'Security Questionnaire')!;
    expect(b.message).toBe(`Security Questionnaire expires ${dateText(item.validUntil!)}, before the close date`);
  });

  it('Cobalt Cloud: the overdue scorecard points at each criterion in turn until it is complete', async () => {
    const opportunityId = await opportunity('Cobalt Cloud');
    let view = await scorecard(opportunityId);
    const visited: string[] = [];
    for (let guard = 0; guard < 10; guard++) {
      const b = view.readiness.blockers.find((x) => x.code === 'scorecard_overdue');
      if (!b) break;
      expect(b.next.kind).toBe('open_criterion');
      expect(b.fix?.fieldApiName).toBe('Due_Date__c');
      const c = view.criteria.find((x) => x.id === b.next.target)!;
      expect(c.complete).toBe(false);
      visited.push(c.id);
      view = await call('GtmPilotScorecardController.updateCriterion', {
        criterionId: c.id,
        actualValue: null,
        status: null,
        dueDate: addDays(world.today, 7)
      });
    }
    expect(visited).toHaveLength(3);
    expect(new Set(visited).size).toBe(3);
    expect(view.readiness.blockers.map((b) => b.code)).not.toContain('scorecard_overdue');
    expect(view.completion).toBe('complete');
  });
});

describe('requestBlockerAction', () => {
  it('a renewal request is a Task on the deal, said with its subject', async () => {
    const opportunityId = await opportunity('Halvorsen Telecom');
    const result = await call('GtmPilotScorecardController.requestBlockerAction', {
      opportunityId,
      kind: 'request_collateral_renewal',
      target: 'Security Questionnaire'
    });
    const task = await queryOne(store, 'SELECT * FROM "Task" WHERE "Id" = $id', { id: result.taskId! });
    expect(task).toMatchObject({
      Subject: expect.stringMatching(/^Renew Security Questionnaire for Halvorsen Telecom/),
      WhatId: opportunityId
    });
    expect(result.message).toContain(String(task!.Subject));
    expect(result.packetId).toBeNull();
  });

  it('an audit request names whom it asked mid-sentence in lower case ("Asked the hallucination audit team")', async () => {
    const opportunityId = await opportunity('Alder Pharma');
    const result = await call('GtmPilotScorecardController.requestBlockerAction', {
      opportunityId,
      kind: 'request_hallucination_audit',
      target: null
    });
    expect(result.message).toMatch(
      /^Asked the hallucination audit team: Task "Run a hallucination audit for Alder Pharma/
    );
  });

  it('asking again while the Task is open adds nothing and says so', async () => {
    const opportunityId = await opportunity('Halvorsen Telecom');
    const ask = () =>
      call('GtmPilotScorecardController.requestBlockerAction', {
        opportunityId,
        kind: 'request_collateral_renewal',
        target: 'Security Questionnaire'
      });
    const first = await ask();
    const second = await ask();
    expect(second.taskId).toBe(first.taskId);
    expect(second.message).toMatch(
      /^Already asked: Task "Renew Security Questionnaire for Halvorsen Telecom.*" due .* is still open$/
    );
    const tasks = await queryRows(store, 'SELECT "Id" FROM "Task" WHERE "WhatId" = $opp AND "Subject" LIKE $s', {
      opp: opportunityId,
      s: 'Renew Security Questionnaire%'
    });
    expect(tasks).toHaveLength(1);
  });

  it('a missing item without a review starts the review; then Security is asked to publish it', async () => {
    const opportunityId = await opportunity('Alder Pharma');
    const before = blocker(await scorecard(opportunityId), 'collateral_missing');
    expect(before.next.kind).toBe('start_security_review');
    const result = await call('GtmPilotScorecardController.requestBlockerAction', {
      opportunityId,
      kind: 'start_security_review',
      target: null
    });
    const packets = await queryRows(store, 'SELECT * FROM "Security_Packet__c" WHERE "Opportunity__c" = $opp', {
      opp: opportunityId
    });
    expect(packets).toHaveLength(1);
    expect(packets[0]).toMatchObject({ Id: result.packetId, Review_Stage__c: 'Not Started' });
    const after = blocker(result.scorecard, 'collateral_missing');
    expect(after.next.kind).toBe('request_collateral_renewal');
    expect(after.next.label).toMatch(/^Ask Security to publish /);
    // the packet panel now shows the review as requested
    const packet = await call('GtmSecurityPacketController.getPacketStatus', { opportunityId });
    expect(packet.packetId).toBe(result.packetId);
    expect(packet.cycle.actions).toContain('send');
  });

  it('refuses a step no blocker offers, recording nothing', async () => {
    const opportunityId = await opportunity('Halvorsen Telecom');
    const tasksBefore = await queryRows(store, 'SELECT "Id" FROM "Task"');
    for (const kind of ['start_security_review', 'open_criterion', 'request_hallucination_audit'] as const) {
      expect(
        await refusalOf(controllers['GtmPilotScorecardController.requestBlockerAction']({ opportunityId, kind }))
      ).toMatch(/^Nothing blocking Halvorsen Telecom .* asks for ".*": reload the page$/);
    }
    expect(await queryRows(store, 'SELECT "Id" FROM "Task"')).toHaveLength(tasksBefore.length);
  });
});
