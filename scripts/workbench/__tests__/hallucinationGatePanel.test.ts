/**
 * The hallucination gate panel's stand-in (GtmHallucinationGateController over the store) on the sample world's
 * audits: the gate in each state with its statistics, runs, failing cases and fallback, held to the contract; a
 * reviewer's verdict on the panel recounts the audit and the production-approval gate follows.
 */
import { SAMPLE_AUDITS, ingestSampleAudits } from '../../audit/sampleAudits';
import { loadPolicyFile } from '../../policy/policy';
import { queryRows } from '../controllers/storeAccess';
import { createStoreData, createStoreStages } from '../controllers';
import { findTour } from '../tour';
import { closeSampleWorld, contractCall, openSampleWorld, refusalOf, type OpenWorld } from './standInWorld';

jest.setTimeout(180_000);

let open: OpenWorld;
const policy = loadPolicyFile();

beforeAll(async () => {
  open = await openSampleWorld('gtm-gate-panel-');
  await ingestSampleAudits(open.store, policy, open.world.today);
});
afterAll(() => closeSampleWorld(open));

async function dealId(state: string): Promise<string> {
  const name = SAMPLE_AUDITS.find((a) => a.expected === state)!.deal;
  const o = (await createStoreData(open.store).listOpportunities()).find((x) => x.name === name);
  if (!o) throw new Error(`no opportunity ${name}`);
  return o.id;
}
const panel = async (state: string) =>
  contractCall(open.controllers, 'GtmHallucinationGateController.getGatePanel', {
    opportunityId: await dealId(state)
  });

it('a Provisional deal: its statistics, the n at which its rate would pass, the failing case, run and fallback', async () => {
  const v = await panel('Provisional');
  expect(v).toMatchObject({
    status: 'Provisional',
    basis: 'upper_bound',
    maxRateText: policy.decimal('Hallucination_Max_Rate'),
    minSample: policy.integer('Hallucination_Min_Sample'),
    responses: 200,
    hallucinated: 1,
    critical: 0,
    rate: 0.005,
    wilsonLow: 0.000883,
    wilsonHigh: 0.027774,
    upperBound: 0.022098,
    allowedHallucinations: 0,
    passingN: 236,
    itemsNotListed: 0
  });
  expect(v.reasons[0]).toMatch(/one-sided 95% upper bound 2\.21% \(1 of 200\) is above the 2\.00% maximum/);
  expect(v.runs).toEqual([
    expect.objectContaining({ tool: 'deepeval', runId: 'oakridge-run-0611', pooled: true, responses: 200 })
  ]);
  expect(v.runs[0]!.runAt).toMatch(/^\d{4}-\d{2}-\d{2}T10:00:00\.000Z$/);
  expect(v.items).toEqual([
    expect.objectContaining({
      caseId: 'T-0058',
      verdict: 'hallucinated',
      humanVerdict: null,
      runId: 'oakridge-run-0611'
    })
  ]);
  expect(v.items[0]!.judgeReason).toBeTruthy();
  expect(v.blockers.map((b) => b.code)).toEqual(['audit_not_passed']);
  expect(v.blockers[0]!.message).toContain('hallucination gate is Provisional');
});

it('a Failed deal lists its critical case first; an Expired deal counts none of its runs but shows their cases', async () => {
  const failed = await panel('Failed');
  expect(failed).toMatchObject({ status: 'Failed', critical: 1 });
  expect(failed.items[0]).toMatchObject({ severity: 'critical', verdict: 'hallucinated' });
  const expired = await panel('Expired');
  expect(expired.status).toBe('Expired');
  expect(expired.runs.every((r) => !r.pooled)).toBe(true);
  // not counted, but its cases are shown so the reader sees what the old version did
  expect(expired.items.length).toBeGreaterThan(0);
});

it('the workbench tour points at the Provisional pilot whose failing case can be reviewed', async () => {
  const tour = await findTour(open.controllers, createStoreData(open.store));
  const stop = tour.find((s) => s.what.startsWith('a pilot whose hallucination gate is Provisional'));
  expect(stop).toBeDefined();
  const id = decodeURIComponent(/\/Opportunity\/([^/]+)\/view$/.exec(stop!.path)![1]!);
  const v = await contractCall(open.controllers, 'GtmHallucinationGateController.getGatePanel', { opportunityId: id });
  expect(v.status).toBe('Provisional');
  expect(v.items.length).toBeGreaterThan(0);
});

