/**
 * The workbench's GtmPilotScorecardController over the sample world, for issue 13: a value nobody cleared is never
 * turned into null (defect 1), values keep to their unit's and field's range (2), every field completeness needs can
 * be set and a criterion removed (3), Met / Not Met are measured, not typed (4), closed deals start no pilot (7).
 * The same rules as the Apex service (GtmPilotScorecardControllerTest).
 */
import { type PanelMethodName, type PanelParams, type PanelResult } from '../../contracts/panelContracts';
import { addDays } from '../../rules/ruleSupport';
import { LocalStore } from '../../store/localStore';
import { type PanelControllers } from '../controllerPort';
import { createStoreData } from '../controllers';
import { fallbackText } from '../controllers/scorecardController';
import { queryOne, queryRows, updateRecord } from '../controllers/storeAccess';
import { type SampleWorld } from '../sampleWorld';

import { closeSampleWorld, contractCall, openSampleWorld, refusalOf, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

let opened: OpenWorld | undefined;
let world: SampleWorld;
let store: LocalStore;
let controllers: PanelControllers;

beforeAll(async () => {
  opened = await openSampleWorld('gtm-scorecard-');
  ({ world, store, controllers } = opened);
});

afterAll(async () => {
  await closeSampleWorld(opened ?? {});
});

const call = <M extends PanelMethodName>(method: M, params: PanelParams<M>): Promise<PanelResult<M>> =>
  contractCall(controllers, method, params);

const refusal = refusalOf;

async function opportunity(prefix: string): Promise<string> {
  const o = (await createStoreData(store).listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`no opportunity ${prefix}`);
  return o.id;
}

const update = (criterionId: string, changes: Partial<PanelParams<'GtmPilotScorecardController.updateCriterion'>>) =>
  call('GtmPilotScorecardController.updateCriterion', {
    criterionId,
    actualValue: null,
    clearActual: false,
    status: null,
    ...changes
  });

async function aiShare(prefix: string) {
  const view = await call('GtmPilotScorecardController.getScorecard', { opportunityId: await opportunity(prefix) });
  const criterion = view.criteria.find((c) => c.metric.startsWith('AI resolution share'));
  if (!criterion) throw new Error(`no AI resolution share criterion on ${prefix}`);
  return { view, criterion };
}

describe('a value nobody cleared is never turned into null (defect 1)', () => {
  it('a null actual without clearActual keeps the saved actual; clearActual clears it', async () => {
    const { criterion } = await aiShare('Alder Pharma');
    const saved = await update(criterion.id, { actualValue: 0.52 });
    expect(saved.criteria.find((c) => c.id === criterion.id)!.actualValue).toBe(0.52);

    const kept = await update(criterion.id, { actualValue: null, status: 'On Track' });
    expect(kept.criteria.find((c) => c.id === criterion.id)).toMatchObject({ actualValue: 0.52, status: 'On Track' });

    const cleared = await update(criterion.id, { clearActual: true });
    expect(cleared.criteria.find((c) => c.id === criterion.id)!.actualValue).toBeNull();
  });

  it('refuses a clear that also carries a value', async () => {
    const { criterion } = await aiShare('Alder Pharma');
    expect(await refusal(update(criterion.id, { actualValue: 0.5, clearActual: true }))).toBe(
      'Either clear the actual value or give one, not both'
    );
  });

  it('a caller that leaves clearActual out (null, as Apex reads it) clears nothing', async () => {
    const { criterion } = await aiShare('Alder Pharma');
    await update(criterion.id, { actualValue: 0.52 });
    const kept = await update(criterion.id, { actualValue: null, clearActual: null });
    expect(kept.criteria.find((c) => c.id === criterion.id)!.actualValue).toBe(0.52);
  });
});

describe('values keep to their unit and field (defect 2)', () => {
  it('refuses 20 digits, 1e15 and -5 on a ratio in words, and stores nothing', async () => {
    const { criterion } = await aiShare('Alder Pharma');
    await update(criterion.id, { actualValue: 0.52 });
    for (const bad of [1e20, 1e15, -5]) {
      expect(await refusal(update(criterion.id, { actualValue: bad }))).toBe(
        'Actual value must be from 0 to 1 (a ratio: 0.4 is 40%)'
      );
    }
    const row = await queryOne(store, 'SELECT "Actual_Value__c" AS a FROM "Pilot_Criterion__c" WHERE "Id" = $id', {
      id: criterion.id
    });
    expect(Number(row?.a)).toBe(0.52);
  });

  it('20 digits on a count-like unit are refused in words, never a store error (was: bigint out of int64 range)', async () => {
    const view = await call('GtmPilotScorecardController.getScorecard', {
      opportunityId: await opportunity('Alder Pharma')
    });
    const minutes = view.criteria.find((c) => c.unit === 'minutes')!;
    expect(await refusal(update(minutes.id, { actualValue: 1e20 }))).toBe(
      'Actual value must be from 0 to 999999999999.9999 (unit minutes)'
    );
  });

  it('gives each criterion its range and the add form the units with theirs', async () => {
    const { view, criterion } = await aiShare('Alder Pharma');
    expect([criterion.valueMin, criterion.valueMax]).toEqual([0, 1]);
    expect(view.unitOptions).toEqual(expect.arrayContaining([{ unit: 'ratio', min: 0, max: 1 }]));
    expect(view.unitOptions).toEqual(expect.arrayContaining([{ unit: '%', min: 0, max: 100 }]));
    expect(view.weightMax).toBe(999.99);
  });

  it("refuses a target out of its unit's range and a weight the field cannot hold when adding", async () => {
    const opportunityId = await opportunity('Alder Pharma');
    const base = {
      opportunityId,
      metric: 'Deflection',
      targetValue: null,
      targetDirection: 'At least',
      weight: null,
      dueDate: null,
      unit: 'ratio'
    };
    expect(await refusal(call('GtmPilotScorecardController.addCriterion', { ...base, targetValue: 3e14 }))).toBe(
      'Target must be from 0 to 1 (a ratio: 0.4 is 40%)'
    );
    expect(await refusal(call('GtmPilotScorecardController.addCriterion', { ...base, weight: 1000 }))).toBe(
      'Weight must be from 0 to 999.99'
    );
  });
});

describe('everything completeness needs can be set on the page (defect 3)', () => {
  it('Cobalt Cloud: due dates set through updateCriterion complete the scorecard', async () => {
    const opportunityId = await opportunity('Cobalt Cloud');
    const before = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    expect(before.incompleteCount).toBe(3);
    let after = before;
    for (const c of before.criteria.filter((x) => !x.complete)) {
      after = await update(c.id, { dueDate: addDays(world.today, 7) });
    }
    expect(after.incompleteCount).toBe(0);
    expect(after.completion).toBe('complete');
    expect(after.readiness.blockers.map((b) => b.code)).not.toContain('scorecard_overdue');
    expect(after.readiness.blockers.map((b) => b.code)).not.toContain('scorecard_incomplete');
  });

  it('sets target, unit, weight and owner; refuses an owner who is not a user; removes a criterion', async () => {
    const opportunityId = await opportunity('Alder Pharma');
    const view = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    const c = view.criteria.find((x) => !x.complete)!;
    const { users } = await call('GtmPilotScorecardController.searchOwners', { query: 'er' });
    const owner = users.find((o) => o.id !== c.ownerId)!;
    const edited = await update(c.id, { targetValue: 30, unit: 'minutes', weight: 12.5, ownerId: owner.id });
    expect(edited.criteria.find((x) => x.id === c.id)).toMatchObject({
      targetValue: 30,
      unit: 'minutes',
      weight: 12.5,
      ownerId: owner.id,
      ownerName: owner.name
    });
    expect(await refusal(update(c.id, { ownerId: '005Lnobody' }))).toBe('The criterion owner must be an active user');

    const removed = await call('GtmPilotScorecardController.deleteCriterion', { criterionId: c.id });
    expect(removed.criteria.map((x) => x.id)).not.toContain(c.id);
    expect(await refusal(call('GtmPilotScorecardController.deleteCriterion', { criterionId: c.id }))).toBe(
      'The criterion was not found'
    );
  });
});

describe('met is measured, status is progress (defect 4)', () => {
  it('offers no Met / Not Met status and refuses one', async () => {
    const { view, criterion } = await aiShare('Alder Pharma');
    expect(view.statusOptions).not.toContain('Met');
    expect(view.statusOptions).not.toContain('Not Met');
    expect(await refusal(update(criterion.id, { status: 'Not Met' }))).toMatch(/Status "Not Met" is not one of/);
  });

  it('reads old stored Met / Not Met statuses as the progress words they stand for, never as unknown (item 8)', async () => {
    const opportunityId = await opportunity('Contoso Health');
    const stored = await queryRows(
      store,
      `SELECT c."Id", c."Status__c" FROM "Pilot_Criterion__c" c JOIN "Pilot_Scorecard__c" s ON s."Id" = c."Scorecard__c"
       WHERE s."Opportunity__c" = $opp ORDER BY c."Id"`,
      { opp: opportunityId }
    );
    // the sample world holds criteria saved the old way (Met); one more is made Not Met
    const met = stored.find((r) => r.Status__c === 'Met')!;
    expect(met).toBeDefined();
    const notMet = stored.find((r) => r.Id !== met.Id)!;
    await updateRecord(store, 'Pilot_Criterion__c', String(notMet.Id), { Status__c: 'Not Met' });
    const view = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    const shown = new Map(view.criteria.map((c) => [c.id, c.status]));
    expect(shown.get(String(met.Id))).toBe('On Track');
    expect(shown.get(String(notMet.Id))).toBe('At Risk');
    for (const status of shown.values()) if (status !== null) expect(view.statusOptions).toContain(status);
  });
});

describe('closed deals start no pilot (defect 7)', () => {
  it('Copper Kettle (Closed Won): no setup offered, the template and new criteria refused, nothing created', async () => {
    const opportunityId = await opportunity('Copper Kettle');
    const view = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    expect(view.canSetUp).toBe(false);
    expect(await refusal(call('GtmPilotScorecardController.applyTemplate', { opportunityId }))).toMatch(
      /closed \(Closed Won\): a closed deal starts no pilot/
    );
    expect(
      await refusal(
        call('GtmPilotScorecardController.addCriterion', {
          opportunityId,
          metric: 'Anything',
          targetValue: null,
          targetDirection: null,
          weight: null,
          dueDate: null
        })
      )
    ).toMatch(/closed/);
    const after = await call('GtmPilotScorecardController.getScorecard', { opportunityId });
    expect(after.scorecardId).toBeNull();
  });

  it("starting a pilot on an open deal sets the opportunity's pilot start date", async () => {
    const open = (await createStoreData(store).listOpportunities()).find((o) => o.stageName === 'Qualification');
    const opportunityId = open!.id;
    const startOf = async () =>
      (
        await queryOne(store, 'SELECT "Pilot_Start_Date__c" AS d FROM "Opportunity" WHERE "Id" = $id', {
          id: opportunityId
        })
      )?.d ?? null;
    expect(await startOf()).toBeNull();
    const view = await call('GtmPilotScorecardController.applyTemplate', { opportunityId });
    expect(view.canSetUp).toBe(true);
    expect(view.pilotStartDate).toBe(world.today);
    expect(String(await startOf()).slice(0, 10)).toBe(world.today);
  });
});

// before: the scorecard said "No fallback path recorded" beside a gate panel showing a tested human handoff, because it
// read only the old free-text field
describe('the fallback path in words', () => {
  it('is the text a person wrote, else the structured path the gate judges, tested or not', () => {
    expect(fallbackText({ Fallback_Path__c: 'Route to tier 1', Fallback_Type__c: 'Human handoff' })).toBe(
      'Route to tier 1'
    );
    expect(
      fallbackText({ Fallback_Path__c: ' ', Fallback_Type__c: 'Human handoff', Fallback_Tested_At__c: '2026-11-19' })
    ).toBe('Human handoff (tested)');
    expect(fallbackText({ Fallback_Path__c: null, Fallback_Type__c: 'Kill switch', Fallback_Tested_At__c: null })).toBe(
      'Kill switch (not tested yet)'
    );
    expect(fallbackText({ Fallback_Path__c: null, Fallback_Type__c: null })).toBeNull();
  });
});
