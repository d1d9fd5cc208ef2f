/**
 * exp-002: a security review's cycle time (requested -> completed, or elapsed so far) against the target, and the
 * time spent in each stage. Pure: one Security_Packet__c-shaped record in, a verdict out. Apex twin:
 * GtmReviewCycleRule.
 *
 * Dates entered out of order (a span ending before it starts, completion before the request, a request after the
 * judging day) keep their dates as entered, so the odd order stays visible, but never count negative days: every
 * day count is clamped to 0.
 */
import { daysBetween, isBlank, type RulePolicy } from './ruleSupport';

export const STAGE_BLOCKED = 'Blocked';
export const STAGE_PACKET_SENT = 'Packet Sent';
export const STAGE_IN_REVIEW = 'In Review';
export const STAGE_ON_HOLD = 'On Hold';

/**
 * What the panel may record next, by the packet's stage: send (the first send, forward), resend (back to Packet
 * Sent from In Review, On Hold or Blocked: a backward move, which needs a reason and is logged), complete, block.
 * The server refuses any other step.
 */
export type ReviewAction = 'send' | 'resend' | 'complete' | 'block';

/** The span names, in review order. */
export const SPAN_REQUESTED = 'Requested';
export const SPAN_PACKET_SENT = 'Packet Sent';
export const SPAN_IN_REVIEW = 'In Review';

export interface PacketDates {
  Requested_Date__c?: string | null;
  Packet_Sent_Date__c?: string | null;
  Review_Started_Date__c?: string | null;
  Completed_Date__c?: string | null;
  /** not read by the rule: a blocked review is told by Review_Stage__c */
  Blocked_Date__c?: string | null;
  /** Not Started, Packet Sent, In Review, Completed, On Hold, Blocked */
  Review_Stage__c?: string | null;
  /** completed without the NDA or current collateral, by a recorded exception: not measured against the target */
  Completion_Exception__c?: boolean | null;
}

export type ReviewCycleState = 'not_requested' | 'in_progress' | 'completed' | 'blocked';

export interface ReviewStageSpan {
  /** Requested, Packet Sent, In Review */
  stage: string;
  startDate: string;
  /** the next span's start, else the completed date; null while the review is still in this stage */
  endDate: string | null;
  /** start -> (end, or today while ongoing), clamped to 0 */
  days: number;
}

export interface ReviewCycleResult {
  /**
   * not_requested: no packet or no requested date; completed: a completed date is set (whatever the stage);
   * blocked: Review_Stage__c is Blocked; in_progress: otherwise (On Hold included)
   */
  state: ReviewCycleState;
  /** requested -> completed, or requested -> today while open, clamped to 0; null when not requested */
  days: number | null;
  targetDays: number;
  baselineDays: number;
  /** days <= targetDays; null when not requested, and for a review completed by exception (not measured) */
  onTarget: boolean | null;
  /**
   * completed by a recorded exception (NDA unsigned or collateral not current): the exp-002 cycle-time readout
   * leaves it out, so onTarget is null
   */
  byException: boolean;
  /** the spans whose start date is set, in review order; empty when not requested */
  stages: ReviewStageSpan[];
  /** the steps that may be recorded next (see ReviewAction), in the order the panel offers them */
  actions: ReviewAction[];
}

/** Calendar days from `from` to `to`, never negative. */
function elapsed(from: string, to: string): number {
  return Math.max(0, daysBetween(from, to));
}

function dateOf(value: string | null | undefined): string | null {
  return isBlank(value) ? null : value!.trim();
}

function spansOf(packet: PacketDates, completed: string | null, today: string): ReviewStageSpan[] {
  const starts: [string, string | null][] = [
    [SPAN_REQUESTED, dateOf(packet.Requested_Date__c)],
    [SPAN_PACKET_SENT, dateOf(packet.Packet_Sent_Date__c)],
    [SPAN_IN_REVIEW, dateOf(packet.Review_Started_Date__c)]
  ];
  const present = starts.filter((s): s is [string, string] => s[1] !== null);
  return present.map(([stage, startDate], i): ReviewStageSpan => {
    const endDate = i + 1 < present.length ? present[i + 1]![1] : completed;
    return { stage, startDate, endDate, days: elapsed(startDate, endDate ?? today) };
  });
}

/**
 * The next steps by stage: none once completed (a completed date is set); the first send from no packet, no stage
 * or Not Started; complete or block from Packet Sent; resend (backward), complete or block from In Review and On
 * Hold; resend or complete from Blocked (blocking again would overwrite the recorded reason); complete from a
 * Completed stage that has no completed date.
 */
export function reviewActions(packet: PacketDates | null): ReviewAction[] {
  if (packet === null) return ['send'];
  if (dateOf(packet.Completed_Date__c) !== null) return [];
  switch (packet.Review_Stage__c) {
    case STAGE_PACKET_SENT:
      return ['complete', 'block'];
    case STAGE_IN_REVIEW:
    case STAGE_ON_HOLD:
      return ['resend', 'complete', 'block'];
    case STAGE_BLOCKED:
      return ['resend', 'complete'];
    case 'Completed':
      // a Completed stage without its date: the completion can still be recorded
      return ['complete'];
    default:
      return ['send'];
  }
}

export function judgeReviewCycle(packet: PacketDates | null, policy: RulePolicy, today: string): ReviewCycleResult {
  const targetDays = policy.integer('Security_Review_Days_Target');
  const baselineDays = policy.integer('Security_Review_Days_Baseline');
  const actions = reviewActions(packet);
  const requested = packet === null ? null : dateOf(packet.Requested_Date__c);
  if (packet === null || requested === null) {
    return {
      state: 'not_requested',
      days: null,
      targetDays,
      baselineDays,
      onTarget: null,
      byException: false,
      stages: [],
      actions
    };
  }
  const completed = dateOf(packet.Completed_Date__c);
  let state: ReviewCycleState = 'in_progress';
  if (completed !== null) state = 'completed';
  else if (packet.Review_Stage__c === STAGE_BLOCKED) state = 'blocked';
  const days = elapsed(requested, completed ?? today);
  const byException = completed !== null && packet.Completion_Exception__c === true;
  return {
    state,
    days,
    targetDays,
    baselineDays,
    onTarget: byException ? null : days <= targetDays,
    byException,
    stages: spansOf(packet, completed, today),
    actions
  };
}
