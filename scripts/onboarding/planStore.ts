/**
 * Onboarding plans in the local store, the way the org's GtmOnboardingPlanService keeps them: one plan per won deal
 * (key onb:<opportunity>), the active blueprint pinned and its steps copied, the baseline frozen at creation, and
 * after every action the steps released, the forecast, slip and at-risk flag rewritten (rules/onboardingRule.ts).
 * The CLI, the sample world and the workbench panel all go through here.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../lib/errors';
import {
  applyAction,
  calendarOf,
  evaluatePlan,
  judgeRisk,
  slipDays,
  type PlanCalendar,
  type PlanStep,
  type StepAction,
  type StepSide,
  type StepStatus
} from '../rules/onboardingRule';
import type { RulePolicy } from '../rules/ruleSupport';
import { businessHoursNamed } from '../store/businessHours';
import type { LocalStore } from '../store/localStore';
import { activeBlueprint, planStepsOf, type Blueprint } from './blueprint';

export const PLAN_KEY_PREFIX = 'onb:';
export type Arm = 'Blueprint' | 'Legacy';
export type PlanStatus = 'In Progress' | 'Activated' | 'Churned';

export interface StoredStep extends PlanStep {
  id: string;
  title: string;
  phase: string;
  ownerRole: string;
  ownerId: string | null;
  link: string | null;
  sortOrder: number;
}

export interface StoredPlan {
  id: string;
  key: string;
  name: string;
  accountId: string;
  opportunityId: string | null;
  blueprint: string;
  blueprintVersion: number;
  hoursName: string | null;
  startAt: string;
  baselineEnd: string;
  forecastEnd: string;
  slipDays: number;
  activatedAt: string | null;
  evidence: string | null;
  arm: Arm;
  status: PlanStatus;
  churnedAt: string | null;
  atRisk: boolean;
  atRiskReason: string | null;
  steps: StoredStep[];
}

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;
const sqlInstant = (value: string | null) => (value === null ? null : value.replace('T', ' ').replace('Z', ''));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

const PLAN_COLUMNS = `"Id" AS id, "Plan_Key__c" AS key, "Name" AS name, "Account__c" AS account, "Opportunity__c" AS opp,
  "Blueprint__c" AS blueprint, "Blueprint_Version__c" AS version, "Business_Hours_Name__c" AS hours,
  ${iso('"Start_At__c"')} AS start_at, ${iso('"Baseline_End__c"')} AS baseline, ${iso('"Forecast_End__c"')} AS forecast,
  "Slip_Days__c" AS slip, ${iso('"Activated_At__c"')} AS activated, "Activation_Evidence__c" AS evidence, "Arm__c" AS arm,
  "Status__c" AS status, ${iso('"Churned_At__c"')} AS churned, coalesce("At_Risk__c", false) AS at_risk,
  "At_Risk_Reason__c" AS risk_reason`;

const STEP_COLUMNS = `"Id" AS id, "Plan__c" AS plan, "Name" AS title, "Blueprint_Step__c" AS key, "Phase__c" AS phase,
  "Side__c" AS side, "Owner_Role__c" AS role, "Owner__c" AS owner, "Offset_Business_Days__c" AS offset_days,
  "Depends_On__c" AS depends, coalesce("Is_Gate__c", false) AS gate, "Links_To__c" AS link, "Sort_Order__c" AS sort,
  "Status__c" AS status, ${iso('"Released_At__c"')} AS released, ${iso('"Due_At__c"')} AS due,
  ${iso('"Completed_At__c"')} AS completed, "Skip_Reason__c" AS skip, "Blocked_Reason__c" AS blocked,
  coalesce("Dependency_Reopened__c", false) AS reopened`;

function stepOf(r: Record<string, unknown>): StoredStep {
  return {
    id: String(r.id),
    key: String(r.key),
    title: String(r.title ?? r.key),
    phase: String(r.phase ?? ''),
    side: String(r.side) as StepSide,
    ownerRole: String(r.role ?? ''),
    ownerId: str(r.owner),
    offsetDays: Number(r.offset_days ?? 0),
    dependsOn: String(r.depends ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
    gate: r.gate === true,
    link: str(r.link),
    sortOrder: Number(r.sort ?? 0),
    status: String(r.status) as StepStatus,
    releasedAt: str(r.released),
    dueAt: str(r.due),
    completedAt: str(r.completed),
    skipReason: str(r.skip),
    blockedReason: str(r.blocked),
    dependencyReopened: r.reopened === true,
    linkSatisfiedAt: null
  };
}

function planOf(r: Record<string, unknown>, steps: StoredStep[]): StoredPlan {
  return {
    id: String(r.id),
    key: String(r.key),
    name: String(r.name ?? r.key),
    accountId: String(r.account),
    opportunityId: str(r.opp),
    blueprint: String(r.blueprint),
    blueprintVersion: Number(r.version),
    hoursName: str(r.hours),
    startAt: String(r.start_at),
    baselineEnd: String(r.baseline),
    forecastEnd: String(r.forecast),
    slipDays: Number(r.slip ?? 0),
    activatedAt: str(r.activated),
    evidence: str(r.evidence),
    arm: String(r.arm) as Arm,
    status: String(r.status) as PlanStatus,
    churnedAt: str(r.churned),
    atRisk: r.at_risk === true,
    atRiskReason: str(r.risk_reason),
    steps
  };
}

/** Plans (with their steps in order), optionally only one account's or one plan's. */
export async function loadPlans(
  db: DuckDBConnection,
  filter: { accountId?: string; planId?: string } = {}
): Promise<StoredPlan[]> {
  const where: string[] = [];
  const params: Record<string, string> = {};
  if (filter.accountId) {
    where.push('"Account__c" = $account');
    params.account = filter.accountId;
  }
  if (filter.planId) {
    where.push('"Id" = $plan');
    params.plan = filter.planId;
  }
  const plans = (
    await db.runAndReadAll(
      `SELECT ${PLAN_COLUMNS} FROM "Onboarding_Plan__c" ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "Start_At__c", "Plan_Key__c"`,
      params
    )
  ).getRowObjects();
  if (!plans.length) return [];
  const steps = (
    await db.runAndReadAll(
      `SELECT ${STEP_COLUMNS} FROM "Onboarding_Plan_Step__c" WHERE "Plan__c" IN (SELECT "Id" FROM "Onboarding_Plan__c" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}) ORDER BY "Sort_Order__c", "Step_Key__c"`,
      params
    )
  ).getRowObjects();
  const byPlan = new Map<string, StoredStep[]>();
  for (const s of steps) {
    const list = byPlan.get(String(s.plan)) ?? [];
    list.push(stepOf(s));
    byPlan.set(String(s.plan), list);
  }
  return plans.map((p) => planOf(p, byPlan.get(String(p.id)) ?? []));
}

