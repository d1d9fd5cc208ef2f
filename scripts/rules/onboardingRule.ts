/**
 * exp-008's onboarding plan rules: step actions (complete, block, skip, reopen, unblock), release along dependencies,
 * due dates in the plan's business days, the forecast end along the critical path, slip, the at-risk flag and the
 * overdue / chase alerts. Apex twin: GtmOnboardingRule; both are tested against the GtmOnboardingVectors static
 * resource. Written against the Salesforce Labs Action Plans bugs (SalesforceLabs/ActionPlansV4 #120, #149, #151:
 * dependents created or opened before their dependency was done; #169: reopening a task deleted its dependents;
 * #165: a task released on another plan):
 *
 * - A step is released (Not released -> Open) only when every dependency is Done or Skipped, and only once: its
 *   Released At and Due At are set then and never moved by a later evaluation (release is idempotent on the step).
 *   The rule only ever sees the steps of one plan.
 * - Reopening a Done or Skipped step never deletes or resets its dependents: they keep their state and are flagged
 *   "dependency reopened" until every dependency is Done or Skipped again.
 * - Due = the end (23:59:59 local) of the offset-th business day counted from the later of the plan start and the
 *   latest dependency completion (day 0 is that day when it is a business day, else the next one). Business days are
 *   the open days of the plan's business hours (weekdays and holidays, in their time zone). BusinessHours.add with
 *   hours would make a "day" 8 or 24 hours depending on the schedule; a due date in days counts open days.
 * - The forecast finish of an unfinished step is the later of its due date (recomputed from its dependencies'
 *   forecasts) and now; of a finished one its completion. The forecast end is the latest finish, the critical path
 *   the chain of steps that determines it. Slip = forecast end - baseline end, in calendar days of the plan's zone.
 * - A linked step (the deal's security packet completed, hallucination gate Passed or Provisional, scorecard
 *   complete) completes itself at the moment its record got there, also before the plan started (a converted pilot
 *   keeps its dates).
 */
import { localDate, localInstant, WEEKDAYS, type BusinessHoursSchedule } from './businessHours';
import { instantMs, isoSeconds } from './routingRule';
import { addDays, daysBetween, isBlank, type RulePolicy } from './ruleSupport';

