/**
 * The GTM Program page's stand-in controller over the sample world with readouts built at day 90: the five KPIs with
 * their trend, the readouts with recommendations, and decisions held to the sign-off rule (the twin of the org's
 * GtmDecisionRule): an override without a reason or second approver is refused and nothing is written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProgramView } from '../../contracts/programContracts';
import { buildReadouts, writeReadouts } from '../../cockpit/readoutStore';
import { loadPolicyFile } from '../../policy/policy';
import { DECISION_MESSAGES, OVERRIDE_INCOMPLETE_MESSAGE } from '../../rules/decisionRule';
import { loadSchema } from '../../metadata/schema';
import { LocalStore } from '../../store/localStore';
import { buildSampleWorld } from '../sampleWorld';
import { decideReadout, getProgram } from '../controllers/programController';
import { queryOne } from '../controllers/storeAccess';
import type { ControllerContext } from '../controllers/context';

const policy = loadPolicyFile();
let dir: string;
let ctx: ControllerContext;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-program-'));
  await buildSampleWorld(path.join(dir, 'store.duckdb'));
  const store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
  await writeReadouts(store, policy, (await buildReadouts(store, policy, '2026-05-30T00:00:00Z')).readouts);
  ctx = { store, policy, today: '2026-05-30' };
}, 60_000);

afterAll(async () => {
  await ctx.store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GtmProgramController stand-in', () => {
  it('shows the five KPIs with a weekly trend and the readouts, to the contract', async () => {
    const view = ProgramView.parse(await getProgram(ctx, { asOf: '2026-05-30' }));
    expect(view.kpis.map((k) => k.key)).toEqual([
      'Pilot_Start_Rate',
      'Pilot_To_Production',
      'Time_To_Activation',
      'Security_Review_Cycle',
      'Logo_Churn_90'
    ]);
    expect(view.kpis[0]!.trend).toHaveLength(13);
    expect(view.readouts.map((r) => [r.experiment, r.recommendation])).toEqual([
      ['exp-001', 'Invalid'],
      ['exp-003', 'Hold'],
      ['exp-005', 'Kill'],
      ['exp-008', 'Scale']
    ]);
    expect(view.readouts.find((r) => r.experiment === 'exp-008')!.designLabel).toBe('pre/post, not randomized');
  });

  it("sends each readout's KPI unit and numbers, and leaves the deciding user out of the second approvers", async () => {
    const view = ProgramView.parse(await getProgram(ctx, { asOf: '2026-05-30' }));
    const units = new Map(view.kpis.map((k) => [k.key, k.unit]));
    for (const r of view.readouts) {
      const stored = await queryOne(
        ctx.store,
        `SELECT "Primary_Metric_Key__c" AS kpi, "Treatment_Value__c" AS t FROM "GTM_Experiment_Readout__c" WHERE "Id" = $id`,
        { id: r.readoutId! }
      );
      expect([r.unit, r.treatmentValue]).toEqual([units.get(String(stored!.kpi)), stored!.t]);
    }
    expect(new Set(view.readouts.map((r) => r.unit))).toEqual(new Set(['ratio', 'days']));
    expect(view.approvers.map((a) => a.name)).not.toContain('Workbench User');
    expect(view.approvers.length).toBeGreaterThan(0);
  });

  it('refuses an override without a reason and a second approver, and writes nothing', async () => {
    const view = await getProgram(ctx, { asOf: '2026-05-30' });
    const readout = view.readouts.find((r) => r.experiment === 'exp-003')!;
    await expect(decideReadout(ctx, { readoutId: readout.readoutId!, decision: 'Kill' })).rejects.toThrow(
      OVERRIDE_INCOMPLETE_MESSAGE
    );
    const stored = await queryOne(
      ctx.store,
      'SELECT "Decision__c" AS d, "Published__c" AS p FROM "GTM_Experiment_Readout__c" WHERE "Id" = $id',
      { id: readout.readoutId! }
    );
    expect(stored).toEqual({ d: null, p: null });
  });

  it('a decision that follows the recommendation signs the experiment off; the readout is then locked', async () => {
    const view = await getProgram(ctx, { asOf: '2026-05-30' });
    const readout = view.readouts.find((r) => r.experiment === 'exp-005')!;
    const after = await decideReadout(ctx, { readoutId: readout.readoutId!, decision: 'Kill', asOf: '2026-05-30' });
    const decided = after.readouts.find((r) => r.experiment === 'exp-005')!;
    expect([decided.decision, decided.published, decided.decidedBy]).toEqual(['Kill', true, 'Workbench User']);
    const experiment = await queryOne(
      ctx.store,
      `SELECT "Status__c" AS s, "Owner_Sign_Off__c" AS o FROM "GTM_Experiment__c" WHERE "Experiment_Key__c" = 'exp-005'`
    );
    expect(experiment).toEqual({ s: 'Kill', o: true });
    await expect(decideReadout(ctx, { readoutId: readout.readoutId!, decision: 'Kill' })).rejects.toThrow(
      DECISION_MESSAGES.published_readout_locked
    );
  });

  it('an override with a reason and another approver is saved', async () => {
    const view = await getProgram(ctx, { asOf: '2026-05-30' });
    const readout = view.readouts.find((r) => r.experiment === 'exp-008')!;
    const other = view.approvers.find((a) => a.name !== 'Workbench User')!;
    const after = await decideReadout(ctx, {
      readoutId: readout.readoutId!,
      decision: 'Hold',
      overrideReason: 'one more month of activations before the blueprint goes to every onboarding',
      secondApproverId: other.id
    });
    expect(after.readouts.find((r) => r.experiment === 'exp-008')).toMatchObject({
      decision: 'Hold',
      overrideReason: 'one more month of activations before the blueprint goes to every onboarding',
      secondApprover: other.name
    });
  });
});
