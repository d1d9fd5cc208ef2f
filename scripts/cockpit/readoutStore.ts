/**
 * The store edge of the readouts: gathers each locked experiment's facts from the local store (arms by design,
 * guardrails, freshness), and writes the registry's experiments with their locked protocols and the readouts, keyed
 * experiment|as-of. A published readout is never rewritten: a different result for a published key is reported,
 * not written.
 */
import { loadRegistry, type SObjectRecord } from '../registry/registry';
import { buildReadout as buildRoutingReadout } from '../routing/readout';
import { readReadoutRows } from '../routing/readoutStore';
import { instantText } from '../onboarding/activation';
import { probabilityGreater } from '../stats/bayes';
import type { Policy } from '../policy/policy';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';
import type { SObjectRow } from '../usage/records';
import { computeKpi, DAY_MS, instantOf, kpiObservations, type KpiSubject } from './kpi';
import { loadKpiContracts, type KpiContract } from './kpiContracts';
import { lowSignalList, type LowSignalRow } from './lowSignal';
import { kpiFreshness, readKpiSubjects } from './kpiSubjects';
import { loadProtocols, minimumSamplePerArm, type Protocol } from './protocols';
import { buildExperimentReadout, type ArmData, type ExperimentReadout, type ReadoutFacts } from './readout';
import type { GuardrailResult } from './recommendation';

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The program cohort and the same-length period before the program (pre/post designs). */
function prePostWindows(policy: Policy, asOf: string) {
  const start = policy.date('Program_Start_Date');
  const startMs = instantOf(start, 'Program_Start_Date');
  const length = Math.max(0, instantOf(asOf, '--as-of') - startMs);
  return {
    program: { from: start },
    before: { from: isoDate(startMs - Math.ceil(length / DAY_MS) * DAY_MS), until: start }
  };
}

function prePostArms(contract: KpiContract, subjects: KpiSubject[], policy: Policy, asOf: string): ArmData {
  const w = prePostWindows(policy, asOf);
  if (contract.unit === 'days')
    return {
      kind: 'duration',
      treatment: kpiObservations(contract, subjects, policy, asOf, w.program),
      control: kpiObservations(contract, subjects, policy, asOf, w.before)
    };
  // a share is compared on closed windows (a KM share by the window reads the same closed windows here)
  const asRate: KpiContract = { ...contract, method: 'rate_wilson' };
  const arm = (o: { from: string; until?: string }) => {
    const v = computeKpi(asRate, subjects, policy, asOf, o);
    return { k: v.events, n: v.n, atRisk: v.atRisk };
  };
  return { kind: 'rate', treatment: arm(w.program), control: arm(w.before) };
}

interface Sources {
  store: LocalStore;
  policy: Policy;
  asOf: string;
  contracts: Map<string, KpiContract>;
  subjects: Map<string, KpiSubject[]>;
}

async function subjectsOf(src: Sources, key: string): Promise<KpiSubject[]> {
  let s = src.subjects.get(key);
  if (!s) {
    s = await readKpiSubjects(src.store, src.contracts.get(key)!, src.policy);
    src.subjects.set(key, s);
  }
  return s;
}

/** The hallucination audits as of the as-of date: a failing latest gate per deal, and critical findings. */
async function safety(src: Sources): Promise<{ passing: boolean | null; critical: number; detail: string }> {
  const rows = (
    await src.store.db.runAndReadAll(
      `SELECT "Opportunity__c" AS opp, "Gate_Status__c" AS status, coalesce("Critical__c", 0) AS critical
         FROM "Hallucination_Audit__c"
        WHERE "Run_At__c" IS NOT NULL AND CAST("Run_At__c" AS TIMESTAMP) <= CAST('${src.asOf}' AS TIMESTAMP)
          AND CAST("Run_At__c" AS TIMESTAMP) >= CAST('${src.policy.date('Program_Start_Date')}' AS TIMESTAMP)
        QUALIFY row_number() OVER (PARTITION BY "Opportunity__c" ORDER BY "Run_At__c" DESC, "Audit_Key__c" DESC) = 1
        ORDER BY 1`
    )
  ).getRowObjects();
  if (!rows.length) return { passing: null, critical: 0, detail: 'no hallucination audit in the program' };
  const failed = rows.filter((r) => r.status === 'Failed').length;
  const critical = rows.reduce((s, r) => s + Number(r.critical), 0);
  return {
    passing: failed === 0,
    critical,
    detail: `${rows.length} deal(s) audited, ${failed} gate(s) failing, ${critical} critical finding(s)`
  };
}

