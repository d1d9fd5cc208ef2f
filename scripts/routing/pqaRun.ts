/**
 * exp-001 over the local store: which accounts qualify as PQAs as of a day (from the usage snapshots the usage sync
 * wrote), in which arm, and whom the routing rule would pick. `gtm pqa sync` writes the new signals; `gtm routing
 * simulate` writes nothing and prints one reason per account.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isWithinBusinessHours, type BusinessHoursSchedule } from '../rules/businessHours';
import { routePqa, type Pick } from '../rules/routingRule';
import type { Policy } from '../policy/policy';
import { weeklyActiveAgents } from '../events/reader';
import { createLocalSink } from '../store/localSink';
import type { LocalStore } from '../store/localStore';
import { poolHoursNamed, weekStartOf } from './poolHours';
import type { Arm } from './readout';
import {
  armFor,
  matchPairs,
  qualify,
  stratumOf,
  type EarlierSignal,
  type Qualification,
  type UsageWeek
} from './qualification';

export interface PqaAccount {
  id: string;
  key: string;
  name: string;
  segment: string | null;
  targetAccount: boolean;
  openPilotOpportunity: boolean;
  weeks: UsageWeek[];
  earlier: EarlierSignal[];
  /** an assignment exists for a signal of this account already */
  routed: boolean;
  /** the latest stored signal that has no assignment yet (and was not disqualified) */
  pending: { week: string; arm: Arm | null } | null;
}

export interface PqaPlanRow {
  accountId: string;
  accountKey: string;
  accountName: string;
  qualification: Qualification;
  arm: Arm | null;
  armReason: string | null;
  matched: boolean;
  /** the matched partner's account key (target accounts and their partners) */
  pairKey: string | null;
  stratum: string | null;
  score: number | null;
}

async function rowsOf(store: LocalStore, sql: string, params: Record<string, string> = {}) {
  return (await store.db.runAndReadAll(sql, params)).getRowObjects();
}

const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** Accounts with their weekly usage, open pilot-stage opportunities and earlier signals, by account key. */
export async function loadPqaAccounts(store: LocalStore, policy: Policy): Promise<PqaAccount[]> {
  const pilotStages = [
    policy.text('Stage_Pilot'),
    policy.text('Stage_Proposal'),
    policy.text('Stage_Production_Approval')
  ];
  const accounts = await rowsOf(
    store,
    `SELECT "Id", "Name", "Usage_Account_Key__c" AS key, "GTM_Segment__c" AS segment, coalesce("GTM_Target_Account__c", false) AS target
       FROM "Account" WHERE trim("Usage_Account_Key__c") <> '' ORDER BY "Usage_Account_Key__c"`
  );
  const weeks = await rowsOf(
    store,
    `SELECT "Account__c" AS account, "ISO_Week__c" AS week, strftime("Week_Start__c", '%Y-%m-%d') AS start,
            coalesce("AI_Resolved__c", 0) AS ai
       FROM "Usage_Snapshot__c" WHERE "Week_Start__c" IS NOT NULL`
  );
  const open = await rowsOf(
    store,
    `SELECT DISTINCT "AccountId" AS account FROM "Opportunity"
      WHERE "StageName" IN ($s1, $s2, $s3)`,
    { s1: pilotStages[0]!, s2: pilotStages[1]!, s3: pilotStages[2]! }
  );
  const signals = await rowsOf(
    store,
    `SELECT s."Account__c" AS account, s."Qualified_Week__c" AS week, strftime(s."Qualified_At__c", '%Y-%m-%d') AS qualified,
            s."Arm__c" AS arm, strftime(s."Cooldown_Until__c", '%Y-%m-%d') AS cooldown,
            EXISTS (SELECT 1 FROM "Routing_Assignment__c" a WHERE a."PQA_Signal__c" = s."Id") AS routed
       FROM "PQA_Signal__c" s`
  );
  // product events (gtm events sync): active agents per account usage key and ISO week; a week without a report
  // stays null and the agents threshold does not apply to it (qualification.ts)
  const agents = await weeklyActiveAgents(createLocalSink(store));
  const openSet = new Set(open.map((o) => String(o.account)));
  return accounts.map((a) => {
    const id = String(a.Id);
    const mine = signals.filter((s) => String(s.account) === id);
    return {
      id,
      key: String(a.key),
      name: String(a.Name ?? a.key),
      segment: text(a.segment),
      targetAccount: a.target === true,
      openPilotOpportunity: openSet.has(id),
      weeks: weeks
        .filter((w) => String(w.account) === id)
        .map((w) => ({
          isoWeek: String(w.week),
          weekStart: String(w.start),
          aiResolved: Number(w.ai),
          activeAgents: agents.get(String(a.key))?.get(String(w.week)) ?? null
        })),
      earlier: mine
        .filter((s) => s.qualified !== null)
        .map((s) => ({
          qualifiedWeek: String(s.week),
          qualifiedOn: String(s.qualified),
          arm: text(s.arm) as Arm | null,
          cooldownUntil: text(s.cooldown)
        })),
      routed: mine.some((s) => s.routed === true),
      pending:
        mine
          .filter((s) => s.routed !== true && s.cooldown === null && s.qualified !== null)
          .sort((x, y) => String(y.qualified).localeCompare(String(x.qualified)))
          .map((s) => ({ week: String(s.week), arm: text(s.arm) as Arm | null }))[0] ?? null
    };
  });
}

