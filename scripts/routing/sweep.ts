/**
 * The SLA sweep over the local store (the org runs the same rule every 15 minutes): each treatment assignment whose
 * SLA is still open is judged by rules/slaRule.ts as of the sweep's time; its status and the new transitions (with
 * time and actor) are written. The first touch is found as GtmSlaSweep finds it: a completed call, email or meeting
 * Task or an Event on the account or one of its contacts, by the owner (anyone's with Exp001_Any_Touch_Counts), at
 * or after the routing and by the sweep's time; the earliest sets First_Touch_At__c and its activity. One that reaches twice the SLA untouched is Reassigned: the routing rule picks again
 * among the pool's other members, and the pick moves to the new owner, so the original owner gets the turn back.
 */
import { listValue, type DuckDBValue } from '@duckdb/node-api';
import { InputError } from '../lib/errors';
import { isWithinBusinessHours } from '../rules/businessHours';
import { judgeSla, OPEN_SLA_STATUSES, type SlaStatus, type SlaTransition } from '../rules/slaRule';
import { routePqa, type Pick } from '../rules/routingRule';
import type { RulePolicy } from '../rules/ruleSupport';
import type { LocalStore } from '../store/localStore';
import { loadPool, type StoredPool } from './pqaRun';
import { weekStartOf } from './poolHours';

export const SWEEP_ACTOR = 'gtm routing sweep';

export interface SweepChange {
  assignmentKey: string;
  from: SlaStatus;
  to: SlaStatus;
  transitions: SlaTransition[];
  /** on reassignment: the new owner (or the fallback queue) and why */
  reassignedTo: string | null;
  reason: string | null;
  /** the first touch this sweep found and recorded (the activity and when), or null */
  firstTouch: { activityId: string; at: string; byOwner: boolean } | null;
}

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** The Task subtypes or types that count as a touch (GtmSlaSweep.TOUCH_TYPES). */
export const TOUCH_TYPES = ['Call', 'Email', 'Meeting'] as const;

export interface Touch {
  accountId: string;
  activityId: string;
  ownerId: string | null;
  at: string;
}

/**
 * Completed typed Tasks (at CompletedDateTime) and Events (at StartDateTime) on the accounts or their contacts, up to
 * `now`, earliest first. A Task without CompletedDateTime cannot be placed in time locally and is not a touch.
 */
export async function touchesOf(store: LocalStore, accountIds: readonly string[], now: string): Promise<Touch[]> {
  if (!accountIds.length) return [];
  const rows = (
    await store.db.runAndReadAll(
      `WITH accounts AS (SELECT unnest($accounts) AS id),
            contacts AS (SELECT c."Id" AS id, c."AccountId" AS account FROM "Contact" c
                          WHERE c."AccountId" IN (SELECT id FROM accounts)),
            activities AS (
              SELECT t."Id" AS activity, t."OwnerId" AS owner, t."WhatId" AS what, t."WhoId" AS who,
                     t."CompletedDateTime" AS at
                FROM "Task" t
               WHERE coalesce(t."IsClosed", t."Status" = 'Completed', false)
                 AND (list_contains($types, t."TaskSubtype") OR list_contains($types, t."Type"))
                 AND t."CompletedDateTime" IS NOT NULL
              UNION ALL
              SELECT e."Id", e."OwnerId", e."WhatId", e."WhoId", e."StartDateTime" FROM "Event" e
               WHERE e."StartDateTime" IS NOT NULL)
       SELECT coalesce(a.id, c.account) AS account, x.activity, x.owner, ${iso('x.at')} AS at
         FROM activities x
         LEFT JOIN accounts a ON a.id = x.what
         LEFT JOIN contacts c ON c.id = x.who
        WHERE coalesce(a.id, c.account) IS NOT NULL AND x.at <= CAST($now AS TIMESTAMP)
        ORDER BY x.at, x.activity`,
      {
        accounts: listValue([...accountIds]),
        types: listValue([...TOUCH_TYPES]),
        now: now.replace('T', ' ').replace('Z', '')
      }
    )
  ).getRowObjects();
  return rows.map((r) => ({
    accountId: String(r.account),
    activityId: String(r.activity),
    ownerId: text(r.owner),
    at: String(r.at)
  }));
}

