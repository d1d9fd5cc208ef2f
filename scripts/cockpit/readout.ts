/**
 * One experiment's readout at an as-of date: arms and n, the primary estimate with its interval, guardrail rows,
 * validity (sample-ratio mismatch, minimum sample, windows closed, freshness) and the recommendation with the rules
 * that fired (recommendation.ts). Pure: measured arms and policy in, a readout out; the same inputs give the same
 * bytes (its content hash is part of it).
 *
 * Arms by design:
 * - randomized: treatment and control as assigned (exp-001: the routing readout's arms, holdout with control);
 * - pre_post / matched: the program's cohort against the same-length period before Program_Start_Date, labelled
 *   "not randomized" in every view (design C3.6).
 * Estimates by the KPI's unit: a rate compares k of n (Newcombe difference, Katz ratio, one-sided Fisher); a duration
 * compares Kaplan-Meier medians with a log-rank test.
 */
import { createHash } from 'node:crypto';
import { katz, newcombe, type Counts } from '../stats/proportions';
import { fisherGreater, fisherLess } from '../stats/tests';
import { kaplanMeier, logRank, median, type Observation } from '../stats/survival';
import { DAY_MS, instantOf } from './kpi';
import type { CockpitPolicy, KpiContract } from './kpiContracts';
import { designLabel, type Protocol } from './protocols';
import { recommend, type FiredRule, type GuardrailResult, type Recommendation } from './recommendation';

export type ArmData =
  | { kind: 'rate'; treatment: Counts & { atRisk: number }; control: Counts & { atRisk: number } }
  | { kind: 'duration'; treatment: Observation[]; control: Observation[] };

export interface ArmRow {
  arm: 'Treatment' | 'Control';
  label: string;
  n: number;
  events: number;
  /** a rate, or a median in days (null: not reached) */
  value: number | null;
  atRisk: number;
}

export interface Estimate {
  treatment: number | null;
  control: number | null;
  /** direction-aware: positive is better */
  relativeImprovement: number | null;
  absoluteImprovement: number | null;
  /** two-sided interval of the absolute improvement (rates only), direction-aware */
  interval: { low: number; high: number } | null;
  /** one-sided p that the treatment is better */
  p: number | null;
  test: string;
}

export interface ReadoutFacts {
  experiment: { key: string; name: string; decisionDate: string | null; missing: string[] };
  protocol: Protocol;
  contract: KpiContract;
  minSamplePerArm: number;
  arms: ArmData;
  srmP: number | null;
  /** newest record of the primary source on or before the as-of date */
  freshness: string | null;
  /** what that source is, in words ("Pilot Start Rate data (Opportunity)"), for the stale-source reason */
  freshnessSource?: string;
  /** a randomized design whose target accounts have matched-pair controls (exp-001's routing readout) */
  matchedControls?: boolean;
  guardrails: GuardrailResult[];
  criticalSafetyIncidents: number;
  safetyGatePassing: boolean | null;
  reliability: number | null;
}

export interface ExperimentReadout {
  key: string;
  experiment: string;
  name: string;
  asOf: string;
  decisionDate: string | null;
  primaryKpi: string;
  direction: KpiContract['direction'];
  method: Protocol['method'];
  design: Protocol['design'];
  designLabel: string;
  arms: ArmRow[];
  estimate: Estimate;
  guardrails: GuardrailResult[];
  validity: {
    srmP: number | null;
    minSamplePerArm: number;
    /** what the minimum counts: subjects (a rate) or events (a duration: Schoenfeld's figure is events) */
    minSampleCounts: 'subjects' | 'events';
    minSampleMet: boolean;
    windowsOpen: number;
    freshness: string | null;
    staleDays: number | null;
  };
  recommendation: Recommendation;
  fired: FiredRule[];
  contentHash: string;
}

function rateEstimate(t: Counts, c: Counts, better: 1 | -1, alpha: number): Estimate & { boundAboveZero: boolean } {
  const pt = t.n ? t.k / t.n : null;
  const pc = c.n ? c.k / c.n : null;
  const two = newcombe(t, c, 1 - alpha);
  const one = newcombe(t, c, 1 - 2 * alpha);
  const ratio = katz(t, c, 1 - alpha);
  const flip = (i: { low: number; high: number }) =>
    better > 0 ? { low: i.low, high: i.high } : { low: -i.high, high: -i.low };
  const relative = pt !== null && pc ? (ratio ? better * (ratio.estimate - 1) : better * (pt / pc - 1)) : null;
  return {
    treatment: pt,
    control: pc,
    relativeImprovement: relative,
    absoluteImprovement: pt !== null && pc !== null ? better * (pt - pc) : null,
    interval: two ? flip(two) : null,
    p: t.n && c.n ? (better > 0 ? fisherGreater(t, c) : fisherLess(t, c)) : null,
    test: 'Newcombe difference, Katz ratio, one-sided Fisher exact',
    boundAboveZero: one !== null && flip(one).low > 0
  };
}