export const STEP_STATUSES = ['Not released', 'Open', 'Done', 'Blocked', 'Skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const STEP_SIDES = ['Ours', 'Customer', 'Third party'] as const;
export type StepSide = (typeof STEP_SIDES)[number];
export const STEP_LINKS = ['security_packet', 'hallucination_audit', 'pilot_scorecard'] as const;
export type StepLink = (typeof STEP_LINKS)[number];
export const STEP_ACTIONS = ['complete', 'block', 'skip', 'reopen', 'unblock'] as const;
export type StepActionKind = (typeof STEP_ACTIONS)[number];

const FINISHED: readonly StepStatus[] = ['Done', 'Skipped'];
const WORKING: readonly StepStatus[] = ['Open', 'Blocked'];
/** 23:59:59 local: the end of a due day (one second before the next local midnight). */
const END_OF_DAY_MINUTES = 1440;
const SECOND_MS = 1000;

export interface PlanStep {
  key: string;
  side: StepSide;
  /** business days after release */
  offsetDays: number;
  dependsOn: string[];
  gate: boolean;
  status: StepStatus;
  releasedAt: string | null;
  dueAt: string | null;
  completedAt: string | null;
  skipReason: string | null;
  blockedReason: string | null;
  dependencyReopened: boolean;
  /** when the linked deal record reached its state (null: not linked, or not there yet) */
  linkSatisfiedAt: string | null;
}

/** The open days of the plan's business hours. */
export interface PlanCalendar {
  timeZone: string;
  isOpenDay(date: string): boolean;
}

/** A calendar from a BusinessHours-like schedule: a day is open when it has open hours and is not a holiday. */
export function calendarOf(schedule: BusinessHoursSchedule): PlanCalendar {
  return {
    timeZone: schedule.timeZone,
    isOpenDay: (date) =>
      !schedule.holidays.includes(date) && schedule.days[WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!] !== null
  };
}

/** Days searched for an open day before a calendar is called closed for good. */
const MAX_DAYS_SEARCHED = 800;

/** The end of the offset-th business day from the instant's local day (day 0: that day if open, else the next). */
export function businessDayEnd(calendar: PlanCalendar, fromMs: number, offset: number): number {
  let date = localDate(fromMs, calendar.timeZone);
  let left = offset;
  for (let searched = 0; searched < MAX_DAYS_SEARCHED; searched++, date = addDays(date, 1)) {
    if (!calendar.isOpenDay(date)) continue;
    if (left === 0) return localInstant(date, END_OF_DAY_MINUTES, calendar.timeZone) - SECOND_MS;
    left--;
  }
  throw new Error(`the plan's business hours have no open day within ${MAX_DAYS_SEARCHED} days`);
}

export class OnboardingRuleError extends Error {}

function fail(message: string): never {
  throw new OnboardingRuleError(message);
}

/** Checks the steps and returns them in dependency order (a dependency before its dependents). */
function dependencyOrder(steps: PlanStep[]): PlanStep[] {
  const byKey = new Map<string, PlanStep>();
  for (const s of steps) {
    if (isBlank(s.key)) fail('a step has no key');
    if (byKey.has(s.key)) fail(`step ${s.key} appears twice in the plan`);
    if (!STEP_STATUSES.includes(s.status))
      fail(`step ${s.key}: status ${String(s.status)} is not one of ${STEP_STATUSES.join(', ')}`);
    if (!STEP_SIDES.includes(s.side))
      fail(`step ${s.key}: side ${String(s.side)} is not one of ${STEP_SIDES.join(', ')}`);
    if (!Number.isInteger(s.offsetDays) || s.offsetDays < 0)
      fail(`step ${s.key}: offset ${s.offsetDays} is not a whole number of business days >= 0`);
    byKey.set(s.key, s);
  }
  for (const s of steps)
    for (const d of s.dependsOn) if (!byKey.has(d)) fail(`step ${s.key} depends on ${d}, which is not in the plan`);
  const ordered: PlanStep[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: PlanStep, path: string[]) => {
    if (state.get(s.key) === 'done') return;
    if (state.get(s.key) === 'visiting')
      fail(`steps depend on each other in a cycle: ${[...path, s.key].join(' -> ')}`);
    state.set(s.key, 'visiting');
    for (const d of s.dependsOn) visit(byKey.get(d)!, [...path, s.key]);
    state.set(s.key, 'done');
    ordered.push(s);
  };
  for (const s of steps) visit(s, []);
  return ordered;
}

export interface StepAction {
  step: string;
  kind: StepActionKind;
  /** required to block and to skip */
  reason?: string | null;
  /** ISO instant in UTC */
  at: string;
}

/** One person's action on a step; refused with the reason in words when the step's state does not allow it. */
export function applyAction(steps: PlanStep[], action: StepAction): PlanStep[] {
  if (!STEP_ACTIONS.includes(action.kind))
    fail(`action ${String(action.kind)} is not one of ${STEP_ACTIONS.join(', ')}`);
  const target = steps.find((s) => s.key === action.step) ?? fail(`step ${action.step} is not in this plan`);
  const at = isoSeconds(instantMs(action.at, 'action time'));
  const reason = action.reason?.trim() ?? '';
  const s = { ...target };
  switch (action.kind) {
    case 'complete':
      if (s.status === 'Not released') {
        const waiting = s.dependsOn.filter((d) => !FINISHED.includes(steps.find((x) => x.key === d)!.status));
        fail(`step ${s.key} is not released yet: waiting for ${waiting.join(', ')}`);
      }
      if (!WORKING.includes(s.status)) fail(`step ${s.key} is already ${s.status}`);
      Object.assign(s, { status: 'Done', completedAt: at, blockedReason: null });
      break;
    case 'block':
      if (s.status !== 'Open') fail(`step ${s.key} is ${s.status}: only an Open step can be blocked`);
      if (reason === '') fail(`step ${s.key}: say what blocks it (a reason is required to block)`);
      Object.assign(s, { status: 'Blocked', blockedReason: reason });
      break;
    case 'unblock':
      if (s.status !== 'Blocked') fail(`step ${s.key} is ${s.status}, not Blocked`);
      Object.assign(s, { status: 'Open', blockedReason: null });
      break;
    case 'skip':
      if (FINISHED.includes(s.status)) fail(`step ${s.key} is already ${s.status}`);
      if (reason === '') fail(`step ${s.key}: say why it is skipped (a reason is required to skip)`);
      Object.assign(s, { status: 'Skipped', skipReason: reason, completedAt: at, blockedReason: null });
      break;
    case 'reopen':
      if (!FINISHED.includes(s.status))
        fail(`step ${s.key} is ${s.status}: only a Done or Skipped step can be reopened`);
      // back to Open (it was released before it could finish), or Not released if it was finished unreleased
      Object.assign(s, { status: s.releasedAt ? 'Open' : 'Not released', completedAt: null, skipReason: null });
      break;
  }
  return steps.map((x) => (x.key === s.key ? s : x));
}

export interface PlanEvaluation {
  steps: PlanStep[];
  forecastEnd: string;
  /** step keys from the first to the one that finishes last */
  criticalPath: string[];
}

/**
 * Release, due dates, flags and the forecast, given the plan start and now. Pure and idempotent: evaluating the
 * result again at the same instant returns it unchanged.
 */
export function evaluatePlan(startAt: string, input: PlanStep[], calendar: PlanCalendar, now: string): PlanEvaluation {
  const startMs = instantMs(startAt, 'plan start');
  const nowMs = instantMs(now, 'now');
  const ordered = dependencyOrder(input);
  const out = new Map<string, PlanStep>();
  const finish = new Map<string, number>();
  const cause = new Map<string, string | null>();
  const ms = (v: string, what: string) => instantMs(v, what);
  for (const original of ordered) {
    const s = { ...original };
    const deps = s.dependsOn.map((d) => out.get(d)!);
    // a linked step completes itself when its record got there, keeping that time
    if (s.linkSatisfiedAt !== null && !FINISHED.includes(s.status))
      Object.assign(s, {
        status: 'Done',
        completedAt: isoSeconds(ms(s.linkSatisfiedAt, `step ${s.key} link time`)),
        blockedReason: null
      });
    const depsFinished = deps.every((d) => FINISHED.includes(d.status));
    if (depsFinished && s.releasedAt === null) {
      const anchor = Math.max(startMs, ...deps.map((d) => ms(d.completedAt!, `step ${d.key} completedAt`)));
      s.releasedAt = isoSeconds(anchor);
      s.dueAt = isoSeconds(businessDayEnd(calendar, anchor, s.offsetDays));
      if (s.status === 'Not released') s.status = 'Open';
    }
    s.dependencyReopened = s.status !== 'Not released' && !depsFinished;
    // forecast
    let latestDep: PlanStep | null = null;
    for (const d of deps) if (latestDep === null || finish.get(d.key)! > finish.get(latestDep.key)!) latestDep = d;
    if (FINISHED.includes(s.status)) {
      if (s.completedAt === null) fail(`step ${s.key} is ${s.status} without a completion time`);
      finish.set(s.key, ms(s.completedAt, `step ${s.key} completedAt`));
      cause.set(s.key, null);
    } else {
      const anchor = Math.max(startMs, latestDep ? finish.get(latestDep.key)! : startMs);
      const projected = businessDayEnd(calendar, anchor, s.offsetDays);
      const due = Math.max(projected, s.dueAt ? ms(s.dueAt, `step ${s.key} dueAt`) : -Infinity);
      finish.set(s.key, Math.max(due, nowMs));
      cause.set(s.key, latestDep && anchor > startMs && due === projected && due >= nowMs ? latestDep.key : null);
    }
    out.set(s.key, s);
  }
  let last: string | null = null;
  for (const s of ordered) if (last === null || finish.get(s.key)! > finish.get(last)!) last = s.key;
  const criticalPath: string[] = [];
  for (let k: string | null = last; k !== null; k = cause.get(k) ?? null) criticalPath.unshift(k);
  return {
    steps: input.map((s) => out.get(s.key)!),
    forecastEnd: isoSeconds(last === null ? startMs : finish.get(last)!),
    criticalPath
  };
}

/** Forecast end - baseline end in calendar days of the plan's time zone (positive: late). */
export function slipDays(calendar: PlanCalendar, baselineEnd: string, forecastEnd: string): number {
  return daysBetween(
    localDate(instantMs(baselineEnd, 'baseline end'), calendar.timeZone),
    localDate(instantMs(forecastEnd, 'forecast end'), calendar.timeZone)
  );
}

/** The plan's day now: 0 on the start day, in calendar days of the plan's zone ("day 5 of 8"). */
export function planDay(calendar: PlanCalendar, startAt: string, now: string): number {
  return daysBetween(
    localDate(instantMs(startAt, 'plan start'), calendar.timeZone),
    localDate(instantMs(now, 'now'), calendar.timeZone)
  );
}

export interface RiskJudgement {
  atRisk: boolean;
  /** why, in words (null when not at risk): the plan's stored record text, for Tasks and reports */
  reason: string | null;
  day: number;
  /** start + Activation_Days_Target, a day in the plan's zone (YYYY-MM-DD) */
  targetDate: string;
  /** the forecast end's day in the plan's zone (YYYY-MM-DD): with targetDate and lateDays, the reason as data a
   * panel writes in its user's locale */
  forecastDate: string;
  /** forecastDate - targetDate in calendar days (at risk only when positive) */
  lateDays: number;
}

/**
 * From day Onboarding_At_Risk_Check_Day on, a plan not yet activated whose forecast end falls after start +
 * Activation_Days_Target (calendar days) is at risk: an early warning, not an end-of-project surprise.
 */
export function judgeRisk(
  calendar: PlanCalendar,
  plan: { startAt: string; forecastEnd: string; activated: boolean },
  now: string,
  policy: RulePolicy
): RiskJudgement {
  const target = policy.integer('Activation_Days_Target');
  const checkDay = policy.integer('Onboarding_At_Risk_Check_Day');
  const day = planDay(calendar, plan.startAt, now);
  const targetDate = addDays(localDate(instantMs(plan.startAt, 'plan start'), calendar.timeZone), target);
  const forecastDate = localDate(instantMs(plan.forecastEnd, 'forecast end'), calendar.timeZone);
  const late = daysBetween(targetDate, forecastDate);
  const facts = { day, targetDate, forecastDate, lateDays: late };
  if (plan.activated || day < checkDay || late <= 0) return { atRisk: false, reason: null, ...facts };
  return {
    atRisk: true,
    reason: `day ${day}: the forecast end ${forecastDate} is ${late} day${late === 1 ? '' : 's'} after the ${target}-day target (${targetDate})`,
    ...facts
  };
}

export interface StepAlert {
  step: string;
  /** overdue: a Task for the step's owner; chase: a Task for the CSM to chase the customer */
  kind: 'overdue' | 'chase';
}

/**
 * Overdue: an Open or Blocked step past its due time. Chase: a customer-side overdue step more than
 * Onboarding_Chase_Business_Days business days past its due day.
 */
export function stepAlerts(calendar: PlanCalendar, steps: PlanStep[], now: string, policy: RulePolicy): StepAlert[] {
  const nowMs = instantMs(now, 'now');
  const chaseDays = policy.integer('Onboarding_Chase_Business_Days');
  const alerts: StepAlert[] = [];
  for (const s of steps) {
    if (!WORKING.includes(s.status) || s.dueAt === null) continue;
    const due = instantMs(s.dueAt, `step ${s.key} dueAt`);
    if (nowMs <= due) continue;
    alerts.push({ step: s.key, kind: 'overdue' });
    if (s.side === 'Customer' && nowMs > businessDayEnd(calendar, due, chaseDays))
      alerts.push({ step: s.key, kind: 'chase' });
  }
  return alerts;
}
