/**
 * The sample world's program (sampleHistory.ts, sampleProgram.ts): on day 90 every KPI tile has a value, provisional
 * only where a window cannot have closed (pilots of the last 60 days, logos of the last 90) and then with how many
 * are at risk; the stored readouts land in each recommendation at least once, Scale among them on data that meets
 * the rule; and no deal is credited with another deal's activation or churn (the KPIs find those by account).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { LocalStore } from '../../store/localStore';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { loadKpiContracts } from '../kpiContracts';
import { readKpiSubjects } from '../kpiSubjects';
import { RECOMMENDATIONS } from '../recommendation';
import { programLastDay } from '../sampleProgram';
import { buildScorecard } from '../scorecard';

const policy = loadPolicyFile();
let dir: string;
let store: LocalStore;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-sample-program-'));
  await buildSampleWorld(path.join(dir, 'store.duckdb'));
  store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
}, 120_000);

afterAll(async () => {
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const rows = async (sql: string) => (await store.db.runAndReadAll(sql)).getRowObjects();

describe('the sample world on day 90', () => {
  it('shows a value on every KPI tile; provisional only where a window cannot have closed, with how many at risk', async () => {
    const day90 = programLastDay(policy);
    expect(day90).toBe('2026-05-30');
    const { kpis } = await buildScorecard(store, policy, `${day90}T00:00:00Z`);
    expect(kpis.map((k) => k.key)).toEqual([
      'Pilot_Start_Rate',
      'Pilot_To_Production',
      'Time_To_Activation',
      'Security_Review_Cycle',
      'Logo_Churn_90'
    ]);
    for (const k of kpis) {
      expect([k.key, k.value === null, k.status === 'Insufficient data']).toEqual([k.key, false, false]);
      expect(k.n).toBeGreaterThan(0);
    }
    const provisional = kpis.filter((k) => k.provisional).map((k) => [k.key, k.atRisk > 0]);
    // a pilot's 60-day conversion window and a logo's 90-day churn window cannot all have closed by day 90
    expect(provisional).toEqual([
      ['Pilot_To_Production', true],
      ['Logo_Churn_90', true]
    ]);
    // the medians are reached on at least the subjects a KPI needs, not provisional
    const minN = policy.integer('Kpi_Min_N');
    for (const key of ['Time_To_Activation', 'Security_Review_Cycle']) {
      const k = kpis.find((x) => x.key === key)!;
      expect([key, k.n >= minN, k.atLeast, k.status]).toEqual([key, true, null, 'Improving']);
    }
    const conversion = kpis.find((k) => k.key === 'Pilot_To_Production')!;
    expect(conversion.statusNote).toBe(`${conversion.n} closed of the ${minN} needed; ${conversion.atRisk} at risk`);
  });

  it('lands at least one stored readout in each recommendation, Scale on data that meets the rule', async () => {
    const readouts = await rows(
      `SELECT "Readout_Key__c" AS k, "Recommendation__c" AS r, "Results_Json__c" AS j FROM "GTM_Experiment_Readout__c"
        ORDER BY 1`
    );
    const seen = new Set(readouts.map((r) => String(r.r)));
    expect(RECOMMENDATIONS.filter((r) => !seen.has(r))).toEqual([]);
    const scale = readouts.filter((r) => r.r === 'Scale').map((r) => JSON.parse(String(r.j)));
    expect(scale.map((r) => r.key)).toEqual(['exp-008|2026-05-30']);
    const r = scale[0];
    // past its decision date, each arm has the locked minimum of activations (events), the median 15% or more
    // shorter than before the program, the one-sided log-rank p below alpha, no guardrail regressed
    expect(r.validity.minSampleCounts).toBe('events');
    for (const arm of r.arms) expect(arm.events).toBeGreaterThanOrEqual(r.validity.minSamplePerArm);
    expect(r.estimate.relativeImprovement).toBeGreaterThanOrEqual(policy.number('Scale_Min_Relative_Lift'));
    expect(r.estimate.p).toBeLessThan(policy.number('Readout_Alpha'));
    expect(r.guardrails.filter((g: { status: string }) => g.status === 'regressed')).toEqual([]);
    expect(r.decisionDate < '2026-05-30').toBe(true);
  });

  it("credits no deal with another deal's activation or churn", async () => {
    const contracts = new Map(loadKpiContracts().map((c) => [c.key, c]));
    const subjects = new Map(
      (await readKpiSubjects(store, contracts.get('Time_To_Activation')!, policy)).map((s) => [s.id, s.outcome])
    );
    // every activation event the history wrote for a deal is that deal's outcome, and no other deal's
    const events = await rows(
      `SELECT substr("Event_Id__c", length('crm:onboarding_activated:') + 1) AS opp,
              strftime(CAST("Occurred_At__c" AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ') AS at
         FROM "Funnel_Event__c" WHERE "Event_Id__c" LIKE 'crm:onboarding_activated:006%'`
    );
    expect(events.length).toBeGreaterThan(90);
    for (const e of events) expect([e.opp, subjects.get(String(e.opp))]).toEqual([e.opp, e.at]);
    // and no two deals of one account share an activation (the KPI finds it by account)
    const accounts = new Map(
      (await rows(`SELECT "Id" AS id, "AccountId" AS account FROM "Opportunity"`)).map((r) => [r.id, r.account])
    );
    const credited = [...subjects].filter(([, o]) => o !== null).map(([id, o]) => `${String(accounts.get(id))} ${o}`);
    expect(credited.length).toBeGreaterThan(100);
    expect(credited.filter((c, i) => credited.indexOf(c) !== i)).toEqual([]);
    // a churned logo is one deal on its account
    const churned = await rows(
      `SELECT count(*) AS deals FROM "Funnel_Event__c" e JOIN "Opportunity" o ON o."AccountId" = e."Account__c"
        WHERE e."Event_Name__c" = 'Logo Churned' AND o."StageName" = '${policy.text('Stage_Closed_Won')}'
          AND o."Type" = 'New Business' AND o."CloseDate" <= CAST(e."Occurred_At__c" AS DATE)
        GROUP BY e."Id"`
    );
    expect(churned.map((c) => Number(c.deals))).toEqual([1, 1, 1, 1]);
  });
});
