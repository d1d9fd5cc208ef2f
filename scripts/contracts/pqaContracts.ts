/**
 * exp-001's panels (issue 17): the Account's PQA panel and the RevOps readout page. Spread into panelMethods
 * (panelContracts.ts), so the Apex DTOs, the LWC fixtures and the workbench controllers hold to these as to every
 * other panel contract. Instants are ISO 8601 UTC text (YYYY-MM-DDTHH:MM:SSZ); dates YYYY-MM-DD.
 */
import { z } from 'zod';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/, 'YYYY-MM-DDTHH:MM:SSZ');
const id = z.string().min(1);
const int = z.number().int();
const maybe = <T extends z.ZodType>(t: T) => t.nullish();

// ---------------------------------------------------------------- the Account's PQA panel

/** One value of a signal's evidence next to the policy threshold it was held to. */
export const PqaEvidenceView = z.object({
  metric: z.string(),
  /** null: the source did not report it (active agents without product events) */
  value: maybe(z.number()),
  threshold: maybe(z.number()),
  met: z.boolean()
});

/** One pool member the routing rule considered, with its arithmetic (Candidates__c). */
export const PqaCandidateView = z.object({
  userId: id,
  userName: z.string(),
  order: int,
  /** as the rule wrote it, e.g. "1.5" */
  weight: z.string(),
  /** picks in the trailing Routing_Window_Days */
  assignments: int,
  credits: int,
  /** (assignments - credits) / weight with 4 digits; null at weight 0 */
  load: maybe(z.string()),
  weekCount: int,
  weeklyCap: maybe(int),
  eligible: z.boolean(),
  /** "eligible", "away until ...", "at weekly cap (3 of 3)" ... */
  reason: z.string(),
  /** this member got the PQA */
  chosen: z.boolean()
});

/** fromStatus / toStatus: Apex cannot name a property from */
export const PqaTransitionView = z.object({
  fromStatus: z.string(),
  toStatus: z.string(),
  at: instant,
  /** who or what moved it: a user's name, "gtm routing sweep", GtmSlaSweep */
  actor: maybe(z.string())
});

/** The first-touch SLA in the pool's business hours. */
export const PqaSlaView = z.object({
  /** SLA_Status__c: Pending, Warning, Breached, Met, Reassigned, Escalated, Excluded */
  status: z.string(),
  /** a final status: nothing moves it any more */
  closed: z.boolean(),
  /** policy Exp001_First_Touch_Sla_Hours */
  slaHours: z.number(),
  warningAt: maybe(instant),
  dueAt: maybe(instant),
  reassignAt: maybe(instant),
  firstTouchAt: maybe(instant),
  /** business minutes from the view's now to due (negative: overdue by that much); null once closed */
  businessMinutesToDue: maybe(int),
  /** the BusinessHours the clock runs in */
  businessHoursName: maybe(z.string())
});

export const PqaAssignmentView = z.object({
  id,
  arm: z.string(),
  /** Precedence, Pool or Fallback */
  decision: z.string(),
  /** why this owner, in words (Decision_Reason__c) */
  reason: maybe(z.string()),
  ownerId: maybe(z.string()),
  ownerName: maybe(z.string()),
  /** the fallback queue when no member was eligible */
  queue: maybe(z.string()),
  routedAt: maybe(instant),
  candidates: z.array(PqaCandidateView),
  /** null for control (business as usual: no SLA) */
  sla: maybe(PqaSlaView),
  escalations: int,
  transitions: z.array(PqaTransitionView),
  workflowResult: maybe(z.string()),
  workflowFailure: maybe(z.string()),
  outcomeWindowEnd: maybe(instant),
  pilotStartedAt: maybe(instant)
});

export const PqaSignalView = z.object({
  id,
  signalKey: z.string(),
  week: z.string(),
  qualifiedAt: maybe(instant),
  score: maybe(z.number()),
  source: maybe(z.string()),
  arm: maybe(z.string()),
  stratum: maybe(z.string()),
  /** target accounts and their partners: matched, not randomized */
  matchedPairKey: maybe(z.string()),
  evidence: z.array(PqaEvidenceView),
  disqualifiedAt: maybe(instant),
  disqualifiedReason: maybe(z.string()),
  /** no new PQA for the account before this day (after a disqualification) */
  cooldownUntil: maybe(date),
  assignment: maybe(PqaAssignmentView)
});

