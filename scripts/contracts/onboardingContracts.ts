/**
 * exp-008's panel (issue 18): the Account's onboarding plan. Spread into panelMethods (panelContracts.ts), so the
 * LWC fixtures and the workbench stand-in hold to it as to every other panel contract. Instants are ISO 8601 UTC
 * text (YYYY-MM-DDTHH:MM:SSZ).
 */
import { z } from 'zod';

const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/, 'YYYY-MM-DDTHH:MM:SSZ');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const id = z.string().min(1);
const int = z.number().int();
const maybe = <T extends z.ZodType>(t: T) => t.nullish();

export const OnboardingStepView = z.object({
  id,
  key: z.string(),
  title: z.string(),
  phase: z.string(),
  /** Ours, Customer or Third party */
  side: z.string(),
  ownerRole: maybe(z.string()),
  /** Not released, Open, Done, Blocked, Skipped */
  status: z.string(),
  gate: z.boolean(),
  /** the steps it waits for, by title */
  dependsOn: z.array(z.string()),
  releasedAt: maybe(instant),
  dueAt: maybe(instant),
  completedAt: maybe(instant),
  skipReason: maybe(z.string()),
  blockedReason: maybe(z.string()),
  dependencyReopened: z.boolean(),
  /** the deal record that completes it by itself (security_packet, hallucination_audit, pilot_scorecard) */
  linkedTo: maybe(z.string()),
  /** Open or Blocked past its due time */
  overdue: z.boolean(),
  /** customer-side and more than Onboarding_Chase_Business_Days business days overdue: the CSM chases */
  chase: z.boolean()
});

/** AI resolutions against the activation minimum: the activation evidence, or the latest complete week. */
export const ActivationMeterView = z.object({
  aiResolved: maybe(int),
  /** policy Activation_Min_Ai_Resolved */
  minimum: int,
  /** policy Activation_Window_Days */
  windowDays: int,
  /** what the count is: "in the 7 days to Jun 8" (evidence) or "in the week of Nov 16" (usage snapshot) */
  basis: z.string(),
  goLiveDone: z.boolean(),
  activatedAt: maybe(instant)
});

export const OnboardingPlanView = z.object({
  planId: id,
  name: z.string(),
  blueprint: z.string(),
  blueprintVersion: int,
  /** Blueprint or Legacy */
  arm: z.string(),
  /** In Progress, Activated, Churned */
  status: z.string(),
  startAt: instant,
  baselineEnd: instant,
  forecastEnd: instant,
  /** forecast - baseline, calendar days */
  slipDays: int,
  /** the plan's day now (0 on the start day) and the target (Activation_Days_Target) */
  day: int,
  targetDays: int,
  atRisk: z.boolean(),
  /** the stored reason in words (ISO dates): for Tasks and reports; the panel writes atRiskDetail instead */
  atRiskReason: maybe(z.string()),
  /**
   * Why the plan is at risk, as data (the at-risk rule's judgement now), so the panel writes the dates in its user's
   * locale: on day `day` the forecast end `forecastDate` is `lateDays` after the `targetDays`-day target
   * `targetDate` (days in the plan's zone). Null when the plan is not at risk now.
   */
  atRiskDetail: maybe(z.object({ day: int, forecastDate: date, targetDate: date, lateDays: int, targetDays: int })),
  businessHoursName: maybe(z.string()),
  /** IANA time zone of the plan's business hours: due days are days there */
  timeZone: z.string(),
  activation: ActivationMeterView,
  steps: z.array(OnboardingStepView)
});

export const OnboardingView = z.object({
  accountId: id,
  /** the account's newest plan; null: none yet */
  plan: OnboardingPlanView.nullable(),
  /** whether the user may act on steps */
  canAct: z.boolean()
});

export const onboardingPanelMethods = {
  'GtmOnboardingPlanController.getPlanView': {
    /** read imperatively: after an action the plan must be current */
    cacheable: false,
    params: z.object({ accountId: id }),
    returns: OnboardingView
  },
  'GtmOnboardingPlanController.actOnStep': {
    cacheable: false,
    params: z.object({
      stepId: id,
      /** complete, block, skip, reopen or unblock */
      action: z.enum(['complete', 'block', 'skip', 'reopen', 'unblock']),
      /** required to block and to skip */
      reason: z.string().nullable()
    }),
    returns: OnboardingView
  }
} as const;
