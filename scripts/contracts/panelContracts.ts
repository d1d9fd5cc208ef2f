/**
 * The record-page panels' Apex contracts: one zod definition per @AuraEnabled method (its parameters and its
 * response). Three places hold to these and nothing else:
 * - the Apex controllers (force-app/main/default/classes/panels): their DTO property names are checked against
 *   staticresources/GtmPanelContracts.json, which `contractShapes()` renders from these schemas (a test keeps the
 *   two in step; the Apex tests read the static resource);
 * - the LWC jest fixtures (force-app/main/default/lwc/<panel>/__tests__/data/*.json): a test parses every fixture;
 * - the local workbench's TypeScript controllers (issue 5), which answer the same calls over the embedded store.
 *
 * Apex serializes a null property as absent or null depending on the path, so every nullable field is `nullish`.
 * Dates are YYYY-MM-DD text, ids are Salesforce ids (15/18 chars) in an org and store keys locally.
 */
import { z } from 'zod';
import { onboardingPanelMethods } from './onboardingContracts';
import { pqaPanelMethods } from './pqaContracts';
import { programMethods } from './programContracts';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const id = z.string().min(1);
const maybe = <T extends z.ZodType>(t: T) => t.nullish();

// ---------------------------------------------------------------- pilot scorecard (exp-003, exp-006)

export const CriterionView = z.object({
  id,
  metric: z.string(),
  unit: maybe(z.string()),
  targetValue: maybe(z.number()),
  targetDirection: maybe(z.string()),
  actualValue: maybe(z.number()),
  weight: maybe(z.number()),
  ownerId: maybe(z.string()),
  ownerName: maybe(z.string()),
  dueDate: maybe(date),
  status: maybe(z.string()),
  /** the actual meets the target in its direction (scorecard rule) */
  met: z.boolean(),
  /** target, owner and due date are set (week-1 completeness) */
  complete: z.boolean(),
  /** what target and actual may hold for this criterion's unit and the field (scorecard rule valueLimits) */
  valueMin: z.number(),
  valueMax: z.number()
});

/** A unit a criterion can be given, with the range its values must keep to (scorecard rule valueLimits). */
export const UnitOption = z.object({ unit: z.string(), min: z.number(), max: z.number() });

/** A user a criterion can be assigned to (the owner lookup's answers). */
export const OwnerOption = z.object({ id, name: z.string() });

export const HallucinationGateView = z.object({
  id,
  status: maybe(z.string()),
  measuredValue: maybe(z.number()),
  sampleSize: maybe(z.number()),
  fallbackPath: maybe(z.string()),
  auditedDate: maybe(date)
});

// ---------------------------------------------------------------- blockers (issue 13): structured, with a next step

/**
 * What blocks a gate, one code per kind of finding (readiness rule, stage gates). The panels key their behaviour on
 * the code and show the message as the server wrote it; they never parse or reword server text.
 */
export const BLOCKER_CODES = [
  // the pilot scorecard (exp-003)
  'scorecard_missing',
  'scorecard_unweighted',
  'scorecard_below_threshold',
  'scorecard_incomplete',
  'scorecard_overdue',
  // the hallucination gate (exp-006): the hand-recorded gate record, or the gate judged from audit runs
  'audit_missing',
  'audit_no_status',
  'audit_not_passed',
  'audit_no_sample',
  'audit_sample_small',
  'audit_rate_unmeasured',
  'audit_rate_above_max',
  'fallback_missing',
  // security collateral (exp-002)
  'collateral_unchecked',
  'collateral_expires_before_close',
  'collateral_expired',
  'collateral_missing',
  // evidence the running user cannot read (the gate fails closed)
  'access_denied'
] as const;
export const BlockerCode = z.enum(BLOCKER_CODES);

/**
 * Who makes a blocker's fix: the deal's account executive, a criterion's owner, Security (a collateral item's owner
 * when one is named), whoever runs the hallucination audit, or a Salesforce admin (access).
 */
export const BLOCKER_ROLES = ['account_executive', 'criterion_owner', 'security', 'audit_owner', 'admin'] as const;
export const BlockerActor = z.object({
  role: z.enum(BLOCKER_ROLES),
  /** the person when a record names one (the criterion's owner, the collateral's owner, the deal's owner) */
  name: maybe(z.string()),
  /** in words, as the panel shows it: "Priya Raman (collateral owner)", "Security" */
  label: z.string()
});