/**
 * Accounts qualification cannot judge: no Usage_Account_Key__c, so no usage snapshot is theirs (the usage sync keys
 * snapshots by it). `gtm pqa sync` counts and names them rather than leaving them out without a word.
 */
export async function loadUnkeyedAccounts(store: LocalStore): Promise<{ id: string; name: string }[]> {
  return (
    await rowsOf(
      store,
      `SELECT "Id", "Name" FROM "Account" WHERE "Usage_Account_Key__c" IS NULL OR trim("Usage_Account_Key__c") = '' ORDER BY "Name", "Id"`
    )
  ).map((a) => ({ id: String(a.Id), name: String(a.Name ?? a.Id) }));
}

/** Qualification and arms for every account as of a day; target accounts and their matched partners pair up. */
export function planPqa(accounts: PqaAccount[], policy: Policy, today: string): PqaPlanRow[] {
  const draw = { salt: policy.text('Exp001_Salt'), treatmentPct: policy.integer('Exp001_Treatment_Pct') };
  const judged = accounts.map((a) => ({ a, q: qualify(a, a.weeks, a.earlier, policy, today) }));
  const scoreOf = (q: Qualification) => q.evidence.find((e) => e.metric === 'AI-resolved tickets')?.value ?? 0;
  const qualifying = judged.filter((j) => j.q.qualifies);
  const pairs = matchPairs(
    qualifying
      .filter((j) => j.a.targetAccount)
      .map((j) => ({ key: j.a.key, segment: j.a.segment, score: scoreOf(j.q) })),
    qualifying
      .filter((j) => !j.a.targetAccount)
      .map((j) => ({ key: j.a.key, segment: j.a.segment, score: scoreOf(j.q) }))
  );
  const partners = new Map([...pairs].filter(([, p]) => p !== null).map(([t, p]) => [p!, t]));
  return judged.map(({ a, q }): PqaPlanRow => {
    if (!q.qualifies)
      return {
        accountId: a.id,
        accountKey: a.key,
        accountName: a.name,
        qualification: q,
        arm: null,
        armReason: null,
        matched: false,
        pairKey: null,
        stratum: null,
        score: null
      };
    const score = scoreOf(q);
    const segmentScores = qualifying.filter((j) => j.a.segment === a.segment).map((j) => scoreOf(j.q));
    let arm: Arm;
    let armReason: string;
    let matched = false;
    if (a.targetAccount) {
      [arm, armReason, matched] = [
        'Treatment',
        `target account; matched with ${pairs.get(a.key) ?? 'no partner'}`,
        true
      ];
    } else if (partners.has(a.key)) {
      [arm, armReason, matched] = [
        'Control',
        `matched partner of target ${partners.get(a.key)} (matched, not randomized)`,
        true
      ];
    } else ({ arm, reason: armReason } = armFor(a.key, a.earlier, draw));
    return {
      accountId: a.id,
      accountKey: a.key,
      accountName: a.name,
      qualification: q,
      arm,
      armReason,
      matched,
      pairKey: a.targetAccount ? (pairs.get(a.key) ?? null) : (partners.get(a.key) ?? null),
      stratum: stratumOf(a.segment, score, segmentScores),
      score
    };
  });
}

export interface PoolMemberRow {
  userId: string;
  order: number;
  weight: string;
  weeklyCap: number | null;
  active: boolean;
  awayUntil: string | null;
  afterHoursAllowed: boolean;
}

export interface StoredPool {
  members: PoolMemberRow[];
  /** the rule's picks: assignments routed to a member, with their routing time */
  picks: Pick[];
  /** the Assignment_Key__c of each pick, in the same order (a reassignment moves its own pick) */
  pickKeys: string[];
  queue: string;
  /** the pool's business hours (its weekly-cap week starts Monday 00:00 in their time zone) */
  hours: BusinessHoursSchedule;
}

/**
 * A pool's members and picks as the routing rule reads them: the one loader for the routing, the sweep, the dry run
 * and the sample. Pass the connection of the transaction the pick is written in.
 */
