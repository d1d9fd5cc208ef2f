/**
 * exp-001's lift readout: per arm the accounts, closed outcome windows, conversions and a Wilson interval; between
 * treatment and control the Newcombe difference, Katz lift, one-sided Fisher p, P(T > C) and P(lift >= the expand
 * bar) under Beta(1,1) priors, a sample-ratio check; what the sample can detect; workflow reliability and SLA
 * attainment, separately; and the week-5 recommendation, first match wins. Pure: rows and policy in, a readout out;
 * nothing reads a clock, so the same rows and as-of give the same readout byte for byte.
 *
 * - Only what was known at the as-of counts: accounts qualified by then; an outcome only once its window
 *   (Exp001_Outcome_Window_Days after qualification) has closed. Converted = pilot started inside the window.
 * - Intent to treat: an account stays in its arm whatever happened to it. Holdout accounts are untreated controls.
 * - Matched-pair controls (the pre-chosen target accounts) are not randomized: the readout says so, and the
 *   sample-ratio check only counts randomized accounts.
 */
import { probabilityGreater, probabilityLiftAtLeast } from '../stats/bayes';
import { minimumDetectableLift, sampleSizePerArm, type PowerDesign } from '../stats/power';
import { katz, newcombe, wilson, type Difference, type Interval, type Ratio } from '../stats/proportions';
import { fisherGreater, sampleRatioMismatch, type ChiSquare } from '../stats/tests';
import { InputError } from '../lib/errors';
import { instantMs } from '../rules/routingRule';
import { ATTAINMENT_SLA_STATUSES } from '../rules/slaRule';
import { scaled, type RulePolicy } from '../rules/ruleSupport';
import { isoWeekLabel, weekIndexOf } from '../usage/isoWeek';

const isoWeekOf = (instant: string) => isoWeekLabel(weekIndexOf(instantMs(instant, 'qualifiedAt')));

export type Arm = 'Treatment' | 'Control' | 'Holdout';
export const ARMS: readonly Arm[] = ['Treatment', 'Control', 'Holdout'];
/** The experiments with a readout. */
export const READOUT_EXPERIMENTS: readonly string[] = ['exp-001'];

export interface ReadoutRow {
  accountKey: string;
  arm: Arm;
  /** a matched-pair control (or its treated partner), not randomized */
  matched: boolean;
  /** ISO instant */
  qualifiedAt: string;
  /** ISO instant the pilot started (Pilot_Start_Date__c, or the Opportunity reaching Stage_Pilot); null: not yet */
  pilotStartedAt: string | null;
  /** SLA_Status__c (treatment) */
  slaStatus: string | null;
  /** treatment: an assignment and the owner's Task within the reliability minutes, without error */
  workflowOk: boolean | null;
  /** why not, when workflowOk is false */
  workflowFailure: string | null;
}

export interface ArmReadout {
  arm: 'Treatment' | 'Control';
  accounts: number;
  windowsClosed: number;
  converted: number;
  rate: number | null;
  interval: Interval | null;
}

export interface Comparison {
  difference: Difference | null;
  lift: Ratio | null;
  fisherP: number | null;
  probabilityBetter: number | null;
  probabilityWorse: number | null;
  probabilityLiftAtLeast: number | null;
}

export interface Reliability {
  signals: number;
  ok: number;
  rate: number | null;
  interval: Interval | null;
  failures: { accountKey: string; week: string; reason: string }[];
  byWeek: { week: string; signals: number; ok: number; rate: number }[];
}

export interface Recommendation {
  decision: 'Invalid' | 'Expand with holdout' | 'Re-scope' | 'Hold';
  reasons: string[];
}

