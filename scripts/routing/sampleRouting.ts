/**
 * exp-001 in the sample world: a pool of reps (weights, a weekly cap, an away member), PQA signals in weeks 2-4 of
 * the program for the 25 target accounts (treatment) and matched controls, routed by the real rule against the
 * store, SLA clocks in New York business hours, touches inside and outside the SLA, a breach that was reassigned,
 * one workflow failure and pilot starts, so the workbench shows every state and `gtm routing readout exp-001 --as-of
 * 2026-04-06` (the end of week 5) prints a Hold with what the sample can detect.
 */
import { addDays } from '../rules/ruleSupport';
import { businessTimeBetween, type BusinessHoursSchedule } from '../rules/businessHours';
import { judgeSla, slaClock } from '../rules/slaRule';
import { isoSeconds } from '../rules/routingRule';
import type { Policy } from '../policy/policy';
import type { LocalStore } from '../store/localStore';
import { LOCAL_BUSINESS_HOURS } from './poolHours';
import { routeInStore } from './storeRouting';
import { sweep, SWEEP_ACTOR } from './sweep';
import { createLocalSink } from '../store/localSink';
import { publishReadout, readoutView } from './publishedReadout';
import { buildReadout } from './readout';
import { readReadoutRows } from './readoutStore';
import { isoWeekLabel, weekIndexOf } from '../usage/isoWeek';

export const SAMPLE_POOL = 'enterprise';
export const SAMPLE_FALLBACK_QUEUE = 'PQA_Fallback';
/** The pool's business hours: weekdays 09:00-17:00 in New York, Good Friday off (poolHours.ts). */
export const SAMPLE_HOURS: BusinessHoursSchedule = LOCAL_BUSINESS_HOURS['PQA New York']!;
/** When the sample's SLA sweep runs: a Thursday 10:00 in New York, after every sample clock has run out. */
export const SAMPLE_SWEEP_AT = '2026-04-02T14:00:00Z';
/** The readout's as-of in the sample: the end of program week 5. */
export const SAMPLE_READOUT_AS_OF = '2026-04-06';
/** The readouts the sample publishes for the readout page (gtm routing readout --publish), newest last. */
export const SAMPLE_PUBLISHED_AS_OFS = ['2026-03-30', SAMPLE_READOUT_AS_OF];

const HOUR_MS = 3_600_000;
const sql = (iso: string | null) => (iso === null ? null : iso.replace('T', ' ').replace('Z', ''));

async function rowsOf(store: LocalStore, text: string) {
  return (await store.db.runAndReadAll(text)).getRowObjects();
}

/**
 * When the i-th account of an arm qualified: the first `early` in week 2 (Mar 9-13, every window closed by the end of
 * week 5), the rest in weeks 3 and 4 (windows still open then); a weekday 14:00 UTC (10:00 in New York).
 */
function qualifiedAt(i: number, early: number): string {
  const week = i < early ? 0 : 1 + (i % 2);
  return `${addDays('2026-03-09', week * 7 + (i % 5))}T14:00:00Z`;
}

/**
 * The instant, before `nowMs`, from which `ms` of the pool's business time has run by `nowMs` (found minute by minute
 * back, so it lies inside business hours and the routing there is a pool pick).
 */
function businessTimeBefore(nowMs: number, ms: number): number {
  const MINUTE_MS = 60_000;
  for (let t = nowMs - MINUTE_MS; t > nowMs - 30 * 86_400_000; t -= MINUTE_MS)
    if (businessTimeBetween(SAMPLE_HOURS, t, nowMs) >= ms) return t;
  throw new Error(`sample routing: no ${ms / HOUR_MS} business hours in the 30 days before ${isoSeconds(nowMs)}`);
}

/**
 * Clocks still running on the workbench's today (its "now" is today 00:00 UTC), so CS Ops can log a first touch on
 * the panel: two treated accounts from the middle of the Met ones (the e2e tests take the first and last) get a newer
 * PQA, routed by the real rule an hour of business time ago (Pending) and half-way between the warning and the due
 * time (Warning). They qualify months after the program's weeks, so no readout as of those weeks counts them.
 */
