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

// ---------------------------------------------------------------- what a criterion's number may hold

/** The Number fields of Pilot_Criterion__c a person types into. */
export type CriterionValueField = 'Target_Value__c' | 'Actual_Value__c' | 'Weight__c';

/** Why a value has the range it has: the unit's meaning, or only what the field can store. */
export type ValueLimitKind = 'ratio' | 'percent' | 'range' | 'nonNegative' | 'weight' | 'field';

export interface ValueLimits {
  /** plain decimal text, e.g. "0", "-999999999999.9999" */
  min: string;
  max: string;
  /** fractional digits the field keeps (the org rounds beyond them) */
  scale: number;
  kind: ValueLimitKind;
}

/** The largest magnitude a Number(precision, scale) field stores: 10^(precision-scale) - 10^-scale. */
function fieldMax(precision: number, scale: number): string {
  const whole = '9'.repeat(Math.max(1, precision - scale));
  return scale > 0 ? `${whole}.${'9'.repeat(scale)}` : whole;
}

const RATIO_UNITS = new Set(['ratio', 'share', 'rate', 'fraction']);
const PERCENT_UNITS = new Set(['%', 'percent', 'percentage', 'pct']);
const UNIT_RANGE = /\(\s*(\d+(?:\.\d+)?)\s*[-\u2013]\s*(\d+(?:\.\d+)?)\s*\)/;

/**
 * What a criterion's target or actual (by its unit) or its weight may hold, within what the field stores
 * (Number(precision, scale) from force-app): a ratio or share 0 to 1, a percentage 0 to 100, a unit naming its
 * range ("score (1-5)") that range, any other named unit (minutes, tickets, points) not negative, no unit only the
 * field's bounds; a weight 0 to the field's maximum. Apex twin: GtmScorecardRule.valueLimits.
 */
export function criterionValueLimits(
  field: CriterionValueField,
  unit: string | null | undefined,
  precision: number,
  scale: number
): ValueLimits {
  const max = fieldMax(precision, scale);
  if (field === 'Weight__c') return { min: '0', max, scale, kind: 'weight' };
  const u = (unit ?? '').trim().toLowerCase();
  if (RATIO_UNITS.has(u)) return { min: '0', max: '1', scale, kind: 'ratio' };
  if (PERCENT_UNITS.has(u)) return { min: '0', max: '100', scale, kind: 'percent' };
  const range = UNIT_RANGE.exec(u);
  if (range) return { min: range[1]!, max: range[2]!, scale, kind: 'range' };
  if (u !== '') return { min: '0', max, scale, kind: 'nonNegative' };
  return { min: `-${max}`, max, scale, kind: 'field' };
}

const FIELD_LABEL: Record<CriterionValueField, string> = {
  Target_Value__c: 'Target',
  Actual_Value__c: 'Actual value',
  Weight__c: 'Weight'
};

/** The words after the range in a limit message: what the range comes from. */
function limitReason(kind: ValueLimitKind, unit: string | null | undefined): string {
  if (kind === 'ratio') return ' (a ratio: 0.4 is 40%)';
  if (kind === 'percent') return ' (a percentage)';
  if (kind === 'range' || kind === 'nonNegative') return ` (unit ${(unit ?? '').trim()})`;
  return '';
}

/** Compares two plain decimals exactly (at `scale` digits, beyond which the org rounds anyway). */
function compareDecimal(a: string, b: string, scale: number): number {
  const x = scaled(a, scale);
  const y = scaled(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Why a value cannot be saved into a criterion's field, in words a person can act on; null when it can (a null
 * value always can: it means "leave as it is" or a cleared value, decided by the caller). Apex twin:
 * GtmScorecardRule.valueProblem; both are held to the criterionValue vectors.
 */
export function criterionValueProblem(
  field: CriterionValueField,
  value: number | null | undefined,
  unit: string | null | undefined,
  precision: number,
  scale: number
): string | null {
  if (value === null || value === undefined) return null;
  const label = FIELD_LABEL[field];
  if (!Number.isFinite(value)) return `${label} must be a number`;
  const limits = criterionValueLimits(field, unit, precision, scale);
  const text = numberText(value);
  if (compareDecimal(text, limits.min, limits.scale) < 0 || compareDecimal(text, limits.max, limits.scale) > 0) {
    return `${label} must be from ${limits.min} to ${limits.max}${limitReason(limits.kind, unit)}`;
  }
  return null;
}
