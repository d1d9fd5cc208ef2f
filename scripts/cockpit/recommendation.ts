/**
 * The readout's recommendation, first match wins: Invalid / Kill / Scale / Hold / Continue (design C3.3, after the
 * seed's launch and kill criteria). Pure: the measured facts and the policy in, the decision and every rule that
 * fired out. "Improvement" is already direction-aware in the input (a shorter time or a lower churn is positive).
 * Every threshold comes from policy.
 */
import type { RulePolicy } from '../rules/ruleSupport';

export const RECOMMENDATIONS = ['Invalid', 'Kill', 'Scale', 'Hold', 'Continue'] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];

export interface GuardrailResult {
  name: string;
  /** ok, regressed beyond its margin, or not observed */
  status: 'ok' | 'regressed' | 'no data';
  detail: string;
}

/** What the rule reads; the readout builder measures it per analysis method. */
export interface RecommendationInput {
  asOf: string;
  /** YYYY-MM-DD; null: none set */
  decisionDate: string | null;
  /** missing pieces of the seed's risk control: baseline, threshold (target), owner */
  missing: string[];
  /** per arm, what the minimum counts: subjects with a closed window (a rate) or events (a duration) */
  nPerArm: number[];
  minSamplePerArm: number;
  /** what nPerArm and the minimum count, for the words (subjects when absent) */
  sampleCounts?: 'subjects' | 'events';
  /** relative improvement of treatment over control, direction-aware; null when undefined (a zero control) */
  improvement: number | null;
  /** absolute improvement, direction-aware (treatment better = positive); null when not measured */
  absoluteImprovement: number | null;
  /** the two-sided interval of the absolute improvement includes 0 (or none could be computed) */
  intervalIncludesZero: boolean;
  /** the one-sided bound of the improvement is above 0 at Readout_Alpha */
  oneSidedBoundAboveZero: boolean;
  /** one-sided p of the improvement; null when not computed */
  p: number | null;
  /** sample-ratio mismatch p (randomized designs only) */
  srmP: number | null;
  /** days between the newest record of the primary source and the as-of date; null: no records */
  staleDays: number | null;
  /** that source in words ("Pilot Start Rate data (Opportunity)"); absent: "the primary source" */
  staleSource?: string;
  guardrails: GuardrailResult[];
  criticalSafetyIncidents: number;
  /** the hallucination safety gate: true passing, false failing, null not applicable */
  safetyGatePassing: boolean | null;
  /** workflow reliability (0..1) where the experiment has a workflow; null otherwise */
  reliability: number | null;
}

export interface FiredRule {
  outcome: Recommendation;
  rule: string;
  text: string;
}

