/**
 * Sign-off of a readout decision (the seed's risk control "No experiment declared successful without baseline,
 * threshold, and owner sign-off", and Statsig's review rule for decisions that oppose the recommendation). The org
 * enforces it at save time in GtmDecisionRule.cls (GTM_Experiment_Readout__c trigger); the workbench stand-in runs
 * this twin. Both are held to force-app/main/default/staticresources/GtmDecisionVectors.json.
 */
export interface DecisionInput {
  /** the readout was published before this save */
  publishedBefore: boolean;
  /** fields this save changes */
  changed: string[];
  recommendation: string;
  /** null: no decision on the record */
  decision: string | null;
  decidedBy: string | null;
  secondApprover: string | null;
  overrideReason: string | null;
  /** the experiment's baseline, threshold (target) and owner */
  baseline: number | null;
  threshold: number | null;
  owner: string | null;
}

export const DECISION_MESSAGES = {
  published_readout_locked: 'A published readout cannot be edited: build a readout for a new as-of date instead.',
  decider_missing: 'A decision needs the approver who signs it off (Decided By).',
  override_reason_missing: 'This decision differs from the recommendation, so it needs the reason for the override.',
  second_approver_missing: 'This decision differs from the recommendation, so it needs a second approver.',
  second_approver_is_decider: 'The second approver must be someone other than the approver who decided.',
  scale_baseline_missing: 'Scale needs the experiment baseline.',
  scale_threshold_missing: 'Scale needs the experiment threshold (target).',
  scale_owner_missing: 'Scale needs the experiment owner.'
} as const;
export type DecisionCode = keyof typeof DECISION_MESSAGES;

/** Both override codes read as one sentence, not the same opening clause twice. */
export const OVERRIDE_INCOMPLETE_MESSAGE =
  'This decision differs from the recommendation, so it needs the reason for the override and a second approver.';

/** The messages of problem codes, joined for a person to read (GtmDecisionRule.messageOf's twin). */
export function decisionMessage(codes: readonly DecisionCode[]): string {
  const both = codes.includes('override_reason_missing') && codes.includes('second_approver_missing');
  const lines: string[] = [];
  for (const code of codes) {
    if (both && code === 'second_approver_missing') continue;
    lines.push(both && code === 'override_reason_missing' ? OVERRIDE_INCOMPLETE_MESSAGE : DECISION_MESSAGES[code]);
  }
  return lines.join(' ');
}

/** A decision that follows the recommendation; Adopted follows a Scale recommendation (the next step after it). */
export function followsRecommendation(decision: string, recommendation: string): boolean {
  return decision === recommendation || (decision === 'Adopted' && recommendation === 'Scale');
}

const blank = (s: string | null) => s === null || s.trim() === '';

/** What keeps the save from going through, in a fixed order; empty: it may be saved. */
export function decisionProblems(input: DecisionInput): DecisionCode[] {
  if (input.publishedBefore && input.changed.length) return ['published_readout_locked'];
  if (input.decision === null) return [];
  const problems: DecisionCode[] = [];
  if (blank(input.decidedBy)) problems.push('decider_missing');
  if (!followsRecommendation(input.decision, input.recommendation)) {
    if (blank(input.overrideReason)) problems.push('override_reason_missing');
    if (blank(input.secondApprover)) problems.push('second_approver_missing');
    else if (input.secondApprover === input.decidedBy) problems.push('second_approver_is_decider');
  }
  if (input.decision === 'Scale' || input.decision === 'Adopted') {
    if (input.baseline === null) problems.push('scale_baseline_missing');
    if (input.threshold === null) problems.push('scale_threshold_missing');
    if (blank(input.owner)) problems.push('scale_owner_missing');
  }
  return problems;
}
