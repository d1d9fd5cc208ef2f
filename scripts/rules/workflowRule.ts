/**
 * exp-001's workflow reliability, judged at routing (the week-2 check): a treatment signal's workflow is OK when it
 * got an owner and the owner's follow-up Task was created within Exp001_Reliability_Minutes of the signal, without
 * error. An escalation to the fallback queue is a failure with its reason; control (business as usual) is not
 * judged. Apex twin: GtmRoutingRule.workflow, both held to the `workflow` vectors of GtmRoutingVectors.json.
 */
import type { Arm } from '../routing/readout';
import { instantMs, type RoutingDecision } from './routingRule';
import type { RulePolicy } from './ruleSupport';

export interface WorkflowInput {
  arm: Arm;
  decision: RoutingDecision;
  /** the fallback queue, on an escalation */
  queue: string | null;
  /** ISO instant the signal arrived */
  signalAt: string;
  /** ISO instant the owner's Task was created; null: none */
  ownerTaskAt: string | null;
  /** why the Task insert failed; null: no error */
  taskError: string | null;
}

export interface WorkflowJudgement {
  /** Workflow_Result__c: null for an arm that is not judged */
  result: 'OK' | 'Failed' | null;
  /** Workflow_Failure__c */
  failure: string | null;
}

const MINUTE_MS = 60_000;

export function judgeWorkflow(input: WorkflowInput, policy: RulePolicy): WorkflowJudgement {
  if (input.arm !== 'Treatment') return { result: null, failure: null };
  const failed = (failure: string): WorkflowJudgement => ({ result: 'Failed', failure: failure.slice(0, 255) });
  if (input.decision === 'Fallback')
    return failed(`escalated to the fallback queue ${input.queue ?? '(none)'}: no eligible member, so no owner Task`);
  if (input.taskError !== null) return failed(`owner Task not created: ${input.taskError}`);
  if (input.ownerTaskAt === null) return failed('owner Task not created');
  const limit = policy.integer('Exp001_Reliability_Minutes');
  const elapsedMs = instantMs(input.ownerTaskAt, 'ownerTaskAt') - instantMs(input.signalAt, 'signalAt');
  if (elapsedMs > limit * MINUTE_MS)
    return failed(
      `owner Task created ${Math.ceil(elapsedMs / MINUTE_MS)} minutes after the signal, over the ${limit}-minute limit`
    );
  return { result: 'OK', failure: null };
}