export interface Readout {
  experiment: 'exp-001';
  asOf: string;
  windowDays: number;
  matchedNotRandomized: boolean;
  arms: [ArmReadout, ArmReadout];
  comparison: Comparison;
  sampleRatio: (ChiSquare & { treatment: number; control: number; treatmentShare: number }) | null;
  power: {
    baseline: number;
    nPerArm: number;
    detectableLift: number | null;
    /** policy Exp001_Expand_Min_Lift */
    expandLift: number;
    needed: { label: string; rate: number; nPerArm: number }[];
    /** the honest sentence: whether the expand bar can be told from noise at this n */
    sentence: string;
  };
  reliability: Reliability;
  slaAttainment: { met: number; closed: number; rate: number | null };
  recommendation: Recommendation;
}

const DAY_MS = 86_400_000;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function decimal(policy: RulePolicy, key: string): number {
  return Number(policy.decimal(key));
}

function armReadout(
  arm: 'Treatment' | 'Control',
  rows: ReadoutRow[],
  asOfMs: number,
  windowMs: number,
  confidence: number
): ArmReadout {
  let closed = 0;
  let converted = 0;
  for (const r of rows) {
    const qualified = instantMs(r.qualifiedAt, `${r.accountKey} qualifiedAt`);
    const windowEnd = qualified + windowMs;
    if (windowEnd > asOfMs) continue;
    closed++;
    if (r.pilotStartedAt === null) continue;
    const started = instantMs(r.pilotStartedAt, `${r.accountKey} pilotStartedAt`);
    if (started >= qualified && started <= windowEnd) converted++;
  }
  return {
    arm,
    accounts: rows.length,
    windowsClosed: closed,
    converted,
    rate: closed ? converted / closed : null,
    interval: wilson({ k: converted, n: closed }, confidence)
  };
}

function reliabilityOf(rows: ReadoutRow[], confidence: number): Reliability {
  const signals = rows.filter((r) => r.workflowOk !== null);
  const ok = signals.filter((r) => r.workflowOk === true).length;
  const weeks = new Map<string, { signals: number; ok: number }>();
  for (const r of signals) {
    const week = isoWeekOf(r.qualifiedAt);
    const w = weeks.get(week) ?? { signals: 0, ok: 0 };
    w.signals++;
    if (r.workflowOk) w.ok++;
    weeks.set(week, w);
  }
  return {
    signals: signals.length,
    ok,
    rate: signals.length ? ok / signals.length : null,
    interval: wilson({ k: ok, n: signals.length }, confidence),
    failures: signals
      .filter((r) => r.workflowOk === false)
      .map((r) => ({
        accountKey: r.accountKey,
        week: isoWeekOf(r.qualifiedAt),
        reason: r.workflowFailure ?? 'unknown'
      })),
    byWeek: [...weeks.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([week, w]) => ({ week, signals: w.signals, ok: w.ok, rate: w.ok / w.signals }))
  };
}