async function writeRunningClocks(store: LocalStore, policy: Policy, today: string): Promise<void> {
  const nowMs = Date.parse(`${today}T00:00:00Z`);
  const slaMs = policy.integer('Exp001_First_Touch_Sla_Hours') * HOUR_MS;
  const warningMs = Math.floor((slaMs * policy.integer('Exp001_Sla_Warning_Pct')) / 100);
  const met = await rowsOf(
    store,
    `SELECT a."Account__c" AS account, c."Usage_Account_Key__c" AS key, c."Name" AS name FROM "Routing_Assignment__c" a
       JOIN "Account" c ON c."Id" = a."Account__c"
      WHERE a."Arm__c" = 'Treatment' AND a."SLA_Status__c" = 'Met' ORDER BY a."Account__c"`
  );
  const middle = Math.floor(met.length / 2);
  const elapsed = [HOUR_MS, Math.floor((warningMs + slaMs) / 2)];
  const windowDays = policy.integer('Exp001_Outcome_Window_Days');
  const db = await store.connect();
  try {
    for (const [n, ms] of elapsed.entries()) {
      const a = met[middle + n];
      if (!a) throw new Error('sample routing: too few Met treated PQAs for the running clocks');
      const at = isoSeconds(businessTimeBefore(nowMs, ms));
      const week = isoWeekLabel(weekIndexOf(Date.parse(at)));
      const assignmentKey = `${String(a.key)}|${week}`;
      const signalId = `a0CSR${String(n).padStart(3, '0')}`;
      await store.db.run(
        `INSERT INTO "PQA_Signal__c" ("Id", "Name", "Account__c", "Signal_Key__c", "Qualified_Week__c", "Qualified_At__c", "Score__c",
           "Evidence__c", "Source__c", "Arm__c", "Stratum__c")
         VALUES ($id, $name, $account, $key, $week, CAST($at AS TIMESTAMP), 40, $evidence, 'usage-sync', 'Treatment', 'Enterprise x mid')`,
        {
          id: signalId,
          name: `${String(a.name)} ${week}`,
          account: String(a.account),
          key: assignmentKey,
          week,
          at: sql(at),
          evidence: JSON.stringify([
            {
              metric: 'AI-resolved tickets',
              value: 40,
              threshold: policy.integer('Pqa_Min_Ai_Resolved_Week'),
              met: true
            }
          ])
        }
      );
      await routeInStore(
        db,
        {
          assignmentKey,
          accountId: String(a.account),
          arm: 'Treatment',
          poolKey: SAMPLE_POOL,
          routedAt: at,
          precedence: []
        },
        policy
      );
      // as the sweep would have left it by today: Pending, or Warning with its transition
      const clock = slaClock(SAMPLE_HOURS, at, policy);
      const judged = judgeSla(
        {
          ...clock,
          status: 'Pending',
          routedAt: at,
          firstTouchAt: null,
          touchByOwner: true,
          anyTouchCounts: policy.boolean('Exp001_Any_Touch_Counts'),
          disqualifiedAt: null,
          convertedAt: null
        },
        isoSeconds(nowMs)
      );
      await store.db.run(
        `UPDATE "Routing_Assignment__c" SET "Name" = $name, "PQA_Signal__c" = $signal, "Matched__c" = true,
           "Qualified_At__c" = CAST($at AS TIMESTAMP), "SLA_Warning_At__c" = CAST($warn AS TIMESTAMP),
           "SLA_Due_At__c" = CAST($due AS TIMESTAMP), "SLA_Reassign_At__c" = CAST($re AS TIMESTAMP),
           "SLA_Status__c" = $status, "Transitions__c" = $transitions, "Outcome_Window_End__c" = CAST($end AS TIMESTAMP)
         WHERE "Assignment_Key__c" = $key`,
        {
          name: `${String(a.name)} ${week}`,
          signal: signalId,
          at: sql(at),
          warn: sql(clock.warningAt),
          due: sql(clock.dueAt),
          re: sql(clock.reassignAt),
          status: judged.status,
          transitions: judged.transitions.length
            ? JSON.stringify(judged.transitions.map((t) => ({ ...t, actor: SWEEP_ACTOR })))
            : null,
          end: sql(isoSeconds(Date.parse(at) + windowDays * 86_400_000)),
          key: assignmentKey
        }
      );
    }
  } finally {
    db.closeSync();
  }
}