/**
 * The record and field where the fix is made (Lightning's naming: `object` is an Apex reserved word); recordId null
 * when the record does not exist yet (missing collateral, a review not started).
 */
export const BlockerFix = z.object({
  /** Pilot_Criterion__c, Pilot_Scorecard__c, Trust_Collateral__c, GTM_Launch_Gate__c, Security_Packet__c */
  objectApiName: z.string(),
  recordId: maybe(z.string()),
  /** the field to set; null when the fix is the record itself (create, renew, re-audit) */
  fieldApiName: maybe(z.string())
});

/**
 * The step the panel offers for a blocker:
 * - open_criterion: opens the inline editor on criterion `target` at field fix.fieldApiName (the AE fixes it there);
 * - apply_template: applies the standard criteria template (a pilot without a scorecard);
 * - request_collateral_renewal: asks the collateral's owner (Security) to renew item type `target` (a Task);
 * - request_hallucination_audit: asks for a new hallucination audit of the deal (a Task);
 * - start_security_review: opens the deal's security review (Security_Packet__c at Requested) so Security sends
 *   the packet;
 * - review_failing_cases: brings the hallucination gate panel's failing cases into view, where a reviewer sets a human
 *   verdict (a Provisional or Failed gate judged from audit runs with hallucinated cases);
 * - none: no action on the page; whoActs says who makes the fix.
 * requestBlockerAction performs the request kinds; the panel refuses nothing itself.
 */
export const BLOCKER_STEP_KINDS = [
  'open_criterion',
  'apply_template',
  'request_collateral_renewal',
  'request_hallucination_audit',
  'start_security_review',
  'review_failing_cases',
  'none'
] as const;
export const BlockerStepKind = z.enum(BLOCKER_STEP_KINDS);
export const BlockerNextStep = z.object({
  kind: BlockerStepKind,
  /** the button's or link's words; for none, what happens instead ("Security renews it") */
  label: z.string(),
  /** what the step acts on: a criterion id, a collateral type; null for the deal itself and for none */
  target: maybe(z.string())
});

export const BlockerView = z.object({
  code: BlockerCode,
  /** the finding in words, as the gate's refusal says it (readiness rule) */
  message: z.string(),
  whoActs: BlockerActor,
  fix: maybe(BlockerFix),
  next: BlockerNextStep
});

export const ReadinessView = z.object({
  ready: z.boolean(),
  /** every reason production approval is blocked (readiness rule), each with who acts and its next step */
  blockers: z.array(BlockerView)
});

export const ScorecardView = z.object({
  opportunityId: id,
  opportunityName: z.string(),
  stageName: maybe(z.string()),
  closeDate: maybe(date),
  /** null until a scorecard exists: the panel offers the template */
  scorecardId: maybe(z.string()),
  scorecardStatus: maybe(z.string()),
  pilotStartDate: maybe(date),
  templateVersion: maybe(z.string()),
  criteria: z.array(CriterionView),
  /** met weight / total weight, truncated to 4 digits; null without weighted criteria */
  score: maybe(z.number()),
  /** the policy threshold as written, e.g. "0.80" */
  minScore: z.string(),
  metWeight: z.number(),
  totalWeight: z.number(),
  completion: z.enum(['complete', 'due', 'overdue']),
  completionDeadline: maybe(date),
  daysLeft: maybe(z.number().int()),
  incompleteCount: z.number().int(),
  readiness: ReadinessView,
  gate: maybe(HallucinationGateView),
  /** the running user may edit criteria (object and record access) */
  canEdit: z.boolean(),
  /** Pilot_Criterion__c.Status__c values a person sets (progress words: met or not is measured, never typed) */
  statusOptions: z.array(z.string()),
  /** the deal is open: the standard template and new criteria are offered (a closed deal starts no pilot) */
  canSetUp: z.boolean(),
  /** the units the add form offers, with their ranges */
  unitOptions: z.array(UnitOption),
  /** the largest weight Weight__c holds */
  weightMax: z.number()
});

// ---------------------------------------------------------------- security packet (exp-002)

