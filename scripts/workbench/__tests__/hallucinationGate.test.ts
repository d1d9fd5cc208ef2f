/**
 * exp-006 in the workbench: the sample audits (data/sample/audits, ingested with the real gtm audit ingest) put one
 * pilot in each gate state, and the production-approval stage gate judges them with the same rule: a Provisional
 * audit is refused with the reason in words, a Passed strict audit with a tested fallback is allowed.
 */
import { ingestSampleAudits, SAMPLE_AUDITS } from '../../audit/sampleAudits';
import { loadPolicyFile } from '../../policy/policy';
import type { StagePort } from '../controllerPort';
import { createStoreData, createStoreStages } from '../controllers';
import { closeSampleWorld, openSampleWorld, type OpenWorld } from './standInWorld';

jest.setTimeout(120_000);

let open: OpenWorld;
let stages: StagePort;
const policy = loadPolicyFile();
const PRODUCTION = policy.text('Stage_Production_Approval');

beforeAll(async () => {
  open = await openSampleWorld('gtm-audit-gate-');
  await ingestSampleAudits(open.store, policy, open.world.today);
  stages = createStoreStages(open.store, open.world.today);
});
afterAll(() => closeSampleWorld(open));

async function deal(name: string) {
  const o = (await createStoreData(open.store).listOpportunities()).find((x) => x.name === name);
  if (!o) throw new Error(`no opportunity ${name}`);
  return o;
}

const named = (state: string) => SAMPLE_AUDITS.find((a) => a.expected === state)!.deal;

it('a deal whose audit is Provisional is refused production approval with the reason in words', async () => {
  const o = await deal(named('Provisional'));
  const move = await stages.move(o.id, PRODUCTION);
  expect(move.allowed).toBe(false);
  expect(move.blockers).toEqual([
    'hallucination gate is Provisional: the one-sided 95% upper bound 2.21% (1 of 200) is above the 2.00% maximum; at n = 200 the strict gate allows 0'
  ]);
  expect(move.message).toContain('the one-sided 95% upper bound 2.21% (1 of 200) is above the 2.00% maximum');
});

it('a deal with a Passed strict audit and a tested fallback is allowed', async () => {
  const o = await deal(named('Passed'));
  expect(await stages.move(o.id, PRODUCTION)).toMatchObject({ allowed: true, stageName: PRODUCTION, blockers: [] });
});

it.each([
  ['Failed', /^hallucination gate is Failed: critical hallucinations found: 1$/],
  ['Pending', /^hallucination gate is Pending: audit has 120 scored responses; the minimum is 200$/],
  [
    'Expired',
    /^hallucination gate is Expired: the latest audit tested model openai:gpt-4o-2024-08-06, .*the deal deploys model openai:gpt-4\.1-2025-04-14/
  ]
])('a deal whose audit is %s is refused, saying why', async (state, reason) => {
  const move = await stages.move((await deal(named(state))).id, PRODUCTION);
  expect(move.allowed).toBe(false);
  expect(move.blockers).toHaveLength(1);
  expect(move.blockers[0]).toMatch(reason);
});

it('the pilot scorecard panel shows the same blocker as the gate', async () => {
  const o = await deal(named('Provisional'));
  const card = await open.controllers['GtmPilotScorecardController.getScorecard']({ opportunityId: o.id });
  expect(card.readiness.ready).toBe(false);
  expect(card.readiness.blockers).toEqual([
    expect.objectContaining({
      code: 'audit_not_passed',
      message: expect.stringMatching(/^hallucination gate is Provisional: /)
    })
  ]);
});
