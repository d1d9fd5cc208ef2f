/**
 * exp-003 + exp-006 + exp-002: whether a pilot is ready for production approval, and every blocker: a code (what
 * the panels act on, panelContracts BLOCKER_CODES), its words, and the collateral type it is about.
 * Pure: the scorecard verdict, the hallucination gate (GTM_Launch_Gate__c-shaped) and the collateral verdict in.
 * Apex twin: GtmReadinessRule; codes and texts are compared word for word in both (GtmRuleVectors.json).
 */
import type { CollateralResult } from './collateralRule';
import type { z } from 'zod';
import type { BlockerCode } from '../contracts/panelContracts';
import { percentText, type HallucinationGateResult } from './hallucinationGateRule';
import { isBlank, numberText, SCORE_SCALE, scaled, type RulePolicy } from './ruleSupport';
import type { ScorecardResult } from './scorecardRule';

export const GATE_PASSED = 'Passed';

export interface HallucinationGateRecord {
  Status__c?: string | null;
  Measured_Value__c?: number | null;
  Sample_Size__c?: number | null;
  Fallback_Path__c?: string | null;
}

export interface ReadinessInput {
  scorecard: Pick<ScorecardResult, 'score' | 'completion'>;
  /** the opportunity's hallucination-audit gate; null when none was recorded */
  gate: HallucinationGateRecord | null;
  /** the collateral verdict; null blocks (it was not checked) */
  collateral: CollateralResult | null;
  /**
   * exp-006: the hallucination gate judged from the deal's Hallucination_Audit__c runs (hallucinationGateRule); when
   * given it replaces the checks on the hand-typed gate record, so production approval uses the same rule as the
   * audit. Absent (undefined or null) for a deal without audit runs.
   */
  audit?: Pick<HallucinationGateResult, 'status' | 'reasons'> | null;
}

export interface ReadinessBlocker {
  code: z.infer<typeof BlockerCode>;
  /** the finding in words (the gate's refusal lists these) */
  message: string;
  /** the collateral type a collateral blocker is about; null for the others */
  subject: string | null;
}

export interface ReadinessResult {
  ready: boolean;
  blockers: ReadinessBlocker[];
}

const blocker = (code: ReadinessBlocker['code'], message: string, subject: string | null = null): ReadinessBlocker => ({
  code,
  message,
  subject
});

/** The blockers' words, as the Opportunity trigger's refusal joins them. */
export const blockerMessages = (blockers: readonly ReadinessBlocker[]): string[] => blockers.map((b) => b.message);

/** Digits of GTM_Launch_Gate__c.Measured_Value__c. */
const RATE_SCALE = 6;

function scorecardBlockers(s: ReadinessInput['scorecard'], policy: RulePolicy): ReadinessBlocker[] {
  const minScore = policy.decimal('Pilot_Ready_Min_Score');
  const out: ReadinessBlocker[] = [];
  if (s.score === null) {
    out.push(blocker('scorecard_unweighted', 'scorecard has no weighted criteria'));
  } else if (scaled(s.score, SCORE_SCALE) < scaled(minScore, SCORE_SCALE)) {
    out.push(blocker('scorecard_below_threshold', `scorecard score ${numberText(s.score)} is below ${minScore}`));
  }
  if (s.completion === 'overdue') {
    out.push(blocker('scorecard_overdue', 'scorecard is overdue: every criterion needs a target, owner and due date'));
  } else if (s.completion === 'due') {
    out.push(
      blocker('scorecard_incomplete', 'scorecard is not complete: every criterion needs a target, owner and due date')
    );
  }
  return out;
}

function gateBlockers(gate: HallucinationGateRecord | null, policy: RulePolicy): ReadinessBlocker[] {
  const maxRate = policy.decimal('Hallucination_Max_Rate');
  const minSample = policy.integer('Hallucination_Min_Sample');
  if (gate === null) {
    return [
      blocker('audit_missing', 'no hallucination audit recorded'),
      blocker('fallback_missing', 'no fallback path')
    ];
  }
  const out: ReadinessBlocker[] = [];
  if (isBlank(gate.Status__c)) out.push(blocker('audit_no_status', 'hallucination gate has no status'));
  else if (gate.Status__c !== GATE_PASSED)
    out.push(blocker('audit_not_passed', `hallucination gate is ${gate.Status__c}`));
  if (gate.Sample_Size__c == null) {
    out.push(blocker('audit_no_sample', 'hallucination audit has no sample size'));
  } else if (gate.Sample_Size__c < minSample) {
    out.push(
      blocker(
        'audit_sample_small',
        `hallucination audit on ${numberText(gate.Sample_Size__c)} responses is below the ${minSample} minimum`
      )
    );
  }
  if (gate.Measured_Value__c == null) {
    out.push(blocker('audit_rate_unmeasured', 'hallucination rate is not measured'));
  } else if (scaled(gate.Measured_Value__c, RATE_SCALE) > scaled(maxRate, RATE_SCALE)) {
    out.push(
      blocker(
        'audit_rate_above_max',
        `hallucination rate ${percentText(gate.Measured_Value__c)} is above the ${percentText(Number(maxRate))} maximum`
      )
    );
  }
  if (isBlank(gate.Fallback_Path__c)) out.push(blocker('fallback_missing', 'no fallback path'));
  return out;
}

/** The audit gate in words: only Passed lets production approval through (Provisional is for the pilot cohort). */
function auditBlockers(audit: NonNullable<ReadinessInput['audit']>): ReadinessBlocker[] {
  if (audit.status === GATE_PASSED) return [];
  return [
    blocker(
      'audit_not_passed',
      `hallucination gate is ${audit.status}${audit.reasons.length ? `: ${audit.reasons.join('; ')}` : ''}`
    )
  ];
}

/** Each collateral verdict that is not current, in words (GtmOpportunityGateService.describe says the same). */
export function collateralBlockers(collateral: CollateralResult | null): ReadinessBlocker[] {
  if (collateral === null) return [blocker('collateral_unchecked', 'security collateral has not been checked')];
  const out: ReadinessBlocker[] = [];
  for (const item of collateral.items) {
    if (item.status === 'expires_before_close') {
      out.push(
        blocker('collateral_expires_before_close', `${item.type} expires before close (${item.validUntil})`, item.type)
      );
    } else if (item.status === 'expired') {
      out.push(blocker('collateral_expired', `${item.type} expired (${item.validUntil})`, item.type));
    } else if (item.status === 'missing') {
      out.push(blocker('collateral_missing', `${item.type} is missing`, item.type));
    }
  }
  return out;
}

export function judgeReadiness(input: ReadinessInput, policy: RulePolicy): ReadinessResult {
  const blockers = [
    ...scorecardBlockers(input.scorecard, policy),
    ...(input.audit ? auditBlockers(input.audit) : gateBlockers(input.gate, policy)),
    ...collateralBlockers(input.collateral)
  ];
  return { ready: blockers.length === 0, blockers };
}