export const CollateralItemView = z.object({
  type: z.string(),
  status: z.enum(['current', 'expires_before_close', 'expired', 'missing']),
  version: maybe(z.string()),
  validUntil: maybe(date),
  documentUrl: maybe(z.string()),
  /** who renews the judged item (its owner's name); null when missing: Security provides it */
  renewedBy: maybe(z.string())
});

export const ReviewStageSpan = z.object({
  /** Requested, Packet Sent, In Review */
  stage: z.string(),
  startDate: date,
  /** null while the review is still in this stage */
  endDate: maybe(date),
  days: z.number().int()
});

export const ReviewCycleView = z.object({
  state: z.enum(['not_requested', 'in_progress', 'completed', 'blocked']),
  /** requested -> completed, or elapsed so far; null when not requested */
  days: maybe(z.number().int()),
  targetDays: z.number().int(),
  baselineDays: z.number().int(),
  /** days <= target; null when not requested, and for a review completed by exception (not measured) */
  onTarget: maybe(z.boolean()),
  /** completed by a recorded exception (NDA unsigned or collateral not current): left out of the cycle-time readout */
  byException: z.boolean(),
  stages: z.array(ReviewStageSpan),
  /**
   * the steps the packet's stage allows next (review-cycle rule), in the order the panel offers them: send (first
   * send), resend (back to Packet Sent: needs a reason, logged), complete, block; the server refuses any other
   */
  actions: z.array(z.enum(['send', 'resend', 'complete', 'block']))
});

export const PacketView = z.object({
  opportunityId: id,
  opportunityName: z.string(),
  closeDate: maybe(date),
  segment: maybe(z.string()),
  /** the account's segment is one of policy Enterprise_Segments: the proposal-stage gate applies */
  enterprise: z.boolean(),
  /** null until a packet exists */
  packetId: maybe(z.string()),
  reviewStage: maybe(z.string()),
  ndaSigned: z.boolean(),
  requestedDate: maybe(date),
  packetSentDate: maybe(date),
  reviewStartedDate: maybe(date),
  completedDate: maybe(date),
  blockedDate: maybe(date),
  blockedReason: maybe(z.string()),
  /** why the review was completed without the NDA or current collateral (cycle.byException) */
  completionExceptionReason: maybe(z.string()),
  /** dated lines: backward stage moves with their reasons, completions by exception */
  stageLog: maybe(z.string()),
  /** the longest reason the packet keeps (Blocked_Reason__c's length); the panel counts down to it */
  reasonMaxLength: z.number().int(),
  /** the deal's stage is the proposal stage or later (policy Stage_Proposal, Stage_Production_Approval) */
  pastProposalGate: z.boolean(),
  collateralCurrent: z.boolean(),
  collateral: z.array(CollateralItemView),
  cycle: ReviewCycleView,
  canEdit: z.boolean()
});

// ---------------------------------------------------------------- expansion triggers (exp-005)

export const UsageWeekView = z.object({
  isoWeek: z.string(),
  weekStart: date,
  ticketsTotal: z.number().int(),
  aiResolved: z.number().int(),
  /** ai / total for people to read; rules compare exactly */
  share: z.number(),
  /** tickets >= minimum and share >= threshold */
  qualifies: z.boolean(),
  /** the week has ended (only complete weeks count for triggers) */
  complete: z.boolean()
});

export const EvidenceWeekView = z.object({
  isoWeek: z.string(),
  weekStart: maybe(date),
  ticketsTotal: z.number().int(),
  aiResolved: maybe(z.number().int()),
  share: z.number()
});

/** An open opportunity of the account, to link on accept (a picker instead of a raw record Id) */
export const OpportunityOption = z.object({
  id,
  name: z.string(),
  stageName: maybe(z.string()),
  closeDate: maybe(date)
});

/** The account owner's follow-up Task (live mode, or an acceptance without an opportunity) */
export const FollowUpTaskView = z.object({
  id,
  subject: maybe(z.string()),
  ownerName: maybe(z.string()),
  dueDate: maybe(date),
  status: maybe(z.string())
});

