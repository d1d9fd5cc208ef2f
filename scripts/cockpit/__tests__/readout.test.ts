/**
 * Experiment readouts: the estimate per unit (rates: Newcombe / Katz / Fisher; durations: KM medians and log-rank on
 * the Freireich 6-MP data, Kleinbaum & Klein ch. 2: medians 23 vs 8, log-rank chi-square 16.79), the design label,
 * the minimum sample at lock (Schoenfeld 1981 for durations), and the readouts built and written from a store.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKpiContracts } from '../kpiContracts';
import { loadProtocols, minimumSamplePerArm, designLabel, type Protocol } from '../protocols';
import { buildExperimentReadout, type ReadoutFacts } from '../readout';
import { buildReadouts, frozenMinimums, writeReadouts } from '../readoutStore';
import { loadPolicyFile, Policy } from '../../policy/policy';
import { buildSampleWorld } from '../../workbench/sampleWorld';
import { LocalStore } from '../../store/localStore';
import { loadSchema } from '../../metadata/schema';
import { sampleSizePerArm } from '../../stats/power';
import type { Observation } from '../../stats/survival';

const policy = loadPolicyFile();
const contracts = new Map(loadKpiContracts().map((c) => [c.key, c]));
const obs = (events: number[], censored: number[]): Observation[] => [
  ...events.map((time) => ({ time, event: true })),
  ...censored.map((time) => ({ time, event: false }))
];
const sixMp = obs([6, 6, 6, 7, 10, 13, 16, 22, 23], [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]);
const placebo = obs([1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23], []);

function facts(change: Partial<ReadoutFacts>): ReadoutFacts {
  const protocol: Protocol = {
    experiment: 'exp-008',
    primaryKpi: 'Time_To_Activation',
    method: 'km_duration',
    design: 'pre_post',
    guardrails: [],
    lockedAt: '2026-03-09T00:00:00Z'
  };
  return {
    experiment: { key: 'exp-008', name: 'Blueprint', decisionDate: '2026-04-26', missing: [] },
    protocol,
    contract: contracts.get('Time_To_Activation')!,
    minSamplePerArm: 9,
    arms: { kind: 'duration', treatment: placebo, control: sixMp },
    srmP: null,
    freshness: '2026-05-29T00:00:00Z',
    guardrails: [],
    criticalSafetyIncidents: 0,
    safetyGatePassing: null,
    reliability: null,
    ...change
  };
}

describe('buildExperimentReadout', () => {
  it('durations: shorter is better; KM medians 8 vs 23 and the one-sided log-rank p from 16.79 on 1 df', () => {
    const r = buildExperimentReadout(facts({}), policy, '2026-05-30T00:00:00Z');
    expect(r.arms.map((a) => [a.arm, a.label, a.n, a.events, a.value, a.atRisk])).toEqual([
      ['Treatment', 'program', 21, 21, 8, 0],
      ['Control', 'before the program', 21, 9, 23, 12]
    ]);
    expect(r.estimate.relativeImprovement).toBeCloseTo((23 - 8) / 23, 10);
    // two-sided p 4.2e-5 (chi-square 16.79): one-sided in the favourable direction is half of it
    expect(r.estimate.p!).toBeCloseTo(4.2e-5 / 2, 6);
    expect(r.designLabel).toBe('pre/post, not randomized');
    expect(r.key).toBe('exp-008|2026-05-30');
    expect(r.recommendation).toBe('Scale');
    // the same facts give the same bytes and hash
    expect(JSON.stringify(buildExperimentReadout(facts({}), policy, '2026-05-30T00:00:00Z'))).toBe(JSON.stringify(r));
  });

  it("durations: the minimum is Schoenfeld's events per arm, so censored subjects do not meet it", () => {
    // 21 subjects in each arm, but the 6-MP arm has 9 events: a minimum of 10 events is not met, and the same
    // improvement is a Hold, not a Scale
    const r = buildExperimentReadout(facts({ minSamplePerArm: 10 }), policy, '2026-05-30T00:00:00Z');
    expect([r.validity.minSampleCounts, r.validity.minSampleMet]).toEqual(['events', false]);
    expect(r.recommendation).toBe('Hold');
    expect(r.fired.map((f) => f.text)).toContain('improvement 65.2% > 0 but events 9 < 10 per arm');
  });

  it('durations the wrong way round: longer times are no improvement, Kill after the decision date', () => {
    const r = buildExperimentReadout(
      facts({ arms: { kind: 'duration', treatment: sixMp, control: placebo } }),
      policy,
      '2026-05-30T00:00:00Z'
    );
    expect(r.estimate.relativeImprovement!).toBeLessThan(0);
    expect(r.estimate.p!).toBeGreaterThan(0.5);
    expect(r.recommendation).toBe('Kill');
  });

  it('rates: Newcombe interval, Katz lift and one-sided Fisher; a stale source is Invalid', () => {
    const rate = facts({
      contract: contracts.get('Pilot_Start_Rate')!,
      protocol: { ...facts({}).protocol, design: 'randomized', method: 'exact_binary' },
      arms: { kind: 'rate', treatment: { k: 56, n: 70, atRisk: 3 }, control: { k: 48, n: 80, atRisk: 1 } },
      freshness: '2026-05-01T00:00:00Z'
    });
    const r = buildExperimentReadout(rate, policy, '2026-05-30T00:00:00Z');
    // Newcombe 1998 (difference paper), Table II example (c): 56/70 - 48/80 = 0.2000, 95% 0.0524 to 0.3339
    expect(r.estimate.absoluteImprovement).toBeCloseTo(0.2, 10);
    expect(r.estimate.interval!.low).toBeCloseTo(0.0524, 4);
    expect(r.estimate.interval!.high).toBeCloseTo(0.3339, 4);
    expect(r.estimate.relativeImprovement).toBeCloseTo(0.8 / 0.6 - 1, 10);
    expect(r.designLabel).toBe('randomized');
    expect(r.validity.windowsOpen).toBe(4);
    expect(r.recommendation).toBe('Invalid');
    // which source and what it means, in words
    expect(r.fired[0]!.text).toBe(
      'the primary source has no record newer than 29 days before this day (at most 7 allowed): the result may not reflect current data until it is synced again'
    );
    const named = buildExperimentReadout(
      { ...rate, freshnessSource: 'Pilot Start Rate data (Opportunity)', matchedControls: true },
      policy,
      '2026-05-30T00:00:00Z'
    );
    expect(named.fired[0]!.text).toMatch(/^Pilot Start Rate data \(Opportunity\) has no record newer than 29 days/);
    // exp-001 as the routing readout states it: target accounts in matched pairs, the rest randomized
    expect(named.designLabel).toBe('randomized; target accounts matched, not randomized');
    // it is stored in GTM_Experiment_Readout__c.Design_Label__c, a Text(60)
    expect(named.designLabel.length).toBeLessThanOrEqual(60);
  });
});

describe('protocols', () => {
  it('labels every non-randomized design', () => {
    expect(designLabel('matched')).toBe('matched, not randomized');
    expect(designLabel('pre_post')).toBe('pre/post, not randomized');
  });

  it('minimum sample at lock: baseline against target, two proportions for a rate, Schoenfeld events for a duration', () => {
    const alpha = policy.number('Readout_Alpha');
    const b = policy.number('Pilot_Start_Rate_Baseline');
    const t = policy.number('Pilot_Start_Rate_Target');
    expect(minimumSamplePerArm(contracts.get('Pilot_Start_Rate')!, policy)).toBe(
      sampleSizePerArm(b, t, { alpha, sides: 1, power: policy.number('Readout_Power') })
    );
    // 14 -> 8 days: hazard ratio 1.75; 4 (1.6449 + 0.8416)^2 / ln(1.75)^2 = 78.97 events, 40 per arm (one-sided 0.05,
    // power 0.80; Schoenfeld 1981)
    expect(minimumSamplePerArm(contracts.get('Time_To_Activation')!, policy)).toBe(40);
    const flat = new Policy(
      { ...policy.entries, Activation_Days_Target: { ...policy.entries.Activation_Days_Baseline! } },
      policy.version,
      'baseline = target'
    );
    expect(() => minimumSamplePerArm(contracts.get('Time_To_Activation')!, flat)).toThrow(
      'KPI contract Time_To_Activation: baseline Activation_Days_Baseline equals target Activation_Days_Target (14): no effect to size the experiment for'
    );
  });

  it('the shipped protocols name known KPIs; a bad row is refused naming line and field', () => {
    const all = loadProtocols([...contracts.keys()]);
    expect(all.map((p) => p.experiment)).toEqual(['exp-001', 'exp-002', 'exp-003', 'exp-005', 'exp-006', 'exp-008']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-protocols-'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(
      path.join(dir, 'data', 'experiment-protocols.csv'),
      'key,primary_kpi,analysis_method,design,guardrails,locked_at\nexp-001,Pilot_Start_Rate,t_test,randomized,,\nexp-002,Pilot_Start_Rate,exact_binary,randomized,speed,\n'
    );
    expect(() => loadProtocols([...contracts.keys()], dir)).toThrow(
      expect.objectContaining({
        details: expect.arrayContaining([
          expect.stringContaining('experiment-protocols.csv:2 [analysis_method]'),
          expect.stringContaining('experiment-protocols.csv:3 [guardrails]: speed not one of')
        ])
      })
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('readouts from the sample world', () => {
  let dir: string;
  let store: LocalStore;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gtm-readouts-'));
    await buildSampleWorld(path.join(dir, 'store.duckdb'));
    store = await LocalStore.open(path.join(dir, 'store.duckdb'), loadSchema());
  }, 60_000);
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the locked experiments, writes them keyed experiment|as-of, and a re-run changes nothing', async () => {
    const built = await buildReadouts(store, policy, '2026-05-30T00:00:00Z');
    expect(built.readouts.map((r) => r.key)).toEqual([
      'exp-001|2026-05-30',
      'exp-003|2026-05-30',
      'exp-005|2026-05-30',
      'exp-008|2026-05-30'
    ]);
    expect(built.skipped.map((s) => s.experiment)).toEqual(['exp-002', 'exp-006']);
    // the sample world holds them already (sampleProgram.ts): start from none
    await store.db.run('DELETE FROM "GTM_Experiment_Readout__c"');
    const first = await writeReadouts(store, policy, built.readouts);
    expect(first.written).toHaveLength(4);
    const again = await writeReadouts(
      store,
      policy,
      (await buildReadouts(store, policy, '2026-05-30T00:00:00Z')).readouts
    );
    expect(again).toEqual({ written: [], unchanged: built.readouts.map((r) => r.key), keptPublished: [] });
    const rows = (
      await store.db.runAndReadAll(
        `SELECT r."Readout_Key__c" AS k, e."Experiment_Key__c" AS e, r."Recommendation__c" AS rec
           FROM "GTM_Experiment_Readout__c" r JOIN "GTM_Experiment__c" e ON e."Id" = r."Experiment__c" ORDER BY 1`
      )
    ).getRowObjects();
    expect(rows.map((r) => [r.k, r.e])).toEqual(built.readouts.map((r) => [r.key, r.experiment]));
  });

  it('never rewrites a published readout', async () => {
    await store.db.run(`UPDATE "GTM_Experiment_Readout__c" SET "Published__c" = true, "Content_Hash__c" = 'old'
      WHERE "Readout_Key__c" = 'exp-001|2026-05-30'`);
    const built = await buildReadouts(store, policy, '2026-05-30T00:00:00Z');
    const result = await writeReadouts(store, policy, built.readouts);
    expect(result.keptPublished).toEqual(['exp-001|2026-05-30']);
    const hash = (
      await store.db.runAndReadAll(
        `SELECT "Content_Hash__c" AS h FROM "GTM_Experiment_Readout__c" WHERE "Readout_Key__c" = 'exp-001|2026-05-30'`
      )
    ).getRowObjects()[0]!.h;
    expect(hash).toBe('old');
  });

  it('freezes the minimum sample per arm at lock: a policy change after lock moves neither readouts nor the record', async () => {
    const stored = async () =>
      (
        await store.db.runAndReadAll(
          `SELECT "Experiment_Key__c" AS e, "Min_Sample_Per_Arm__c" AS m FROM "GTM_Experiment__c"
            WHERE "Protocol_Locked_At__c" IS NOT NULL ORDER BY 1`
        )
      ).getRowObjects();
    const atLock = await stored();
    const exp008 = Number(atLock.find((r) => r.e === 'exp-008')!.m);
    expect(exp008).toBe(minimumSamplePerArm(contracts.get('Time_To_Activation')!, policy));
    // after lock, the activation target moves from 8 to 11 days: the minimum computed now would be several times larger
    const later = new Policy(
      { ...policy.entries, Activation_Days_Target: { ...policy.entries.Activation_Days_Target!, value: '11' } },
      policy.version,
      'policy changed after lock'
    );
    expect(minimumSamplePerArm(contracts.get('Time_To_Activation')!, later)).toBeGreaterThan(3 * exp008);
    const built = await buildReadouts(store, later, '2026-05-30T00:00:00Z');
    expect(built.readouts.find((r) => r.experiment === 'exp-008')!.validity.minSamplePerArm).toBe(exp008);
    await writeReadouts(store, later, built.readouts);
    expect(await stored()).toEqual(atLock);
    // a re-lock (a new locked-at) computes it anew from the policy of that moment
    const protocols = loadProtocols([...contracts.keys()]).map((p) =>
      p.experiment === 'exp-008' ? { ...p, lockedAt: '2026-03-23T00:00:00Z' } : p
    );
    const relocked = await frozenMinimums(store, later, protocols, contracts);
    expect(relocked.get('exp-008')).toBe(minimumSamplePerArm(contracts.get('Time_To_Activation')!, later));
    expect(relocked.get('exp-003')).toBe(Number(atLock.find((r) => r.e === 'exp-003')!.m));
  });
});