async function facts(
  src: Sources,
  protocol: Protocol,
  experiment: SObjectRecord,
  minSamplePerArm: number
): Promise<ReadoutFacts> {
  const contract = src.contracts.get(protocol.primaryKpi)!;
  const guardrails: GuardrailResult[] = [];
  let arms: ArmData;
  let srmP: number | null = null;
  let reliability: number | null = null;
  let matchedControls = false;
  if (protocol.design === 'randomized') {
    // exp-001 is the program's randomized experiment: its arms are the routing assignments
    const routing = buildRoutingReadout(await readReadoutRows(src.store), src.policy, src.asOf);
    const [t, c] = routing.arms;
    arms = {
      kind: 'rate',
      treatment: { k: t.converted, n: t.windowsClosed, atRisk: t.accounts - t.windowsClosed },
      control: { k: c.converted, n: c.windowsClosed, atRisk: c.accounts - c.windowsClosed }
    };
    srmP = routing.sampleRatio?.p ?? null;
    reliability = routing.reliability.rate;
    matchedControls = routing.matchedNotRandomized;
  } else {
    arms = prePostArms(contract, await subjectsOf(src, contract.key), src.policy, src.asOf);
  }
  let critical = 0;
  let gate: boolean | null = null;
  for (const g of protocol.guardrails) {
    if (g === 'reliability') {
      const min = src.policy.number('Workflow_Reliability_Min');
      guardrails.push(
        reliability === null
          ? { name: g, status: 'no data', detail: 'no workflow results' }
          : {
              name: g,
              status: reliability < min ? 'regressed' : 'ok',
              detail: `workflow reliability ${(reliability * 100).toFixed(1)}% (minimum ${(min * 100).toFixed(0)}%)`
            }
      );
    } else if (g === 'safety') {
      const s = await safety(src);
      critical = s.critical;
      gate = s.passing;
      guardrails.push({
        name: g,
        status: s.passing === null ? 'no data' : s.passing && s.critical === 0 ? 'ok' : 'regressed',
        detail: s.detail
      });
    } else if (g === 'conversion_not_slowed') {
      const conv = src.contracts.get('Pilot_To_Production');
      const a = conv && prePostArms(conv, await subjectsOf(src, conv.key), src.policy, src.asOf);
      if (!a || a.kind !== 'rate' || !a.treatment.n || !a.control.n)
        guardrails.push({
          name: g,
          status: 'no data',
          detail: 'no closed pilot-to-production windows in both periods'
        });
      else {
        const pWorse = probabilityGreater(a.control, a.treatment);
        const min = src.policy.number('Readout_Guardrail_Min_Probability');
        guardrails.push({
          name: g,
          status: pWorse >= min ? 'regressed' : 'ok',
          detail: `P(pilot-to-production slower than before) ${pWorse.toFixed(2)} (kills at ${min})`
        });
      }
    } else {
      guardrails.push({
        name: g,
        status: 'no data',
        detail: 'support tickets per account in its first 30 days are not in the local store yet'
      });
    }
  }
  const missing = [
    experiment.Baseline_Value__c === null || experiment.Baseline_Value__c === undefined ? 'baseline' : null,
    experiment.Target_Value__c === null || experiment.Target_Value__c === undefined ? 'threshold' : null,
    !experiment.Owner_Role__c ? 'owner' : null
  ].filter((m): m is string => m !== null);
  return {
    experiment: {
      key: protocol.experiment,
      name: String(experiment.Name),
      decisionDate: experiment.Decision_Date__c ? String(experiment.Decision_Date__c) : null,
      missing
    },
    protocol,
    contract,
    minSamplePerArm,
    arms,
    srmP,
    freshness: await kpiFreshness(src.store, contract, src.asOf),
    freshnessSource: `${contract.label} data (${[...new Set([contract.denominator.object, contract.numerator.object])].join(', ')})`,
    matchedControls,
    guardrails,
    criticalSafetyIncidents: critical,
    safetyGatePassing: gate,
    reliability
  };
}