describe("the gate blocker's next step follows the gate's state (GtmBlockerSteps.judgedAudit)", () => {
  const gateBlocker = async (state: string) => {
    const v = await contractCall(open.controllers, 'GtmPilotScorecardController.getScorecard', {
      opportunityId: await dealId(state)
    });
    return v.readiness.blockers.find((b) => b.code === 'audit_not_passed')!;
  };

  it('Provisional or Failed on hallucinated cases: the AE reviews the failing case on the gate panel', async () => {
    for (const state of ['Provisional', 'Failed']) {
      const b = await gateBlocker(state);
      expect(b.next).toEqual({ kind: 'review_failing_cases', label: 'Review the failing case', target: null });
      expect(b.whoActs.role).toBe('account_executive');
    }
    // the gate panel lists the same step in words
    const v = await panel('Provisional');
    expect(v.blockers[0]!.next.kind).toBe('review_failing_cases');
  });

  it('Pending and Expired: a new audit is what is needed', async () => {
    for (const state of ['Pending', 'Expired']) {
      const b = await gateBlocker(state);
      expect(b.next).toEqual({
        kind: 'request_hallucination_audit',
        label: 'Request a hallucination audit',
        target: null
      });
      expect(b.whoActs.role).toBe('audit_owner');
    }
  });
});

it('a reviewer overturning the Provisional case passes the gate, and production approval follows', async () => {
  const id = await dealId('Provisional');
  const before = await panel('Provisional');
  const stages = createStoreStages(open.store, open.world.today);
  const production = policy.text('Stage_Production_Approval');
  expect((await stages.move(id, production)).allowed).toBe(false);

  const after = await contractCall(open.controllers, 'GtmHallucinationGateController.setHumanVerdict', {
    opportunityId: id,
    itemId: before.items[0]!.id,
    verdict: 'pass',
    reason: 'the article states the clinic hours as answered'
  });
  expect(after).toMatchObject({ hallucinated: 0, rate: 0, allowedHallucinations: 0 });
  expect(after.items[0]).toMatchObject({
    caseId: 'T-0058',
    verdict: 'hallucinated',
    humanVerdict: 'pass',
    humanReason: 'the article states the clinic hours as answered',
    reviewedBy: 'Workbench User'
  });
  const [audit] = await queryRows(
    open.store,
    `SELECT "Hallucinated__c", "Judge_Hallucinated__c", "Human_Overrides__c" FROM "Hallucination_Audit__c" WHERE "Run_Id__c" = 'oakridge-run-0611'`
  );
  expect(audit).toEqual({ Hallucinated__c: 0, Judge_Hallucinated__c: 1, Human_Overrides__c: 1 });
  expect(after.status).toBe('Passed');
  expect((await stages.move(id, production)).allowed).toBe(true);
});

it('refuses a case of another deal and a blank reason, saying so', async () => {
  const failed = await panel('Failed');
  const provisionalId = await dealId('Provisional');
  expect(
    await refusalOf(
      open.controllers['GtmHallucinationGateController.setHumanVerdict']({
        opportunityId: provisionalId,
        itemId: failed.items[0]!.id,
        verdict: 'pass',
        reason: 'x'
      })
    )
  ).toBe('The audited case was not found on this opportunity');
  expect(
    await refusalOf(
      open.controllers['GtmHallucinationGateController.setHumanVerdict']({
        opportunityId: failed.opportunityId,
        itemId: failed.items[0]!.id,
        verdict: 'pass',
        reason: '   '
      })
    )
  ).toMatch(/has no reason/);
  // a case of a file a newer one replaced is on record only (as GtmHallucinationGateService refuses it)
  await open.store.db.run(
    `UPDATE "Hallucination_Audit_Item__c" SET "File_Sha256__c" = 'an-older-file' WHERE "Id" = $id`,
    {
      id: failed.items[0]!.id
    }
  );
  expect(
    await refusalOf(
      open.controllers['GtmHallucinationGateController.setHumanVerdict']({
        opportunityId: failed.opportunityId,
        itemId: failed.items[0]!.id,
        verdict: 'pass',
        reason: 'grounded'
      })
    )
  ).toBe('This case belongs to a replaced file of the run: it is not counted, so it takes no verdict');
});
