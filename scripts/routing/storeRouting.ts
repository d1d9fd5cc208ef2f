/**
 * Routing a PQA against the local store, the way the org's service does it: lock the pool (the org reads the pool's
 * members FOR UPDATE), then in one transaction read the members and the pool's picks, run the rule
 * (rules/routingRule.ts), write the Routing_Assignment__c with its SLA clock and, for a treated PQA with an owner, the
 * owner's follow-up Task (open, subtype Task: the sweep never takes it for a touch), judge the week-2 workflow
 * reliability from it (rules/workflowRule.ts) and commit, then unlock. Two routings racing for one pool never both take
 * a member's last place under its cap.
 *
 * The lock is a per-pool queue in this process: DuckDB does not block or fail a second transaction that updates
 * the same rows (its optimistic concurrency let both commit, tried in the test), and only one process can have the
 * store file open, so every routing of a store goes through this queue.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { routePqa, type PrecedenceCandidate, type RoutingResult } from '../rules/routingRule';
import type { RulePolicy } from '../rules/ruleSupport';
import { GtmError } from '../lib/errors';
import { isWithinBusinessHours } from '../rules/businessHours';
import { loadPool } from './pqaRun';
import { weekStartOf } from './poolHours';
import { slaClock } from '../rules/slaRule';
import { judgeWorkflow } from '../rules/workflowRule';
import type { Arm } from './readout';

export interface RoutingRequest {
  assignmentKey: string;
  accountId: string;
  arm: Arm;
  poolKey: string;
  /** ISO instant; the weekly cap's week and business hours follow from the pool's hours, as in the org */
  routedAt: string;
  precedence: PrecedenceCandidate[];
  /** ISO instant the signal arrived (the reliability minutes run from it); default: routedAt */
  signalAt?: string;
}

/** The owner's follow-up Task's subject, as GtmRoutingService writes it. */
export function ownerTaskSubject(dueAt: string): string {
  return `Reach out: product-qualified account (exp-001), first touch due ${dueAt.slice(0, 10)} ${dueAt.slice(11, 16)} UTC`;
}

/** Hooks for tests that force a race: called after the read, and when the pool was found held by another routing. */
export interface RaceHooks {
  afterRead?: () => Promise<void>;
  onLocked?: () => void;
  /** false: skip the lock (only to show in a test that the race is real) */
  lock?: boolean;
}

/** The routing that holds each pool, as the promise of its end. */
const poolLocks = new Map<string, Promise<void>>();

/** Waits until no routing holds the pool, takes it, and returns the release. */
async function lockPool(pool: string, onLocked?: () => void): Promise<() => void> {
  let told = false;
  for (let held = poolLocks.get(pool); held; held = poolLocks.get(pool)) {
    if (!told) onLocked?.();
    told = true;
    await held;
  }
  let release!: () => void;
  poolLocks.set(pool, new Promise<void>((resolve) => (release = resolve)));
  return () => {
    poolLocks.delete(pool);
    release();
  };
}
const sqlInstant = (iso: string) => iso.replace('T', ' ').replace('Z', '');

