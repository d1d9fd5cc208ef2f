/**
 * The workbench's stage gate (issue 13, defect 9) over the sample world: the same moves GtmOpportunityTrigger
 * refuses are refused with the trigger's words, every other move goes through, a policy bypass lets a blocked move
 * through and logs it on the opportunity, and a stage the org does not have is a clear error.
 */
import { loadPolicyFile, Policy } from '../../policy/policy';
import type { StagePort } from '../controllerPort';
import { createStoreData, createStoreStages } from '../controllers';
import { queryOne, workbenchUserId } from '../controllers/storeAccess';
import { closeSampleWorld, openSampleWorld, refusalOf, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

let open: OpenWorld;
let stages: StagePort;
const policy = loadPolicyFile();
const PRODUCTION = policy.text('Stage_Production_Approval');
const PROPOSAL = policy.text('Stage_Proposal');

beforeAll(async () => {
  open = await openSampleWorld('gtm-stage-gate-');
  stages = createStoreStages(open.store, open.world.today);
});

afterAll(() => closeSampleWorld(open));

async function opportunity(prefix: string) {
  const o = (await createStoreData(open.store).listOpportunities()).find((x) => x.name.startsWith(prefix));
  if (!o) throw new Error(`the sample world has no opportunity "${prefix}..."`);
  return o;
}

async function stageOf(id: string): Promise<string> {
  const r = await queryOne(open.store, 'SELECT "StageName" FROM "Opportunity" WHERE "Id" = $id', { id });
  return String(r!.StageName);
}

describe('the workbench stage gate', () => {
  it('refuses a pilot that is not ready with the trigger message and the panel blockers, and keeps the stage', async () => {
    const o = await opportunity('Contoso Health');
    const card = await open.controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: o.id });
    expect(card.readiness.ready).toBe(false);
    const move = await stages.move(o.id, PRODUCTION);
    expect(move).toEqual({
      allowed: false,
      stageName: o.stageName,
      message: `Cannot move to ${PRODUCTION}: the pilot is not ready for production approval. ${move.blockers.join('; ')}.`,
      blockers: expect.any(Array),
      bypassed: false
    });
    // the same findings as the panel's, in the same order: the panel writes scores and dates its way (percent, the
    // user's date format); the trigger's words are the rule's
    expect(move.blockers).toHaveLength(card.readiness.blockers.length);
    const rule = await open.controllers['GtmPilotScorecardController.requestProductionApproval']({
      opportunityId: o.id
    });
    expect(rule.blockers.map((b) => b.code)).toEqual(card.readiness.blockers.map((b) => b.code));
    expect(await stageOf(o.id)).toBe(o.stageName);
  });

  it('refuses a pilot without a scorecard, saying so first', async () => {
    const o = await opportunity('Brightline Manufacturing');
    const move = await stages.move(o.id, policy.text('Stage_Closed_Won'));
    expect(move.allowed).toBe(false);
    expect(move.blockers[0]).toBe(
      'the pilot has no scorecard: apply the standard template on the Pilot Scorecard panel'
    );
  });

  it('refuses an enterprise proposal with expired collateral, naming the item', async () => {
    const o = await opportunity('Crescent Retail Group');
    // back to an earlier stage first: the gate judges a move into the proposal stage
    expect((await stages.move(o.id, 'Qualification')).allowed).toBe(true);
    const move = await stages.move(o.id, PROPOSAL);
    expect(move.allowed).toBe(false);
    expect(move.message).toMatch(
      new RegExp(
        `^Cannot move to ${PROPOSAL.replace(/[/]/g, '\\/')}: enterprise opportunities need current security/trust collateral through the close date\\. .* expired \\(\\d{4}-\\d{2}-\\d{2}\\)`
      )
    );
    expect(await stageOf(o.id)).toBe('Qualification');
  });

  it('lets a ready pilot and an ungated move through and saves the stage', async () => {
    const ready = await opportunity('Acme Outfitters');
    expect(await stages.move(ready.id, PRODUCTION)).toEqual({
      allowed: true,
      stageName: PRODUCTION,
      message: null,
      blockers: [],
      bypassed: false
    });
    expect(await stageOf(ready.id)).toBe(PRODUCTION);
    const blocked = await opportunity('Alder Pharma');
    expect((await stages.move(blocked.id, 'Qualification')).allowed).toBe(true);
    expect(await stageOf(blocked.id)).toBe('Qualification');
  });

  it('with the policy bypass on, a blocked move goes through and is logged on the opportunity', async () => {
    const entries = { ...policy.entries };
    entries.Gate_Bypass_Production_Readiness = { ...entries.Gate_Bypass_Production_Readiness!, value: 'true' };
    const bypassing = createStoreStages(open.store, open.world.today, {
      policy: new Policy(entries, policy.version, 'test policy')
    });
    const o = await opportunity('Fabrikam Insurance');
    const move = await bypassing.move(o.id, PRODUCTION);
    expect(move).toMatchObject({ allowed: true, stageName: PRODUCTION, bypassed: true });
    expect(move.blockers.length).toBeGreaterThan(0);
    const r = await queryOne(open.store, 'SELECT "GTM_Gate_Bypass_Log__c" FROM "Opportunity" WHERE "Id" = $id', {
      id: o.id
    });
    const user = await workbenchUserId(open.store);
    expect(String(r!.GTM_Gate_Bypass_Log__c)).toBe(
      `${open.world.today} Production readiness gate bypassed (policy) by Workbench User (${user}) entering ${PRODUCTION}: ${move.blockers.join('; ')}`
    );
  });

  it('refuses a stage the org does not have, naming the ones it has', async () => {
    const o = await opportunity('Contoso Health');
    const message = await refusalOf(stages.move(o.id, 'Production Aproval'));
    expect(message).toMatch(/^Stage: "Production Aproval" is not a stage of this org \(one of .*Production Approval/);
    expect((await stages.options(o.id)).stages).toContain(PRODUCTION);
  });
});
