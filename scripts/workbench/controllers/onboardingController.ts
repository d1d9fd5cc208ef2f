/**
 * The workbench stand-in for GtmOnboardingPlanController (contract: scripts/contracts/onboardingContracts.ts): the
 * Account's newest onboarding plan and the actions on its steps, through the same plan service the CLI uses
 * (onboarding/planStore.ts) and the same rules (rules/onboardingRule.ts). The workbench's now is its today at 10:00
 * in New York (15:00 UTC), the sample team's morning, so a page shows the same plan on every run.
 */
import type { PanelParams, PanelResult } from '../../contracts/panelContracts';
import { calendarOfPlan, evaluateStoredPlan, loadPlans, stepRef, type StoredPlan } from '../../onboarding/planStore';
import { judgeRisk, planDay, stepAlerts } from '../../rules/onboardingRule';
import { ControllerError } from '../controllerPort';
import type { ControllerContext } from './context';
import { queryOne } from './storeAccess';

type OnboardingView = PanelResult<'GtmOnboardingPlanController.getPlanView'>;
type MeterView = NonNullable<OnboardingView['plan']>['activation'];

export const workbenchNow = (ctx: ControllerContext) => `${ctx.today}T15:00:00Z`;

const shortDate = (iso: string) =>
  new Date(iso).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

async function meter(ctx: ControllerContext, plan: StoredPlan): Promise<MeterView> {
  const minimum = ctx.policy.integer('Activation_Min_Ai_Resolved');
  const windowDays = ctx.policy.integer('Activation_Window_Days');
  const goLiveDone = plan.steps.some((s) => s.gate && s.status === 'Done');
  const base = { minimum, windowDays, goLiveDone, activatedAt: plan.activatedAt };
  if (plan.activatedAt && plan.evidence) {
    const e = JSON.parse(plan.evidence) as { ai_resolved?: number };
    if (typeof e.ai_resolved === 'number')
      return {
        ...base,
        aiResolved: e.ai_resolved,
        basis: `in the ${windowDays} days to ${shortDate(plan.activatedAt)}`
      };
  }
  // not activated: the latest complete week of usage the store holds
  const week = await queryOne(
    ctx.store,
    `SELECT strftime("Week_Start__c", '%Y-%m-%dT00:00:00Z') AS week, "AI_Resolved__c" AS ai FROM "Usage_Snapshot__c"
     WHERE "Account__c" = $account AND "Week_Start__c" + INTERVAL 7 DAY <= CAST($today AS DATE)
     ORDER BY "Week_Start__c" DESC LIMIT 1`,
    { account: plan.accountId, today: ctx.today }
  );
  if (!week) return { ...base, aiResolved: null, basis: 'no usage synced yet' };
  return { ...base, aiResolved: Number(week.ai ?? 0), basis: `in the week of ${shortDate(String(week.week))}` };
}

function stepTitles(plan: StoredPlan, keys: string[]): string[] {
  return keys.map((k) => plan.steps.find((s) => s.key === k)?.title ?? k);
}

async function viewOf(ctx: ControllerContext, accountId: string): Promise<OnboardingView> {
  const plans = await loadPlans(ctx.store.db, { accountId });
  const plan = plans.sort((a, b) => (a.startAt < b.startAt ? 1 : a.startAt > b.startAt ? -1 : 0))[0];
  if (!plan) return { accountId, plan: null, canAct: true };
  const calendar = calendarOfPlan(plan);
  const now = workbenchNow(ctx);
  const alerts = stepAlerts(calendar, plan.steps, now, ctx.policy);
  const alerted = (key: string, kind: string) => alerts.some((a) => a.step === key && a.kind === kind);
  // the at-risk reason as data, judged now from the stored plan (GtmOnboardingView.riskDetail does the same)
  const targetDays = ctx.policy.integer('Activation_Days_Target');
  const risk = judgeRisk(
    calendar,
    { startAt: plan.startAt, forecastEnd: plan.forecastEnd, activated: plan.activatedAt !== null },
    now,
    ctx.policy
  );
  const { day, forecastDate, targetDate, lateDays } = risk;
  return {
    accountId,
    canAct: true,
    plan: {
      planId: plan.id,
      name: plan.name,
      blueprint: plan.blueprint,
      blueprintVersion: plan.blueprintVersion,
      arm: plan.arm,
      status: plan.status,
      startAt: plan.startAt,
      baselineEnd: plan.baselineEnd,
      forecastEnd: plan.forecastEnd,
      slipDays: plan.slipDays,
      day: planDay(calendar, plan.startAt, now),
      targetDays: ctx.policy.integer('Activation_Days_Target'),
      atRisk: plan.atRisk,
      atRiskReason: plan.atRiskReason,
      atRiskDetail: plan.atRisk && risk.atRisk ? { day, forecastDate, targetDate, lateDays, targetDays } : null,
      businessHoursName: plan.hoursName,
      timeZone: calendar.timeZone,
      activation: await meter(ctx, plan),
      steps: plan.steps.map((s) => ({
        id: s.id,
        key: s.key,
        title: s.title,
        phase: s.phase,
        side: s.side,
        ownerRole: s.ownerRole || null,
        status: s.status,
        gate: s.gate,
        dependsOn: stepTitles(plan, s.dependsOn),
        releasedAt: s.releasedAt,
        dueAt: s.dueAt,
        completedAt: s.completedAt,
        skipReason: s.skipReason,
        blockedReason: s.blockedReason,
        dependencyReopened: s.dependencyReopened,
        linkedTo: s.link,
        overdue: alerted(s.key, 'overdue'),
        chase: alerted(s.key, 'chase')
      }))
    }
  };
}

export async function getPlanView(ctx: ControllerContext, accountId: string): Promise<OnboardingView> {
  const account = await queryOne(ctx.store, 'SELECT "Id" FROM "Account" WHERE "Id" = $id', { id: accountId });
  if (!account) throw new ControllerError('The account was not found, or you do not have access to it');
  return viewOf(ctx, accountId);
}

export async function actOnStep(
  ctx: ControllerContext,
  params: PanelParams<'GtmOnboardingPlanController.actOnStep'>
): Promise<OnboardingView> {
  let ref: { planId: string; key: string };
  try {
    ref = await stepRef(ctx.store.db, params.stepId);
  } catch {
    throw new ControllerError('The step was not found, or you do not have access to it');
  }
  try {
    await evaluateStoredPlan(ctx.store, ref.planId, workbenchNow(ctx), ctx.policy, {
      step: ref.key,
      kind: params.action,
      reason: params.reason
    });
  } catch (err) {
    // the rule's refusal, in words, as the org's AuraHandledException carries it
    throw new ControllerError((err as Error).message);
  }
  const plan = (await loadPlans(ctx.store.db, { planId: ref.planId }))[0]!;
  return viewOf(ctx, plan.accountId);
}