/** The earliest touch at or after the routing that counts: the owner's, or anyone's with anyTouchCounts. */
export function firstTouch(
  touches: readonly Touch[],
  assignment: { accountId: string | null; ownerId: string | null; routedAt: string },
  anyTouchCounts: boolean
): (Touch & { byOwner: boolean }) | null {
  for (const t of touches) {
    if (t.accountId !== assignment.accountId || Date.parse(t.at) < Date.parse(assignment.routedAt)) continue;
    const byOwner = t.ownerId !== null && t.ownerId === assignment.ownerId;
    if (byOwner || anyTouchCounts) return { ...t, byOwner };
  }
  return null;
}

/** The field's value, or a clear error naming the record and the field. */
function required(key: string, field: string, value: unknown): string {
  if (value === null || value === undefined)
    throw new InputError(`Routing_Assignment__c ${key}: ${field} is empty; an open SLA needs it (re-route the PQA)`);
  return String(value);
}

/** Transitions__c as a list, or a clear error naming the record. */
function transitionLog(key: string, value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch (err) {
    throw new InputError(`Routing_Assignment__c ${key}: Transitions__c is not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new InputError(`Routing_Assignment__c ${key}: Transitions__c is not a JSON list`);
  return parsed;
}

/**
 * Judges every open SLA as of `now` and writes the changes in one transaction: all of them or, on an error, none
 * (a record the sweep cannot judge is named with its field, and nothing is written).
 */
export async function sweep(
  store: LocalStore,
  policy: RulePolicy & { boolean(key: string): boolean },
  now: string,
  options: {
    dryRun?: boolean;
    /** called before each record is written (a test fails one) */ beforeWrite?: (key: string) => void;
  } = {}
): Promise<SweepChange[]> {
  const open = (
    await store.db.runAndReadAll(
      `SELECT "Assignment_Key__c" AS key, "SLA_Status__c" AS status, "Pool_Key__c" AS pool, "Assigned_Owner__c" AS owner,
              "Account__c" AS account,
              ${iso('"Routed_At__c"')} AS routed, ${iso('"SLA_Warning_At__c"')} AS warn, ${iso('"SLA_Due_At__c"')} AS due,
              ${iso('"SLA_Reassign_At__c"')} AS re, ${iso('"First_Touch_At__c"')} AS touch, "Transitions__c" AS log,
              coalesce("Escalation_Count__c", 0) AS escalations
         FROM "Routing_Assignment__c"
        WHERE "Arm__c" = 'Treatment' AND list_contains($open, "SLA_Status__c")
          AND "SLA_Due_At__c" IS NOT NULL ORDER BY "Assignment_Key__c"`,
      { open: listValue([...OPEN_SLA_STATUSES]) }
    )
  ).getRowObjects();
  const anyTouchCounts = policy.boolean('Exp001_Any_Touch_Counts');
  const touches = await touchesOf(
    store,
    [...new Set(open.map((r) => text(r.account)).filter((a): a is string => a !== null))],
    now
  );
  const changes: SweepChange[] = [];
  const writes: { key: string; params: Record<string, DuckDBValue> }[] = [];
  // each pool read once for the run, its picks by assignment: a reassignment moves its own pick, and the next one in
  // the same pool counts it (writes happen at the end), as GtmSlaSweep's PoolSnapshot does
  const pools = new Map<string, { pool: StoredPool; picks: Map<string, Pick> }>();
  for (const r of open) {
    const key = String(r.key);
    const status = String(r.status) as SlaStatus;
    const routedAt = required(key, 'Routed_At__c', r.routed);
    const found = firstTouch(touches, { accountId: text(r.account), ownerId: text(r.owner), routedAt }, anyTouchCounts);
    // a touch already recorded (the Task trigger in the org, the panel's "log the touch" here) is kept
    const recorded = text(r.touch);
    const touch = recorded === null ? found : null;
    const judged = judgeSla(
      {
        status,
        routedAt,
        warningAt: required(key, 'SLA_Warning_At__c', r.warn),
        dueAt: required(key, 'SLA_Due_At__c', r.due),
        reassignAt: required(key, 'SLA_Reassign_At__c', r.re),
        firstTouchAt: recorded ?? touch?.at ?? null,
        touchByOwner: touch ? touch.byOwner : true,
        anyTouchCounts,
        disqualifiedAt: null,
        convertedAt: null
      },
      now
    );
    // a touch found is recorded even when it moves nothing (a late touch on a Breached clock)
    if (!judged.transitions.length && !touch) continue;
    // the rule places the reassignment at its due time; it happens when this sweep makes it (as Routed_At__c)
    const transitions = judged.transitions.map((t) => (t.to === 'Reassigned' ? { ...t, at: now } : t));
    const log = transitionLog(key, r.log);
    let reassignedTo: string | null = null;
    let reason: string | null = null;
    let routedOwner: string | null = null;
    let queue: string | null = null;
    let candidates: string | null = null;
    if (judged.status === 'Reassigned') {
      const poolKey = required(key, 'Pool_Key__c', r.pool);
      if (!pools.has(poolKey)) {
        const loaded = await loadPool(store.db, poolKey);
        pools.set(poolKey, { pool: loaded, picks: new Map(loaded.pickKeys.map((k, i) => [k, loaded.picks[i]!])) });
      }
      const { pool, picks } = pools.get(poolKey)!;
      const owner = text(r.owner);
      const result = routePqa(
        {
          routedAt: now,
          weekStart: weekStartOf(now, pool.hours.timeZone),
          withinBusinessHours: isWithinBusinessHours(pool.hours, Date.parse(now)),
          fallbackQueue: pool.queue,
          precedence: [],
          // the owner who let it breach is not picked again; their pick moves to the new owner
          members: pool.members.filter((m) => m.userId !== owner),
          picks: [...picks].filter(([k]) => k !== key).map(([, p]) => p)
        },
        policy
      );
      picks.delete(key);
      if (result.decision === 'Pool' && result.ownerId !== null) {
        picks.set(key, { userId: result.ownerId, routedAt: now, credited: false });
      }
      reassignedTo = result.ownerId ?? result.queue;
      reason = result.reason;
      routedOwner = result.decision === 'Pool' ? result.ownerId : null;
      queue = result.queue;
      // why this owner: the reassignment's own arithmetic replaces the first routing's
      candidates = JSON.stringify(result.candidates);
    }
    changes.push({
      assignmentKey: key,
      from: status,
      to: judged.status,
      transitions,
      reassignedTo,
      reason,
      firstTouch: touch && { activityId: touch.activityId, at: touch.at, byOwner: touch.byOwner }
    });
    writes.push({
      key,
      params: {
        status: judged.status,
        log: JSON.stringify([...log, ...transitions.map((t) => ({ ...t, actor: SWEEP_ACTOR }))]),
        escalations: Number(r.escalations) + (judged.status === 'Reassigned' ? 1 : 0),
        // reassigned to the fallback queue: no owner (as GtmSlaSweep)
        newOwner: routedOwner,
        queue,
        reassigned: judged.status === 'Reassigned',
        routed: routedOwner,
        reason: reason === null ? null : `reassigned at 2x SLA: ${reason}`.slice(0, 255),
        candidates,
        touchAt: touch ? touch.at.replace('T', ' ').replace('Z', '') : null,
        touchId: touch ? touch.activityId : null,
        // the moved pick counts when it was made (loads and weekly caps), not at the first routing
        now: now.replace('T', ' ').replace('Z', ''),
        key
      }
    });
  }
  if (options.dryRun || !writes.length) return changes;
  await store.db.run('BEGIN TRANSACTION');
  try {
    for (const w of writes) {
      options.beforeWrite?.(w.key);
      await store.db.run(
        `UPDATE "Routing_Assignment__c" SET "SLA_Status__c" = $status, "Transitions__c" = $log,
           "Escalation_Count__c" = $escalations,
           "Assigned_Owner__c" = CASE WHEN $reassigned THEN $newOwner ELSE "Assigned_Owner__c" END,
           "Fallback_Queue__c" = coalesce($queue, "Fallback_Queue__c"),
           "Routed_Owner__c" = CASE WHEN $reassigned THEN $routed ELSE "Routed_Owner__c" END,
           "Routed_At__c" = CASE WHEN $reassigned THEN CAST($now AS TIMESTAMP) ELSE "Routed_At__c" END,
           "Decision_Reason__c" = coalesce($reason, "Decision_Reason__c"),
           "Candidates__c" = coalesce($candidates, "Candidates__c"),
           "First_Touch_At__c" = coalesce("First_Touch_At__c", CAST($touchAt AS TIMESTAMP)),
           "First_Touch_Activity_Id__c" = coalesce("First_Touch_Activity_Id__c", $touchId)
         WHERE "Assignment_Key__c" = $key`,
        w.params
      );
    }
    await store.db.run('COMMIT');
  } catch (err) {
    await store.db.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return changes;
}