function durationEstimate(
  t: Observation[],
  c: Observation[],
  better: 1 | -1,
  alpha: number
): Estimate & { boundAboveZero: boolean } {
  const mt = t.length ? median(kaplanMeier(t)).time : null;
  const mc = c.length ? median(kaplanMeier(c)).time : null;
  const lr = t.length && c.length ? logRank(t, c) : null;
  // the treatment had more events than expected: it reaches the outcome sooner (better when shorter is better)
  const sooner = lr !== null && lr.observed[0] > lr.expected[0];
  const favourable = lr !== null && (better < 0 ? sooner : !sooner);
  const p = lr === null ? null : favourable ? lr.p / 2 : 1 - lr.p / 2;
  return {
    treatment: mt,
    control: mc,
    relativeImprovement: mt !== null && mc ? (better * (mt - mc)) / mc : null,
    absoluteImprovement: mt !== null && mc !== null ? better * (mt - mc) : null,
    interval: null,
    p,
    test: 'Kaplan-Meier medians, log-rank (one-sided from the two-sided p)',
    boundAboveZero: p !== null && p < alpha
  };
}

function armRows(arms: ArmData, label: string): ArmRow[] {
  if (arms.kind === 'rate')
    return (['treatment', 'control'] as const).map((a) => ({
      arm: a === 'treatment' ? 'Treatment' : 'Control',
      label: a === 'treatment' ? 'program' : label,
      n: arms[a].n,
      events: arms[a].k,
      value: arms[a].n ? arms[a].k / arms[a].n : null,
      atRisk: arms[a].atRisk
    }));
  return (['treatment', 'control'] as const).map((a) => {
    const obs = arms[a];
    return {
      arm: a === 'treatment' ? 'Treatment' : 'Control',
      label: a === 'treatment' ? 'program' : label,
      n: obs.length,
      events: obs.filter((o) => o.event).length,
      value: obs.length ? median(kaplanMeier(obs)).time : null,
      atRisk: obs.filter((o) => !o.event).length
    };
  });
}

export function buildExperimentReadout(facts: ReadoutFacts, policy: CockpitPolicy, asOf: string): ExperimentReadout {
  const better: 1 | -1 = facts.contract.direction === 'Higher is better' ? 1 : -1;
  const alpha = Number(policy.decimal('Readout_Alpha'));
  const est =
    facts.arms.kind === 'rate'
      ? rateEstimate(facts.arms.treatment, facts.arms.control, better, alpha)
      : durationEstimate(facts.arms.treatment, facts.arms.control, better, alpha);
  const { boundAboveZero, ...estimate } = est;
  const controlLabel = facts.protocol.design === 'randomized' ? 'control' : 'before the program';
  const arms = armRows(facts.arms, controlLabel);
  // a duration's minimum is Schoenfeld's events per arm: censored subjects carry no information towards it
  const minSampleCounts = facts.arms.kind === 'duration' ? 'events' : 'subjects';
  const counted = arms.map((a) => (minSampleCounts === 'events' ? a.events : a.n));
  const staleDays =
    facts.freshness === null
      ? null
      : Math.floor((instantOf(asOf, '--as-of') - instantOf(facts.freshness, 'freshness')) / DAY_MS);
  const includesZero =
    estimate.interval !== null
      ? estimate.interval.low <= 0 && estimate.interval.high >= 0
      : !(estimate.p !== null && estimate.p < alpha / 2);
  const { recommendation, fired } = recommend(
    {
      asOf,
      decisionDate: facts.experiment.decisionDate,
      missing: facts.experiment.missing,
      nPerArm: counted,
      sampleCounts: minSampleCounts,
      minSamplePerArm: facts.minSamplePerArm,
      improvement: estimate.relativeImprovement,
      absoluteImprovement: estimate.absoluteImprovement,
      intervalIncludesZero: includesZero,
      oneSidedBoundAboveZero: boundAboveZero,
      p: estimate.p,
      srmP: facts.srmP,
      staleDays: facts.freshness === null ? null : staleDays,
      staleSource: facts.freshnessSource,
      guardrails: facts.guardrails,
      criticalSafetyIncidents: facts.criticalSafetyIncidents,
      safetyGatePassing: facts.safetyGatePassing,
      reliability: facts.reliability
    },
    policy
  );
  const readout: Omit<ExperimentReadout, 'contentHash'> = {
    key: `${facts.experiment.key}|${asOf.slice(0, 10)}`,
    experiment: facts.experiment.key,
    name: facts.experiment.name,
    asOf,
    decisionDate: facts.experiment.decisionDate,
    primaryKpi: facts.contract.key,
    direction: facts.contract.direction,
    method: facts.protocol.method,
    design: facts.protocol.design,
    designLabel: designLabel(facts.protocol.design, facts.matchedControls === true),
    arms,
    estimate,
    guardrails: facts.guardrails,
    validity: {
      srmP: facts.srmP,
      minSamplePerArm: facts.minSamplePerArm,
      minSampleCounts,
      minSampleMet: counted.every((n) => n >= facts.minSamplePerArm),
      windowsOpen: arms.reduce((s, a) => s + a.atRisk, 0),
      freshness: facts.freshness,
      staleDays
    },
    recommendation,
    fired
  };
  return { ...readout, contentHash: createHash('sha256').update(JSON.stringify(readout)).digest('hex') };
}