export async function writeRoutingSample(store: LocalStore, policy: Policy, today?: string): Promise<void> {
  const users = new Map(
    (await rowsOf(store, 'SELECT "Id", "Name" FROM "User"')).map((u) => [String(u.Name), String(u.Id)])
  );
  const user = (name: string) => {
    const id = users.get(name);
    if (!id) throw new Error(`sample routing: no user ${name} in the sample world`);
    return id;
  };
  const members = [
    { name: 'Dana Whitfield', order: 1, weight: 1, cap: null, away: null },
    { name: 'Priya Raman', order: 2, weight: 2, cap: 3, away: null },
    { name: 'Marco Ruiz', order: 3, weight: 1, cap: null, away: '2026-03-16T13:00:00Z' }
  ];
  for (const m of members)
    await store.db.run(
      `INSERT INTO "Routing_Pool_Member__c" ("Id", "Name", "Member_Key__c", "Pool_Key__c", "User__c", "Sort_Order__c", "Weight__c",
         "Weekly_Cap__c", "Active__c", "Away_Until__c", "After_Hours_Allowed__c", "Business_Hours_Name__c", "Fallback_Queue__c")
       VALUES (${store.newIdSql('Routing_Pool_Member__c')}, $name, $key, $pool, $user, $ord, $weight, $cap, true,
         CAST($away AS TIMESTAMP), false, $hours, $queue)`,
      {
        name: m.name,
        key: `${SAMPLE_POOL}|${user(m.name)}`,
        pool: SAMPLE_POOL,
        user: user(m.name),
        ord: m.order,
        weight: m.weight,
        cap: m.cap,
        away: sql(m.away),
        hours: SAMPLE_HOURS.name,
        queue: SAMPLE_FALLBACK_QUEUE
      }
    );

  const accounts = await rowsOf(
    store,
    `SELECT "Id", "Name", "Usage_Account_Key__c" AS key, coalesce("GTM_Target_Account__c", false) AS target
       FROM "Account" WHERE "Usage_Account_Key__c" IS NOT NULL ORDER BY "Usage_Account_Key__c"`
  );
  const targets = accounts.filter((a) => a.target === true);
  const controls = accounts.filter((a) => a.target !== true);
  // week 2: 15 treated and 9 controls; pilot starts inside the window for 6 and 3 of them (+20%, not confirmable)
  const early = { Treatment: 15, Control: 9 };
  const convertedTargets = new Set([0, 2, 5, 8, 11, 14]);
  const convertedControls = new Set([1, 4, 7]);
  const windowDays = policy.integer('Exp001_Outcome_Window_Days');
  const db = await store.connect();
  try {
    // routed in the order they qualified, as the org would
    for (const [arm, list] of [
      ['Treatment', targets],
      ['Control', controls]
    ] as const)
      for (const { a, i, at } of list
        .map((a, i) => ({ a, i, at: qualifiedAt(i, early[arm]) }))
        .sort((x, y) => x.at.localeCompare(y.at) || x.i - y.i)) {
        const key = String(a.key);
        const week = isoWeekLabel(weekIndexOf(Date.parse(at)));
        const signalId = `a0CS${arm[0]}${String(i).padStart(3, '0')}`;
        const partner = arm === 'Treatment' ? controls[i] : targets[i];
        await store.db.run(
          `INSERT INTO "PQA_Signal__c" ("Id", "Name", "Account__c", "Signal_Key__c", "Qualified_Week__c", "Qualified_At__c", "Score__c",
             "Evidence__c", "Source__c", "Arm__c", "Stratum__c", "Matched_Pair_Key__c")
           VALUES ($id, $name, $account, $key, $week, CAST($at AS TIMESTAMP), $score, $evidence, 'usage-sync', $arm, $stratum, $pair)`,
          {
            id: signalId,
            name: `${String(a.Name)} ${week}`,
            account: String(a.Id),
            key: `${key}|${week}`,
            week,
            at: sql(at),
            score: 30 + ((i * 7) % 40),
            evidence: JSON.stringify([
              {
                metric: 'AI-resolved tickets',
                value: 30 + ((i * 7) % 40),
                threshold: policy.integer('Pqa_Min_Ai_Resolved_Week'),
                met: true
              },
              { metric: 'active agents', value: null, threshold: policy.integer('Pqa_Min_Active_Agents'), met: true }
            ]),
            arm,
            stratum: `Enterprise x ${['low', 'mid', 'high'][i % 3]}`,
            pair: partner ? String(partner.key) : null
          }
        );
        const request = {
          assignmentKey: `${key}|${week}`,
          accountId: String(a.Id),
          arm,
          poolKey: SAMPLE_POOL,
          routedAt: at,
          precedence: []
        };
        const pilot = (arm === 'Treatment' ? convertedTargets : convertedControls).has(i)
          ? `${addDays(at.slice(0, 10), 9 + (i % 8))}T16:00:00Z`
          : null;
        const windowEnd = isoSeconds(Date.parse(at) + windowDays * 86_400_000);
        // the real routing for both arms: control is routed in shadow (the owner it would have got, in the reason)
        const result = await routeInStore(db, request, policy);
        if (arm === 'Control') {
          await store.db.run(
            `UPDATE "Routing_Assignment__c" SET "Name" = $name, "PQA_Signal__c" = $signal, "Matched__c" = true,
               "Qualified_At__c" = CAST($at AS TIMESTAMP), "Outcome_Window_End__c" = CAST($end AS TIMESTAMP),
               "Pilot_Started_At__c" = CAST($pilot AS TIMESTAMP)
             WHERE "Assignment_Key__c" = $key`,
            {
              name: `${String(a.Name)} ${week}`,
              signal: signalId,
              at: sql(at),
              end: sql(windowEnd),
              pilot: sql(pilot),
              key: request.assignmentKey
            }
          );
          continue;
        }
        const clock = slaClock(SAMPLE_HOURS, at, policy);
        // most owners touch within two business hours; every seventh touches late; one never does (reassigned)
        const touch =
          i === 9
            ? null
            : i % 7 === 3
              ? isoSeconds(Date.parse(clock.dueAt) + 2 * HOUR_MS)
              : isoSeconds(Date.parse(at) + HOUR_MS + i * 60_000);
        // one routing whose owner Task the org refused: the routing made it, the sample takes it back
        const failed = i === 14 ? 'owner Task not created: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY (sample)' : null;
        if (failed) await db.run(`DELETE FROM "Task" WHERE "Id" = $id`, { id: `00T${request.assignmentKey}` });
        await store.db.run(
          `UPDATE "Routing_Assignment__c" SET "Name" = $name, "PQA_Signal__c" = $signal, "Matched__c" = true, "Qualified_At__c" = CAST($at AS TIMESTAMP),
             "SLA_Warning_At__c" = CAST($warn AS TIMESTAMP), "SLA_Due_At__c" = CAST($due AS TIMESTAMP), "SLA_Reassign_At__c" = CAST($re AS TIMESTAMP),
             "First_Touch_At__c" = CAST($touch AS TIMESTAMP), "SLA_Status__c" = $status, "Transitions__c" = $transitions,
             "Escalation_Count__c" = $escalations, "Credited__c" = $credited, "Workflow_Result__c" = coalesce($workflow, "Workflow_Result__c"), "Workflow_Failure__c" = coalesce($failure, "Workflow_Failure__c"),
             "Owner_Task_Id__c" = CASE WHEN $workflow IS NULL THEN "Owner_Task_Id__c" END, "Owner_Task_At__c" = CASE WHEN $workflow IS NULL THEN "Owner_Task_At__c" END,
             "Outcome_Window_End__c" = CAST($end AS TIMESTAMP), "Pilot_Started_At__c" = CAST($pilot AS TIMESTAMP)
           WHERE "Assignment_Key__c" = $key`,
          {
            name: `${String(a.Name)} ${week}`,
            signal: signalId,
            at: sql(at),
            warn: sql(clock.warningAt),
            due: sql(clock.dueAt),
            re: sql(clock.reassignAt),
            touch: sql(touch),
            // Pending (or Escalated): the real sweep below moves each clock as of the readout's day
            status: result.status,
            transitions: null,
            escalations: result.status === 'Escalated' ? 1 : 0,
            credited: false,
            // the routing judged the rest (rules/workflowRule.ts)
            workflow: failed ? 'Failed' : null,
            failure: failed,
            end: sql(windowEnd),
            pilot: sql(pilot),
            key: request.assignmentKey
          }
        );
        // the open business time is what the panel's clock shows; keep the sample honest about it
        if (
          businessTimeBetween(SAMPLE_HOURS, Date.parse(at), Date.parse(clock.dueAt)) !==
          policy.integer('Exp001_First_Touch_Sla_Hours') * HOUR_MS
        )
          throw new Error(
            `sample routing: the SLA clock of ${key} is not ${policy.integer('Exp001_First_Touch_Sla_Hours')} business hours`
          );
      }
  } finally {
    db.closeSync();
  }
  // the SLA sweep of `gtm routing sweep`, inside business hours (at midnight nobody is eligible): Warning, Met,
  // Breached, and the reassignment at twice the SLA by the rule (the pick moves to the new owner)
  await sweep(store, policy, SAMPLE_SWEEP_AT);
  // the readout page shows published readouts: the end of week 5 (Hold) and the week before, for its picker
  const rows = await readReadoutRows(store);
  for (const asOf of SAMPLE_PUBLISHED_AS_OFS)
    await publishReadout(createLocalSink(store), readoutView(buildReadout(rows, policy, `${asOf}T00:00:00Z`), policy));
  // the workbench's today: clocks CS Ops can still beat (the program's weeks above all ran out in April)
  if (today !== undefined) await writeRunningClocks(store, policy, today);
}