async function attempt(
  db: DuckDBConnection,
  request: RoutingRequest,
  policy: RulePolicy,
  hooks: RaceHooks
): Promise<RoutingResult> {
  await db.run('BEGIN TRANSACTION');
  try {
    const pool = await loadPool(db, request.poolKey);
    await hooks.afterRead?.();
    const result = routePqa(
      {
        routedAt: request.routedAt,
        weekStart: weekStartOf(request.routedAt, pool.hours.timeZone),
        withinBusinessHours: isWithinBusinessHours(pool.hours, Date.parse(request.routedAt)),
        fallbackQueue: pool.queue,
        precedence: request.precedence,
        members: pool.members,
        picks: pool.picks
      },
      policy
    );
    // control is business as usual: the owner it would have got is kept in the reason only, no pick and no SLA
    const treated = request.arm === 'Treatment';
    const reason = treated
      ? result.reason
      : `control, business as usual: would have gone to ${result.ownerId ?? result.queue} (${result.reason})`;
    const owned = treated && result.decision !== 'Fallback' && result.ownerId !== null;
    const clock = owned ? slaClock(pool.hours, request.routedAt, policy) : null;
    // the Task is written in this transaction at the routing's instant (the store has no other clock)
    const taskId = owned ? `00T${request.assignmentKey}` : null;
    if (clock && taskId)
      await db.run(
        `INSERT INTO "Task" ("Id", "Subject", "WhatId", "OwnerId", "ActivityDate", "Description", "Status", "TaskSubtype", "IsClosed")
         VALUES ($id, $subject, $account, $owner, CAST($due AS DATE), $description, 'Not Started', 'Task', false)`,
        {
          id: taskId,
          subject: ownerTaskSubject(clock.dueAt),
          account: request.accountId,
          owner: result.ownerId,
          due: clock.dueAt.slice(0, 10),
          description: `exp-001: ${request.assignmentKey} was routed to you (${result.reason}). Log a call, email or meeting on the account to meet the first-touch SLA.`
        }
      );
    const workflow = judgeWorkflow(
      {
        arm: request.arm,
        decision: result.decision,
        queue: result.queue,
        signalAt: request.signalAt ?? request.routedAt,
        ownerTaskAt: taskId ? request.routedAt : null,
        taskError: null
      },
      policy
    );
    await db.run(
      `INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Account__c", "Arm__c", "Pool_Key__c", "Decision__c",
         "Decision_Reason__c", "Assigned_Owner__c", "Routed_Owner__c", "Credited__c", "Fallback_Queue__c", "Routed_At__c",
         "Candidates__c", "SLA_Status__c", "SLA_Warning_At__c", "SLA_Due_At__c", "SLA_Reassign_At__c",
         "Owner_Task_Id__c", "Owner_Task_At__c", "Escalation_Count__c", "Workflow_Result__c", "Workflow_Failure__c")
       VALUES ('a0D' || $key, $key, $account, $arm, $pool, $decision, $reason, $owner, $routed, false, $queue,
         CAST($at AS TIMESTAMP), $candidates, $status, CAST($warn AS TIMESTAMP), CAST($due AS TIMESTAMP),
         CAST($reassign AS TIMESTAMP), $task, CAST($taskAt AS TIMESTAMP), $escalations, $workflow, $failure)`,
      {
        key: request.assignmentKey,
        account: request.accountId,
        arm: request.arm,
        pool: request.poolKey,
        decision: result.decision,
        reason: reason.slice(0, 255),
        owner: treated ? result.ownerId : null,
        // only the rule's pool picks of treated PQAs count in the rotation; a kept owner, a queue or a shadow does not
        routed: treated && result.decision === 'Pool' ? result.ownerId : null,
        queue: treated ? result.queue : null,
        at: sqlInstant(request.routedAt),
        candidates: JSON.stringify(result.candidates),
        status: treated ? result.status : null,
        warn: clock ? sqlInstant(clock.warningAt) : null,
        due: clock ? sqlInstant(clock.dueAt) : null,
        reassign: clock ? sqlInstant(clock.reassignAt) : null,
        task: taskId,
        taskAt: taskId ? sqlInstant(request.routedAt) : null,
        escalations: result.status === 'Escalated' ? 1 : 0,
        workflow: workflow.result,
        failure: workflow.failure
      }
    );
    await db.run('COMMIT');
    return result;
  } catch (err) {
    await db.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export async function routeInStore(
  db: DuckDBConnection,
  request: RoutingRequest,
  policy: RulePolicy,
  hooks: RaceHooks = {}
): Promise<RoutingResult> {
  const unlock = hooks.lock === false ? () => undefined : await lockPool(request.poolKey, hooks.onLocked);
  try {
    return await attempt(db, request, policy, hooks);
  } catch (err) {
    if (err instanceof GtmError) throw err;
    throw new Error(
      `routing ${request.assignmentKey} in pool ${request.poolKey} failed: ${(err as Error).message.split('\n')[0]}`
    );
  } finally {
    unlock();
  }
}