export function buildReadout(allRows: ReadoutRow[], policy: RulePolicy, asOf: string): Readout {
  const asOfMs = instantMs(asOf, '--as-of');
  const windowDays = policy.integer('Exp001_Outcome_Window_Days');
  const windowMs = windowDays * DAY_MS;
  const confidence = decimal(policy, 'Exp001_Confidence');
  const rows = allRows
    .filter((r) => instantMs(r.qualifiedAt, `${r.accountKey} qualifiedAt`) <= asOfMs)
    .sort((a, b) => (a.accountKey < b.accountKey ? -1 : a.accountKey > b.accountKey ? 1 : 0));
  for (const r of rows)
    if (!ARMS.includes(r.arm))
      throw new InputError(`${r.accountKey}: arm ${String(r.arm)} is not one of ${ARMS.join(', ')}`);
  const treatmentRows = rows.filter((r) => r.arm === 'Treatment');
  const controlRows = rows.filter((r) => r.arm !== 'Treatment');
  const treatment = armReadout('Treatment', treatmentRows, asOfMs, windowMs, confidence);
  const control = armReadout('Control', controlRows, asOfMs, windowMs, confidence);

  const t = { k: treatment.converted, n: treatment.windowsClosed };
  const c = { k: control.converted, n: control.windowsClosed };
  const expandLift = decimal(policy, 'Exp001_Expand_Min_Lift');
  const both = t.n > 0 && c.n > 0;
  const comparison: Comparison = {
    difference: newcombe(t, c, confidence),
    lift: katz(t, c, confidence),
    fisherP: both ? fisherGreater(t, c) : null,
    probabilityBetter: both ? probabilityGreater(t, c) : null,
    probabilityWorse: both ? probabilityGreater(c, t) : null,
    probabilityLiftAtLeast: both ? probabilityLiftAtLeast(t, c, expandLift) : null
  };

  const randomized = rows.filter((r) => !r.matched);
  const rt = randomized.filter((r) => r.arm === 'Treatment').length;
  const treatmentShare = policy.integer('Exp001_Treatment_Pct') / 100;
  const srm = sampleRatioMismatch([rt, randomized.length - rt], [treatmentShare, 1 - treatmentShare]);

  const baseline = decimal(policy, 'Pilot_Start_Rate_Baseline');
  const design: PowerDesign = {
    alpha: decimal(policy, 'Exp001_Alpha'),
    sides: policy.integer('Exp001_Test_Sides') === 2 ? 2 : 1,
    power: decimal(policy, 'Exp001_Power')
  };
  const nPerArm = Math.min(treatment.windowsClosed, control.windowsClosed);
  const scaleLift = decimal(policy, 'Scale_Min_Relative_Lift');
  const target = decimal(policy, 'Pilot_Start_Rate_Target');
  const needed = [
    { label: `+${Math.round(scaleLift * 100)}%`, rate: baseline * (1 + scaleLift) },
    { label: `+${Math.round(expandLift * 100)}%`, rate: baseline * (1 + expandLift) },
    { label: `target ${target}`, rate: target }
  ].map((n) => ({ ...n, nPerArm: sampleSizePerArm(baseline, n.rate, design) }));

  const detectableLift = nPerArm > 0 ? minimumDetectableLift(baseline, nPerArm, design) : null;
  const reliability = reliabilityOf(treatmentRows, confidence);
  const met = treatmentRows.filter((r) => r.slaStatus === 'Met').length;
  const closedSla = treatmentRows.filter((r) =>
    (ATTAINMENT_SLA_STATUSES as readonly string[]).includes(r.slaStatus ?? '')
  ).length;
  const slaAttainment = { met, closed: closedSla, rate: closedSla ? met / closedSla : null };

  const readout: Readout = {
    experiment: 'exp-001',
    asOf,
    windowDays,
    matchedNotRandomized: rows.some((r) => r.matched),
    arms: [treatment, control],
    comparison,
    sampleRatio: srm ? { ...srm, treatment: rt, control: randomized.length - rt, treatmentShare } : null,
    power: {
      baseline,
      nPerArm,
      detectableLift,
      expandLift,
      needed,
      sentence: powerSentence(nPerArm, detectableLift, expandLift, needed[1]!.nPerArm)
    },
    reliability,
    slaAttainment,
    recommendation: { decision: 'Hold', reasons: [] }
  };
  readout.recommendation = recommend(readout, policy);
  return readout;
}

/** What this n can tell from noise, in one sentence (the research's main finding, said on every readout). */
export function powerSentence(
  nPerArm: number,
  detectableLift: number | null,
  expandLift: number,
  expandNeeds: number
): string {
  const bar = `+${Math.round(expandLift * 100)}%`;
  if (detectableLift === null)
    return `no closed outcome windows in both arms yet: no lift can be told from noise; ${bar} needs ${expandNeeds} per arm`;
  const can = `+${Math.round(detectableLift * 100)}%`;
  return detectableLift > expandLift
    ? `at ${nPerArm} per arm a ${bar} lift cannot be told from noise: this sample can detect >= ${can}; ${bar} needs ${expandNeeds} per arm`
    : `at ${nPerArm} per arm a ${bar} lift can be told from noise: this sample can detect >= ${can}`;
}

