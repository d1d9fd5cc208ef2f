/**
 * exp-002 + exp-003 + exp-006: which deals an Opportunity stage gate judges. The proposal collateral gate judges
 * only enterprise deals (the account's GTM_Segment__c in policy Enterprise_Segments), the production readiness gate
 * only pilots (a deal with a Pilot_Scorecard__c or a Pilot_Start_Date__c); every other deal moves freely, whoever
 * moves it. Pure: the deal's facts in (the org reads them in system mode: they decide only whether the gate
 * applies), a verdict and its reason out.
 * Apex twin: GtmStageGateRule; both are tested against staticresources/GtmRuleVectors.json.
 */
import type { RulePolicy } from './ruleSupport';

export const GATE_PROPOSAL = 'proposal';
export const GATE_PRODUCTION = 'production';

export type StageGateReason =
  | 'enterprise'
  | 'not enterprise'
  | 'pilot scorecard'
  | 'pilot start date'
  | 'not a pilot'
  | 'no gate';

export interface StageGateDeal {
  /** the account's GTM_Segment__c; null without an account */
  segment: string | null;
  /** whether the deal has a Pilot_Scorecard__c (visible to the user or not) */
  hasScorecard: boolean;
  /** YYYY-MM-DD */
  Pilot_Start_Date__c: string | null;
}

export interface StageGateInput {
  /** 'proposal' or 'production'; anything else is no gate */
  gate: string;
  deal: StageGateDeal;
}

export interface StageGateResult {
  applies: boolean;
  reason: StageGateReason;
}

/** One of policy Enterprise_Segments, exactly as written (GTM_Segment__c picklist values). */
export function isEnterpriseSegment(segment: string | null | undefined, policy: Pick<RulePolicy, 'list'>): boolean {
  return segment != null && policy.list('Enterprise_Segments').includes(segment);
}

export function judgeStageGate(input: StageGateInput, policy: Pick<RulePolicy, 'list'>): StageGateResult {
  const { gate, deal } = input;
  if (gate === GATE_PROPOSAL) {
    return isEnterpriseSegment(deal.segment, policy)
      ? { applies: true, reason: 'enterprise' }
      : { applies: false, reason: 'not enterprise' };
  }
  if (gate === GATE_PRODUCTION) {
    if (deal.hasScorecard) return { applies: true, reason: 'pilot scorecard' };
    return deal.Pilot_Start_Date__c != null
      ? { applies: true, reason: 'pilot start date' }
      : { applies: false, reason: 'not a pilot' };
  }
  return { applies: false, reason: 'no gate' };
}