export const TriggerView = z.object({
  id,
  isoWeek: z.string(),
  weekStart: maybe(date),
  status: z.string(),
  mode: maybe(z.string()),
  share: maybe(z.number()),
  ticketsTotal: maybe(z.number().int()),
  streakStartWeek: maybe(z.string()),
  /** the weeks that earned it, with the thresholds in force when it fired (Evidence__c) */
  evidenceWeeks: z.array(EvidenceWeekView),
  shareThreshold: maybe(z.number()),
  minWeeklyTickets: maybe(z.number().int()),
  requiredWeeks: maybe(z.number().int()),
  cooldownWeeks: maybe(z.number().int()),
  decisionReason: maybe(z.string()),
  decidedDate: maybe(date),
  decidedByName: maybe(z.string()),
  expansionOpportunityId: maybe(z.string()),
  expansionOpportunityName: maybe(z.string()),
  followUpTaskId: maybe(z.string()),
  outcomeLabel: maybe(z.string()),
  /** Shadow or Open, and the user may edit it */
  canDecide: z.boolean(),
  /** Snoozed_Until__c: hidden from the trigger queue until this day */
  snoozedUntil: maybe(date),
  /** the follow-up Task with its owner and due date; null when there is none or the user cannot see it */
  followUpTask: maybe(FollowUpTaskView)
});

export const StreakView = z.object({
  /** consecutive qualifying complete weeks ending at the latest complete week */
  length: z.number().int(),
  startWeek: maybe(z.string()),
  endWeek: maybe(z.string()),
  required: z.number().int(),
  /** the complete week that ended the streak (the one before its first week); null when every week is in it */
  shortWeek: maybe(z.string()),
  /** why shortWeek fell short: no tickets recorded, volume below the minimum, or share below the threshold */
  shortReason: maybe(z.enum(['no_tickets', 'below_minimum', 'below_threshold'])),
  shortTickets: maybe(z.number().int()),
  shortShare: maybe(z.number()),
  /** the newest trigger's fired week */
  lastFiredWeek: maybe(z.string()),
  /** the Monday of the first week a new trigger may fire at (the cooldown after the newest trigger) */
  nextFireWeekStart: maybe(date)
});

export const ExpansionView = z.object({
  accountId: id,
  accountName: z.string(),
  usageKey: maybe(z.string()),
  /** policy Expansion_Mode: shadow or live */
  mode: z.string(),
  shareThreshold: z.string(),
  minWeeklyTickets: z.number().int(),
  requiredWeeks: z.number().int(),
  cooldownWeeks: z.number().int(),
  /** the latest policy Expansion_Chart_Weeks weeks with tickets, oldest first */
  weeks: z.array(UsageWeekView),
  streak: StreakView,
  latestTrigger: maybe(TriggerView),
  /** the account's recent triggers, newest first */
  triggers: z.array(TriggerView),
  playbook: z.string(),
  /** the account's open opportunities, soonest close first: what an acceptance can link */
  openOpportunities: z.array(OpportunityOption)
});

// ---------------------------------------------------------------- the CS Ops trigger queue (exp-005)

export const QueueRowView = z.object({
  id,
  accountId: id,
  accountName: z.string(),
  ownerName: maybe(z.string()),
  isoWeek: z.string(),
  weekStart: maybe(date),
  status: z.string(),
  mode: maybe(z.string()),
  share: maybe(z.number()),
  ticketsTotal: maybe(z.number().int()),
  /** days from the fired week's Monday to today */
  ageDays: maybe(z.number().int()),
  snoozedUntil: maybe(date),
  /** snoozedUntil is after today */
  snoozed: z.boolean(),
  followUpTaskId: maybe(z.string()),
  /** the account's open opportunities, to link on accept */
  opportunities: z.array(OpportunityOption),
  canDecide: z.boolean()
});

export const TriggerQueueView = z.object({
  /** the day ages and snoozes are judged on */
  today: date,
  /** every undecided (Shadow or Open) trigger the user can see, oldest fired week first */
  rows: z.array(QueueRowView),
  playbook: z.string()
});

/** Users found by the owner lookup: at most OWNER_SEARCH_LIMIT, by name; none for fewer than 2 characters. */
export const OwnerSearchView = z.object({ users: z.array(OwnerOption) });

// ---------------------------------------------------------------- the hallucination gate (exp-006)