export const PqaView = z.object({
  accountId: id,
  accountName: z.string(),
  /** the instant the SLA clocks are read at */
  now: instant,
  /** newest first, at most PQA_SIGNAL_LIMIT */
  signals: z.array(PqaSignalView)
});

// ---------------------------------------------------------------- the readout page (RevOps)

const IntervalView = z.object({ low: z.number(), high: z.number() });
const EstimateView = z.object({ estimate: z.number(), low: z.number(), high: z.number() });

export const ReadoutArmView = z.object({
  arm: z.string(),
  accounts: int,
  windowsClosed: int,
  converted: int,
  rate: maybe(z.number()),
  interval: maybe(IntervalView)
});

export const ReadoutView = z.object({
  experiment: z.string(),
  asOf: instant,
  windowDays: int,
  /** the target accounts' controls are matched pairs: every readout says so */
  matchedNotRandomized: z.boolean(),
  arms: z.array(ReadoutArmView),
  /** Newcombe: treatment rate - control rate */
  difference: maybe(EstimateView),
  /** Katz: treatment rate / control rate */
  lift: maybe(EstimateView),
  fisherP: maybe(z.number()),
  probabilityBetter: maybe(z.number()),
  probabilityWorse: maybe(z.number()),
  probabilityLiftAtLeast: maybe(z.number()),
  sampleRatio: maybe(
    z.object({ treatment: int, control: int, treatmentShare: z.number(), statistic: z.number(), p: z.number() })
  ),
  power: z.object({
    baseline: z.number(),
    nPerArm: int,
    detectableLift: maybe(z.number()),
    /** policy Exp001_Expand_Min_Lift */
    expandLift: z.number(),
    needed: z.array(z.object({ label: z.string(), nPerArm: int })),
    /** the honest sentence: what this n can and cannot tell from noise */
    sentence: z.string()
  }),
  reliability: z.object({
    signals: int,
    ok: int,
    rate: maybe(z.number()),
    interval: maybe(IntervalView),
    /** policy Workflow_Reliability_Min */
    minimum: z.number(),
    failures: z.array(z.object({ accountKey: z.string(), week: z.string(), reason: z.string() })),
    byWeek: z.array(z.object({ week: z.string(), signals: int, ok: int, rate: z.number() }))
  }),
  slaAttainment: z.object({
    met: int,
    closed: int,
    rate: maybe(z.number()),
    /** policy Exp001_Min_Sla_Attainment */
    minimum: z.number()
  }),
  recommendation: z.object({ decision: z.string(), reasons: z.array(z.string()) })
});

/**
 * The readout page: a readout `gtm routing readout --publish` stored (Routing_Readout__c, Results_Json__c holds the
 * ReadoutView), the newest or the one the page picked, with every stored as-of for the picker. The statistics are
 * TypeScript: the org only shows what the CLI computed.
 */
export const PublishedReadoutView = z.object({
  experiment: z.string(),
  /** the stored readouts' as-of days, newest first */
  asOfs: z.array(date),
  /** null: nothing published yet for the experiment */
  readout: maybe(ReadoutView)
});

export const pqaPanelMethods = {
  'GtmPqaPanelController.getPqaView': {
    cacheable: true,
    params: z.object({ accountId: id }),
    returns: PqaView
  },
  /**
   * "Log the touch": the owner's completed call, email or meeting becomes a Task on the account; the Task trigger
   * (GtmTouchService) sets the open SLA Met at once (Breached after due), the touch and its Task kept.
   */
  'GtmPqaPanelController.logTouch': {
    cacheable: false,
    params: z.object({ signalId: id, kind: z.enum(['Call', 'Email', 'Meeting']), note: z.string().nullish() }),
    returns: PqaView
  },
  /**
   * Disqualifies a PQA: the reason is required; the signal starts its cooldown (Pqa_Cooldown_Days) and an open SLA
   * clock stops (Excluded, the transition kept with its actor).
   */
  'GtmPqaPanelController.disqualify': {
    cacheable: false,
    params: z.object({ signalId: id, reason: z.string().min(1) }),
    returns: PqaView
  },
  'GtmPqaReadoutController.getReadout': {
    cacheable: true,
    /** asOf: the stored readout of this day (one of asOfs); null: the newest */
    params: z.object({ experimentKey: z.string().min(1), asOf: date.nullish() }),
    returns: PublishedReadoutView
  }
} as const;