/**
 * The minimum sample per arm of each locked protocol, frozen at lock (design C3.1): the value stored on the
 * experiment when it was first written under this lock (Protocol_Locked_At__c unchanged), else computed now from the
 * policy, which is the lock's own computation (writeReadouts stores it). A policy change after lock moves nothing; a
 * re-lock (a new locked-at, an admin change with a reason in the org) computes it anew.
 */
export async function frozenMinimums(
  store: LocalStore,
  policy: Policy,
  protocols: Protocol[],
  contracts: Map<string, KpiContract>
): Promise<Map<string, number>> {
  const stored = await createLocalSink(store).load('GTM_Experiment__c', 'Experiment_Key__c', [
    'Protocol_Locked_At__c',
    'Min_Sample_Per_Arm__c'
  ]);
  const out = new Map<string, number>();
  for (const p of protocols) {
    if (p.lockedAt === null) continue;
    const row = stored.get(p.experiment);
    const storedLock = instantText(row?.Protocol_Locked_At__c);
    const sameLock =
      storedLock !== null && Date.parse(storedLock) === instantOf(p.lockedAt, `${p.experiment} locked at`);
    const frozen = sameLock ? Number(row!.Min_Sample_Per_Arm__c) : NaN;
    out.set(
      p.experiment,
      Number.isFinite(frozen) && frozen > 0 ? frozen : minimumSamplePerArm(contracts.get(p.primaryKpi)!, policy)
    );
  }
  return out;
}

export interface BuildResult {
  readouts: ExperimentReadout[];
  /** the week-8 list: experiments before their decision date, projected n against the minimum, most short first */
  lowSignal: LowSignalRow[];
  /** experiments without a locked protocol: no readout */
  skipped: { experiment: string; reason: string }[];
}

/** Every locked experiment's readout as of the date. Pure reads; nothing written. */
export async function buildReadouts(store: LocalStore, policy: Policy, asOf: string): Promise<BuildResult> {
  const contracts = new Map(loadKpiContracts().map((c) => [c.key, c]));
  const registry = loadRegistry(policy);
  const experiments = new Map(registry.experiments.map((e) => [String(e.Experiment_Key__c), e]));
  const protocols = loadProtocols([...contracts.keys()]);
  const src: Sources = { store, policy, asOf, contracts, subjects: new Map() };
  const minimums = await frozenMinimums(store, policy, protocols, contracts);
  const readouts: ExperimentReadout[] = [];
  const skipped: BuildResult['skipped'] = [];
  for (const p of protocols.sort((a, b) => (a.experiment < b.experiment ? -1 : 1))) {
    const e = experiments.get(p.experiment);
    if (!e) skipped.push({ experiment: p.experiment, reason: 'not in the registry' });
    else if (p.lockedAt === null || p.lockedAt.slice(0, 10) > asOf.slice(0, 10))
      skipped.push({ experiment: p.experiment, reason: 'protocol not locked by the as-of date' });
    else readouts.push(buildExperimentReadout(await facts(src, p, e, minimums.get(p.experiment)!), policy, asOf));
  }
  const lockedAt = new Map(
    protocols.filter((p) => p.lockedAt !== null).map((p) => [p.experiment, p.lockedAt!] as [string, string])
  );
  return { readouts, lowSignal: lowSignalList(readouts, lockedAt, asOf), skipped };
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
  /** published readouts whose recomputed content differs: kept as published, not rewritten */
  keptPublished: string[];
}