/** An audit run the gate read: where it came from and what it tested. */
export const AuditRunView = z.object({
  id,
  /** promptfoo, deepeval or csv (a human audit) */
  tool: z.string(),
  runId: z.string(),
  /** ISO instant (UTC) */
  runAt: maybe(z.string()),
  /** days from the run's day (UTC) to today: the gate expires audits past Hallucination_Audit_Max_Age_Days */
  ageDays: maybe(z.number().int()),
  model: maybe(z.string()),
  promptVersion: maybe(z.string()),
  dataset: maybe(z.string()),
  datasetSha256: maybe(z.string()),
  judge: maybe(z.string()),
  responses: z.number().int(),
  hallucinated: z.number().int(),
  critical: z.number().int(),
  /** counted in the gate (the deployed version, within the pooling window of the latest run) */
  pooled: z.boolean()
});

/** A failing (or reviewed) case of a pooled run. */
export const AuditItemView = z.object({
  id,
  caseId: z.string(),
  runId: z.string(),
  category: maybe(z.string()),
  severity: maybe(z.string()),
  /** the judge's verdict: pass or hallucinated */
  verdict: maybe(z.string()),
  unstable: z.boolean(),
  judgeReason: maybe(z.string()),
  /** a reviewer's verdict over the judge's: pass (not hallucinated) or hallucinated; null when none */
  humanVerdict: maybe(z.string()),
  humanReason: maybe(z.string()),
  reviewedBy: maybe(z.string()),
  /** ISO instant */
  reviewedAt: maybe(z.string())
});

export const FallbackView = z.object({
  /** Human handoff, Suggest-only, Abstain threshold, Kill switch; null when none is recorded */
  type: maybe(z.string()),
  testedDate: maybe(date),
  /** tested within Hallucination_Audit_Max_Age_Days */
  testedRecently: z.boolean(),
  evidenceUrl: maybe(z.string()),
  handoffSlaMinutes: maybe(z.number().int())
});

export const HallucinationPanelView = z.object({
  opportunityId: id,
  opportunityName: z.string(),
  /** Passed, Provisional, Failed, Pending or Expired (hallucination gate rule) */
  status: z.enum(['Passed', 'Provisional', 'Failed', 'Pending', 'Expired']),
  /** why it is not Passed, in words (empty when Passed) */
  reasons: z.array(z.string()),
  /** point or upper_bound (policy Hallucination_Gate_Basis) */
  basis: z.enum(['point', 'upper_bound']),
  /** policy Hallucination_Max_Rate, as a number and as written */
  maxRate: z.number(),
  maxRateText: z.string(),
  minSample: z.number().int(),
  maxAgeDays: z.number().int(),
  /** pooled counts after human verdicts */
  responses: z.number().int(),
  hallucinated: z.number().int(),
  critical: z.number().int(),
  unstable: z.number().int(),
  rate: maybe(z.number()),
  wilsonLow: maybe(z.number()),
  wilsonHigh: maybe(z.number()),
  upperBound: maybe(z.number()),
  /** hallucinations the basis allows at this n; null when n = 0 or none */
  allowedHallucinations: maybe(z.number().int()),
  /** the smallest n at which the same rate passes the basis; null: it cannot pass at this rate (or n = 0) */
  passingN: maybe(z.number().int()),
  deployedModel: maybe(z.string()),
  deployedPromptVersion: maybe(z.string()),
  /** the deal's audit runs, pooled first, latest first */
  runs: z.array(AuditRunView),
  /** failing, unstable or human-reviewed cases of the pooled runs, critical first */
  items: z.array(AuditItemView),
  /** such cases not listed (the list holds at most ITEM_LIMIT) */
  itemsNotListed: z.number().int(),
  fallback: FallbackView,
  /** what the gate puts in the way of production approval (readiness blockers of the audit and fallback) */
  blockers: z.array(BlockerView),
  /** the running user may set human verdicts (edit access to the audit items) */
  canReview: z.boolean(),
  /** the longest reason a human verdict keeps (Human_Reason__c) */
  reasonMaxLength: z.number().int()
});

