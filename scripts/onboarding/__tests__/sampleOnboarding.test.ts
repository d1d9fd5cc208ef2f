/**
 * exp-008 in the sample world: plans in every state the issue lists, activation computed from the world's ticket
 * export by the same sync the workbench runs, and a re-run that changes nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { createLocalSink } from '../../store/localSink';
import { LocalStore } from '../../store/localStore';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { syncSampleWorld } from '../../workbench/syncWorld';
import { syncActivation } from '../activation';
import { loadPlans, type StoredPlan } from '../planStore';
import { buildReadout } from '../readout';

jest.setTimeout(240_000);

describe('exp-008 sample world', () => {
  const policy = loadPolicyFile();
  let dir: string;
  let store: LocalStore;
  let plans: StoredPlan[];
  let exportFile: string;
  let firstActivation: Awaited<ReturnType<typeof syncSampleWorld>>['activation'];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-onboarding-world-'));
    const world = await buildSampleWorld(path.join(dir, 'world.duckdb'));
    exportFile = world.ticketExport;
    store = await LocalStore.open(path.join(dir, 'world.duckdb'), loadSchema());
    firstActivation = (await syncSampleWorld(store, world, policy)).activation;
    plans = await loadPlans(store.db);
  });
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const named = (prefix: string) => plans.find((p) => p.name.startsWith(prefix))!;
  const days = (p: StoredPlan) => (Date.parse(p.activatedAt!) - Date.parse(p.startAt)) / 86_400_000;
  const target = policy.integer('Activation_Days_Target');

  it('has a plan in every state: on track, at risk by day 3, blocked on the customer, activated on time and late, churned, converted pilot', () => {
    const everly = named('Everly');
    expect(everly).toMatchObject({ status: 'In Progress', atRisk: false });
    const tidewater = named('Tidewater');
    expect(tidewater.atRisk).toBe(true);
    expect(tidewater.atRiskReason).toMatch(/^day 5: the forecast end .* after the 8-day target/);
    expect(tidewater.steps.find((s) => s.key === 'helpdesk_connector')!.status).toBe('Open');
    const solano = named('Solano');
    expect(solano.steps.find((s) => s.key === 'security_packet')).toMatchObject({
      status: 'Blocked',
      side: 'Customer',
      blockedReason: "Waiting for the customer's DPA signature (legal review)"
    });
    const activated = plans.filter((p) => p.arm === 'Blueprint' && p.status === 'Activated');
    expect(activated.some((p) => days(p) <= target)).toBe(true);
    expect(activated.some((p) => days(p) > target)).toBe(true);
    expect(named('Zephyr')).toMatchObject({ status: 'Churned', activatedAt: null });
    const vantage = named('Vantage');
    const step = (k: string) => vantage.steps.find((s) => s.key === k)!;
    // done during the pilot: the scorecard (kickoff) and the security packet keep their pilot dates, before the start
    expect(step('kickoff').status).toBe('Done');
    expect(Date.parse(step('kickoff').completedAt!)).toBeLessThan(Date.parse(vantage.startAt));
    expect(Date.parse(step('security_packet').completedAt!)).toBeLessThan(Date.parse(vantage.startAt));
    expect(plans.filter((p) => p.arm === 'Legacy').length).toBeGreaterThanOrEqual(10);
  });

  it('activation comes from the ticket export with its evidence; a re-run changes nothing', async () => {
    expect(firstActivation.activated).toBeGreaterThanOrEqual(5);
    for (const p of plans.filter((x) => x.arm === 'Blueprint' && x.status === 'Activated')) {
      const evidence = JSON.parse(p.evidence!) as {
        ai_resolved: number;
        minimum: number;
        source: string;
        go_live_done_at: string;
      };
      expect(evidence.source).toBe(path.basename(exportFile));
      expect(evidence.ai_resolved).toBeGreaterThanOrEqual(policy.integer('Activation_Min_Ai_Resolved'));
      expect(Date.parse(p.activatedAt!)).toBeGreaterThanOrEqual(Date.parse(evidence.go_live_done_at));
    }
    const again = await syncActivation(createLocalSink(store), exportFile, policy);
    expect(again).toMatchObject({ activated: 0, written: 0 });
    expect(await loadPlans(store.db)).toEqual(plans);
  });

  it('the readout compares the arms pre/post and shows the censored plans', async () => {
    const r = await buildReadout(store.db, policy, 'exp-008', Date.parse('2026-11-24T00:00:00Z'));
    expect(r.design).toBe('pre/post, not randomized');
    const blueprint = r.arms.find((a) => a.arm === 'Blueprint')!;
    expect(blueprint.censoredAtAsOf).toBeGreaterThanOrEqual(4);
    expect(blueprint.censoredAtChurn).toBe(1);
    expect(r.arms.find((a) => a.arm === 'Legacy')!.median.time).toBeGreaterThan(target);
  });
});