/** Upserts the experiments (registry + locked protocol) and the readouts into the local store. */
export async function writeReadouts(
  store: LocalStore,
  policy: Policy,
  readouts: ExperimentReadout[]
): Promise<WriteResult> {
  const sink = createLocalSink(store);
  const contracts = new Map(loadKpiContracts().map((c) => [c.key, c]));
  const protocolList = loadProtocols([...contracts.keys()]);
  const protocols = new Map(protocolList.map((p) => [p.experiment, p]));
  // stored at lock and kept: a later policy change does not move a locked protocol's minimum
  const minimums = await frozenMinimums(store, policy, protocolList, contracts);
  const experimentRows: SObjectRow[] = loadRegistry(policy).experiments.map((e) => {
    const row: SObjectRow = {};
    for (const [k, v] of Object.entries(e)) if (typeof v !== 'object' || v === null) row[k] = v as string | number;
    const p = protocols.get(String(e.Experiment_Key__c));
    if (p) {
      const c = contracts.get(p.primaryKpi)!;
      Object.assign(row, {
        Primary_Metric_Key__c: p.primaryKpi,
        Metric_Direction__c: c.direction,
        Guardrails__c: JSON.stringify(p.guardrails),
        Analysis_Method__c: p.method,
        Design__c: p.design,
        Min_Sample_Per_Arm__c: minimums.get(p.experiment) ?? minimumSamplePerArm(c, policy),
        Protocol_Locked_At__c: p.lockedAt
      });
    }
    return row;
  });
  const failed = (await sink.upsert('GTM_Experiment__c', 'Experiment_Key__c', experimentRows)).filter((r) => !r.ok);
  if (failed.length) throw new Error(`GTM_Experiment__c ${failed[0]!.key}: ${failed[0]!.error}`);
  const stored = await sink.load('GTM_Experiment_Readout__c', 'Readout_Key__c', ['Published__c', 'Content_Hash__c']);
  const result: WriteResult = { written: [], unchanged: [], keptPublished: [] };
  const rows: SObjectRow[] = [];
  for (const r of readouts) {
    const old = stored.get(r.key);
    if (old && old.Content_Hash__c === r.contentHash) {
      result.unchanged.push(r.key);
      continue;
    }
    if (old && String(old.Published__c) === 'true') {
      result.keptPublished.push(r.key);
      continue;
    }
    result.written.push(r.key);
    rows.push(readoutRow(r));
  }
  const bad = (await sink.upsert('GTM_Experiment_Readout__c', 'Readout_Key__c', rows)).filter((r) => !r.ok);
  if (bad.length) throw new Error(`GTM_Experiment_Readout__c ${bad[0]!.key}: ${bad[0]!.error}`);
  return result;
}

function readoutRow(r: ExperimentReadout): SObjectRow {
  const t = r.arms.find((a) => a.arm === 'Treatment')!;
  const c = r.arms.find((a) => a.arm === 'Control')!;
  return {
    Readout_Key__c: r.key,
    Name: r.key,
    'Experiment__r.Experiment_Key__c': r.experiment,
    As_Of__c: r.asOf.slice(0, 10),
    Recommendation__c: r.recommendation,
    Reasons__c: r.fired.map((f) => `${f.outcome}: ${f.text}`).join('\n'),
    Results_Json__c: JSON.stringify(r),
    Design_Label__c: r.designLabel,
    Analysis_Method__c: r.method,
    Primary_Metric_Key__c: r.primaryKpi,
    N_Treatment__c: t.n,
    N_Control__c: c.n,
    Min_Sample_Per_Arm__c: r.validity.minSamplePerArm,
    Treatment_Value__c: r.estimate.treatment,
    Control_Value__c: r.estimate.control,
    Improvement__c: r.estimate.relativeImprovement,
    Interval_Low__c: r.estimate.interval?.low ?? null,
    Interval_High__c: r.estimate.interval?.high ?? null,
    P_Value__c: r.estimate.p,
    Srm_P__c: r.validity.srmP,
    Content_Hash__c: r.contentHash
  };
}