/** The outcome of "Request production approval" (issue 13): the gate's word, and the scorecard after it. */
export const ProductionApprovalView = z.object({
  allowed: z.boolean(),
  /** the opportunity's stage afterwards */
  stageName: maybe(z.string()),
  /**
   * the refusal as the org words it: the production gate's reason ("Cannot move to Production Approval: the pilot
   * is not ready for production approval"; its blockers are `blockers`), or another validation's whole error text;
   * null when allowed
   */
  message: maybe(z.string()),
  /** what blocks production approval (readiness rule), each with its next step; empty when allowed */
  blockers: z.array(BlockerView),
  scorecard: ScorecardView
});

/** The outcome of a blocker's request step: what was recorded, for whom, and the scorecard after it. */
export const BlockerActionView = z.object({
  /** in words: "Asked Priya Raman to renew SOC 2 Type II (Task due 2026-06-08)" */
  message: z.string(),
  /** the Task created for whoever acts (request kinds) */
  taskId: maybe(z.string()),
  /** the security packet opened (start_security_review) */
  packetId: maybe(z.string()),
  scorecard: ScorecardView
});

// ---------------------------------------------------------------- the methods

const OpportunityParams = z.object({ opportunityId: id });

export const panelMethods = {
  'GtmPilotScorecardController.getScorecard': {
    cacheable: true,
    params: OpportunityParams,
    returns: ScorecardView
  },
  'GtmPilotScorecardController.updateCriterion': {
    cacheable: false,
    /**
     * A null field is left as it is. Clearing the actual is explicit: clearActual true with a null actualValue; a
     * value nobody cleared is never turned into null (clearActual left out is false, as Apex reads a null Boolean).
     */
    params: z.object({
      criterionId: id,
      actualValue: z.number().nullable(),
      clearActual: z.boolean().nullish(),
      status: z.string().nullable(),
      targetValue: z.number().nullish(),
      targetDirection: z.string().nullish(),
      unit: z.string().nullish(),
      weight: z.number().nullish(),
      ownerId: id.nullish(),
      dueDate: date.nullish()
    }),
    returns: ScorecardView
  },
  'GtmPilotScorecardController.addCriterion': {
    cacheable: false,
    params: z.object({
      opportunityId: id,
      metric: z.string().min(1),
      targetValue: z.number().nullable(),
      targetDirection: z.string().nullable(),
      weight: z.number().nullable(),
      dueDate: date.nullable(),
      /** the criterion owner; null: the running user */
      ownerId: id.nullish(),
      unit: z.string().nullish()
    }),
    returns: ScorecardView
  },
  'GtmPilotScorecardController.deleteCriterion': {
    cacheable: false,
    params: z.object({ criterionId: id }),
    returns: ScorecardView
  },
  'GtmPilotScorecardController.applyTemplate': {
    cacheable: false,
    params: OpportunityParams,
    returns: ScorecardView
  },
  /**
   * The AE asks to move the deal to policy Stage_Production_Approval: the save runs the Opportunity trigger's gate,
   * which refuses (its message, and the blockers it judged) or allows (the deal is at that stage).
   */
  'GtmPilotScorecardController.requestProductionApproval': {
    cacheable: false,
    params: OpportunityParams,
    returns: ProductionApprovalView
  },
  /**
   * A blocker's request step (next.kind request_collateral_renewal, request_hallucination_audit or
   * start_security_review, with next.target): the request is recorded (a Task for whoever acts, or the review opened)
   * and the scorecard read again.
   */
  'GtmPilotScorecardController.requestBlockerAction': {
    cacheable: false,
    params: z.object({ opportunityId: id, kind: BlockerStepKind, target: z.string().nullish() }),
    returns: BlockerActionView
  },
  /** type-ahead for a criterion's owner, like Salesforce's user lookup: active users whose name contains the text */
  'GtmPilotScorecardController.searchOwners': {
    cacheable: true,
    params: z.object({ query: z.string() }),
    returns: OwnerSearchView
  },
  'GtmHallucinationGateController.getGatePanel': {
    cacheable: true,
    params: OpportunityParams,
    returns: HallucinationPanelView
  },
  /** a reviewer's verdict on a listed case, with a reason; the audit and the deal's gate are recounted */
  'GtmHallucinationGateController.setHumanVerdict': {
    cacheable: false,
    params: z.object({
      opportunityId: id,
      itemId: id,
      verdict: z.enum(['pass', 'hallucinated']),
      reason: z.string().min(1)
    }),
    returns: HallucinationPanelView
  },
  'GtmSecurityPacketController.getPacketStatus': {
    cacheable: true,
    params: OpportunityParams,
    returns: PacketView
  },
  'GtmSecurityPacketController.markPacketSent': {
    cacheable: false,
    /** reason: required to send again from In Review, On Hold or Blocked (a backward move, logged) */
    params: z.object({ opportunityId: id, reason: z.string().nullish() }),
    returns: PacketView
  },
  'GtmSecurityPacketController.recordReviewCompleted': {
    cacheable: false,
    /** exceptionReason: required when the NDA is unsigned or collateral is not current (completion by exception) */
    params: z.object({ opportunityId: id, exceptionReason: z.string().nullish() }),
    returns: PacketView
  },
  'GtmSecurityPacketController.recordReviewBlocked': {
    cacheable: false,
    params: z.object({ opportunityId: id, reason: z.string().min(1) }),
    returns: PacketView
  },
  'GtmExpansionTriggerController.getExpansionView': {
    cacheable: true,
    params: z.object({ accountId: id }),
    returns: ExpansionView
  },
  'GtmExpansionTriggerController.acceptTrigger': {
    cacheable: false,
    /** opportunityId links an existing expansion opportunity; without it a follow-up Task with the playbook is created */
    params: z.object({ triggerId: id, opportunityId: id.nullable() }),
    returns: ExpansionView
  },
  'GtmExpansionTriggerController.dismissTrigger': {
    cacheable: false,
    params: z.object({ triggerId: id, reason: z.string().min(1) }),
    returns: ExpansionView
  },
  'GtmExpansionQueueController.getTriggerQueue': {
    /** read imperatively and never from the client cache: after a decision elsewhere the queue must be current */
    cacheable: false,
    params: z.object({}),
    returns: TriggerQueueView
  },
  'GtmExpansionQueueController.acceptQueuedTrigger': {
    cacheable: false,
    params: z.object({ triggerId: id, opportunityId: id.nullable() }),
    returns: TriggerQueueView
  },
  'GtmExpansionQueueController.dismissQueuedTrigger': {
    cacheable: false,
    params: z.object({ triggerId: id, reason: z.string().min(1) }),
    returns: TriggerQueueView
  },
  'GtmExpansionQueueController.snoozeTrigger': {
    cacheable: false,
    params: z.object({ triggerId: id, snoozedUntil: date }),
    returns: TriggerQueueView
  },
  ...pqaPanelMethods,
  ...programMethods,
  ...onboardingPanelMethods
} as const satisfies Record<string, { cacheable: boolean; params: z.ZodObject; returns: z.ZodObject }>;