/** The week-5 rule, first match wins; every threshold from policy. */
export function recommend(r: Readout, policy: RulePolicy): Recommendation {
  const srmAlpha = decimal(policy, 'Exp001_Srm_Alpha');
  const minReliability = decimal(policy, 'Workflow_Reliability_Min');
  const invalid: string[] = [];
  if (r.sampleRatio && r.sampleRatio.p < srmAlpha)
    invalid.push(`sample ratio mismatch: p ${r.sampleRatio.p.toPrecision(3)} < ${srmAlpha}`);
  if (r.reliability.rate !== null && r.reliability.rate < minReliability)
    invalid.push(`workflow reliability ${pct(r.reliability.rate)} < ${pct(minReliability)}: fix the workflow`);
  if (invalid.length) return { decision: 'Invalid', reasons: invalid };

  const [t, c] = r.arms;
  const sampleSentence =
    r.power.detectableLift === null
      ? `no closed windows in both arms yet: nothing can be detected`
      : `at ${r.power.nPerArm} per arm this sample can detect >= +${Math.round(r.power.detectableLift * 100)}%; ` +
        `+${Math.round(decimal(policy, 'Exp001_Expand_Min_Lift') * 100)}% needs ${r.power.needed[1]!.nPerArm} per arm`;
  if (!t.windowsClosed || !c.windowsClosed || r.comparison.probabilityBetter === null)
    return { decision: 'Hold', reasons: ['directional but sample below threshold', sampleSentence] };

  const lift = t.rate !== null && c.rate ? t.rate / c.rate - 1 : null;
  const minLift = decimal(policy, 'Exp001_Expand_Min_Lift');
  // the bar is compared in whole numbers (kt * nc * 10^6 >= (10^6 + bar) * kc * nt): 6/25 vs 3/15 is exactly +20%,
  // which floating point puts just under 20%
  const million = 1_000_000n;
  const liftMeets =
    lift !== null &&
    BigInt(t.converted) * BigInt(c.windowsClosed) * million >=
      (million + scaled(policy.decimal('Exp001_Expand_Min_Lift'), 6)) * BigInt(c.converted) * BigInt(t.windowsClosed);
  const minProbability = decimal(policy, 'Exp001_Expand_Min_Probability');
  const minSla = decimal(policy, 'Exp001_Min_Sla_Attainment');
  const pBetter = r.comparison.probabilityBetter;
  const sla = r.slaAttainment.rate;
  if (liftMeets && pBetter >= minProbability && sla !== null && sla >= minSla)
    return {
      decision: 'Expand with holdout',
      reasons: [
        `observed lift ${pct(lift)} >= ${pct(minLift)}`,
        `P(T > C) ${pBetter.toFixed(2)} >= ${minProbability}`,
        `SLA attainment ${pct(sla)} >= ${pct(minSla)}`,
        `keep ${policy.integer('Exp001_Holdout_Pct')}% randomized as holdout`
      ]
    };
  const rescope = decimal(policy, 'Exp001_Rescope_Min_Probability');
  if (r.comparison.probabilityWorse !== null && r.comparison.probabilityWorse >= rescope)
    return { decision: 'Re-scope', reasons: [`P(T < C) ${r.comparison.probabilityWorse.toFixed(2)} >= ${rescope}`] };
  const why: string[] = [];
  if (!liftMeets) why.push(`observed lift ${lift === null ? 'undefined' : pct(lift)} < ${pct(minLift)}`);
  if (pBetter < minProbability) why.push(`P(T > C) ${pBetter.toFixed(2)} < ${minProbability}`);
  if (sla === null || sla < minSla)
    why.push(`SLA attainment ${sla === null ? 'not measured' : pct(sla)} < ${pct(minSla)}`);
  return { decision: 'Hold', reasons: ['directional but sample below threshold', ...why, sampleSentence] };
}
