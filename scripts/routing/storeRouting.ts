/**
 * Routing a PQA against the local store, the way the org's service does it: lock the pool (the org reads the pool's
 * members FOR UPDATE), then in one transaction read the members and the pool's picks, run the rule
 * (rules/routingRule.ts), write the Routing_Assignment__c and commit, then unlock. Two routings racing for one pool
 * never both take a member's last place under its cap.
 *
 * The lock is a per-pool queue in this process: DuckDB does not block or fail a second transaction that updates
 * the same rows (its optimistic concurrency let both commit, tried in the test), and only one process can have the
 * store file open, so every routing of a store goes through this queue.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { routePqa, type PoolMember, type PrecedenceCandidate, type RoutingResult } from '../rules/routingRule';
import type { RulePolicy } from '../rules/ruleSupport';
import type { Arm } from './readout';

export interface RoutingRequest {
  assignmentKey: string;
  accountId: string;
  arm: Arm;
  poolKey: string;
  /** ISO instant */
  routedAt: string;
  weekStart: string;
  withinBusinessHours: boolean;
  fallbackQueue: string;
  precedence: PrecedenceCandidate[];
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
const isoOf = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

async function rows(db: DuckDBConnection, sql: string, params: Record<string, DuckDBValue> = {}) {
  return (await db.runAndReadAll(sql, params)).getRowObjects();
}

async function attempt(
  db: DuckDBConnection,
  request: RoutingRequest,
  policy: RulePolicy,
  hooks: RaceHooks
): Promise<RoutingResult> {
  await db.run('BEGIN TRANSACTION');
  try {
    const members: PoolMember[] = (
      await rows(
        db,
        `SELECT "User__c" AS user, "Sort_Order__c" AS ord, "Weight__c" AS weight, "Weekly_Cap__c" AS cap,
                "Active__c" AS active, ${isoOf('"Away_Until__c"')} AS away, "After_Hours_Allowed__c" AS after
           FROM "Routing_Pool_Member__c" WHERE "Pool_Key__c" = $pool AND "User__c" IS NOT NULL`,
        { pool: request.poolKey }
      )
    ).map((m) => ({
      userId: String(m.user),
      order: Number(m.ord ?? 0),
      weight: String(m.weight ?? 1),
      weeklyCap: m.cap === null ? null : Number(m.cap),
      active: m.active !== false,
      awayUntil: m.away === null ? null : String(m.away),
      afterHoursAllowed: m.after === true
    }));
    const picks = (
      await rows(
        db,
        `SELECT "Routed_Owner__c" AS user, ${isoOf('"Routed_At__c"')} AS at, coalesce("Credited__c", false) AS credited
           FROM "Routing_Assignment__c" WHERE "Pool_Key__c" = $pool AND "Routed_Owner__c" IS NOT NULL`,
        { pool: request.poolKey }
      )
    ).map((p) => ({ userId: String(p.user), routedAt: String(p.at), credited: p.credited === true }));
    await hooks.afterRead?.();
    const result = routePqa({ ...request, members, picks }, policy);
    await db.run(
      `INSERT INTO "Routing_Assignment__c" ("Id", "Assignment_Key__c", "Account__c", "Arm__c", "Pool_Key__c", "Decision__c",
         "Decision_Reason__c", "Assigned_Owner__c", "Routed_Owner__c", "Credited__c", "Fallback_Queue__c", "Routed_At__c",
         "Candidates__c", "SLA_Status__c", "Workflow_Result__c", "Workflow_Failure__c")
       VALUES ('a0D' || $key, $key, $account, $arm, $pool, $decision, $reason, $owner, $routed, false, $queue,
         CAST($at AS TIMESTAMP), $candidates, $status, $workflow, $failure)`,
      {
        key: request.assignmentKey,
        account: request.accountId,
        arm: request.arm,
        pool: request.poolKey,
        decision: result.decision,
        reason: result.reason,
        owner: result.ownerId,
        // only the rule's pool picks count in the rotation; a kept owner or the fallback queue does not
        routed: result.decision === 'Pool' ? result.ownerId : null,
        queue: result.queue,
        at: sqlInstant(request.routedAt),
        candidates: JSON.stringify(result.candidates),
        status: result.status,
        // reliability (week-2 check) counts treatment signals that got an owner; no eligible member is a failure
        workflow: request.arm !== 'Treatment' ? null : result.decision === 'Fallback' ? 'Failed' : 'OK',
        failure: request.arm === 'Treatment' && result.decision === 'Fallback' ? 'no eligible member' : null
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
    throw new Error(
      `routing ${request.assignmentKey} in pool ${request.poolKey} failed: ${(err as Error).message.split('\n')[0]}`
    );
  } finally {
    unlock();
  }
}