/**
 * When each linked record of a deal reached its state (the org service's linkTimes): the security packet Completed,
 * the hallucination gate Passed or Provisional, the scorecard's criteria completed. Dates are read as 00:00 UTC.
 */
export async function linkTimes(db: DuckDBConnection, opportunityId: string | null): Promise<Record<string, string>> {
  if (opportunityId === null) return {};
  const rows = (
    await db.runAndReadAll(
      `SELECT 'security_packet' AS link, min(${iso('CAST("Completed_Date__c" AS TIMESTAMP)')}) AS at FROM "Security_Packet__c"
         WHERE "Opportunity__c" = $opp AND "Review_Stage__c" = 'Completed' AND "Completed_Date__c" IS NOT NULL
       UNION ALL
       SELECT 'hallucination_audit', min(${iso('CAST("Audited_Date__c" AS TIMESTAMP)')}) FROM "GTM_Launch_Gate__c"
         WHERE "Opportunity__c" = $opp AND "Gate_Type__c" = 'Hallucination Audit' AND "Status__c" IN ('Passed', 'Provisional')
           AND "Audited_Date__c" IS NOT NULL
       UNION ALL
       SELECT 'pilot_scorecard', min(${iso('CAST("Criteria_Completed_Date__c" AS TIMESTAMP)')}) FROM "Pilot_Scorecard__c"
         WHERE "Opportunity__c" = $opp AND "Criteria_Completed_Date__c" IS NOT NULL`,
      { opp: opportunityId }
    )
  ).getRowObjects();
  const out: Record<string, string> = {};
  for (const r of rows) if (r.at !== null) out[String(r.link)] = String(r.at);
  return out;
}

