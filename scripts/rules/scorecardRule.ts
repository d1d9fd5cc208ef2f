/**
 * exp-003: a pilot scorecard's weighted score and its week-1 completion. Pure: the scorecard's start date and its
 * criteria (plain records with the Pilot_Criterion__c field names) in, a verdict out. Apex twin: GtmScorecardRule.
 */
import { addDays, daysBetween, isBlank, numberText, SCORE_SCALE, scaled, type RulePolicy } from './ruleSupport';

export const DIRECTION_AT_LEAST = 'At least';
export const DIRECTION_AT_MOST = 'At most';

/** Digits of Pilot_Criterion__c.Actual_Value__c / Target_Value__c (scale 4) and Weight__c (scale 2). */
const VALUE_SCALE = 4;
const WEIGHT_SCALE = 2;

export interface CriterionRecord {
  Metric__c?: string | null;
  Target_Value__c?: number | null;
  Target_Direction__c?: string | null;
  Actual_Value__c?: number | null;
  Weight__c?: number | null;
  Owner__c?: string | null;
  Due_Date__c?: string | null;
}

export interface ScorecardInput {
  scorecard: { Pilot_Start_Date__c?: string | null };
  criteria: CriterionRecord[];
}

export type Completion = 'complete' | 'due' | 'overdue';

export interface ScorecardResult {
  /** met weight / total weight, truncated to 4 digits; null without criteria or with zero total weight */
  score: number | null;
  metWeight: number;
  totalWeight: number;
  criteriaCount: number;
  /** criteria lacking a target, an owner or a due date */
  incompleteCount: number;
  /** complete: every criterion (at least one) has target, owner and due date; else due or overdue */
  completion: Completion;
  /** pilot start + Pilot_Scorecard_Completion_Days; null when the pilot has no start date */
  deadline: string | null;
  /** days from today to the deadline when not complete (negative when overdue); null when complete or no deadline */
  daysLeft: number | null;
}

/**
 * Whether a criterion's actual meets its target in its direction. A criterion without an actual, a target or a
 * direction cannot be judged and does not count as met.
 */
export function criterionMet(c: CriterionRecord): boolean {
  if (c.Actual_Value__c == null || c.Target_Value__c == null) return false;
  const actual = scaled(c.Actual_Value__c, VALUE_SCALE);
  const target = scaled(c.Target_Value__c, VALUE_SCALE);
  if (c.Target_Direction__c === DIRECTION_AT_LEAST) return actual >= target;
  if (c.Target_Direction__c === DIRECTION_AT_MOST) return actual <= target;
  return false;
}

/** Week-1 completeness of one criterion: target, owner and due date set. */
export function criterionComplete(c: CriterionRecord): boolean {
  return c.Target_Value__c != null && !isBlank(c.Owner__c) && !isBlank(c.Due_Date__c);
}

function unitsToNumber(units: bigint, scale: number): number {
  return Number(units) / 10 ** scale;
}

export function scoreScorecard(input: ScorecardInput, policy: RulePolicy, today: string): ScorecardResult {
  const completionDays = policy.integer('Pilot_Scorecard_Completion_Days');
  let met = 0n;
  let total = 0n;
  let incomplete = 0;
  for (const c of input.criteria) {
    const weight = c.Weight__c == null ? 0n : scaled(c.Weight__c, WEIGHT_SCALE);
    total += weight;
    if (criterionMet(c)) met += weight;
    if (!criterionComplete(c)) incomplete++;
  }
  // truncation keeps "score >= threshold" exact for any threshold with at most SCORE_SCALE digits
  const score = total > 0n ? unitsToNumber((met * 10n ** BigInt(SCORE_SCALE)) / total, SCORE_SCALE) : null;

  const start = input.scorecard.Pilot_Start_Date__c;
  const deadline = isBlank(start) ? null : addDays(start!, completionDays);
  const complete = input.criteria.length > 0 && incomplete === 0;
  let completion: Completion = 'complete';
  let daysLeft: number | null = null;
  if (!complete) {
    daysLeft = deadline === null ? null : daysBetween(today, deadline);
    completion = daysLeft !== null && daysLeft < 0 ? 'overdue' : 'due';
  }
  return {
    score,
    metWeight: unitsToNumber(met, WEIGHT_SCALE),
    totalWeight: unitsToNumber(total, WEIGHT_SCALE),
    criteriaCount: input.criteria.length,
    incompleteCount: incomplete,
    completion,
    deadline,
    daysLeft
  };
}

/** The score as people read it (and as the Apex twin writes it): 0.65, 0.8, 1. */
export function scoreText(score: number): string {
  return numberText(score);
}
