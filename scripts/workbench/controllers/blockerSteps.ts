/**
 * The readiness blockers as the panels receive them (issue 13): each with who acts, the record and field where the
 * fix is made, and its next step. Mirrors GtmBlockerSteps (Apex): the same codes lead to the same steps and words.
 * The readiness rule says what blocks; this adds where and by whom, from the deal's records, and says scores and
 * dates as the panels write them (percentages, the user's date format), so no panel rewords or parses server text.
 */
import type { z } from 'zod';
import type { BlockerView as BlockerViewSchema } from '../../contracts/panelContracts';
import type { HallucinationGateResult } from '../../rules/hallucinationGateRule';
import type { ReadinessBlocker } from '../../rules/readinessRule';
import { criterionComplete, criterionMet, type CriterionRecord } from '../../rules/scorecardRule';
import { dateText, percentText } from './panelFormat';

type BlockerView = z.infer<typeof BlockerViewSchema>;
type Actor = BlockerView['whoActs'];

/** What the steps are drawn from: the deal, its criteria (in the panel's order), its gate record and packet. */
export interface BlockerFacts {
  /** the deal's owner (the account executive) */
  ownerName: string | null;
  criteria: { id: string; metric: string; ownerName: string | null; record: CriterionRecord }[];
  /** the latest GTM_Launch_Gate__c (hallucination audit) record; null when none */
  gateId: string | null;
  /** the deal's security packet; null before the review starts */
  packetId: string | null;
  /** the published collateral record of each type and its owner's name (null where the store keeps none) */
  collateral: Map<string, { id: string; ownerName: string | null; validUntil: string | null }>;
  /** the scorecard's score and the policy threshold (Pilot_Ready_Min_Score as written) */
  score: number | null;
  minScore: string;
  /** the hallucination gate rule's verdict on the deal's audit runs (state and hallucinated cases); null without runs */
  audit: Pick<HallucinationGateResult, 'status' | 'hallucinated'> | null;
}

/** The blocker's words on a panel: the rule's, with its score or date written as the panel writes them. */
export function panelMessage(b: ReadinessBlocker, facts: Pick<BlockerFacts, 'collateral' | 'score' | 'minScore'>) {
  if (b.code === 'scorecard_below_threshold' && facts.score !== null) {
    return `scorecard score ${percentText(facts.score)} is below the ${percentText(Number(facts.minScore))} threshold`;
  }
  const until = b.subject === null ? null : (facts.collateral.get(b.subject)?.validUntil ?? null);
  if (until !== null && b.code === 'collateral_expired') return `${b.subject} expired ${dateText(until)}`;
  if (until !== null && b.code === 'collateral_expires_before_close') {
    return `${b.subject} expires ${dateText(until)}, before the close date`;
  }
  return b.message;
}

/** The completeness fields in the order the panel asks for them, with their names in words. */
const COMPLETENESS_FIELDS = [
  ['Target_Value__c', 'target'],
  ['Owner__c', 'owner'],
  ['Due_Date__c', 'due date']
] as const;

function missingField(c: CriterionRecord): (typeof COMPLETENESS_FIELDS)[number] | null {
  if (c.Target_Value__c == null) return COMPLETENESS_FIELDS[0];
  if (c.Owner__c == null || c.Owner__c.trim() === '') return COMPLETENESS_FIELDS[1];
  if (c.Due_Date__c == null || c.Due_Date__c === '') return COMPLETENESS_FIELDS[2];
  return null;
}

const ae = (name: string | null): Actor => ({
  role: 'account_executive',
  name,
  label: name ? `${name} (account executive)` : 'The account executive'
});
const criterionOwner = (name: string | null, fallback: Actor): Actor =>
  name ? { role: 'criterion_owner', name, label: `${name} (criterion owner)` } : fallback;
const security = (name: string | null): Actor => ({
  role: 'security',
  name,
  label: name ? `${name} (collateral owner, Security)` : 'Security'
});
const AUDITOR: Actor = { role: 'audit_owner', name: null, label: 'The hallucination audit team' };
const ADMIN: Actor = { role: 'admin', name: null, label: 'A Salesforce admin' };

