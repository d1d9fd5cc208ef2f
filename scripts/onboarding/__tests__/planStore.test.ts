import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSchema } from '../../metadata/schema';
import { loadPolicyFile } from '../../policy/policy';
import { calendarOf, evaluatePlan, slipDays } from '../../rules/onboardingRule';
import { businessHoursNamed, LOCAL_BUSINESS_HOURS } from '../../store/businessHours';
import { LocalStore } from '../../store/localStore';
import { raiseAlerts } from '../alerts';
import { activeBlueprint, loadBlueprints, planStepsOf } from '../blueprint';
import { createPlan, evaluateStoredPlan, loadPlans } from '../planStore';

const HOURS = 'Onboarding New York';
const MONDAY = '2026-11-09T15:00:00Z';
const policy = loadPolicyFile();

describe('the onboarding blueprint in force-app', () => {
  it('v1 is active, has one go-live gate and a baseline of the 8-day target from a Monday start', () => {
    const v1 = activeBlueprint();
    expect(v1.name).toBe('Implementation_v1');
    expect(v1.steps.filter((s) => s.gate).map((s) => s.key)).toEqual(['go_live']);
    expect(new Set(v1.steps.map((s) => s.side))).toEqual(new Set(['Ours', 'Customer']));
    const cal = calendarOf(LOCAL_BUSINESS_HOURS[HOURS]!);
    const baseline = evaluatePlan(MONDAY, planStepsOf(v1), cal, MONDAY).forecastEnd;
    expect(slipDays(cal, MONDAY, baseline)).toBe(policy.integer('Activation_Days_Target'));
  });

  it('refuses a blueprint step whose link or dependency the rule would not take, naming the record', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-blueprint-'));
    const cmdt = path.join(dir, 'force-app', 'main', 'default', 'customMetadata');
    fs.mkdirSync(cmdt, { recursive: true });
    const source = path.join(__dirname, '..', '..', '..', 'force-app', 'main', 'default', 'customMetadata');
    for (const f of fs.readdirSync(source).filter((f) => f.startsWith('GTM_Onboarding_')))
      fs.copyFileSync(path.join(source, f), path.join(cmdt, f));
    const goLive = path.join(cmdt, 'GTM_Onboarding_Step.Implementation_v1_GoLive.md-meta.xml');
    const original = fs.readFileSync(goLive, 'utf8');
    fs.writeFileSync(goLive, original.replace('fallback_tested;security_packet', 'fallback_tested;dpa'));
    expect(() => loadBlueprints(dir)).toThrow(
      'onboarding blueprint Implementation_v1: step go_live depends on dpa, which is not in the plan'
    );
    fs.writeFileSync(goLive, original.replace('<value xsi:nil="true"/>', '<value xsi:type="xsd:string">crm</value>'));
    expect(() => loadBlueprints(dir)).toThrow(/GoLive\.md-meta\.xml: Links_To__c "crm" is not one of security_packet/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('onboarding plans in the local store', () => {
  let dir: string;
  let store: LocalStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-onboarding-'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    await store.db.run(`INSERT INTO "Account" ("Id", "Name") VALUES ('001A', 'Aspen Dental')`);
    await store.db.run(
      `INSERT INTO "Opportunity" ("Id", "Name", "AccountId") VALUES ('006A', 'Aspen - Copilot', '001A')`
    );
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const newPlan = () =>
    createPlan(store, { accountId: '001A', opportunityId: '006A', startAt: MONDAY, hoursName: HOURS, name: 'Aspen' });
  const at = (hoursAfterStart: number) =>
    new Date(Date.parse(MONDAY) + hoursAfterStart * 3_600_000).toISOString().slice(0, 19) + 'Z';

  it('creates one plan per deal, pinned to the blueprint, with only the first step released and the baseline frozen', async () => {
    const first = await newPlan();
    expect(first.created).toBe(true);
    const again = await newPlan();
    expect(again).toMatchObject({ created: false, plan: { id: first.plan.id } });
    const plan = first.plan;
    expect(plan).toMatchObject({
      key: 'onb:006A',
      blueprint: 'Implementation_v1',
      blueprintVersion: 1,
      arm: 'Blueprint'
    });
    expect(plan.status).toBe('In Progress');
    expect(plan.baselineEnd).toBe(plan.forecastEnd);
    expect(plan.steps.map((s) => s.status)).toEqual(['Open', ...Array(plan.steps.length - 1).fill('Not released')]);
    expect((await loadPlans(store.db)).length).toBe(1);
  });

  it('completing a step releases its dependents; finishing early moves the forecast earlier; the baseline stays', async () => {
    const { plan } = await newPlan();
    const stepId = (key: string) => plan.steps.find((s) => s.key === key)!.key;
    const p1 = await evaluateStoredPlan(store, plan.id, at(1), policy, { step: stepId('kickoff'), kind: 'complete' });
    expect(p1.steps.filter((s) => s.status === 'Open').map((s) => s.key)).toEqual([
      'helpdesk_connector',
      'security_packet'
    ]);
    expect(p1.forecastEnd).toBe(plan.forecastEnd);
    const p2 = await evaluateStoredPlan(store, plan.id, at(2), policy, {
      step: 'helpdesk_connector',
      kind: 'complete'
    });
    expect(p2.steps.find((s) => s.key === 'knowledge_sync')!.status).toBe('Open');
    expect(Date.parse(p2.forecastEnd)).toBeLessThan(Date.parse(plan.forecastEnd));
    expect(p2.slipDays).toBe(-1);
    expect(p2.baselineEnd).toBe(plan.baselineEnd);
  });

  it('reopening keeps the dependents as they were, flagged; re-evaluating writes nothing new', async () => {
    const { plan } = await newPlan();
    await evaluateStoredPlan(store, plan.id, at(1), policy, { step: 'kickoff', kind: 'complete' });
    const done = await evaluateStoredPlan(store, plan.id, at(2), policy, {
      step: 'helpdesk_connector',
      kind: 'complete'
    });
    const reopened = await evaluateStoredPlan(store, plan.id, at(3), policy, {
      step: 'helpdesk_connector',
      kind: 'reopen'
    });
    const before = done.steps.find((s) => s.key === 'knowledge_sync')!;
    const after = reopened.steps.find((s) => s.key === 'knowledge_sync')!;
    expect(after).toMatchObject({
      status: 'Open',
      releasedAt: before.releasedAt,
      dueAt: before.dueAt,
      dependencyReopened: true
    });
    const same = await evaluateStoredPlan(store, plan.id, at(3), policy);
    expect(same).toEqual(reopened);
  });

  it('is at risk from the check day when the forecast passes start + target, and says why', async () => {
    const { plan } = await newPlan();
    // nothing done by Thursday 10:00 (day 3): kickoff is overdue and the chain now ends after the target
    const thursday = await evaluateStoredPlan(store, plan.id, at(72), policy);
    expect(thursday.atRisk).toBe(true);
    expect(thursday.atRiskReason).toMatch(
      /^day 3: the forecast end 2026-11-\d\d is \d days? after the 8-day target \(2026-11-17\)$/
    );
    expect(thursday.slipDays).toBeGreaterThan(0);
    const tuesday = await evaluateStoredPlan(store, plan.id, at(24), policy);
    expect(tuesday.atRisk).toBe(false);
  });

  it('refuses an action the rule refuses and writes nothing', async () => {
    const { plan } = await newPlan();
    await expect(
      evaluateStoredPlan(store, plan.id, at(1), policy, { step: 'kickoff', kind: 'skip', reason: '' })
    ).rejects.toThrow('step kickoff: say why it is skipped (a reason is required to skip)');
    expect((await loadPlans(store.db))[0]).toEqual(plan);
  });

  it('a plan naming business hours the store does not know is refused by name', () => {
    expect(() => businessHoursNamed('Sydney Support', 'plan onb:x')).toThrow(
      'plan onb:x: Business_Hours_Name__c "Sydney Support" is not a business-hours schedule the local store knows'
    );
    expect(businessHoursNamed(null, 'x').timeZone).toBe('UTC');
  });
});

describe('onboarding alerts as Tasks', () => {
  it('creates a Task per overdue step and a chase for the customer step, once each', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-alerts-'));
    const store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
    try {
      await store.db.run(`INSERT INTO "Account" ("Id", "Name", "OwnerId") VALUES ('001A', 'Aspen', '005CSM')`);
      await store.db.run(`INSERT INTO "Opportunity" ("Id", "Name", "AccountId") VALUES ('006A', 'Aspen', '001A')`);
      const { plan } = await createPlan(store, {
        accountId: '001A',
        opportunityId: '006A',
        startAt: MONDAY,
        hoursName: HOURS,
        name: 'Aspen'
      });
      await evaluateStoredPlan(store, plan.id, '2026-11-09T16:00:00Z', policy, { step: 'kickoff', kind: 'complete' });
      // the customer's connector was due Tuesday; Friday 10:00 is more than 2 business days past it
      const friday = '2026-11-13T15:00:00Z';
      const first = await raiseAlerts(store, friday, policy);
      expect(first.map((a) => `${a.step}:${a.kind}:${a.created}`)).toEqual([
        'helpdesk_connector:overdue:true',
        'helpdesk_connector:chase:true',
        'security_packet:overdue:true'
      ]);
      expect(first.every((a) => a.ownerId === '005CSM')).toBe(true);
      const again = await raiseAlerts(store, friday, policy);
      expect(again.every((a) => !a.created)).toBe(true);
      const tasks = (await store.db.runAndReadAll(`SELECT count(*) AS n FROM "Task"`)).getRowObjects()[0]!;
      expect(Number(tasks.n)).toBe(3);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