export interface NewPlan {
  accountId: string;
  /** the won deal; null only for a plan rebuilt from history (a pre-program onboarding), which then needs `key` */
  opportunityId: string | null;
  key?: string;
  /** ISO instant: Closed Won, or the pilot's conversion */
  startAt: string;
  arm?: Arm;
  hoursName?: string | null;
  name?: string;
}

export const planKeyOf = (opportunityId: string) => `${PLAN_KEY_PREFIX}${opportunityId}`;

/**
 * Creates the plan of a won deal unless it has one (idempotent on the plan key): the active blueprint pinned, its
 * steps copied and released as of the start, the baseline frozen at the forecast then.
 */
export async function createPlan(
  store: LocalStore,
  input: NewPlan,
  blueprint: Blueprint = activeBlueprint()
): Promise<{ plan: StoredPlan; created: boolean }> {
  if (input.opportunityId === null && !input.key) throw new InputError('a plan without a deal needs its own key');
  const key = input.key ?? planKeyOf(input.opportunityId!);
  const existing = (
    await store.db.runAndReadAll(`SELECT "Id" AS id FROM "Onboarding_Plan__c" WHERE "Plan_Key__c" = $key`, { key })
  ).getRowObjects();
  if (existing.length)
    return { plan: (await loadPlans(store.db, { planId: String(existing[0]!.id) }))[0]!, created: false };
  const calendar = calendarOf(businessHoursNamed(input.hoursName ?? null, `plan ${key}`));
  const links = await linkTimes(store.db, input.opportunityId);
  const steps = planStepsOf(blueprint).map((s, i) => ({
    ...s,
    linkSatisfiedAt: blueprint.steps[i]!.link ? (links[blueprint.steps[i]!.link!] ?? null) : null
  }));
  const evaluation = evaluatePlan(input.startAt, steps, calendar, input.startAt);
  await store.db.run('BEGIN TRANSACTION');
  try {
    const planId = String(
      (await store.db.runAndReadAll(`SELECT ${store.newIdSql('Onboarding_Plan__c')} AS id`)).getRowObjects()[0]!.id
    );
    await store.db.run(
      `INSERT INTO "Onboarding_Plan__c" ("Id", "Name", "Plan_Key__c", "Account__c", "Opportunity__c", "Blueprint__c",
         "Blueprint_Version__c", "Business_Hours_Name__c", "Start_At__c", "Baseline_End__c", "Forecast_End__c",
         "Slip_Days__c", "Arm__c", "Status__c", "At_Risk__c")
       VALUES ($id, $name, $key, $account, $opp, $blueprint, $version, $hours, CAST($start AS TIMESTAMP),
         CAST($end AS TIMESTAMP), CAST($end AS TIMESTAMP), 0, $arm, 'In Progress', false)`,
      {
        id: planId,
        name: (input.name ?? key).slice(0, 80),
        key,
        account: input.accountId,
        opp: input.opportunityId,
        blueprint: blueprint.name,
        version: blueprint.version,
        hours: input.hoursName ?? null,
        start: sqlInstant(input.startAt),
        end: sqlInstant(evaluation.forecastEnd),
        arm: input.arm ?? 'Blueprint'
      }
    );
    for (const [i, s] of evaluation.steps.entries()) {
      const b = blueprint.steps[i]!;
      await store.db.run(
        `INSERT INTO "Onboarding_Plan_Step__c" ("Id", "Name", "Plan__c", "Step_Key__c", "Blueprint_Step__c", "Phase__c",
           "Side__c", "Owner_Role__c", "Offset_Business_Days__c", "Depends_On__c", "Is_Gate__c", "Links_To__c",
           "Sort_Order__c", "Dependency_Reopened__c")
         VALUES (${store.newIdSql('Onboarding_Plan_Step__c')}, $title, $plan, $key, $step, $phase, $side, $role, $offset,
           $depends, $gate, $link, $sort, false)`,
        {
          title: b.title.slice(0, 80),
          plan: planId,
          key: `${key}|${s.key}`,
          step: s.key,
          phase: b.phase,
          side: s.side,
          role: b.ownerRole,
          offset: s.offsetDays,
          depends: s.dependsOn.join(';') || null,
          gate: s.gate,
          link: b.link,
          sort: b.sortOrder
        }
      );
      await writeStepState(store.db, `${key}|${s.key}`, s);
    }
    await store.db.run('COMMIT');
    return { plan: (await loadPlans(store.db, { planId }))[0]!, created: true };
  } catch (err) {
    await store.db.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function writeStepState(db: DuckDBConnection, stepKey: string, s: PlanStep): Promise<void> {
  await db.run(
    `UPDATE "Onboarding_Plan_Step__c" SET "Status__c" = $status, "Released_At__c" = CAST($released AS TIMESTAMP),
       "Due_At__c" = CAST($due AS TIMESTAMP), "Completed_At__c" = CAST($completed AS TIMESTAMP),
       "Skip_Reason__c" = $skip, "Blocked_Reason__c" = $blocked, "Dependency_Reopened__c" = $reopened
     WHERE "Step_Key__c" = $key`,
    {
      key: stepKey,
      status: s.status,
      released: sqlInstant(s.releasedAt),
      due: sqlInstant(s.dueAt),
      completed: sqlInstant(s.completedAt),
      skip: s.skipReason,
      blocked: s.blockedReason,
      reopened: s.dependencyReopened
    }
  );
}

const STATE_FIELDS = [
  'status',
  'releasedAt',
  'dueAt',
  'completedAt',
  'skipReason',
  'blockedReason',
  'dependencyReopened'
] as const;

export function calendarOfPlan(plan: StoredPlan): PlanCalendar {
  return calendarOf(businessHoursNamed(plan.hoursName, `plan ${plan.key}`));
}

/**
 * Re-evaluates a plan as of `now` (links, release, forecast, slip, at risk), after an action when one is given,
 * and writes what changed in one transaction. Returns the plan as stored after it.
 */
export async function evaluateStoredPlan(
  store: LocalStore,
  planId: string,
  now: string,
  policy: RulePolicy,
  action?: Omit<StepAction, 'at'>
): Promise<StoredPlan> {
  const plan = (await loadPlans(store.db, { planId }))[0];
  if (!plan) throw new InputError(`no onboarding plan ${planId}`);
  const calendar = calendarOfPlan(plan);
  const links = await linkTimes(store.db, plan.opportunityId);
  let steps: PlanStep[] = plan.steps.map((s) => ({ ...s, linkSatisfiedAt: s.link ? (links[s.link] ?? null) : null }));
  if (action) steps = applyAction(steps, { ...action, at: now });
  const evaluation = evaluatePlan(plan.startAt, steps, calendar, now);
  const risk = judgeRisk(
    calendar,
    { startAt: plan.startAt, forecastEnd: evaluation.forecastEnd, activated: plan.activatedAt !== null },
    now,
    policy
  );
  await store.db.run('BEGIN TRANSACTION');
  try {
    for (const [i, s] of evaluation.steps.entries()) {
      const before = plan.steps[i]!;
      if (STATE_FIELDS.some((f) => before[f] !== s[f])) await writeStepState(store.db, `${plan.key}|${s.key}`, s);
    }
    await store.db.run(
      `UPDATE "Onboarding_Plan__c" SET "Forecast_End__c" = CAST($forecast AS TIMESTAMP), "Slip_Days__c" = $slip,
         "At_Risk__c" = $risk, "At_Risk_Reason__c" = $reason WHERE "Id" = $id`,
      {
        id: plan.id,
        forecast: sqlInstant(evaluation.forecastEnd),
        slip: slipDays(calendar, plan.baselineEnd, evaluation.forecastEnd),
        risk: risk.atRisk,
        reason: risk.reason
      }
    );
    await store.db.run('COMMIT');
  } catch (err) {
    await store.db.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return (await loadPlans(store.db, { planId }))[0]!;
}

/** The plan a step belongs to, and the step's key in it. */
export async function stepRef(db: DuckDBConnection, stepId: string): Promise<{ planId: string; key: string }> {
  const rows = (
    await db.runAndReadAll(
      `SELECT "Plan__c" AS plan, "Blueprint_Step__c" AS key FROM "Onboarding_Plan_Step__c" WHERE "Id" = $id`,
      { id: stepId }
    )
  ).getRowObjects();
  if (!rows.length) throw new InputError(`no onboarding plan step ${stepId}`);
  return { planId: String(rows[0]!.plan), key: String(rows[0]!.key) };
}