export interface RecommendationResult {
  recommendation: Recommendation;
  /** every rule that fired, in order; the first outcome among them is the recommendation */
  fired: FiredRule[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (policy: RulePolicy, key: string) => Number(policy.decimal(key));

export function recommend(input: RecommendationInput, policy: RulePolicy): RecommendationResult {
  const fired: FiredRule[] = [];
  const fire = (outcome: Recommendation, rule: string, text: string) => fired.push({ outcome, rule, text });
  const srmAlpha = num(policy, 'Readout_Srm_Alpha');
  const maxStale = policy.integer('Readout_Max_Stale_Days');
  const minReliability = num(policy, 'Workflow_Reliability_Min');
  const scaleLift = num(policy, 'Scale_Min_Relative_Lift');
  const interimAlpha = num(policy, 'Readout_Interim_Alpha');
  const asOfDate = input.asOf.slice(0, 10);
  const pastDecision = input.decisionDate !== null && asOfDate > input.decisionDate;
  const nMin = input.nPerArm.length ? Math.min(...input.nPerArm) : 0;
  const sampleMet = nMin >= input.minSamplePerArm;
  const nWord = input.sampleCounts === 'events' ? 'events' : 'n';
  const improvement = input.improvement ?? input.absoluteImprovement;

  // Invalid: the numbers cannot be trusted, or the risk control's pieces are missing
  if (input.srmP !== null && input.srmP < srmAlpha)
    fire('Invalid', 'sample-ratio mismatch', `sample-ratio mismatch p ${input.srmP.toPrecision(3)} < ${srmAlpha}`);
  if (input.staleDays !== null && input.staleDays > maxStale)
    fire(
      'Invalid',
      'stale source',
      `${input.staleSource ?? 'the primary source'} has no record newer than ${input.staleDays} days before this day (at most ${maxStale} allowed): the result may not reflect current data until it is synced again`
    );
  // nothing measured in any arm by the decision date is a data problem, not "no lift": a Kill would judge an
  // experiment that never ran
  if (pastDecision && input.nPerArm.every((n) => n === 0))
    fire(
      'Invalid',
      'no data',
      `decision date ${input.decisionDate} passed with ${nWord === 'n' ? 'no subjects' : 'no events'} in any arm: nothing was measured, so there is no effect to judge`
    );
  if (input.missing.length)
    fire(
      'Invalid',
      'risk control',
      `missing ${input.missing.join(', ')} (no decision without baseline, threshold, owner)`
    );

  // Kill: adverse impact at any time, or no measurable lift by the decision date
  for (const g of input.guardrails)
    if (g.status === 'regressed') fire('Kill', `guardrail ${g.name}`, `guardrail ${g.name} regressed: ${g.detail}`);
  if (input.criticalSafetyIncidents > 0)
    fire('Kill', 'critical safety incident', `${input.criticalSafetyIncidents} critical safety incident(s)`);
  if (input.reliability !== null && input.reliability < minReliability)
    fire('Kill', 'reliability', `workflow reliability ${pct(input.reliability)} < ${pct(minReliability)}`);
  if (pastDecision && (improvement === null || improvement <= 0))
    fire('Kill', 'no lift by decision date', `decision date ${input.decisionDate} passed with no improvement`);
  else if (pastDecision && input.intervalIncludesZero && sampleMet)
    fire(
      'Kill',
      'no measurable lift by decision date',
      `decision date ${input.decisionDate} passed; ${nWord} ${nMin} >= ${input.minSamplePerArm} and the interval includes 0`
    );

  // Scale: the seed's criterion with the one-sided bound, the sample and the gates
  const interimOk = pastDecision || (input.p !== null && input.p < interimAlpha);
  const safetyOk = input.safetyGatePassing !== false && input.criticalSafetyIncidents === 0;
  const guardrailsOk = input.guardrails.every((g) => g.status !== 'regressed');
  if (
    input.improvement !== null &&
    input.improvement >= scaleLift &&
    input.oneSidedBoundAboveZero &&
    sampleMet &&
    guardrailsOk &&
    safetyOk &&
    interimOk
  )
    fire(
      'Scale',
      'scale criterion',
      `improvement ${pct(input.improvement)} >= ${pct(scaleLift)}, one-sided bound above 0, ${nWord} ${nMin} >= ${input.minSamplePerArm}` +
        (pastDecision ? '' : `, p ${input.p!.toPrecision(2)} < ${interimAlpha} before the decision date`)
    );

  // Hold: directional, but the sample or the interval does not carry it yet
  if (improvement !== null && improvement > 0 && (!sampleMet || input.intervalIncludesZero))
    fire(
      'Hold',
      'directional',
      `improvement ${input.improvement === null ? `${improvement} (absolute)` : pct(improvement)} > 0 but ` +
        (sampleMet ? 'the interval includes 0' : `${nWord} ${nMin} < ${input.minSamplePerArm} per arm`)
    );

  if (!fired.length)
    fire(
      'Continue',
      'otherwise',
      pastDecision ? `decision date ${input.decisionDate} passed: no rule decided, review` : 'before the decision date'
    );
  const first = RECOMMENDATIONS.find((r) => fired.some((f) => f.outcome === r))!;
  return { recommendation: first, fired };
}
