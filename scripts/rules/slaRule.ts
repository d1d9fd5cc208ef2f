/**
 * exp-001's first-touch SLA: when it is due, and which state a routed PQA is in at a given time. Apex twin of the
 * state rule: GtmSlaRule (its clock calls BusinessHours.add itself); both are tested against GtmRoutingVectors.json.
 *
 * - Clock: due = add(pool hours, routed at, Exp001_First_Touch_Sla_Hours); warning at Exp001_Sla_Warning_Pct percent
 *   of that interval; reassignment at Exp001_Sla_Reassign_Multiple times it, all in business time.
 * - States: the whole timeline follows from the times. A qualifying touch (by the owner, or by anyone when
 *   Exp001_Any_Touch_Counts) at or before due is Met at the touch; a later touch closes it as Breached. Without a touch,
 *   a disqualification or conversion before due stops the clock (Excluded); otherwise Warning at the warning time,
 *   Breached at due, Reassigned at the reassignment time. The judge returns the transitions after the record's
 *   current status, each with its time, so a sweep that runs late still records when each one happened.
 * - Met, Reassigned, Escalated and Excluded are final: nothing moves them.
 */
import { addBusinessTime, type BusinessHoursSchedule } from './businessHours';
import { instantMs, isoSeconds } from './routingRule';
import type { RulePolicy } from './ruleSupport';

export const SLA_STATUSES = ['Pending', 'Warning', 'Breached', 'Met', 'Reassigned', 'Escalated', 'Excluded'] as const;
export type SlaStatus = (typeof SLA_STATUSES)[number];
const FINAL: readonly SlaStatus[] = ['Met', 'Reassigned', 'Escalated', 'Excluded'];
/** What a sweep still moves (GtmTouchService's and GtmSlaSweep's OPEN_STATUSES in Apex). */
export const OPEN_SLA_STATUSES: readonly SlaStatus[] = SLA_STATUSES.filter((s) => !FINAL.includes(s));
/** The SLAs attainment counts, met or not: Met / (Met + Breached + Reassigned). */
export const ATTAINMENT_SLA_STATUSES: readonly SlaStatus[] = ['Met', 'Breached', 'Reassigned'];
const HOUR_MS = 3_600_000;

export interface SlaClock {
  warningAt: string;
  dueAt: string;
  reassignAt: string;
}

export function slaClock(schedule: BusinessHoursSchedule, routedAt: string, policy: RulePolicy): SlaClock {
  const start = instantMs(routedAt, 'routedAt');
  const slaMs = policy.integer('Exp001_First_Touch_Sla_Hours') * HOUR_MS;
  const warningMs = Math.floor((slaMs * policy.integer('Exp001_Sla_Warning_Pct')) / 100);
  const reassignMs = slaMs * policy.integer('Exp001_Sla_Reassign_Multiple');
  return {
    warningAt: isoSeconds(addBusinessTime(schedule, start, warningMs)),
    dueAt: isoSeconds(addBusinessTime(schedule, start, slaMs)),
    reassignAt: isoSeconds(addBusinessTime(schedule, start, reassignMs))
  };
}

export interface SlaState extends SlaClock {
  status: SlaStatus;
  routedAt: string;
  /** the first qualifying-type touch (completed call/email/meeting Task or an Event) on the account or its contacts */
  firstTouchAt: string | null;
  /** the touch was by the assigned owner */
  touchByOwner: boolean;
  /** Exp001_Any_Touch_Counts: a touch by someone else counts too */
  anyTouchCounts: boolean;
  disqualifiedAt: string | null;
  convertedAt: string | null;
}

export interface SlaTransition {
  from: SlaStatus;
  to: SlaStatus;
  at: string;
}

export interface SlaJudgement {
  status: SlaStatus;
  /** new transitions, oldest first */
  transitions: SlaTransition[];
}

/** Every status the record passes through up to `now`, with when it entered it. */
function timeline(state: SlaState, nowMs: number): { status: SlaStatus; at: number }[] {
  const ms = (v: string, what: string) => instantMs(v, what);
  const routed = ms(state.routedAt, 'routedAt');
  const warning = ms(state.warningAt, 'warningAt');
  const due = ms(state.dueAt, 'dueAt');
  const reassign = ms(state.reassignAt, 'reassignAt');
  const touchCounts = state.firstTouchAt !== null && (state.touchByOwner || state.anyTouchCounts);
  const touch = touchCounts ? ms(state.firstTouchAt!, 'firstTouchAt') : Infinity;
  const stops = [state.disqualifiedAt, state.convertedAt]
    .filter((v): v is string => v !== null)
    .map((v) => ms(v, 'disqualifiedAt/convertedAt'));
  const stop = stops.length ? Math.min(...stops) : Infinity;

  // ties: a touch at the due time is Met; a touch or stop at the same instant as a clock step wins over it
  const steps: { status: SlaStatus; at: number }[] = [{ status: 'Pending', at: routed }];
  if (warning < due && warning <= nowMs && warning < touch && warning < stop)
    steps.push({ status: 'Warning', at: warning });
  if (touch <= nowMs && touch <= due && touch <= stop) steps.push({ status: 'Met', at: touch });
  else if (stop <= nowMs && stop < due && stop < touch) steps.push({ status: 'Excluded', at: stop });
  else if (due <= nowMs) {
    steps.push({ status: 'Breached', at: due });
    if (reassign <= nowMs && reassign < touch && reassign < stop) steps.push({ status: 'Reassigned', at: reassign });
  }
  return steps;
}

export function judgeSla(state: SlaState, now: string): SlaJudgement {
  if (!SLA_STATUSES.includes(state.status))
    throw new Error(`SLA status ${String(state.status)} is not one of ${SLA_STATUSES.join(', ')}`);
  if (FINAL.includes(state.status)) return { status: state.status, transitions: [] };
  const steps = timeline(state, instantMs(now, 'now'));
  const at = steps.findIndex((s) => s.status === state.status);
  const newer = at < 0 ? steps : steps.slice(at + 1);
  const transitions: SlaTransition[] = [];
  let from = state.status;
  for (const s of newer) {
    transitions.push({ from, to: s.status, at: isoSeconds(s.at) });
    from = s.status;
  }
  return { status: from, transitions };
}