export type PanelMethodName = keyof typeof panelMethods;
export type PanelParams<M extends PanelMethodName> = z.infer<(typeof panelMethods)[M]['params']>;
export type PanelResult<M extends PanelMethodName> = z.infer<(typeof panelMethods)[M]['returns']>;

/** Apex errors the panels show: AuraHandledException's message, e.g. "The criterion was not found". */
export const ApexErrorBody = z.object({ body: z.object({ message: z.string() }) });

/**
 * The property names of every response object, nested objects by their path: what GtmPanelContracts.json holds
 * for the Apex tests (which compare them with JSON.serialize of the controllers' DTOs).
 */
export function contractShapes(): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const [method, def] of Object.entries(panelMethods)) {
    const shapes: Record<string, string[]> = {};
    collectShapes(def.returns, '', shapes);
    out[method] = shapes;
  }
  return out;
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur = t;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable) cur = cur.unwrap() as z.ZodType;
    else return cur;
  }
}

function collectShapes(t: z.ZodType, at: string, shapes: Record<string, string[]>): void {
  const inner = unwrap(t);
  if (inner instanceof z.ZodArray) {
    collectShapes(inner.element as z.ZodType, `${at}[]`, shapes);
    return;
  }
  if (!(inner instanceof z.ZodObject)) return;
  const shape = inner.shape as Record<string, z.ZodType>;
  shapes[at === '' ? '.' : at] = Object.keys(shape).sort();
  for (const [key, child] of Object.entries(shape)) collectShapes(child, at === '' ? key : `${at}.${key}`, shapes);
}