export async function loadPool(db: DuckDBConnection, pool: string): Promise<StoredPool> {
  const read = async (sql: string) => (await db.runAndReadAll(sql, { pool })).getRowObjects();
  const members = await read(
    `SELECT "Member_Key__c" AS key, "User__c" AS user, "Sort_Order__c" AS ord, "Weight__c" AS weight, "Weekly_Cap__c" AS cap,
            "Active__c" AS active, strftime("Away_Until__c", '%Y-%m-%dT%H:%M:%SZ') AS away, "After_Hours_Allowed__c" AS after,
            "Fallback_Queue__c" AS queue, "Business_Hours_Name__c" AS hours
       FROM "Routing_Pool_Member__c" WHERE "Pool_Key__c" = $pool AND "User__c" IS NOT NULL ORDER BY "Sort_Order__c", "User__c"`
  );
  const picks = await read(
    `SELECT "Assignment_Key__c" AS key, "Routed_Owner__c" AS user, strftime("Routed_At__c", '%Y-%m-%dT%H:%M:%SZ') AS at,
            coalesce("Credited__c", false) AS credited
       FROM "Routing_Assignment__c" WHERE "Pool_Key__c" = $pool AND "Routed_Owner__c" IS NOT NULL AND "Routed_At__c" IS NOT NULL`
  );
  // as the org's service does: the last member that names business hours (or a queue) sets them for the pool
  const named = [...members].reverse().find((m) => m.hours !== null);
  return {
    members: members.map((m) => ({
      userId: String(m.user),
      order: Number(m.ord ?? 0),
      weight: String(m.weight ?? 1),
      weeklyCap: m.cap === null ? null : Number(m.cap),
      active: m.active !== false,
      awayUntil: text(m.away),
      afterHoursAllowed: m.after === true
    })),
    picks: picks.map((p) => ({ userId: String(p.user), routedAt: String(p.at), credited: p.credited === true })),
    pickKeys: picks.map((p) => String(p.key)),
    queue: text([...members].reverse().find((m) => m.queue !== null)?.queue) ?? `${pool} fallback queue`,
    hours: poolHoursNamed(
      text(named?.hours),
      `Routing_Pool_Member__c ${text(named?.key) ?? '(no Member_Key__c)'} of pool ${pool}`
    )
  };
}

export interface SimulationRow {
  accountKey: string;
  accountName: string;
  outcome: 'not a PQA' | 'routed' | 'shadow (control)' | 'escalated';
  arm: Arm | null;
  owner: string | null;
  reason: string;
}

/**
 * The dry run: each account's qualification, arm and pick, the picks of earlier rows counted for later ones (as the
 * real routings would), nothing written. Control is routed in shadow: the owner it would have got.
 */
export function simulate(
  plan: PqaPlanRow[],
  accounts: PqaAccount[],
  pool: StoredPool,
  policy: Policy,
  asOf: string
): SimulationRow[] {
  const picks = [...pool.picks];
  const byKey = new Map(accounts.map((a) => [a.key, a]));
  return plan.map((row): SimulationRow => {
    const pending = byKey.get(row.accountKey)?.pending ?? null;
    const arm = row.qualification.qualifies ? row.arm : (pending?.arm ?? null);
    const base = { accountKey: row.accountKey, accountName: row.accountName, arm };
    if (!row.qualification.qualifies && !pending)
      return { ...base, outcome: 'not a PQA', owner: null, reason: row.qualification.reason };
    const why = row.qualification.qualifies
      ? `${row.qualification.reason}; ${row.armReason}`
      : `stored signal ${pending!.week} waits for routing (${row.qualification.reason})`;
    const result = routePqa(
      {
        routedAt: asOf,
        weekStart: weekStartOf(asOf, pool.hours.timeZone),
        withinBusinessHours: isWithinBusinessHours(pool.hours, Date.parse(asOf)),
        fallbackQueue: pool.queue,
        precedence: [],
        members: pool.members,
        picks
      },
      policy
    );
    if (result.decision === 'Pool' && arm === 'Treatment')
      picks.push({ userId: result.ownerId!, routedAt: asOf, credited: false });
    const reason = `${why}; ${result.reason}`;
    if (result.decision === 'Fallback') return { ...base, outcome: 'escalated', owner: result.queue, reason };
    return { ...base, outcome: arm === 'Treatment' ? 'routed' : 'shadow (control)', owner: result.ownerId, reason };
  });
}

/** Writes a PQA_Signal__c for each new qualification (its key account|week; a key already stored is left as is). */
export async function writeSignals(store: LocalStore, plan: PqaPlanRow[]): Promise<number> {
  let written = 0;
  for (const row of plan) {
    const q = row.qualification;
    if (!q.qualifies) continue;
    const result = await store.db.runAndReadAll(
      `INSERT INTO "PQA_Signal__c" ("Id", "Name", "Account__c", "Signal_Key__c", "Qualified_Week__c", "Qualified_At__c", "Score__c",
         "Evidence__c", "Source__c", "Arm__c", "Stratum__c", "Matched_Pair_Key__c")
       VALUES (${store.newIdSql('PQA_Signal__c')}, $name, $account, $key, $week, CAST($at AS TIMESTAMP), $score, $evidence,
         'usage-sync', $arm, $stratum, $pair)
       ON CONFLICT DO NOTHING RETURNING "Id"`,
      {
        name: `${row.accountName} ${q.week}`,
        account: row.accountId,
        key: `${row.accountKey}|${q.week}`,
        week: q.week!,
        at: `${q.qualifiedOn} 00:00:00`,
        score: row.score ?? 0,
        evidence: JSON.stringify(q.evidence),
        arm: row.arm!,
        stratum: row.stratum!,
        pair: row.pairKey
      }
    );
    written += result.getRowObjects().length;
  }
  return written;
}
