/**
 * The program cockpit's page (issue 19): the five KPI tiles with their weekly trend and the experiment portfolio
 * with the latest readouts, their recommendations and the decision / sign-off action. Spread into panelMethods
 * (panelContracts.ts), so the workbench stand-in and the LWC hold to it like every other panel contract.
 */
import { z } from 'zod';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const id = z.string().min(1);
const int = z.number().int();
const maybe = <T extends z.ZodType>(t: T) => t.nullish();

export const ProgramKpiView = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.enum(['ratio', 'days']),
  direction: z.string(),
  value: maybe(z.number()),
  /** a median not reached: the longest follow-up ("> t days") */
  atLeast: maybe(z.number()),
  low: maybe(z.number()),
  high: maybe(z.number()),
  n: int,
  events: int,
  atRisk: int,
  provisional: z.boolean(),
  baseline: z.number(),
  target: z.number(),
  progress: maybe(z.number()),
  status: z.string(),
  statusNote: z.string(),
  caveat: z.string(),
  trend: z.array(z.object({ asOf: date, value: maybe(z.number()) }))
});

export const ProgramReadoutView = z.object({
  /** the GTM_Experiment_Readout__c Id; null: computed for the page, not stored (nothing to decide on) */
  readoutId: maybe(id),
  readoutKey: z.string(),
  experiment: z.string(),
  name: z.string(),
  designLabel: z.string(),
  nText: z.string(),
  estimateText: z.string(),
  /** the primary KPI's unit (ratio | days) and the estimate's numbers, for the page to format in that unit */
  unit: maybe(z.string()),
  treatmentValue: maybe(z.number()),
  controlValue: maybe(z.number()),
  improvement: maybe(z.number()),
  recommendation: z.string(),
  reasons: z.array(z.string()),
  decision: maybe(z.string()),
  decidedBy: maybe(z.string()),
  overrideReason: maybe(z.string()),
  secondApprover: maybe(z.string()),
  published: z.boolean()
});

/** The rollout audit (phase 3) stored by gtm scorecard audit (GTM_Rollout_Audit__c), as the page's three tiles. */
export const ProgramAuditView = z.object({
  asOf: date,
  status: z.enum(['pass', 'attention', 'fail']),
  sections: z.array(
    z.object({
      key: z.string(),
      title: z.string(),
      status: z.enum(['pass', 'attention', 'fail']),
      reason: z.string(),
      n: int,
      thresholdText: z.string(),
      figures: z.array(z.string())
    })
  )
});

export const ProgramView = z.object({
  asOf: date,
  kpis: z.array(ProgramKpiView),
  readouts: z.array(ProgramReadoutView),
  /** who may be named second approver */
  approvers: z.array(z.object({ id, name: z.string() })),
  decisions: z.array(z.string()),
  canDecide: z.boolean(),
  /** the latest rollout audit stored on or before the day; null: none (run gtm scorecard audit) */
  audit: maybe(ProgramAuditView)
});

export const programMethods = {
  'GtmProgramController.getProgram': {
    cacheable: false,
    /** asOf: the day the KPIs are computed at; null: today */
    params: z.object({ asOf: date.nullish() }),
    returns: ProgramView
  },
  'GtmProgramController.decideReadout': {
    cacheable: false,
    params: z.object({
      readoutId: id,
      decision: z.string().min(1),
      overrideReason: z.string().nullish(),
      secondApproverId: id.nullish(),
      asOf: date.nullish()
    }),
    returns: ProgramView
  }
} as const;