/** One blocker with its actor, fix and next step. */
export function blockerStep(b: ReadinessBlocker, facts: BlockerFacts): BlockerView {
  const owner = ae(facts.ownerName);
  const view = (whoActs: Actor, fix: BlockerView['fix'], next: BlockerView['next']): BlockerView => ({
    code: b.code,
    message: panelMessage(b, facts),
    whoActs,
    fix,
    next
  });
  const noStep = (label: string) => ({ kind: 'none' as const, label, target: null });
  if (b.code === 'audit_not_passed' && facts.audit) return judgedAudit(facts.audit, facts.gateId, owner, view);
  switch (b.code) {
    case 'scorecard_missing':
      return view(
        owner,
        { objectApiName: 'Pilot_Scorecard__c', recordId: null, fieldApiName: null },
        { kind: 'apply_template', label: 'Apply the standard template', target: null }
      );
    case 'scorecard_unweighted': {
      const c = facts.criteria.find((x) => x.record.Weight__c == null);
      return c
        ? view(
            owner,
            { objectApiName: 'Pilot_Criterion__c', recordId: c.id, fieldApiName: 'Weight__c' },
            { kind: 'open_criterion', label: `Set the weight of ${c.metric}`, target: c.id }
          )
        : view(
            owner,
            { objectApiName: 'Pilot_Criterion__c', recordId: null, fieldApiName: null },
            noStep('Add a weighted criterion')
          );
    }
    case 'scorecard_below_threshold': {
      const c = facts.criteria.find((x) => (x.record.Weight__c ?? 0) > 0 && !criterionMet(x.record));
      return c
        ? view(
            criterionOwner(c.ownerName, owner),
            { objectApiName: 'Pilot_Criterion__c', recordId: c.id, fieldApiName: 'Actual_Value__c' },
            { kind: 'open_criterion', label: `Update the actual of ${c.metric}`, target: c.id }
          )
        : view(owner, null, noStep('The criteria owners meet their targets'));
    }
    case 'scorecard_incomplete':
    case 'scorecard_overdue': {
      const c = facts.criteria.find((x) => !criterionComplete(x.record));
      const field = c ? missingField(c.record) : null;
      return c && field
        ? view(
            owner,
            { objectApiName: 'Pilot_Criterion__c', recordId: c.id, fieldApiName: field[0] },
            { kind: 'open_criterion', label: `Set the ${field[1]} of ${c.metric}`, target: c.id }
          )
        : view(
            owner,
            { objectApiName: 'Pilot_Criterion__c', recordId: null, fieldApiName: null },
            noStep('Add a criterion')
          );
    }
    case 'audit_missing':
    case 'audit_no_status':
    case 'audit_not_passed':
    case 'audit_no_sample':
    case 'audit_sample_small':
    case 'audit_rate_unmeasured':
      return view(
        AUDITOR,
        { objectApiName: 'GTM_Launch_Gate__c', recordId: facts.gateId, fieldApiName: null },
        { kind: 'request_hallucination_audit', label: 'Request a hallucination audit', target: null }
      );
    case 'audit_rate_above_max':
      return view(
        AUDITOR,
        { objectApiName: 'GTM_Launch_Gate__c', recordId: facts.gateId, fieldApiName: 'Measured_Value__c' },
        noStep('The AI team lowers the hallucination rate; a new audit then measures it')
      );
    case 'fallback_missing':
      return view(
        AUDITOR,
        { objectApiName: 'GTM_Launch_Gate__c', recordId: facts.gateId, fieldApiName: 'Fallback_Path__c' },
        noStep('The audit team records the fallback path on the launch gate')
      );
    case 'collateral_expires_before_close':
    case 'collateral_expired':
    case 'collateral_missing': {
      const type = b.subject ?? '';
      const item = facts.collateral.get(type) ?? null;
      // a missing item without a review: the review is where Security assembles what the deal needs
      if (b.code === 'collateral_missing' && facts.packetId === null) {
        return view(
          owner,
          { objectApiName: 'Security_Packet__c', recordId: null, fieldApiName: null },
          { kind: 'start_security_review', label: 'Start the security review', target: null }
        );
      }
      return view(
        security(item?.ownerName ?? null),
        {
          objectApiName: 'Trust_Collateral__c',
          recordId: item?.id ?? null,
          fieldApiName: item ? 'Valid_Until__c' : null
        },
        {
          kind: 'request_collateral_renewal',
          label: item ? `Request a renewal of ${type} from Security` : `Ask Security to publish ${type}`,
          target: type
        }
      );
    }
    case 'collateral_unchecked':
      return view(
        owner,
        { objectApiName: 'Security_Packet__c', recordId: facts.packetId, fieldApiName: null },
        facts.packetId === null
          ? { kind: 'start_security_review', label: 'Start the security review', target: null }
          : noStep('Security checks the collateral on the security review')
      );
    case 'access_denied':
      return view(ADMIN, null, noStep('Ask a Salesforce admin for access to the GTM records'));
  }
}

/**
 * A gate judged from audit runs (GtmBlockerSteps.judgedAudit): Provisional or Failed on hallucinated cases, which a
 * reviewer may overturn on the gate panel; Provisional without one is short of a tested fallback; Pending and
 * Expired need a new audit.
 */
function judgedAudit(
  audit: NonNullable<BlockerFacts['audit']>,
  gateId: string | null,
  owner: Actor,
  view: (whoActs: Actor, fix: BlockerView['fix'], next: BlockerView['next']) => BlockerView
): BlockerView {
  const fix = { objectApiName: 'GTM_Launch_Gate__c', recordId: gateId, fieldApiName: null };
  const k = audit.hallucinated;
  if ((audit.status === 'Provisional' || audit.status === 'Failed') && k > 0) {
    const label = k === 1 ? 'Review the failing case' : `Review the ${k} failing cases`;
    return view(owner, fix, { kind: 'review_failing_cases', label, target: null });
  }
  if (audit.status === 'Provisional') {
    return view(AUDITOR, fix, {
      kind: 'none',
      label: 'The audit team tests the fallback path and records it on the audit',
      target: null
    });
  }
  return view(AUDITOR, fix, {
    kind: 'request_hallucination_audit',
    label: 'Request a hallucination audit',
    target: null
  });
}

export function blockerSteps(blockers: readonly ReadinessBlocker[], facts: BlockerFacts): BlockerView[] {
  return blockers.map((b) => blockerStep(b, facts));
}
